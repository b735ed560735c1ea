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
/// them) can sign with `scheme` — as rustls, the client that will do the signing, decides.
pub fn key_can_use(algorithm: &str, curve: Option<&str>, scheme: SigScheme) -> bool {
    match (algorithm, curve) {
        ("RSA", _) => matches!(
            scheme.0,
            0x0201 | 0x0401 | 0x0501 | 0x0601 | 0x0804..=0x0806
        ),
        ("EC", Some("P-256")) => scheme.0 == 0x0403,
        ("EC", Some("P-384")) => scheme.0 == 0x0503,
        ("EC", Some("P-521")) => scheme.0 == 0x0603,
        ("Ed25519", _) => scheme.0 == 0x0807,
        _ => false,
    }
}
