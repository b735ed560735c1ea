//! `keychest store passwd STORE`: a new store password (and new key passwords, for the
//! formats that have them), keeping the store's format and protection preset.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::pass::{KeyPasswords, PassArg, opt_secret};
use crate::cli::common::rewrite::{EditOptions, StoreEdit, edit_store};
use crate::cli::common::stores::{open_secrets, unlock_all};
use crate::codec;
use crate::secret;
use crate::store::{EntryBody, Format, PrivateKeyData};

#[derive(Args, Debug)]
pub struct StorePasswdArgs {
    /// The store to re-encrypt
    pub store: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Rewrite even if the store holds what keychest cannot keep (a PKCS#12 CRL bag, …): drop it, naming it
    #[arg(long)]
    pub skip_unsupported: bool,
    /// The new store password
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub new_pass: Option<String>,
    /// Current key passwords that differ from the store password: SRC, or ALIAS=SRC (repeatable)
    #[arg(long, value_name = "[ALIAS=]SRC")]
    pub key_pass: Vec<String>,
    /// New key password (JKS/JCEKS; default: the new store password)
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub new_key_pass: Option<String>,
}

pub fn run(a: StorePasswdArgs) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        skip_unsupported: a.skip_unsupported,
        compat: None,
        create: None,
    };
    edit_store(&a.store, &opts, |ed| {
        if !ed.format.caps().store_password && ed.format != Format::Pem {
            bail!("{} stores have no password", ed.format);
        }
        if a.new_key_pass.is_some() && !ed.format.caps().per_entry_passwords {
            bail!(
                "{} keys are protected with the store password: --new-key-pass applies to JKS and JCEKS",
                ed.format
            );
        }
        let new = match opt_secret(&a.new_pass, "New password", true)? {
            Some(p) => p,
            None => secret::obtain(None, "New password", true)?,
        };
        reprotect(ed, &a)?;
        ed.encrypt_all_keys();
        ed.password = Some(new);
        ed.mark_changed();
        Ok(())
    })?;
    eprintln!("password changed for {}", a.store.display());
    Ok(())
}

/// Opens every key and secret key with the old passwords; with `--new-key-pass` (Java
/// formats), protects the keys with it; else saving protects them with the new store password.
fn reprotect(ed: &mut StoreEdit, a: &StorePasswdArgs) -> anyhow::Result<()> {
    let key_pws = KeyPasswords::parse(&a.key_pass)?;
    let store_pw = ed.password.as_deref().map(|s| s.as_str());
    unlock_all(&mut ed.store, store_pw, &key_pws)?;
    // Sealed secret keys are protected with the old password: open them to re-seal.
    open_secrets(&mut ed.store, store_pw, &key_pws)?;
    if let Some(new_key) = opt_secret(&a.new_key_pass, "New key password", true)? {
        // Java formats: keys get their own password; the codec keeps them as protected.
        for entry in &mut ed.store.entries {
            if let EntryBody::PrivateKey { key, .. } = &mut entry.body
                && let PrivateKeyData::Pkcs8(der) = key
            {
                *key = PrivateKeyData::Encrypted(
                    codec::java::protect_key(ed.format, der, &new_key)
                        .with_context(|| format!("entry '{}'", entry.alias))?,
                );
            }
        }
    }
    Ok(())
}
