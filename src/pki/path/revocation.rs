//! Revocation by CRL (RFC 5280 §6.3, without delta CRLs or distribution-point scoping): a
//! certificate is checked against a CRL whose issuer name is its issuer's, whose signature
//! verifies with the issuer's key and which is current at the verification time.

use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::KeyUsages;

use super::pool::PoolCert;
use super::report::{Failure, Outcome};
use crate::pki::chain::names_match;
use crate::pki::inspect::{self, rfc3339};
use crate::pki::name::{hex_lower, to_rfc4514};
use crate::pki::{oids, verify};

/// A parsed CRL.
pub struct Crl {
    der: Vec<u8>,
    list: CertificateList,
    issuer_der: Vec<u8>,
}

impl Crl {
    /// Parses a DER CRL; the error says why it is not one.
    pub fn parse(der: &[u8]) -> Result<Crl, String> {
        let list = CertificateList::from_der(der).map_err(|e| e.to_string())?;
        let issuer_der = list
            .tbs_cert_list
            .issuer
            .to_der()
            .map_err(|e| e.to_string())?;
        Ok(Crl {
            der: der.to_vec(),
            list,
            issuer_der,
        })
    }

    fn verify_by(&self, issuer: &PoolCert) -> Result<(), String> {
        verify::verify_signed(
            &self.der,
            &self.list.signature_algorithm,
            &self.list.signature,
            issuer.cert.tbs_certificate().subject_public_key_info(),
            "CRL",
        )
    }
}

/// CRL extensions that may be critical here: none changes which certificates a full CRL
/// covers.
const UNDERSTOOD_CRL_EXTS: [der::oid::ObjectIdentifier; 2] =
    [oids::EXT_CRL_NUMBER, oids::EXT_AUTHORITY_KEY_ID];
/// Entry extensions: reason code and invalidity date.
const UNDERSTOOD_ENTRY_EXTS: [der::oid::ObjectIdentifier; 2] = [
    oids::EXT_CRL_REASON,
    der::oid::ObjectIdentifier::new_unwrap("2.5.29.24"),
];

/// Checks `cert` (issued by `issuer`) against the CRLs. Without a CRL from the issuer the
/// outcome is a failure when `required` (the target), else skipped.
pub fn check(cert: &PoolCert, issuer: &PoolCert, crls: &[Crl], at: i64, required: bool) -> Outcome {
    let issuer_name = issuer.subject.clone();
    let fail = |failure| Outcome::Fail { failure };
    let named: Vec<&Crl> = crls
        .iter()
        .filter(|c| names_match(&c.issuer_der, &issuer.facts.subject))
        .collect();
    if named.is_empty() {
        return if required {
            fail(Failure::NoCrl {
                subject: cert.subject.clone(),
                issuer: issuer_name,
            })
        } else {
            Outcome::Skipped {
                why: format!("no CRL from {issuer_name} was given"),
            }
        };
    }
    match issuer.key_usage() {
        Err(f) => return fail(f),
        Ok(Some(ku)) if !ku.0.contains(KeyUsages::CRLSign) => {
            return fail(Failure::CrlSignMissing {
                issuer: issuer_name,
            });
        }
        Ok(_) => {}
    }
    let mut signed_by_issuer = Vec::new();
    let mut first_error = None;
    for c in named {
        match c.verify_by(issuer) {
            Ok(()) => signed_by_issuer.push(c),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    // The newest CRL signed by the issuer decides.
    signed_by_issuer
        .sort_by_key(|c| std::cmp::Reverse(c.list.tbs_cert_list.this_update.to_unix_duration()));
    let Some(crl) = signed_by_issuer.first() else {
        return fail(Failure::CrlBadSignature {
            issuer: issuer_name,
            error: first_error.unwrap_or_default(),
        });
    };
    let tbs = &crl.list.tbs_cert_list;
    if let Some(e) = tbs
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.critical && !UNDERSTOOD_CRL_EXTS.contains(&e.extn_id))
    {
        return fail(Failure::CrlUnsupported {
            issuer: issuer_name,
            extension: inspect::extension_name(&e.extn_id),
        });
    }
    if tbs.this_update.to_unix_duration().as_secs() as i64 > at {
        return fail(Failure::CrlNotYetValid {
            issuer: issuer_name,
            this_update: rfc3339(&tbs.this_update),
        });
    }
    if let Some(next) = &tbs.next_update
        && (next.to_unix_duration().as_secs() as i64) < at
    {
        return fail(Failure::CrlExpired {
            issuer: issuer_name,
            next_update: rfc3339(next),
        });
    }
    let serial = trim_zeros(cert.cert.tbs_certificate().serial_number().as_bytes());
    for entry in tbs.revoked_certificates.iter().flatten() {
        if let Some(e) = entry
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|e| e.critical && !UNDERSTOOD_ENTRY_EXTS.contains(&e.extn_id))
        {
            return fail(Failure::CrlUnsupported {
                issuer: issuer_name,
                extension: inspect::extension_name(&e.extn_id),
            });
        }
        if trim_zeros(entry.serial_number.as_bytes()) != serial {
            continue;
        }
        // RFC 5280 §6.3.3: listed means revoked, whatever the revocation date.
        let revocation_reason = entry
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oids::EXT_CRL_REASON)
            .and_then(|e| x509_cert::ext::pkix::CrlReason::from_der(e.extn_value.as_bytes()).ok())
            .map(inspect::crl_reason_name);
        return fail(Failure::Revoked {
            subject: cert.subject.clone(),
            serial: hex_lower(serial),
            date: rfc3339(&entry.revocation_date),
            revocation_reason,
        });
    }
    Outcome::Pass {
        detail: format!(
            "not revoked: serial {} is not on the CRL of {} (thisUpdate {})",
            hex_lower(serial),
            to_rfc4514(&tbs.issuer),
            rfc3339(&tbs.this_update)
        ),
    }
}

fn trim_zeros(b: &[u8]) -> &[u8] {
    let lead = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[lead..]
}
