//! JKS and JCEKS stores in terms of the neutral model: maps `container`'s format-level
//! entries to `store::Entry` and back. Keys keep their Java protection until an operation needs them.

use super::container::{
    self as jks, IntegrityStatus, JavaEntry, JavaEntryBody, JavaKeystore, JavaStoreKind,
};
use super::error::JksError;
use super::protect;
use crate::codec::StoreInfo;
use crate::store::{
    Entry, EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData, SecretKeyData,
};

#[derive(Debug, thiserror::Error)]
pub enum JavaStoreError {
    #[error(transparent)]
    Jks(#[from] JksError),
    #[error("entry '{alias}': its key must be decrypted before it can be written to {format}")]
    LockedKey { alias: String, format: Format },
    #[error("entry '{alias}': a secret key cannot be stored in {format}")]
    SecretKey { alias: String, format: Format },
    #[error("a {0} store needs a password")]
    NeedPassword(Format),
}

fn kind_of(format: Format) -> JavaStoreKind {
    if format == Format::Jceks {
        JavaStoreKind::Jceks
    } else {
        JavaStoreKind::Jks
    }
}

pub fn decode(
    format: Format,
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, StoreInfo), JavaStoreError> {
    let (java, integrity) = jks::decode(bytes, password)?;
    let (java_entries, shadowed) = last_of_each_alias(java.entries);
    let entries = java_entries
        .into_iter()
        .map(|e| Entry {
            alias: e.alias,
            created_ms: Some(e.created_ms),
            body: match e.body {
                JavaEntryBody::PrivateKey {
                    protected_key,
                    chain,
                } => EntryBody::PrivateKey {
                    key: PrivateKeyData::Encrypted(protected_key),
                    chain,
                },
                JavaEntryBody::TrustedCert { cert } => EntryBody::TrustedCert { cert },
                JavaEntryBody::SecretKey { sealed } => EntryBody::SecretKey {
                    key: SecretEntryData::Sealed {
                        format: Format::Jceks,
                        bytes: sealed,
                    },
                },
            },
        })
        .collect();
    let checked = integrity == IntegrityStatus::Verified;
    let mut info = StoreInfo {
        integrity_checked: checked,
        protection: vec![match format {
            Format::Jceks => "JCEKS: keyed SHA-1 integrity digest; keys and secret keys protected with PBEWithMD5AndTripleDES".into(),
            _ => "JKS: keyed SHA-1 integrity digest; keys protected with Sun's JKS key protector (SHA-1 keystream)".into(),
        }],
        warnings: vec!["JKS/JCEKS protection is weak by modern standards: prefer PKCS#12 (keychest store convert)".into()],
        ..StoreInfo::default()
    };
    if !checked {
        info.warnings
            .insert(0, "integrity not checked: no store password given".into());
    }
    for alias in shadowed {
        info.warnings.push(format!(
            "alias '{alias}' appears more than once: Java uses the last entry, and so does \
             keychest; the earlier one is ignored (a rewrite would drop it: edits refuse \
             unless --skip-unsupported)"
        ));
        let earlier = format!("an earlier entry '{alias}' that a later one hides");
        if !info.unkept.contains(&earlier) {
            info.unkept.push(earlier);
        }
    }
    Ok((Keystore { entries }, info))
}

/// The JDK loads a store into a table keyed by the alias as read (`entries.put(alias, …)`),
/// so of entries with the same alias the last one wins: `keytool -list` shows one.
/// Returns the entries Java sees, in file order, and the aliases of those it does not.
fn last_of_each_alias(entries: Vec<JavaEntry>) -> (Vec<JavaEntry>, Vec<String>) {
    let mut last = std::collections::HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        last.insert(e.alias.clone(), i);
    }
    if last.len() == entries.len() {
        return (entries, Vec::new());
    }
    let mut shadowed = Vec::new();
    let kept = entries
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            if last[&e.alias] == i {
                Some(e)
            } else {
                shadowed.push(e.alias);
                None
            }
        })
        .collect();
    (kept, shadowed)
}

/// Encodes a JKS or JCEKS store. Keys must be decrypted unless they already carry the
/// protector this store type uses; open secret keys are sealed with the store password.
pub fn encode(
    format: Format,
    store: &Keystore,
    password: Option<&str>,
) -> Result<Vec<u8>, JavaStoreError> {
    let password = password.ok_or(JavaStoreError::NeedPassword(format))?;
    let kind = kind_of(format);
    let mut entries = Vec::with_capacity(store.entries.len());
    for e in &store.entries {
        let body = match &e.body {
            EntryBody::PrivateKey { key, chain } => JavaEntryBody::PrivateKey {
                protected_key: match key {
                    PrivateKeyData::Pkcs8(der) => match kind {
                        JavaStoreKind::Jks => protect::protect_private_key_jks(der, password)?,
                        JavaStoreKind::Jceks => protect::protect_private_key_jceks(der, password)?,
                    },
                    PrivateKeyData::Encrypted(epki) if passes_through(format, epki) => epki.clone(),
                    PrivateKeyData::Encrypted(_) => {
                        return Err(JavaStoreError::LockedKey {
                            alias: e.alias.clone(),
                            format,
                        });
                    }
                },
                chain: chain.clone(),
            },
            EntryBody::TrustedCert { cert } => JavaEntryBody::TrustedCert { cert: cert.clone() },
            EntryBody::SecretKey { key } => {
                if kind != JavaStoreKind::Jceks {
                    return Err(JavaStoreError::SecretKey {
                        alias: e.alias.clone(),
                        format,
                    });
                }
                let sealed = match key {
                    SecretEntryData::Sealed {
                        format: Format::Jceks,
                        bytes,
                    } => bytes.clone(),
                    SecretEntryData::Open(k) => protect::seal_secret_key(&material(k), password)?,
                    SecretEntryData::Sealed { .. } => {
                        return Err(JavaStoreError::LockedKey {
                            alias: e.alias.clone(),
                            format,
                        });
                    }
                };
                JavaEntryBody::SecretKey { sealed }
            }
        };
        entries.push(JavaEntry {
            alias: e.alias.clone(),
            created_ms: e.created_ms.unwrap_or_else(crate::store::ops::now_ms),
            body,
        });
    }
    Ok(jks::encode(&JavaKeystore { kind, entries }, password)?)
}

/// Whether an encrypted key can be written to `format` as it is.
pub fn passes_through(format: Format, epki: &[u8]) -> bool {
    let Ok(oid) = protect::protection_oid(epki) else {
        return false;
    };
    match format {
        Format::Jks => oid == protect::JKS_KEY_PROTECTOR_OID,
        Format::Jceks => oid == protect::PBE_MD5_3DES_OID,
        _ => false,
    }
}

fn material(k: &SecretKeyData) -> protect::SecretKeyMaterial {
    protect::SecretKeyMaterial {
        algorithm: k.algorithm.clone(),
        format: "RAW".into(),
        key: k.key.clone(),
    }
}

/// Opens a JCEKS sealed secret key.
pub fn open_secret(sealed: &[u8], password: &str) -> Result<SecretKeyData, JksError> {
    let m = protect::open_sealed_secret_key(sealed, password)?;
    Ok(SecretKeyData {
        algorithm: m.algorithm,
        key: m.key,
    })
}

/// Protects a PKCS#8 key the way `format` (JKS or JCEKS) stores it, with its own password.
pub fn protect_key(
    format: Format,
    pkcs8: &[u8],
    password: &str,
) -> Result<Vec<u8>, JavaStoreError> {
    Ok(match kind_of(format) {
        JavaStoreKind::Jks => protect::protect_private_key_jks(pkcs8, password)?,
        JavaStoreKind::Jceks => protect::protect_private_key_jceks(pkcs8, password)?,
    })
}
