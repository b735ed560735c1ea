//! Codecs: one module per store format, each converting between bytes and plain data.
//! A codec never knows about the CLI or about other formats; this module only recognises a
//! format and dispatches to its codec.

pub mod java;
pub mod java_ser;
pub mod jks;
pub mod jks_keyprotect;
pub mod pem;

use crate::store::{Format, Keystore};

/// Recognises a store by content, cheapest test first (magic numbers, then PEM text,
/// then PKCS#12's DER shape).
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match bytes.get(..4) {
        Some([0xfe, 0xed, 0xfe, 0xed]) => return Some(Format::Jks),
        Some([0xce, 0xce, 0xce, 0xce]) => return Some(Format::Jceks),
        _ => {}
    }
    if pem::sniff(bytes) {
        return Some(Format::Pem);
    }
    None
}

/// The format a new file gets from its extension.
pub fn format_from_extension(path: &std::path::Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "p12" | "pfx" | "pkcs12" => Format::Pkcs12,
        "pem" | "crt" | "cer" => Format::Pem,
        "jks" | "keystore" | "truststore" => Format::Jks,
        "jceks" => Format::Jceks,
        _ => return None,
    })
}

/// Facts about a decoded store beyond its entries (algorithms, integrity, warnings).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StoreInfo {
    /// Whether the file's integrity (MAC or keyed digest) was verified.
    pub integrity_checked: bool,
    /// Human-readable lines about the protection used (algorithms, iterations).
    pub protection: Vec<String>,
    /// Consumers that will fail to read this file, and why.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Pem(#[from] pem::PemStoreError),
    #[error(transparent)]
    Java(#[from] java::JavaStoreError),
    #[error("{0} stores are not supported by this build")]
    Unsupported(Format),
}

/// Whether decoding `format` requires the store password (JKS/JCEKS list without one, as
/// keytool does, with integrity unchecked).
pub fn needs_password(format: Format, _bytes: &[u8]) -> bool {
    match format {
        Format::Pem | Format::Jks | Format::Jceks => false,
        Format::Pkcs12 => true,
    }
}

/// Decodes a store of a known format.
pub fn decode(
    format: Format,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, StoreInfo), CodecError> {
    match format {
        Format::Pem => Ok((
            pem::decode(bytes, password)?,
            StoreInfo {
                integrity_checked: false,
                protection: vec![],
                warnings: vec![],
            },
        )),
        Format::Jks | Format::Jceks => Ok(java::decode(format, bytes, password)?),
        other => Err(CodecError::Unsupported(other)),
    }
}

/// How to write a store.
pub struct EncodeOptions<'a> {
    /// Store password (PKCS#12, JKS, JCEKS); for PEM, the password that encrypts keys.
    pub password: Option<&'a str>,
}

pub fn encode(
    format: Format,
    store: &Keystore,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, CodecError> {
    match format {
        Format::Pem => Ok(pem::encode(
            store,
            &pem::PemWriteOptions {
                key_password: opts.password,
            },
        )?
        .as_bytes()
        .to_vec()),
        Format::Jks | Format::Jceks => Ok(java::encode(format, store, opts.password)?),
        other => Err(CodecError::Unsupported(other)),
    }
}
