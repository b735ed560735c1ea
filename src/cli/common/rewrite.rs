//! Rewriting a store in place, "as it was": every command that edits a store (`store
//! import|delete|rename|passwd`, `trust fetch`) loads it here, edits the model in a closure,
//! and has it written back with the same format, preset and password, to the same file.
//!
//! The whole cycle runs under the store's exclusive lock (`fsio::lock_exclusive`, on the
//! file a symlink finally names), taken before the file is read and released after the
//! rename, so concurrent edits are serialised instead of losing each other's changes. The
//! file is replaced keeping its identity (`fsio::write_replacing`: mode, group, owner as
//! root, symlinks). An edit that changed nothing writes nothing (the encoding cannot tell,
//! its salts are random, so the edit says so with [`StoreEdit::mark_changed`]). Keys of a
//! PEM store that were unencrypted stay unencrypted when `--pass` is given, keys in OpenSSL's
//! legacy encrypted form stay in it (same block); only new keys (and ones that were PKCS#8
//! encrypted) are encrypted with it, as PBES2.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;

use super::io::shown;
use super::pass::{KeyPasswords, PassArg};
use super::render::escape;
use super::stores::{
    CompatArg, encode_store, file_mode, load_store_for_keys, target_format, unlock_all,
};
use crate::codec;
use crate::fsio;
use crate::secret::{self, Secret};
use crate::store::{EntryBody, Format, Keystore, PrivateKeyData};

/// A store open for editing.
pub struct StoreEdit {
    pub format: Format,
    pub store: Keystore,
    /// The password the store is written with (`store passwd` replaces it).
    pub password: Option<Secret>,
    /// The PKCS#12 preset it is written with: the one it was read with, or `--compat`.
    pub compat: Option<CompatArg>,
    changed: bool,
    /// SHA-256 of the PKCS#8 of each key a PEM store held unencrypted.
    plain_keys: HashSet<[u8; 32]>,
    /// The keys a PEM store held in OpenSSL's legacy encrypted form, with their blocks.
    legacy_keys: codec::pem::KeptKeyBlocks,
    /// What the file holds that the model cannot (dropped by a rewrite).
    unkept: Vec<String>,
}

impl StoreEdit {
    /// Records that the model now differs from the file, so the file is rewritten.
    pub fn mark_changed(&mut self) {
        self.changed = true;
    }

    /// Every key of a PEM store is written encrypted with the password, including those
    /// the file held unencrypted (`store passwd`).
    pub fn encrypt_all_keys(&mut self) {
        self.plain_keys.clear();
        self.legacy_keys.clear();
    }
}

/// How to open the store.
pub struct EditOptions<'a> {
    /// The store password (`--pass`): required when the format has one.
    pub pass: &'a PassArg,
    /// Write with this preset instead of the store's own (`--compat`).
    pub compat: Option<CompatArg>,
    /// Start an empty store when the file does not exist (else reading it fails).
    pub create: Option<NewStore>,
    /// Rewrite a store holding content the model cannot (`StoreInfo::unkept`), dropping
    /// it; without this the edit is refused, naming it.
    pub skip_unsupported: bool,
}

/// A store that does not exist yet.
pub struct NewStore {
    /// Its format; None: from the file name, else an error asking for `--format`.
    pub format: Option<Format>,
    /// Without `--pass`, ask for a new password when the format needs one.
    pub ask_password: bool,
}

/// Opens the store at `path`, runs `edit` on it, and writes it back if the edit marked it
/// changed. Nothing is written when `edit` fails.
pub fn edit_store<T>(
    path: &Path,
    opts: &EditOptions,
    edit: impl FnOnce(&mut StoreEdit) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if super::io::is_dash(path) {
        anyhow::bail!("STORE cannot be - (standard input): it is rewritten in place");
    }
    let target = fsio::resolve_symlinks(path)
        .with_context(|| format!("cannot resolve {}", path.display()))?;
    if opts.create.is_some() {
        // A missing folder is named as such, not as a failure to create the lock file.
        fsio::check_output(&target, true)?;
    }
    let _lock = fsio::lock_exclusive(&target, fsio::lock_wait())?;
    let mut ed = open(path, opts)?;
    let result = edit(&mut ed)?;
    if ed.changed {
        check_unkept(path, &ed.unkept, opts.skip_unsupported)?;
        save(path, &mut ed)?;
    }
    Ok(result)
}

fn open(path: &Path, opts: &EditOptions) -> anyhow::Result<StoreEdit> {
    match &opts.create {
        Some(new) if !path.exists() => create(path, opts, new),
        _ => {
            let loaded = load_store_for_keys(path, opts.pass)?;
            let keys = loaded.info.pem_key_forms;
            Ok(StoreEdit {
                format: loaded.format,
                compat: opts.compat.or(loaded.info.preset),
                store: loaded.store,
                password: loaded.password,
                changed: false,
                plain_keys: keys.plain,
                legacy_keys: keys.legacy,
                unkept: loaded.info.unkept,
            })
        }
    }
}

/// Refuses to rewrite a store holding what the model cannot (which the rewrite would
/// drop), unless `skip`: then says what is dropped. Called only when something is written.
pub fn check_unkept(path: &Path, unkept: &[String], skip: bool) -> anyhow::Result<()> {
    if unkept.is_empty() {
        return Ok(());
    }
    let what = unkept
        .iter()
        .map(|u| escape(u))
        .collect::<Vec<_>>()
        .join(", ");
    if !skip {
        anyhow::bail!(
            "{} holds what keychest cannot keep ({what}): writing the store again would lose it; use --skip-unsupported to drop it",
            shown(path)
        );
    }
    eprintln!("dropped from {}: {what}", shown(path));
    Ok(())
}

/// An empty store, with a new password from `--pass` or (if asked for) the terminal.
fn create(path: &Path, opts: &EditOptions, new: &NewStore) -> anyhow::Result<StoreEdit> {
    let format = target_format(path, new.format, "--format", true)?;
    let needs_password =
        format.caps().store_password && opts.compat != Some(CompatArg::Passwordless);
    let password = match opts.pass.source()? {
        Some(src) => Some(secret::obtain(
            src.as_ref(),
            "Password for the new store",
            true,
        )?),
        None if new.ask_password && needs_password => Some(secret::obtain(
            None,
            &format!("Password for the new store {}", path.display()),
            true,
        )?),
        None => None,
    };
    Ok(StoreEdit {
        format,
        store: Keystore::default(),
        password,
        compat: opts.compat,
        changed: false,
        plain_keys: HashSet::new(),
        legacy_keys: Default::default(),
        unkept: Vec::new(),
    })
}

/// Writes the edited store over the file. Stored keys stay encrypted as they are when the
/// format allows; when it does not (another protection scheme), they are decrypted with
/// the store password and the write is retried.
fn save(path: &Path, ed: &mut StoreEdit) -> anyhow::Result<()> {
    let pw = ed.password.clone();
    let pw = pw.as_deref().map(|s| s.as_str());
    let encoded = match encode_as_it_was(path, ed, pw) {
        Ok(encoded) => encoded,
        Err(_) => {
            unlock_all(&mut ed.store, pw, &KeyPasswords::none())?;
            encode_as_it_was(path, ed, pw)?
        }
    };
    let (bytes, mode) = encoded;
    fsio::write_replacing(path, &bytes, mode)?;
    Ok(())
}

/// Encodes the store; a PEM store's keys are encrypted here (new ones, and ones that were
/// encrypted), so that keys the file held unencrypted are written unencrypted again, and
/// keys it held in the legacy encrypted form are written as the blocks they were.
fn encode_as_it_was(
    path: &Path,
    ed: &mut StoreEdit,
    pw: Option<&str>,
) -> anyhow::Result<(Vec<u8>, fsio::Mode)> {
    if ed.format != Format::Pem {
        return encode_store(path, ed.format, &ed.store, pw, ed.compat);
    }
    if let Some(pw) = pw {
        for entry in &mut ed.store.entries {
            if let EntryBody::PrivateKey { key, .. } = &mut entry.body
                && let PrivateKeyData::Pkcs8(der) = key
                && let digest = codec::pem::key_digest(der)
                && !ed.plain_keys.contains(&digest)
                && !ed.legacy_keys.contains_key(&digest)
            {
                *key = PrivateKeyData::Encrypted(codec::pem::protect_key(der, pw, &entry.alias)?);
            }
        }
    }
    let text = codec::pem::encode(
        &ed.store,
        &codec::pem::PemWriteOptions {
            key_password: None,
            kept_keys: Some(&ed.legacy_keys),
        },
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((text.as_bytes().to_vec(), file_mode(&ed.store)))
}
