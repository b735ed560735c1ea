//! Certificate revocation lists (RFC 5280 §5): a v2 CRL with a CRL number and the issuer's
//! key identifier, and a reason code on each entry that has one.

use der::asn1::{AnyRef, OctetString, Uint};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::time::Time;

use super::cert::{self, CertError};
use super::key::PrivateKey;
use super::oids;

/// CRLReason (RFC 5280 §5.3.1). Values 7 (unused), removeFromCRL and aACompromise are
/// not offered: they make no sense for a local CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reason {
    Unspecified,
    KeyCompromise,
    #[serde(rename = "cACompromise")]
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::CertificateHold,
        Reason::PrivilegeWithdrawn,
    ];

    /// The RFC 5280 name, as OpenSSL prints it in `openssl crl -text` (lower camel case).
    pub fn name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::CertificateHold => "certificateHold",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// The CRLReason ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::CertificateHold => 6,
            Reason::PrivilegeWithdrawn => 9,
        }
    }
}

impl std::str::FromStr for Reason {
    type Err = String;
    /// Accepts the RFC 5280 names in any case, with or without dashes/underscores.
    fn from_str(s: &str) -> Result<Self, String> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Reason::ALL
            .into_iter()
            .find(|r| r.name().to_ascii_lowercase() == norm)
            .ok_or_else(|| {
                let names: Vec<&str> = Reason::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown revocation reason '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// ```text
/// revokedCertificates SEQUENCE OF SEQUENCE {
///      userCertificate         CertificateSerialNumber,
///      revocationDate          Time,
///      crlEntryExtensions      Extensions OPTIONAL }
/// ```
#[derive(Sequence)]
struct RevokedEntry {
    serial: Uint,
    date: Time,
    extensions: Option<Vec<Extension>>,
}

/// TBSCertList (RFC 5280 §5.1.2), v2.
#[derive(Sequence)]
struct TbsCertList<'a> {
    version: u8,
    signature: AlgorithmIdentifierOwned,
    issuer: AnyRef<'a>,
    this_update: Time,
    next_update: Option<Time>,
    revoked: Option<Vec<RevokedEntry>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// One revoked certificate.
#[derive(Debug, Clone)]
pub struct Revoked {
    /// Serial number, big-endian, positive.
    pub serial: Vec<u8>,
    /// Unix seconds.
    pub date: i64,
    /// None for `unspecified` (RFC 5280 §5.3.1: the reason code SHOULD then be absent).
    pub reason: Option<Reason>,
}

#[derive(Debug, Clone)]
pub struct CrlParams<'a> {
    /// The CA certificate's subject, DER, verbatim.
    pub issuer: &'a [u8],
    pub issuer_key_id: &'a [u8],
    pub this_update: i64,
    pub next_update: i64,
    pub number: u64,
    pub revoked: &'a [Revoked],
}

/// Builds and signs a CRL; returns its DER.
pub fn sign(p: &CrlParams<'_>, key: &PrivateKey) -> Result<Vec<u8>, CertError> {
    let mut entries = Vec::with_capacity(p.revoked.len());
    for r in p.revoked {
        let extensions = match r.reason {
            Some(reason) if reason != Reason::Unspecified => Some(vec![Extension {
                extn_id: oids::EXT_CRL_REASON,
                critical: false,
                // CRLReason ::= ENUMERATED
                extn_value: OctetString::new(vec![0x0a, 0x01, reason.code()])?,
            }]),
            _ => None,
        };
        entries.push(RevokedEntry {
            serial: Uint::new(&r.serial)?,
            date: cert::x509_time(r.date)?,
            extensions,
        });
    }
    let number = Uint::new(&p.number.to_be_bytes())?;
    let tbs = TbsCertList {
        version: 1,
        signature: key.signature_algorithm(),
        issuer: AnyRef::from_der(p.issuer)?,
        this_update: cert::x509_time(p.this_update)?,
        next_update: Some(cert::x509_time(p.next_update)?),
        revoked: (!entries.is_empty()).then_some(entries),
        extensions: Some(vec![
            cert::authority_key_id(p.issuer_key_id)?,
            Extension {
                extn_id: oids::EXT_CRL_NUMBER,
                critical: false,
                extn_value: OctetString::new(number.to_der()?)?,
            },
        ]),
    }
    .to_der()?;
    cert::sign_tbs(&tbs, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_parse_loosely() {
        assert_eq!("keyCompromise".parse(), Ok(Reason::KeyCompromise));
        assert_eq!("key-compromise".parse(), Ok(Reason::KeyCompromise));
        assert_eq!("CACOMPROMISE".parse(), Ok(Reason::CaCompromise));
        assert!("removeFromCRL".parse::<Reason>().is_err());
        for r in Reason::ALL {
            assert_eq!(r.name().parse(), Ok(r));
        }
    }

    #[test]
    fn crl_parses_with_x509_cert() {
        let key = PrivateKey::generate(super::super::key::KeyType::P256).unwrap();
        let name = super::super::name::parse_dn("CN=CA")
            .unwrap()
            .to_der()
            .unwrap();
        let revoked = [Revoked {
            serial: vec![0x7f, 1, 2],
            date: 1_700_000_000,
            reason: Some(Reason::KeyCompromise),
        }];
        let der = sign(
            &CrlParams {
                issuer: &name,
                issuer_key_id: &[1; 20],
                this_update: 1_700_000_000,
                next_update: 1_800_000_000,
                number: 7,
                revoked: &revoked,
            },
            &key,
        )
        .unwrap();
        let crl: x509_cert::crl::CertificateList =
            x509_cert::crl::CertificateList::from_der(&der).unwrap();
        assert_eq!(crl.tbs_cert_list.revoked_certificates.unwrap().len(), 1);
    }
}
