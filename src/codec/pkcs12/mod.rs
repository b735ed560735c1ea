//! PKCS#12 (`.p12`/`.pfx`) codec: bytes ⇄ [`Keystore`].
//!
//! Hand-written on a small DER reader/writer ([`asn1`]) and RustCrypto primitives rather than
//! on a PKCS#12 library, because none does what keychest needs:
//! - **Lazy key decryption.** `p12-keystore` decrypts every key while loading; listing a
//!   10,000-key store would run 10,000 PBKDF2s. Here a `pkcs8ShroudedKeyBag` is kept as its
//!   `EncryptedPrivateKeyInfo`, verbatim ([`PrivateKeyData::Encrypted`]), and decrypted only
//!   when an operation needs the key (`store::keyprotect`). Only the integrity MAC and the
//!   certificate safes are processed at load.
//! - **The stores we must write**: password-less truststores (no MAC, unencrypted
//!   certificate safe, as JDK 18+ writes `cacerts`), different algorithms for keys and
//!   certificates, RC2/3DES legacy files — which `p12-keystore` cannot produce.
//! - RustCrypto's `pkcs12` crate only has ASN.1 types (which reject some real-world,
//!   non-canonical attribute sets) and the RFC 7292 key derivation; we use the latter.
//!
//! Reading: PBES2 (PBKDF2 with HMAC-SHA1/224/256/384/512; AES-128/192/256-CBC or 3DES),
//! PKCS#12 PBE (3DES, 2-key 3DES, RC2-128, RC2-40), unencrypted safes, MACs with SHA-1 and
//! SHA-2 digests, no MAC, empty passwords, nested safeContents bags, secret bags as Java
//! writes them, BER encodings (indefinite lengths, chunked OCTET STRINGs: Windows export,
//! NSS `pk12util`) through [`asn1::ber::to_der`]. Not read: public-key integrity/privacy modes
//! (signedData/envelopedData), PBMAC1 (RFC 9579), RC4.
//!
//! Writing uses named presets ([`Compat`]); see `docs/formats.md` for which consumers read
//! which.

use crate::asn1;
use crate::pbe::PbeError;

mod assemble;
mod decode;
mod encode;
mod report;
mod safes;
mod syntax;
#[cfg(test)]
mod tests;

pub use decode::{decode, java_password_warning, open_secret};
pub use encode::encode;

/// Whether a secret key of this Java algorithm can go into a PKCS#12 secret bag: its name
/// has an OID ([`syntax::SECRET_ALGORITHMS`]) or is one.
pub fn holds_secret_algorithm(algorithm: &str) -> bool {
    syntax::SECRET_ALGORITHMS
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(algorithm))
        || const_oid::ObjectIdentifier::new(algorithm).is_ok()
}

/// Whether `bytes` look like a PKCS#12 file: `SEQUENCE { INTEGER 3, ContentInfo … }`.
pub fn sniff(bytes: &[u8]) -> bool {
    // BER (indefinite lengths anywhere in the head) is normalised only when the DER test
    // fails, so recognising a DER file costs nothing extra.
    sniff_der(bytes)
        || (bytes.first() == Some(&asn1::SEQUENCE)
            && asn1::ber::to_der(bytes)
                .is_ok_and(|der| matches!(der, std::borrow::Cow::Owned(_)) && sniff_der(&der)))
}

fn sniff_der(bytes: &[u8]) -> bool {
    let mut r = asn1::Reader::new(bytes);
    let Ok(outer) = r.expect(asn1::SEQUENCE, "PFX") else {
        return false;
    };
    let mut r = asn1::Reader::contents(&outer);
    let Ok(v) = r.expect(asn1::INTEGER, "version") else {
        return false;
    };
    if v.value != [3] {
        return false;
    }
    let Ok(ci) = r.expect(asn1::SEQUENCE, "ContentInfo") else {
        return false;
    };
    // contentType is a PKCS#7 content type (1.2.840.113549.1.7.x).
    asn1::Reader::contents(&ci).oid().is_ok_and(|o| {
        o.as_bytes()
            .starts_with(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07])
    })
}

/// Write presets, named for the consumers they serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256 (10,000 iterations) for keys and
    /// certificates, HMAC-SHA256 MAC: what JDK 16+ (and 8u301+/11.0.12+) and OpenSSL 3 write.
    #[default]
    Modern,
    /// As `modern` but with a SHA-1 MAC, for Java releases that read PBES2 but verify only
    /// SHA-1 MACs (before 8u301 / 11.0.12).
    Java11,
    /// Keys and certificates with pbeWithSHAAnd3-KeyTripleDES-CBC, SHA-1 MAC, 2048
    /// iterations: macOS Keychain, Windows before 10 1709, Android, old Java and OpenSSL 1.x.
    Legacy,
    /// Trusted certificates only, unencrypted, no MAC: a password-less truststore (JDK 18+
    /// `cacerts`).
    Passwordless,
}

impl std::fmt::Display for Compat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compat::Modern => "modern",
            Compat::Java11 => "java11",
            Compat::Legacy => "legacy",
            Compat::Passwordless => "passwordless",
        })
    }
}

/// The integrity MAC of a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MacInfo {
    /// "SHA-1", "SHA-256", …
    pub digest: String,
    pub iterations: u32,
    pub salt_len: usize,
}

/// How a decoded file was protected, and who will have trouble reading it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Pkcs12Info {
    /// `None`: the file has no MAC.
    pub mac: Option<MacInfo>,
    /// How the certificates are encrypted: e.g. "PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256,
    /// 10000 iterations", "RC2-40 (PKCS#12 PBE), 2048 iterations", "none"; several safes
    /// that differ are joined with "; ". `None` when the file holds no certificates.
    pub cert_encryption: Option<String>,
    /// The distinct encryptions of key (and secret) bags, "none (keyBag)" for plain keys.
    pub key_encryption: Vec<String>,
    /// Aliases of trusted-certificate entries without Java's trust attribute (Java does not
    /// list them).
    pub trusted_without_java_attribute: Vec<String>,
    /// The write preset this file matches, if any, so that rewriting it keeps it.
    pub preset: Option<Compat>,
    /// Consumers that will fail on this file, and why.
    pub warnings: Vec<String>,
    /// Content the model cannot hold ("a CRL bag", "bag attribute …"): rewriting the
    /// file would drop it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unkept: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    #[error("not a PKCS#12 file: {0}")]
    NotPkcs12(String),
    #[error("malformed PKCS#12 file: {context}: {detail}")]
    Malformed { context: String, detail: String },
    #[error("integrity check failed: wrong password or corrupted file")]
    Integrity,
    #[error("a password is needed to {0}")]
    PasswordRequired(String),
    #[error("{context}: unsupported {what}")]
    Unsupported { context: String, what: String },
    #[error("{context}: decryption failed: wrong password or corrupted file")]
    Decrypt { context: String },
    #[error("entry '{alias}': {reason}")]
    Entry { alias: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl Pkcs12Error {
    fn malformed(context: impl Into<String>, detail: impl ToString) -> Self {
        Pkcs12Error::Malformed {
            context: context.into(),
            detail: detail.to_string(),
        }
    }

    fn crypto(context: impl Into<String>, e: PbeError) -> Self {
        let context = context.into();
        match e {
            PbeError::Unsupported(what) => Pkcs12Error::Unsupported { context, what },
            PbeError::Malformed(detail) => Pkcs12Error::Malformed { context, detail },
            PbeError::Decrypt => Pkcs12Error::Decrypt { context },
            // Bounds and budget: the error names the parameter.
            other @ (PbeError::OverLimit { .. }
            | PbeError::OverBudget { .. }
            | PbeError::AsciiPassword
            | PbeError::BadBudget(_)) => Pkcs12Error::Invalid(format!("{context}: {other}")),
            PbeError::BmpPassword => Pkcs12Error::Invalid(format!(
                "{context}: the password contains characters outside the BMP, which PKCS#12 \
                 PBE cannot encode"
            )),
        }
    }
}
