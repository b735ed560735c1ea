//! Revocation and CRLs: marking an index record revoked, and signing a CRL of every revoked
//! certificate with the next CRL number.

use std::path::Path;

use der::Decode;
use x509_cert::Certificate;

use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::crl::{self, Reason, Revoked};
use crate::pki::key::PrivateKey;
use crate::pki::name::{self, hex_lower};
use crate::pki::signed;

use super::dir::{self, Config};
use super::index::{Record, Status};
use super::init::write_config;
use super::output::{OutputPlan, Product};
use super::{BACKDATE, Ca, CaError, DAY, corrupt, read};

impl Ca {
    /// Marks a certificate revoked in the index.
    pub fn revoke(&self, serial: &str, reason: Reason, now: i64) -> Result<Record, CaError> {
        let wanted = normalize_serial(serial)?;
        let _lock = self.lock()?;
        let mut idx = self.index()?;
        let rec = idx
            .records
            .iter_mut()
            .find(|r| r.serial.trim_start_matches('0') == wanted)
            .ok_or_else(|| CaError::UnknownSerial(serial.to_string()))?;
        if rec.status == Status::Revoked {
            return Err(CaError::AlreadyRevoked(rec.serial.clone()));
        }
        rec.status = Status::Revoked;
        rec.revoked_at = Some(now);
        rec.reason = Some(reason);
        let out = rec.clone();
        self.write_index(&idx)?;
        Ok(out)
    }

    /// The serial (hex) of `cert_der` when this CA issued it.
    pub fn serial_of(&self, cert_der: &[u8]) -> Result<String, CaError> {
        let cert = Certificate::from_der(cert_der)
            .map_err(|e| corrupt(Path::new("--cert"), format!("not a certificate: {e}")))?;
        let (issuer, _) = signed::cert_issuer_subject(cert_der).unwrap_or_default();
        if issuer != self.subject_der()
            && !name::names_equal(
                cert.tbs_certificate().issuer(),
                self.cert().tbs_certificate().subject(),
            )
        {
            return Err(CaError::OtherIssuer(name::to_rfc4514(
                cert.tbs_certificate().issuer(),
            )));
        }
        Ok(hex_lower(cert.tbs_certificate().serial_number().as_bytes()))
    }

    /// Signs a CRL listing every revoked certificate in the index, valid for `days`;
    /// increments and stores the CRL number and keeps a copy in `crl.pem`, and writes the
    /// CRL as `plan` says. The plan is checked under the lock first and written before
    /// `crl.pem` and the CRL number change, so a CRL that cannot be delivered burns no number.
    pub fn crl_to(
        &self,
        key: &PrivateKey,
        days: u32,
        now: i64,
        plan: &OutputPlan,
    ) -> Result<SignedCrl, CaError> {
        self.check_valid(now)?;
        let key_id = self.key_id()?;
        let _lock = self.lock()?;
        plan.check()?;
        let idx = self.index()?;
        let cfg_path = self.dir.join(dir::CONFIG);
        let mut config: Config = serde_json::from_slice(&read(&cfg_path)?)
            .map_err(|e| corrupt(&cfg_path, e.to_string()))?;
        config.crl_number += 1;
        let mut revoked = Vec::new();
        for r in idx.records.iter().filter(|r| r.status == Status::Revoked) {
            revoked.push(Revoked {
                serial: hex_decode(&r.serial)
                    .ok_or_else(|| CaError::BadSerial(r.serial.clone()))?,
                date: r.revoked_at.unwrap_or(now),
                reason: r.reason,
            });
        }
        let der = crl::sign(
            &crl::CrlParams {
                issuer: self.subject_der(),
                issuer_key_id: &key_id,
                this_update: now - BACKDATE,
                next_update: now + i64::from(days) * DAY,
                number: config.crl_number,
                revoked: &revoked,
            },
            key,
        )?;
        let created = plan.write(&Product::Crl(&der))?;
        let kept = (|| {
            fsio::write_atomic(
                &self.dir.join(dir::CRL),
                pem::encode("X509 CRL", &der).as_bytes(),
                Mode::Public,
                true,
            )?;
            write_config(&self.dir, &config)
        })();
        if let Err(e) = kept {
            OutputPlan::undo(&created);
            return Err(e);
        }
        Ok(SignedCrl {
            der,
            number: config.crl_number,
            revoked: revoked.len(),
        })
    }
}

/// A CRL just signed: its DER, its number, and how many revoked certificates it lists.
pub struct SignedCrl {
    pub der: Vec<u8>,
    pub number: u64,
    pub revoked: usize,
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Accepts `5C1E…`, `5c:1e:…`, `0x5c1e…`, `serial=5C1E…`; returns lowercase hex without
/// leading zeros.
fn normalize_serial(s: &str) -> Result<String, CaError> {
    let t = s.trim();
    let t = t.strip_prefix("serial=").unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let hex: String = t.chars().filter(|c| *c != ':').collect();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CaError::BadSerial(s.to_string()));
    }
    let norm = hex.to_ascii_lowercase().trim_start_matches('0').to_string();
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_forms_normalise() {
        assert_eq!(normalize_serial("0x00AB:cd").unwrap(), "abcd");
        assert_eq!(normalize_serial("serial=7F01").unwrap(), "7f01");
        assert!(normalize_serial("xyz").is_err());
    }
}
