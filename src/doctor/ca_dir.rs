//! CA directory rules (`keychest ca` layout, docs/ca.md): the CA key's mode and the
//! ownership and modes that make keychest refuse the folder (`ca::perms`), the index
//! against the copies in `certs/`, the CRL (expired, missing although certificates are
//! revoked, or not listing every revocation), and serial numbers too short to be
//! unpredictable.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use der::Decode;
use x509_cert::crl::CertificateList;

use super::{Finding, Severity, shell_quote};
use crate::ca::{Ca, CaError, dir, index::Status, perms};
use crate::pki::inspect::unix_rfc3339;
use crate::pki::name::hex_lower;

/// The CA/Browser Forum asks for at least 64 bits of serial-number entropy (BR §7.1).
pub const MIN_SERIAL_BYTES: usize = 8;

pub fn check(path: &Path, now: i64, out: &mut Vec<Finding>) {
    let qdir = shell_quote(&path.display().to_string());
    let ca = match Ca::open_to_inspect(path) {
        Ok(ca) => ca,
        Err(e) => {
            out.push(Finding::new(
                Severity::Error,
                "ca.unreadable",
                path,
                format!("not a usable CA directory: {e}"),
            ));
            return;
        }
    };
    let key_path = path.join(dir::KEY);
    let key_mode = std::fs::metadata(&key_path).map(|m| m.permissions().mode());
    if let Ok(mode) = key_mode {
        super::keys::check_ca_key(&key_path, mode, out);
    }
    // What makes every CA command refuse the folder (`ca::perms`); a key readable by others
    // is `keys.ca-key-mode` above, so it is not reported twice.
    if let Err(CaError::Unsafe {
        path: at,
        problem,
        fix,
    }) = perms::check(path)
        && !(at == key_path && key_mode.is_ok_and(|m| m & 0o077 != 0))
    {
        out.push(
            Finding::new(
                Severity::Error,
                "ca.unsafe-permissions",
                &at,
                format!("{problem}: keychest refuses to use the CA until it is fixed"),
            )
            .fix(fix),
        );
    }
    let idx = match ca.index() {
        Ok(i) => i,
        Err(e) => {
            out.push(Finding::new(
                Severity::Error,
                "ca.index-mismatch",
                &path.join(crate::ca::index::FILE_NAME),
                format!("the index cannot be read: {e}"),
            ));
            return;
        }
    };
    let index_file = path.join(crate::ca::index::FILE_NAME);

    // The index against certs/.
    let mut listed: HashSet<std::path::PathBuf> = HashSet::new();
    for r in &idx.records {
        let Some(rel) = &r.file else { continue };
        let p = path.join(rel);
        listed.insert(p.clone());
        match crate::fsio::read_input(&p) {
            Err(_) => out.push(Finding::new(
                Severity::Warning,
                "ca.index-mismatch",
                &index_file,
                format!("serial {} is listed with {rel}, which is missing", r.serial),
            )),
            Ok(bytes) => {
                let serial = first_block(&bytes, "CERTIFICATE").and_then(|der| {
                    x509_cert::Certificate::from_der(&der)
                        .ok()
                        .map(|c| hex_lower(c.tbs_certificate().serial_number().as_bytes()))
                });
                if serial.as_deref() != Some(r.serial.as_str()) {
                    out.push(Finding::new(
                        Severity::Warning,
                        "ca.index-mismatch",
                        &index_file,
                        format!(
                            "serial {} is listed with {rel}, which holds {}",
                            r.serial,
                            serial.map_or("no certificate".into(), |s| format!("serial {s}"))
                        ),
                    ));
                }
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(path.join(dir::CERTS)) {
        let mut extra: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !listed.contains(p))
            .collect();
        extra.sort();
        for p in extra {
            out.push(Finding::new(
                Severity::Warning,
                "ca.index-mismatch",
                &p,
                format!(
                    "not in {}: the CA cannot revoke or list what it does not know it issued",
                    crate::ca::index::FILE_NAME
                ),
            ));
        }
    }

    let short = idx
        .records
        .iter()
        .filter(|r| r.serial.len().div_ceil(2) < MIN_SERIAL_BYTES)
        .count();
    if short > 0 {
        out.push(Finding::new(
            Severity::Warning,
            "ca.short-serial",
            &index_file,
            format!(
                "{short} certificate(s) have serial numbers under {} bits: predictable serials enable chosen-prefix collision attacks (CA/B BR §7.1)",
                MIN_SERIAL_BYTES * 8
            ),
        ));
    }

    // The CRL.
    let revoked: Vec<&str> = idx
        .records
        .iter()
        .filter(|r| r.status == Status::Revoked)
        .map(|r| r.serial.as_str())
        .collect();
    let crl_path = path.join(dir::CRL);
    let crl_fix = format!("keychest ca crl {qdir} --pass SRC > /dev/null");
    match crate::fsio::read_input(&crl_path) {
        Err(_) if !revoked.is_empty() => out.push(
            Finding::new(
                Severity::Warning,
                "ca.crl-missing",
                path,
                format!(
                    "{} certificate(s) are revoked but no CRL was ever written: relying parties still accept them",
                    revoked.len()
                ),
            )
            .fix(crl_fix),
        ),
        Err(_) => {}
        Ok(bytes) => {
            let Some(crl) = first_block(&bytes, "X509 CRL")
                .and_then(|d| <CertificateList>::from_der(&d).ok())
            else {
                out.push(Finding::new(
                    Severity::Error,
                    "ca.crl-expired",
                    &crl_path,
                    "the CRL does not parse".into(),
                ).fix(crl_fix));
                return;
            };
            let tbs = &crl.tbs_cert_list;
            if let Some(next) = &tbs.next_update {
                let next = next.to_unix_duration().as_secs() as i64;
                if next < now {
                    out.push(
                        Finding::new(
                            Severity::Error,
                            "ca.crl-expired",
                            &crl_path,
                            format!(
                                "the CRL's nextUpdate passed on {}: clients that check revocation reject every certificate of this CA",
                                unix_rfc3339(next)
                            ),
                        )
                        .fix(crl_fix.clone()),
                    );
                }
            }
            let listed: HashSet<String> = tbs
                .revoked_certificates
                .iter()
                .flatten()
                .map(|r| hex_lower(r.serial_number.as_bytes()))
                .collect();
            let unlisted = revoked.iter().filter(|s| !listed.contains(**s)).count();
            if unlisted > 0 {
                out.push(
                    Finding::new(
                        Severity::Warning,
                        "ca.crl-stale",
                        &crl_path,
                        format!(
                            "{unlisted} revoked certificate(s) are not in the CRL yet: relying parties still accept them"
                        ),
                    )
                    .fix(crl_fix),
                );
            }
        }
    }
}

/// The first `label` block of PEM bytes, or DER bytes as they are; None when there is
/// none or the PEM is broken (the rules report that the object does not parse).
fn first_block(bytes: &[u8], label: &str) -> Option<Vec<u8>> {
    crate::pem::first_der(bytes, label).ok().flatten()
}
