//! Stores as commands read and write them: load (read, sniff, decode, with the password
//! from `--pass`, a prompt, or none where the format allows), save (encode, atomic write,
//! 0600 when it holds keys), unlocking stored keys before re-encoding, and the warning for
//! a store whose integrity could not be checked.

use std::path::Path;

use anyhow::{Context, bail};

use super::io::{read_input, shown};
use super::pass::{KeyPasswords, PassArg};
use crate::codec::{self, EncodeOptions, StoreInfo};
use crate::fsio::{self, Mode};
use crate::secret::{self, Secret, SecretSource};
use crate::store::{EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData, keyprotect};

/// `--compat`: the PKCS#12 encryption presets.
pub use crate::codec::pkcs12::Compat as CompatArg;

/// A store read from disk, with what is needed to write it back the same way.
pub struct Loaded {
    pub format: Format,
    pub store: Keystore,
    pub info: StoreInfo,
    pub password: Option<Secret>,
}

/// Reads and decodes a store for listing: the password comes from `--pass`; without it the
/// store is read without one when its format allows (JKS/JCEKS listing, password-less
/// PKCS#12), else asked for on a terminal, else a clear error.
pub fn load_store(path: &Path, pass: &PassArg) -> anyhow::Result<Loaded> {
    let bytes = read_input(path)?;
    load_bytes(path, &bytes, pass.source()?, false)
}

/// Why a loaded store's integrity could not be checked (a PKCS#12 without MAC, a JKS/JCEKS
/// opened without its password), or `None` when it was: anyone who could write such a file
/// may have changed it.
pub fn integrity_warning(path: &Path, loaded: &Loaded) -> Option<String> {
    if loaded.info.integrity_checked {
        return None;
    }
    match loaded.format {
        Format::Pkcs12 => Some(format!(
            "{}: PKCS#12 without integrity check (no MAC): anyone who can write the file can change it",
            path.display()
        )),
        Format::Jks | Format::Jceks => Some(format!(
            "{}: integrity not checked (no store password given)",
            path.display()
        )),
        _ => None,
    }
}

/// Like [`load_store`], but for operations that decrypt keys or rewrite the store: a store
/// format with a password gets one (from `--pass`, a prompt, or an error).
pub fn load_store_for_keys(path: &Path, pass: &PassArg) -> anyhow::Result<Loaded> {
    let bytes = read_input(path)?;
    load_bytes(path, &bytes, pass.source()?, true)
}

pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    source: Option<Option<SecretSource>>,
    need_password: bool,
) -> anyhow::Result<Loaded> {
    let format = codec::sniff(bytes).with_context(|| {
        format!(
            "{}: not a keystore keychest recognises (PKCS#12, PEM, JKS, JCEKS, PKCS#7)",
            shown(path)
        )
    })?;
    let prompt = format!("Password for {}", shown(path));
    let mut password = match source {
        Some(src) => Some(secret::obtain(src.as_ref(), &prompt, false)?),
        None if need_password && matches!(format, Format::Jks | Format::Jceks) => {
            Some(secret::obtain(None, &prompt, false)?)
        }
        None => None,
    };
    let decoded = match codec::decode(format, bytes, password.as_deref().map(|s| s.as_str())) {
        Err(e) if password.is_none() && e.needs_password() => {
            password = Some(secret::obtain(None, &prompt, false)?);
            codec::decode(format, bytes, password.as_deref().map(|s| s.as_str()))
        }
        other => other,
    };
    let (store, info) = decoded.with_context(|| format!("cannot read {}", shown(path)))?;
    Ok(Loaded {
        format,
        store,
        info,
        password,
    })
}

/// Encodes and atomically writes a store (0600 when it holds keys).
pub fn save_store(
    path: &Path,
    format: Format,
    store: &Keystore,
    password: Option<&str>,
    compat: Option<CompatArg>,
    overwrite: bool,
) -> anyhow::Result<()> {
    let (bytes, mode) = encode_store(path, format, store, password, compat)?;
    fsio::write_atomic(path, &bytes, mode, overwrite)?;
    Ok(())
}

/// Encodes a store, with the mode a new file holding it gets (0600 when it holds keys).
pub fn encode_store(
    path: &Path,
    format: Format,
    store: &Keystore,
    password: Option<&str>,
    compat: Option<CompatArg>,
) -> anyhow::Result<(Vec<u8>, Mode)> {
    let bytes = codec::encode(
        format,
        store,
        &EncodeOptions {
            password,
            compat: compat.unwrap_or_default(),
        },
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    if format == Format::Pkcs12
        && let Some(w) = password.and_then(codec::pkcs12::java_password_warning)
    {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok((bytes, file_mode(store)))
}

/// The mode of a new store file: private (0600) when it holds keys, else public (0644).
pub fn file_mode(store: &Keystore) -> Mode {
    let holds_secrets = store
        .entries
        .iter()
        .any(|e| !matches!(e.body, EntryBody::TrustedCert { .. }));
    if holds_secrets {
        Mode::Private
    } else {
        Mode::Public
    }
}

/// The format of a store that may not exist yet: `explicit` (given with the command's
/// `option`, named in the error), else from the file name. An explicit format that the
/// name contradicts (`y.p12 --to jks`) is refused unless `force_format`: a `.p12` file
/// holding JKS misleads every tool that trusts the name.
pub fn target_format(
    path: &Path,
    explicit: Option<Format>,
    option: &str,
    force_format: bool,
) -> anyhow::Result<Format> {
    let named = codec::format_from_extension(path);
    // .keystore/.truststore name JKS and PKCS#12 stores alike: no contradiction there.
    let strict = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| !matches!(e.to_ascii_lowercase().as_str(), "keystore" | "truststore"));
    if let (Some(want), Some(named)) = (explicit, named)
        && want != named
        && strict
        && !force_format
    {
        bail!(
            "{} is named like a {named} file but {option} asks for {want}: rename it, or add --force-format",
            path.display()
        );
    }
    explicit.or(named).with_context(|| {
        format!(
            "cannot tell the format of {} from its name: give {option} (pkcs12, pem, jks, jceks, pkcs7)",
            path.display()
        )
    })
}

/// Opens every sealed secret key (needed before writing it in another format or under a
/// new password), each with its own password if given, else the store password.
pub fn open_secrets(
    store: &mut Keystore,
    store_password: Option<&str>,
    key_passwords: &KeyPasswords,
) -> anyhow::Result<()> {
    for entry in &mut store.entries {
        if let EntryBody::SecretKey { key } = &mut entry.body
            && let SecretEntryData::Sealed { format, bytes } = key
        {
            let pw = key_passwords
                .for_alias(&entry.alias)
                .or(store_password)
                .with_context(|| format!("secret key '{}': a password is needed", entry.alias))?;
            let open = codec::open_secret(*format, bytes, pw)
                .with_context(|| format!("secret key '{}' cannot be opened", entry.alias))?;
            *key = SecretEntryData::Open(open);
        }
    }
    Ok(())
}

/// Decrypts every stored key (needed before re-encoding): each with its own password if
/// given, else the store password. A failure names the alias.
pub fn unlock_all(
    store: &mut Keystore,
    store_password: Option<&str>,
    key_passwords: &KeyPasswords,
) -> anyhow::Result<()> {
    for entry in &mut store.entries {
        if let EntryBody::PrivateKey { key, .. } = &mut entry.body
            && let PrivateKeyData::Encrypted(_) = key
        {
            let pw = key_passwords
                .for_alias(&entry.alias)
                .or(store_password)
                .with_context(|| {
                    format!("entry '{}': a password is needed for its key", entry.alias)
                })?;
            let der =
                keyprotect::decrypt(key, pw).with_context(|| format!("entry '{}'", entry.alias))?;
            *key = PrivateKeyData::Pkcs8(der);
        }
    }
    Ok(())
}
