//! Codecs: one module per store format, each converting between bytes and plain data.
//! A codec never knows about the CLI or about other formats; this module only recognises a
//! format and dispatches to its codec.

pub mod java;
pub mod pem;
pub mod pkcs12;
pub mod pkcs7;

use crate::store::{Format, Keystore};

/// Recognises a store by content, cheapest test first (magic numbers, then PKCS#7 — DER,
/// BER or PEM `PKCS7` blocks —, then other PEM text, then PKCS#12's DER or BER shape).
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match bytes.get(..4) {
        Some([0xfe, 0xed, 0xfe, 0xed]) => return Some(Format::Jks),
        Some([0xce, 0xce, 0xce, 0xce]) => return Some(Format::Jceks),
        _ => {}
    }
    // One scan for a BEGIN line serves both tests.
    let looks_like_pem = pem::sniff(bytes);
    if pkcs7::sniff_known_pem(bytes, looks_like_pem) {
        return Some(Format::Pkcs7);
    }
    if looks_like_pem {
        return Some(Format::Pem);
    }
    if pkcs12::sniff(bytes) {
        return Some(Format::Pkcs12);
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
        "p7b" | "p7c" => Format::Pkcs7,
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
    /// PKCS#12: the write preset the file matches (a rewrite keeps it).
    pub preset: Option<pkcs12::Compat>,
    /// PKCS#12: trusted entries without Java's trust attribute (Java does not list them).
    pub without_java_trust: Vec<String>,
    /// What the file holds that the model cannot ("a CRL bag"): rewriting the store would
    /// drop it, so edits refuse unless told to drop it (`--skip-unsupported`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unkept: Vec<String>,
    /// PEM: how the file holds its keys (a rewrite writes each as it was).
    #[serde(skip)]
    pub pem_key_forms: pem::KeyForms,
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Pem(#[from] pem::PemStoreError),
    #[error(transparent)]
    Java(#[from] java::JavaStoreError),
    #[error(transparent)]
    Pkcs12(#[from] pkcs12::Pkcs12Error),
    #[error(transparent)]
    Pkcs7(#[from] pkcs7::Pkcs7Error),
}

impl CodecError {
    /// The store cannot be read without a password (none was given).
    pub fn needs_password(&self) -> bool {
        matches!(
            self,
            CodecError::Pkcs12(pkcs12::Pkcs12Error::PasswordRequired(_))
                | CodecError::Pem(pem::PemStoreError::NeedPassword { .. })
        )
    }
}

/// Decodes a store of a known format.
pub fn decode(
    format: Format,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, StoreInfo), CodecError> {
    match format {
        Format::Pem => {
            let (store, key_forms) = pem::decode_with_key_forms(bytes, password)?;
            let info = StoreInfo {
                pem_key_forms: key_forms,
                ..StoreInfo::default()
            };
            Ok((store, info))
        }
        Format::Jks | Format::Jceks => Ok(java::decode(format, bytes, password)?),
        Format::Pkcs12 => {
            let (store, info) = pkcs12::decode(bytes, password)?;
            Ok((store, pkcs12_info(info)))
        }
        Format::Pkcs7 => {
            let (store, warnings) = pkcs7::decode(bytes)?;
            let info = StoreInfo {
                warnings,
                ..StoreInfo::default()
            };
            Ok((store, info))
        }
    }
}

fn pkcs12_info(info: pkcs12::Pkcs12Info) -> StoreInfo {
    let mut protection = vec![match &info.mac {
        Some(m) => format!("MAC: HMAC-{}, {} iterations", m.digest, m.iterations),
        None => "MAC: none (integrity not protected)".to_string(),
    }];
    if let Some(c) = &info.cert_encryption {
        protection.push(format!("certificates: {c}"));
    }
    for k in &info.key_encryption {
        protection.push(format!("keys: {k}"));
    }
    if let Some(p) = info.preset {
        protection.push(format!("matches preset: {p}"));
    }
    StoreInfo {
        integrity_checked: info.mac.is_some(),
        protection,
        warnings: info.warnings,
        preset: info.preset,
        without_java_trust: info.trusted_without_java_attribute,
        unkept: info.unkept,
        pem_key_forms: Default::default(),
    }
}

/// How to write a store.
pub struct EncodeOptions<'a> {
    /// Store password (PKCS#12, JKS, JCEKS); for PEM, the password that encrypts keys.
    pub password: Option<&'a str>,
    /// PKCS#12 encryption preset.
    pub compat: pkcs12::Compat,
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
                kept_keys: None,
            },
        )?
        .as_bytes()
        .to_vec()),
        Format::Jks | Format::Jceks => Ok(java::encode(format, store, opts.password)?),
        Format::Pkcs12 => Ok(pkcs12::encode(store, opts.password, opts.compat)?),
        Format::Pkcs7 => Ok(pkcs7::encode(store)?),
    }
}

/// Whether `format` can hold a secret key of this Java algorithm (JCEKS any; PKCS#12 those
/// with an OID; the other formats none).
pub fn holds_secret(format: Format, algorithm: &str) -> bool {
    match format {
        Format::Jceks => true,
        Format::Pkcs12 => pkcs12::holds_secret_algorithm(algorithm),
        Format::Pem | Format::Jks | Format::Pkcs7 => false,
    }
}

/// Opens a secret key sealed by the format that read it.
pub fn open_secret(
    format: Format,
    sealed: &[u8],
    password: &str,
) -> Result<crate::store::SecretKeyData, CodecError> {
    match format {
        Format::Pkcs12 => Ok(pkcs12::open_secret(sealed, password)?),
        _ => Ok(java::open_secret(sealed, password).map_err(java::JavaStoreError::from)?),
    }
}
