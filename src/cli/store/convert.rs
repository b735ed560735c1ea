//! `keychest store convert INPUT OUTPUT`: every entry of a store in another format, or an
//! error naming the entry the new format cannot hold.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::FormatArg;
use crate::cli::common::pass::{KeyPasswords, PassArg, opt_secret};
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::check_unkept;
use crate::cli::common::stores::{
    CompatArg, encode_store, load_store_for_keys, open_secrets, save_store, target_format,
    unlock_all,
};
use crate::fsio;
use crate::store::{EntryBody, Format, Keystore, SecretEntryData, ops};

#[derive(Args, Debug)]
pub struct StoreConvertArgs {
    /// The store to convert (- reads stdin)
    pub input: PathBuf,
    /// The new store (its format from --to, else from its extension)
    pub output: PathBuf,
    /// Format of OUTPUT (default: from its extension)
    #[arg(long, value_enum)]
    pub to: Option<FormatArg>,
    /// Password of OUTPUT (default: the input password; for PEM output it encrypts the keys)
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub out_pass: Option<String>,
    /// Key passwords of INPUT that differ from its store password: SRC, or ALIAS=SRC (repeatable)
    #[arg(long, value_name = "[ALIAS=]SRC")]
    pub key_pass: Vec<String>,
    #[command(flatten)]
    pub pass: PassArg,
    /// PKCS#12 encryption preset
    #[arg(long, value_enum)]
    pub compat: Option<CompatArg>,
    /// Leave out entries OUTPUT's format cannot hold, instead of failing
    #[arg(long)]
    pub skip_unsupported: bool,
    /// Replace an existing OUTPUT
    #[arg(long)]
    pub force: bool,
    /// Write the --to format even when OUTPUT's extension names another
    #[arg(long, requires = "to")]
    pub force_format: bool,
}

pub fn run(a: StoreConvertArgs) -> anyhow::Result<()> {
    fsio::check_writable(&a.output, a.force)?;
    // Replacing an existing OUTPUT is a rewrite of that store: under its lock, keeping its
    // mode, group, owner and symlinks, as every other edit does.
    let replacing = a.force && a.output.exists();
    let _lock = if replacing {
        let target = fsio::resolve_symlinks(&a.output)?;
        Some(fsio::lock_exclusive(&target, fsio::lock_wait())?)
    } else {
        None
    };
    let to = target_format(&a.output, a.to.map(Into::into), "--to", a.force_format)?;
    let mut loaded = load_store_for_keys(&a.input, &a.pass)?;
    check_unkept(&a.input, &loaded.info.unkept, a.skip_unsupported)?;
    let key_pws = KeyPasswords::parse(&a.key_pass)?;
    let skipped = drop_unsupported(&mut loaded.store, to, a.skip_unsupported)?;
    let store_pw = loaded.password.as_deref().map(|s| s.as_str());
    unlock_all(&mut loaded.store, store_pw, &key_pws)?;
    // Always open secret keys: a sealed one would keep its old (key) password in OUTPUT.
    open_secrets(&mut loaded.store, store_pw, &key_pws)?;
    let skipped = [
        skipped,
        drop_unholdable(&mut loaded.store, to, a.skip_unsupported)?,
    ]
    .concat();
    if !to.caps().case_sensitive_aliases {
        lower_aliases(&mut loaded.store, to);
    }
    let out_pw = match opt_secret(&a.out_pass, "Password for the new store", true)? {
        Some(p) => Some(p),
        None if to == Format::Pem => None,
        None => loaded.password.clone(),
    };
    let out_pw = out_pw.as_deref().map(|s| s.as_str());
    if replacing {
        let (bytes, mode) = encode_store(&a.output, to, &loaded.store, out_pw, a.compat)?;
        fsio::write_replacing(&a.output, &bytes, mode)?;
    } else {
        save_store(&a.output, to, &loaded.store, out_pw, a.compat, a.force)?;
    }
    for s in skipped {
        eprintln!("skipped secret key '{}'", escape(&s));
    }
    eprintln!(
        "wrote {} to {} ({})",
        crate::cli::common::list_line::plural(loaded.store.entries.len(), "entry", "entries"),
        a.output.display(),
        to
    );
    Ok(())
}

/// Secret keys `to` cannot hold: an error naming the first, or with `skip` their aliases
/// (they are removed from `store`).
fn drop_unsupported(store: &mut Keystore, to: Format, skip: bool) -> anyhow::Result<Vec<String>> {
    if to.caps().secret_keys {
        return Ok(Vec::new());
    }
    let (keep, drop): (Vec<_>, Vec<_>) = std::mem::take(&mut store.entries)
        .into_iter()
        .partition(|e| !matches!(e.body, EntryBody::SecretKey { .. }));
    if let Some(first) = drop.first()
        && !skip
    {
        bail!(
            "entry '{}' is a secret key, which {} cannot hold (use --skip-unsupported to leave it out)",
            first.alias,
            to
        );
    }
    store.entries = keep;
    Ok(drop.into_iter().map(|e| e.alias).collect())
}

/// Open secret keys whose algorithm `to` has no way to record (a PKCS#12 secret bag needs an
/// OID): an error naming the first, or with `skip` their aliases (removed from `store`).
fn drop_unholdable(store: &mut Keystore, to: Format, skip: bool) -> anyhow::Result<Vec<String>> {
    let unholdable = |e: &crate::store::Entry| match &e.body {
        EntryBody::SecretKey {
            key: SecretEntryData::Open(s),
        } => (!crate::codec::holds_secret(to, &s.algorithm)).then(|| s.algorithm.clone()),
        _ => None,
    };
    if !skip
        && let Some((e, alg)) = store
            .entries
            .iter()
            .find_map(|e| unholdable(e).map(|a| (e, a)))
    {
        bail!(
            "entry '{}' is a {} secret key, which {} cannot hold (use --skip-unsupported to leave it out)",
            e.alias,
            alg,
            to
        );
    }
    let (keep, drop): (Vec<_>, Vec<_>) = std::mem::take(&mut store.entries)
        .into_iter()
        .partition(|e| unholdable(e).is_none());
    store.entries = keep;
    Ok(drop.into_iter().map(|e| e.alias).collect())
}

/// Java formats keep aliases lower-case: say so for each one that changes.
fn lower_aliases(store: &mut Keystore, to: Format) {
    for e in &mut store.entries {
        let lower = ops::normalize_alias(&e.alias, to);
        if lower != e.alias {
            eprintln!(
                "note: alias '{}' becomes '{}' (Java aliases are lower-case)",
                escape(&e.alias),
                escape(&lower)
            );
            e.alias = lower;
        }
    }
}
