//! Issuing a certificate: under the CA's lock, check where the result goes, draw a serial
//! no certificate in the index has, sign, hand the result out, keep a copy in `certs/` and
//! append one record to the index (a single append, so issuing costs the same at 100,000
//! records as at ten, apart from reading the serials).

use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::cert::{self, CertParams};
use crate::pki::key::PrivateKey;
use crate::pki::name::{self, hex_lower};
use crate::pki::san;

use super::index::{self, Record, Status};
use super::output::{OutputPlan, Product};
use super::policy::{self, IssueRequest, Note};
use super::{Ca, CaError, dir, io_failed, perms};

/// The result of an issuance.
#[derive(Debug, Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub serial: String,
    pub not_after: i64,
    pub notes: Vec<Note>,
}

impl Ca {
    /// Signs `req` with `key` (checked with [`Self::check_key`] by the caller), records it
    /// in the index and keeps a copy in `certs/`. The caller delivers the certificate itself.
    pub fn issue(&self, key: &PrivateKey, req: &IssueRequest, now: i64) -> Result<Issued, CaError> {
        self.issue_to(key, req, now, &OutputPlan::default())
    }

    /// Like [`Self::issue`], writing the result as `plan` says. The plan is checked under
    /// the lock before a serial is drawn, and written before the index records the
    /// certificate: when an output cannot be written nothing is recorded.
    pub fn issue_to(
        &self,
        key: &PrivateKey,
        req: &IssueRequest,
        now: i64,
        plan: &OutputPlan,
    ) -> Result<Issued, CaError> {
        self.check_valid(now)?;
        let d = policy::decide(self, req, now)?;

        let _lock = self.lock()?;
        plan.check()?;
        let text = self.index_text()?;
        index::check_structure(&text).map_err(|e| self.index_error(e))?;
        let serial = new_serial(|s| index::has_serial(&text, s));
        let serial_hex = hex_lower(&serial);
        let der = cert::sign(
            &CertParams {
                serial: &serial,
                issuer: self.subject_der(),
                subject: &req.subject,
                spki: &req.spki,
                not_before: d.not_before,
                not_after: d.not_after,
                extensions: d.extensions,
            },
            key,
        )?;
        let created = plan.write(&Product::Cert {
            der: &der,
            chain_pem: &self.chain_pem,
        })?;
        let record = (|| {
            let certs = self.dir.join(dir::CERTS);
            perms::create_private_dir(&certs).map_err(io_failed("create", &certs))?;
            let rel = format!("{}/{serial_hex}.pem", dir::CERTS);
            fsio::write_atomic(
                &self.dir.join(&rel),
                pem::encode("CERTIFICATE", &der).as_bytes(),
                Mode::Public,
                false,
            )?;
            let rec = Record {
                serial: serial_hex.clone(),
                status: Status::Valid,
                not_after: d.not_after,
                revoked_at: None,
                reason: None,
                subject: name::to_rfc4514(&d.subject),
                sans: d.sans.iter().map(san::display).collect(),
                file: Some(rel),
            };
            let path = self.index_path();
            index::append(&path, &rec).map_err(io_failed("append to", &path))
        })();
        if let Err(e) = record {
            OutputPlan::undo(&created);
            return Err(e);
        }
        Ok(Issued {
            der,
            serial: serial_hex,
            not_after: d.not_after,
            notes: d.notes,
        })
    }

    /// The leaf PEM followed by this CA's chain (root excluded).
    pub fn with_chain(&self, leaf_der: &[u8]) -> String {
        let mut out = pem::encode("CERTIFICATE", leaf_der);
        out.push_str(&self.chain_pem);
        out
    }
}

/// A new serial number: 16 random bytes with the top bit cleared (so the INTEGER is positive
/// without a sign byte) and a non-zero first byte (so it keeps all 16 bytes): over 126 bits
/// of entropy, well above the 64 bits the CA/Browser Forum requires (BR §7.1). Never one
/// for which `taken` is true (one already in the index).
pub(super) fn new_serial(taken: impl Fn(&str) -> bool) -> Vec<u8> {
    use rand::Rng;
    let mut rng = rand::rng();
    loop {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        b[0] &= 0x7f;
        if b[0] == 0 {
            continue;
        }
        if !taken(&hex_lower(&b)) {
            return b.to_vec();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_positive_16_bytes_and_avoid_taken_ones() {
        for _ in 0..100 {
            let s = new_serial(|_| false);
            assert_eq!(s.len(), 16);
            assert!(s[0] != 0 && s[0] < 0x80);
        }
        let first = std::cell::Cell::new(true);
        let s = new_serial(|_| first.replace(false));
        assert_eq!(s.len(), 16, "a taken serial is drawn again");
    }
}
