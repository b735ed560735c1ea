//! Rewriting a store in place, "as it was": every command that edits a store (`store
//! import|delete|rename|passwd`, `trust fetch`) loads it here, edits the model in a closure,
//! and has it written back with the same format, preset and password, to the same file.
//! Writing happens in one place ([`save`]) so a lock or identity-preserving writes can be
//! added there once; an edit that changed nothing writes nothing (the encoding cannot tell,
//! its salts are random, so the edit says so with [`StoreEdit::mark_changed`]).

use std::path::Path;

use super::pass::{KeyPasswords, PassArg};
use super::stores::{CompatArg, load_store_for_keys, save_store, target_format, unlock_all};
use crate::secret::{self, Secret};
use crate::store::{Format, Keystore};

/// A store open for editing.
pub struct StoreEdit {
    pub format: Format,
    pub store: Keystore,
    /// The password the store is written with (`store passwd` replaces it).
    pub password: Option<Secret>,
    /// The PKCS#12 preset it is written with: the one it was read with, or `--compat`.
    pub compat: Option<CompatArg>,
    changed: bool,
}

impl StoreEdit {
    /// Records that the model now differs from the file, so the file is rewritten.
    pub fn mark_changed(&mut self) {
        self.changed = true;
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
    let mut ed = open(path, opts)?;
    let result = edit(&mut ed)?;
    if ed.changed {
        save(path, &mut ed)?;
    }
    Ok(result)
}

fn open(path: &Path, opts: &EditOptions) -> anyhow::Result<StoreEdit> {
    if super::io::is_dash(path) {
        anyhow::bail!("STORE cannot be - (standard input): it is rewritten in place");
    }
    match &opts.create {
        Some(new) if !path.exists() => create(path, opts, new),
        _ => {
            let loaded = load_store_for_keys(path, opts.pass)?;
            Ok(StoreEdit {
                format: loaded.format,
                compat: opts.compat.or(loaded.info.preset),
                store: loaded.store,
                password: loaded.password,
                changed: false,
            })
        }
    }
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
    })
}

/// Writes the edited store over the file. Stored keys stay encrypted as they are when the
/// format allows; when it does not (another protection scheme), they are decrypted with
/// the store password and the write is retried.
fn save(path: &Path, ed: &mut StoreEdit) -> anyhow::Result<()> {
    let pw = ed.password.clone();
    let pw = pw.as_deref().map(|s| s.as_str());
    if save_store(path, ed.format, &ed.store, pw, ed.compat, true).is_ok() {
        return Ok(());
    }
    unlock_all(&mut ed.store, pw, &KeyPasswords::none())?;
    save_store(path, ed.format, &ed.store, pw, ed.compat, true)
}
