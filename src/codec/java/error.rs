//! The one error type of the Java keystore codec, at the bottom of `codec::java` so that
//! the container, the key protectors and the serialization reader/writer all use it
//! without importing each other.

use crate::pbe::PbeError;

/// Errors of the JKS/JCEKS codec. Messages carry offsets and aliases, never secrets.
#[derive(Debug, thiserror::Error)]
pub enum JksError {
    #[error("not a JKS or JCEKS keystore (magic {magic:#010x})")]
    BadMagic { magic: u32 },
    #[error("unsupported keystore version {version}")]
    UnsupportedVersion { version: u32 },
    #[error("truncated at byte {offset}: {needed} bytes needed, {available} left")]
    Truncated {
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("{what} count {count} at byte {offset} is larger than the rest of the file allows")]
    CountTooLarge {
        what: &'static str,
        count: u32,
        offset: usize,
    },
    #[error("unknown entry tag {tag} at byte {offset}")]
    UnknownTag { tag: u32, offset: usize },
    #[error("unsupported certificate type {cert_type:?} at byte {offset}")]
    UnsupportedCertType { cert_type: String, offset: usize },
    #[error("invalid modified UTF-8 at byte {offset}")]
    BadModifiedUtf8 { offset: usize },
    #[error("unexpected data at byte {offset}")]
    TrailingData { offset: usize },
    #[error("integrity check failed: wrong password or corrupted file")]
    Integrity,
    // Prints its cause rather than exposing it: anyhow's `{:#}` would print it twice.
    #[error("entry {alias:?}: {cause}")]
    InEntry { alias: String, cause: Box<JksError> },
    #[error("key to protect is not a PKCS#8 PrivateKeyInfo: {0}")]
    NotPkcs8(String),
    #[error("wrong key password (or corrupted key)")]
    WrongKeyPassword,
    #[error("unsupported key protection algorithm {oid}")]
    UnsupportedProtection { oid: String },
    #[error("malformed protected key: {0}")]
    MalformedProtectedKey(String),
    /// Refused by a bound or the work budget (`pbe` names the parameter).
    #[error(transparent)]
    Pbe(PbeError),
    #[error("password must be printable ASCII for Java's PBEWithMD5AndTripleDES")]
    PasswordNotAscii,
    #[error("not a sealed key object: {0}")]
    NotSealedKey(String),
    #[error("Java serialization stream: {reason} at byte {offset}")]
    JavaSerialization { offset: usize, reason: String },
    #[error("unsupported secret key format {0:?} (Java reads back only RAW)")]
    UnsupportedSecretKeyFormat(String),
    #[error("secret key has an empty algorithm name or key")]
    EmptySecretKey,
    #[error("{what} too large for the format")]
    TooLarge { what: &'static str },
    #[error("alias {alias:?} is {len} bytes in modified UTF-8; the format allows 65535")]
    AliasTooLong { alias: String, len: usize },
    #[error("duplicate alias {alias:?} (Java compares aliases case-insensitively)")]
    DuplicateAlias { alias: String },
    #[error("entry {alias:?}: secret keys can only be stored in JCEKS")]
    SecretKeyInJks { alias: String },
    #[error("entry {alias:?}: key is protected with {found}, which a {kind} store cannot read")]
    ProtectionMismatch {
        alias: String,
        /// "Jks" or "Jceks" (the container's `JavaStoreKind`, named: this module imports none).
        kind: &'static str,
        found: String,
    },
    #[error("entry {alias:?}: a private key entry needs at least one certificate")]
    EmptyChain { alias: String },
    #[error("internal error: {0}")]
    Internal(&'static str),
}
