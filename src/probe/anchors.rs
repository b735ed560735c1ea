//! Trust anchors for verifying a server: the platform's set (through `rustls-native-certs`,
//! which honours `SSL_CERT_FILE` / `SSL_CERT_DIR` and probes the usual bundle locations), and
//! the filter that keeps only the anchors webpki can use, naming every one it skips.
//!
//! An anchor that does not parse is skipped with a warning; it never empties the set. An
//! empty set is not "verification off": the probe refuses to verify against nothing
//! ([`super::ProbeError::NoTrustAnchors`]).

use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use crate::store::CertDer;

/// Anchors as loaded, with one warning per file, certificate or directory that was skipped.
#[derive(Debug, Default)]
pub struct Anchors {
    pub certs: Vec<CertDer>,
    pub warnings: Vec<String>,
}

/// The platform's trust anchors. Read errors and unusable certificates become warnings.
pub fn system() -> Anchors {
    let found = rustls_native_certs::load_native_certs();
    // PEM errors do not carry their file: name where the anchors came from instead.
    let origin = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .filter_map(|v| std::env::var_os(v).map(|p| format!("{v}={}", p.to_string_lossy())))
        .collect::<Vec<_>>()
        .join(", ");
    let origin = if origin.is_empty() {
        "the system bundle".to_string()
    } else {
        origin
    };
    let mut out = Anchors {
        certs: Vec::with_capacity(found.certs.len()),
        warnings: found
            .errors
            .iter()
            .map(|e| format!("system trust anchors ({origin}): skipped: {e}"))
            .collect(),
    };
    for cert in found.certs {
        match check(cert.as_ref()) {
            Ok(()) => out.certs.push(cert.as_ref().to_vec()),
            Err(why) => out.warnings.push(format!(
                "system trust anchors ({origin}): skipped the certificate with SHA-256 {}: {why}",
                fingerprint(cert.as_ref())
            )),
        }
    }
    out
}

/// Keeps the certificates webpki accepts as anchors, naming each one it skips by `origin`
/// and position.
pub fn usable(certs: Vec<CertDer>, origin: &str) -> Anchors {
    let mut out = Anchors::default();
    for (i, cert) in certs.into_iter().enumerate() {
        match check(&cert) {
            Ok(()) => out.certs.push(cert),
            Err(why) => out.warnings.push(format!(
                "{origin}: skipped certificate {} (SHA-256 {}): {why}",
                i + 1,
                fingerprint(&cert)
            )),
        }
    }
    out
}

/// Whether webpki can use the certificate as a trust anchor.
fn check(der: &[u8]) -> Result<(), String> {
    let mut store = rustls::RootCertStore::empty();
    store
        .add(CertificateDer::from(der))
        .map_err(|e| e.to_string())
}

fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_certificate_is_named_and_skipped() {
        let a = usable(vec![vec![0x30, 0x03, 0x02, 0x01, 0x01]], "bundle.pem");
        assert!(a.certs.is_empty());
        assert_eq!(a.warnings.len(), 1);
        assert!(
            a.warnings[0].starts_with("bundle.pem: skipped certificate 1 (SHA-256 "),
            "{:?}",
            a.warnings
        );
    }
}
