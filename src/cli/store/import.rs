//! `keychest store import STORE`: certificates as trusted entries, a key with its chain (in
//! any order: the leaf is the certificate of the key, its issuers follow as keytool orders
//! them), or every entry of another store; STORE is created when missing and otherwise
//! rewritten as it was (format, preset, password). A bundle is reported as a summary.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use zeroize::Zeroizing;

use super::FormatArg;
use crate::cli::common::exit::usage;
use crate::cli::common::io::read_input;
use crate::cli::common::list_line::plural;
use crate::cli::common::pass::{KeyPasswords, PassArg, opt_secret};
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, NewStore, StoreEdit, edit_store};
use crate::cli::common::stores::{CompatArg, load_store, unlock_all};
use crate::codec;
use crate::pki::chain::{CertFacts, Pool};
use crate::secret;
use crate::store::{EntryBody, PrivateKeyData, keyprotect, ops};

#[derive(Args, Debug)]
pub struct StoreImportArgs {
    /// The store to add to (created when missing; format from its extension or --format)
    pub store: PathBuf,
    /// Certificates to add as trusted entries (PEM bundle or DER)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "from"])]
    pub cert: Option<PathBuf>,
    /// Private key to add (any OpenSSL form; its certificates may follow it in the file)
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub key: Option<PathBuf>,
    /// Certificate chain of --key, in any order (the leaf is found by the key)
    #[arg(long, value_name = "FILE", requires = "key")]
    pub chain: Option<PathBuf>,
    /// Password of an encrypted --key file
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt", requires = "key")]
    pub key_pass: Option<String>,
    /// Another store whose entries are all added
    #[arg(long, value_name = "STORE")]
    pub from: Option<PathBuf>,
    /// Password of --from
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt", requires = "from")]
    pub from_pass: Option<String>,
    /// Alias of the new entry (for a bundle: the first; the rest get -2, -3, ...)
    #[arg(long)]
    pub alias: Option<String>,
    #[command(flatten)]
    pub pass: PassArg,
    /// Rewrite even if the store holds what keychest cannot keep (a PKCS#12 CRL bag, …): drop it, naming it
    #[arg(long)]
    pub skip_unsupported: bool,
    /// Format of a new STORE (default: from its extension)
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// PKCS#12 encryption preset when writing (default: keep the store's, else modern)
    #[arg(long, value_enum)]
    pub compat: Option<CompatArg>,
    /// Replace entries with the same alias
    #[arg(long)]
    pub force: bool,
    /// A line per entry added, replaced or skipped (default: a summary for several)
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

pub fn run(a: StoreImportArgs) -> anyhow::Result<()> {
    if a.cert.is_none() && a.key.is_none() && a.from.is_none() {
        return Err(usage("nothing to import: give --cert, --key or --from"));
    }
    let opts = EditOptions {
        pass: &a.pass,
        skip_unsupported: a.skip_unsupported,
        compat: a.compat,
        create: Some(NewStore {
            format: a.format.map(Into::into),
            ask_password: true,
        }),
    };
    let report = edit_store(&a.store, &opts, |ed| {
        let report = if let Some(cert) = &a.cert {
            add_certs(ed, &a, cert)?
        } else if let Some(key_path) = &a.key {
            add_key(ed, &a, key_path)?
        } else if let Some(from) = &a.from {
            add_store(ed, &a, from)?
        } else {
            unreachable!("checked above")
        };
        if !report.added.is_empty() || !report.replaced.is_empty() {
            ed.mark_changed();
        }
        Ok(report)
    })?;
    report_import(&report, &a.store, a.verbose);
    Ok(())
}

/// `--cert`: every certificate of the file as a trusted entry.
fn add_certs(
    ed: &mut StoreEdit,
    a: &StoreImportArgs,
    path: &Path,
) -> anyhow::Result<ops::ImportReport> {
    let certs = read_certs(path)?;
    Ok(ops::add_trusted(
        &mut ed.store,
        ed.format,
        certs,
        a.alias.as_deref(),
        &codec::pem::cert_label,
        a.force,
    )?)
}

/// `--key` (with the certificates after it in the file, or `--chain`): one key entry.
fn add_key(
    ed: &mut StoreEdit,
    a: &StoreImportArgs,
    key_path: &Path,
) -> anyhow::Result<ops::ImportReport> {
    let key_bytes = Zeroizing::new(read_input(key_path)?);
    let prompt = format!("Password for {}", key_path.display());
    let key_pw = opt_secret(&a.key_pass, &prompt, false)?;
    let in_file = codec::pem::decode(&key_bytes, key_pw.as_deref().map(|s| s.as_str()))
        .with_context(|| format!("cannot read {}", key_path.display()))?;
    let (key, mut chain) = in_file
        .entries
        .into_iter()
        .find_map(|e| match e.body {
            EntryBody::PrivateKey { key, chain } => Some((key, chain)),
            _ => None,
        })
        .with_context(|| format!("{}: no private key found", key_path.display()))?;
    let key = match key {
        PrivateKeyData::Encrypted(_) => {
            let pw = match key_pw {
                Some(p) => p,
                None => secret::obtain(None, &prompt, false)?,
            };
            PrivateKeyData::Pkcs8(keyprotect::decrypt(&key, &pw)?)
        }
        k => k,
    };
    let certs_from = match &a.chain {
        Some(chain_path) => {
            chain = read_certs(chain_path)?;
            chain_path
        }
        None => key_path,
    };
    let chain = order_chain(&key, chain, key_path, certs_from)?;
    let alias = match &a.alias {
        Some(x) => x.clone(),
        None => chain
            .first()
            .map(|c| codec::pem::cert_label(c))
            .unwrap_or_else(|| "key".into()),
    };
    Ok(ops::add_key(
        &mut ed.store,
        ed.format,
        &alias,
        key,
        chain,
        a.force,
    )?)
}

/// `--from`: every entry of another store, its keys decrypted for re-encoding.
fn add_store(
    ed: &mut StoreEdit,
    a: &StoreImportArgs,
    from: &Path,
) -> anyhow::Result<ops::ImportReport> {
    let other = load_store(
        from,
        &PassArg {
            pass: a.from_pass.clone(),
        },
    )?;
    let mut other_store = other.store;
    unlock_all(
        &mut other_store,
        other.password.as_deref().map(|s| s.as_str()),
        &KeyPasswords::none(),
    )?;
    Ok(ops::merge(&mut ed.store, ed.format, other_store, a.force)?)
}

/// One line per entry (`-v`, or a single one), else a summary: `144 added, 3 already
/// present`.
fn report_import(r: &ops::ImportReport, store: &Path, verbose: bool) {
    let items = r.added.len() + r.replaced.len() + r.skipped_duplicates.len();
    if !verbose && items > 1 {
        let mut parts = Vec::new();
        for (n, what) in [
            (r.added.len(), "added"),
            (r.replaced.len(), "replaced"),
            (r.skipped_duplicates.len(), "already present"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if !r.case_changed.is_empty() {
            parts.push(format!(
                "{} lower-cased (Java aliases are lower-case)",
                plural(r.case_changed.len(), "alias", "aliases")
            ));
        }
        eprintln!(
            "{} ({}; -v lists them)",
            parts.join(", "),
            escape(&store.display().to_string())
        );
        return;
    }
    for (given, stored) in &r.case_changed {
        eprintln!(
            "note: alias '{}' stored as '{}' (Java aliases are lower-case)",
            escape(given),
            escape(stored)
        );
    }
    for (alias, existing) in &r.skipped_duplicates {
        eprintln!(
            "skipped '{}': the same certificate is already in the store as '{}'",
            escape(alias),
            escape(existing)
        );
    }
    for a in &r.replaced {
        eprintln!("replaced '{}'", escape(a));
    }
    for a in &r.added {
        eprintln!("added '{}'", escape(a));
    }
}

/// Certificates from a PEM bundle, a PKCS#7 bundle (`.p7b`, DER, BER or PEM) or a DER file.
fn read_certs(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = read_input(path)?;
    let certs = if codec::pkcs7::sniff(&bytes) {
        let (ks, _) = codec::pkcs7::decode(&bytes)
            .with_context(|| format!("cannot read certificates from {}", path.display()))?;
        ks.entries
            .into_iter()
            .flat_map(|e| e.certificates().to_vec())
            .collect::<Vec<_>>()
    } else if crate::pem::looks_like_pem(&bytes) {
        codec::pem::certificates(&bytes)
            .with_context(|| format!("cannot read certificates from {}", path.display()))?
    } else {
        use der::Decode;
        x509_cert::Certificate::from_der(&bytes)
            .with_context(|| format!("{}: not a certificate", path.display()))?;
        vec![bytes]
    };
    if certs.is_empty() {
        bail!("{}: no certificates found", path.display());
    }
    Ok(certs)
}

/// Puts `certs` in chain order: the certificate of `key` first, then its issuers as keytool
/// orders a reply (each the issuer of the one before). A file without the key's certificate,
/// or with certificates outside its chain, is refused naming them.
fn order_chain(
    key: &PrivateKeyData,
    certs: Vec<Vec<u8>>,
    key_path: &Path,
    certs_from: &Path,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let PrivateKeyData::Pkcs8(der) = key else {
        return Ok(certs);
    };
    if certs.is_empty() {
        return Ok(certs);
    }
    // A certificate given twice (a leaf file that already holds its issuer) counts once.
    let mut certs = certs;
    let mut seen = std::collections::HashSet::new();
    certs.retain(|c| seen.insert(c.clone()));
    use der::Encode;
    let spki = crate::pki::key::PrivateKey::from_pkcs8_der(der)?
        .public_key_info()?
        .to_der()?;
    let facts = certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            CertFacts::of(c).with_context(|| {
                format!(
                    "{}: certificate {} is malformed",
                    certs_from.display(),
                    i + 1
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Some(leaf) = facts
        .iter()
        .position(|f| f.spki.as_deref() == Some(spki.as_slice()))
    else {
        let names: Vec<String> = certs.iter().map(|c| subject_of(c)).collect();
        bail!(
            "the private key in {} does not match any of the certificates in {} (compared its public key with {})",
            key_path.display(),
            certs_from.display(),
            names.join("; ")
        );
    };
    // The pool holds every certificate given, leaf included, so its indices are the file's;
    // chain_of starts at the leaf and never takes it again as an issuer.
    let order = Pool::new(facts).chain_of(leaf);
    if let Some(stray) = (0..certs.len()).find(|i| !order.contains(i)) {
        bail!(
            "{}: {} is not in the chain of {} (each certificate must issue the one before)",
            certs_from.display(),
            subject_of(&certs[stray]),
            subject_of(&certs[leaf])
        );
    }
    let mut certs: Vec<Option<Vec<u8>>> = certs.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| certs[i].take()).collect())
}

/// A certificate's subject for messages (RFC 4514, sanitised when printed).
fn subject_of(der: &[u8]) -> String {
    crate::store::summary::chain_cert(der)
        .map(|(c, _)| format!("'{}'", c.subject))
        .unwrap_or_else(|| "a malformed certificate".into())
}
