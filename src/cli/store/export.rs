//! `keychest store export STORE --alias A`: an entry's certificate chain (PEM or DER), its
//! key (PKCS#8, encrypted with `--out-pass`), or the entry as a one-entry PKCS#12.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::io::write_output;
use crate::cli::common::pass::{KeyPasswords, PassArg, opt_secret};
use crate::cli::common::stores::{Loaded, load_store_for_keys, save_store, unlock_all};
use crate::codec;
use crate::fsio::{self, Mode};
use crate::pki::keyfile;
use crate::secret::Secret;
use crate::store::{Entry, EntryBody, Format, Keystore, keyprotect};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Pem,
    Der,
    P12,
}

#[derive(Args, Debug)]
pub struct StoreExportArgs {
    pub store: PathBuf,
    #[arg(long)]
    pub alias: String,
    /// Where the certificate (chain) or the PKCS#12 goes (stdout without it, except p12)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where the private key goes (mode 0600; unencrypted PKCS#8 unless --out-pass)
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "pem")]
    pub format: ExportFormat,
    /// Password protecting what is exported (the key file, or the PKCS#12)
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub out_pass: Option<String>,
    /// Password of keys that differ from the store password (JKS/JCEKS)
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub key_pass: Option<String>,
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: StoreExportArgs) -> anyhow::Result<()> {
    for out in [&a.out, &a.key_out].into_iter().flatten() {
        fsio::check_writable(out, a.force)?;
    }
    let loaded = load_store_for_keys(&a.store, &a.pass)?;
    let cs = loaded.format.caps().case_sensitive_aliases;
    let i = loaded
        .store
        .find(&a.alias, cs)
        .with_context(|| format!("{}: no entry with alias '{}'", a.store.display(), a.alias))?;
    let entry = loaded.store.entries[i].clone();
    let out_pw = opt_secret(&a.out_pass, "Password for the exported key", true)?;
    match a.format {
        ExportFormat::P12 => export_p12(&a, &loaded, entry, out_pw),
        ExportFormat::Pem | ExportFormat::Der => export_files(&a, &loaded, &entry, out_pw),
    }
}

/// The entry alone in a new PKCS#12, under `--out-pass`.
fn export_p12(
    a: &StoreExportArgs,
    loaded: &Loaded,
    entry: Entry,
    out_pw: Option<Secret>,
) -> anyhow::Result<()> {
    let out = a.out.as_ref().context("--format p12 needs --out FILE")?;
    let pw = out_pw.context("--format p12 needs --out-pass SRC")?;
    let mut one = Keystore {
        entries: vec![entry],
    };
    let key_pw = opt_secret(&a.key_pass, "Key password", false)?;
    let store_pw = key_pw
        .as_deref()
        .or(loaded.password.as_deref())
        .map(|s| s.as_str());
    unlock_all(&mut one, store_pw, &KeyPasswords::none())?;
    save_store(out, Format::Pkcs12, &one, Some(&pw), None, a.force)
}

/// The certificate chain (PEM, or the leaf as DER) to `--out` or stdout, and with
/// `--key-out` the private key.
fn export_files(
    a: &StoreExportArgs,
    loaded: &Loaded,
    entry: &Entry,
    out_pw: Option<Secret>,
) -> anyhow::Result<()> {
    let certs = entry.certificates();
    if let EntryBody::SecretKey { .. } = entry.body {
        bail!(
            "{}: '{}' is a secret key: export it with --format p12",
            a.store.display(),
            a.alias
        );
    }
    let data = if a.format == ExportFormat::Der {
        certs.first().cloned().unwrap_or_default()
    } else {
        codec::pem::encode_certs(certs).into_bytes()
    };
    if let Some(key_out) = &a.key_out {
        let EntryBody::PrivateKey { key, .. } = &entry.body else {
            bail!("{}: '{}' has no private key", a.store.display(), a.alias);
        };
        let key_pw = opt_secret(&a.key_pass, "Key password", false)?;
        let pw = key_pw
            .as_deref()
            .or(loaded.password.as_deref())
            .map(|s| s.as_str())
            .unwrap_or("");
        let der = keyprotect::decrypt(key, pw)
            .with_context(|| format!("{}: entry '{}'", a.store.display(), a.alias))?;
        let key = crate::pki::key::PrivateKey::from_pkcs8_der(&der)?;
        let pem = keyfile::to_pkcs8_pem(&key, out_pw.as_deref().map(|s| s.as_str()))?;
        fsio::write_atomic(key_out, pem.as_bytes(), Mode::Private, a.force)?;
    }
    if certs.is_empty() && a.key_out.is_some() {
        return Ok(());
    }
    write_output(a.out.as_deref(), &data, Mode::Public, a.force)
}
