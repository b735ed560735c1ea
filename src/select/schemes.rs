//! TLS signature schemes (RFC 8446 §4.2.3) as a server lists them in its CertificateRequest,
//! and which client keys can sign with them.

use serde::Serialize;

/// A signature scheme code point with its IANA name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SigScheme(pub u16);

const NAMES: &[(u16, &str)] = &[
    (0x0201, "rsa_pkcs1_sha1"),
    (0x0203, "ecdsa_sha1"),
    (0x0401, "rsa_pkcs1_sha256"),
    (0x0501, "rsa_pkcs1_sha384"),
    (0x0601, "rsa_pkcs1_sha512"),
    (0x0403, "ecdsa_secp256r1_sha256"),
    (0x0503, "ecdsa_secp384r1_sha384"),
    (0x0603, "ecdsa_secp521r1_sha512"),
    (0x0804, "rsa_pss_rsae_sha256"),
    (0x0805, "rsa_pss_rsae_sha384"),
    (0x0806, "rsa_pss_rsae_sha512"),
    (0x0807, "ed25519"),
    (0x0808, "ed448"),
    (0x0809, "rsa_pss_pss_sha256"),
    (0x080a, "rsa_pss_pss_sha384"),
    (0x080b, "rsa_pss_pss_sha512"),
];

impl SigScheme {
    pub fn name(self) -> String {
        NAMES
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| format!("0x{:04x}", self.0))
    }
}

/// Whether a client key ("RSA", "EC" + curve, "Ed25519", as `inspect::PublicKeyInfo` names
/// them) can sign with `scheme` — as the handshake's signer (rustls, with keychest's TLS 1.2
/// ECDSA signer) decides. In TLS 1.3 an ECDSA scheme names curve and hash; in TLS 1.2 it
/// names only the hash, so any curve keychest signs with (P-256, P-384) fits every ECDSA
/// scheme there.
pub fn key_can_use(algorithm: &str, curve: Option<&str>, scheme: SigScheme, tls13: bool) -> bool {
    const ECDSA_SHA2: [u16; 3] = [0x0403, 0x0503, 0x0603];
    match (algorithm, curve) {
        ("RSA", _) => matches!(
            scheme.0,
            0x0201 | 0x0401 | 0x0501 | 0x0601 | 0x0804..=0x0806
        ),
        ("EC", Some("P-256" | "P-384")) if !tls13 => ECDSA_SHA2.contains(&scheme.0),
        ("EC", Some("P-256")) => scheme.0 == 0x0403,
        ("EC", Some("P-384")) => scheme.0 == 0x0503,
        ("EC", Some("P-521")) => scheme.0 == 0x0603,
        ("Ed25519", _) => scheme.0 == 0x0807,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_binding_applies_to_tls13_only() {
        let p256_sha256 = SigScheme(0x0403);
        assert!(key_can_use("EC", Some("P-384"), p256_sha256, false));
        assert!(!key_can_use("EC", Some("P-384"), p256_sha256, true));
        assert!(key_can_use("EC", Some("P-256"), SigScheme(0x0503), false));
        assert!(!key_can_use("EC", Some("P-256"), SigScheme(0x0503), true));
        assert!(key_can_use("EC", Some("P-384"), SigScheme(0x0503), true));
        assert!(!key_can_use("EC", Some("P-384"), SigScheme(0x0401), false));
        assert!(!key_can_use("RSA", None, p256_sha256, false));
    }
}
