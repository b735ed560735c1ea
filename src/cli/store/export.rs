//! `keychest store export STORE --alias A`: an entry's certificate chain (PEM, a PKCS#7
//! bundle, or DER when it is one certificate), its key (PKCS#8 PEM or DER, encrypted with `--out-pass`), or the
//! entry as a one-entry PKCS#12. The format follows `--format`, else the `--out` extension;
//! nothing is dropped silently (a chain does not fit one DER file: that is refused).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::aliases::find_entry;
use crate::cli::common::exit::usage;
use crate::cli::common::io::{check_output, is_dash, write_output};
use crate::cli::common::pass::{KeyPasswords, PassArg, opt_secret};
use crate::cli::common::stores::{Loaded, load_store_for_keys, save_store, unlock_all};
use crate::codec;
use crate::fsio::Mode;
use crate::pki::keyfile;
use crate::secret::Secret;
use crate::store::{Entry, EntryBody, Format, Keystore, keyprotect};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Certificates as PEM (the whole chain)
    Pem,
    /// One certificate as DER (refused for a chain)
    Der,
    /// The entry as a PKCS#12 (needs --out and --out-pass)
    P12,
    /// The chain as a PKCS#7 certificate bundle (.p7b, DER), as CAs and Windows hand out
    P7b,
}

#[derive(Args, Debug)]
pub struct StoreExportArgs {
    /// The store to read (- reads stdin)
    pub store: PathBuf,
    /// The entry to export
    #[arg(long)]
    pub alias: String,
    /// Where the certificate (chain) or the PKCS#12 goes (stdout without it or with -, except p12)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where the private key goes (mode 0600; PKCS#8, DER for a .der name; - prints it)
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    /// Output format (default: from the --out extension: .der/.cer DER, .p12/.pfx p12,
    /// .p7b/.p7c p7b, else PEM)
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
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

/// `x.der`/`x.cer` → DER, `x.p12`/`x.pfx` → p12, `x.p7b`/`x.p7c` → p7b, anything else PEM.
fn format_of(a: &StoreExportArgs) -> ExportFormat {
    if let Some(f) = a.format {
        return f;
    }
    match a.out.as_deref().and_then(extension).as_deref() {
        Some("der" | "cer") => ExportFormat::Der,
        Some("p12" | "pfx") => ExportFormat::P12,
        Some("p7b" | "p7c") => ExportFormat::P7b,
        _ => ExportFormat::Pem,
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

pub fn run(a: StoreExportArgs) -> anyhow::Result<()> {
    for out in [&a.out, &a.key_out].into_iter().flatten() {
        check_output(out, a.force)?;
    }
    let format = format_of(&a);
    if matches!(format, ExportFormat::Der | ExportFormat::P7b)
        && a.key_out.as_deref().is_some_and(is_dash)
        && a.out.as_deref().is_none_or(is_dash)
    {
        return Err(usage(
            "--format der/p7b: the certificates and the key cannot both go to stdout; give --out FILE",
        ));
    }
    let loaded = load_store_for_keys(&a.store, &a.pass)?;
    let cs = loaded.format.caps().case_sensitive_aliases;
    let i =
        find_entry(&loaded.store, &a.alias, cs).with_context(|| a.store.display().to_string())?;
    let entry = loaded.store.entries[i].clone();
    let out_pw = opt_secret(&a.out_pass, "Password for the exported key", true)?;
    match format {
        ExportFormat::P12 => export_p12(&a, &loaded, entry, out_pw),
        ExportFormat::Pem | ExportFormat::Der | ExportFormat::P7b => {
            export_files(&a, format, &loaded, &entry, out_pw)
        }
    }
}

/// The entry alone in a new PKCS#12, under `--out-pass`.
fn export_p12(
    a: &StoreExportArgs,
    loaded: &Loaded,
    entry: Entry,
    out_pw: Option<Secret>,
) -> anyhow::Result<()> {
    let out = a
        .out
        .as_ref()
        .filter(|o| !is_dash(o))
        .ok_or_else(|| usage("--format p12 needs --out FILE"))?;
    let pw = out_pw.ok_or_else(|| usage("--format p12 needs --out-pass SRC"))?;
    let mut one = Keystore {
        entries: vec![entry],
    };
    let key_pw = opt_secret(&a.key_pass, "Key password", false)?;
    let store_pw = key_pw
        .as_deref()
        .or(loaded.password.as_deref())
        .map(|s| s.as_str());
    unlock_all(&mut one, store_pw, &KeyPasswords::none())?;
    save_store(out, Format::Pkcs12, &one, Some(&pw), None, a.force)?;
    crate::cli::common::io::wrote(out);
    Ok(())
}

/// The certificate chain (PEM, a PKCS#7 bundle, or one certificate as DER) to `--out` or
/// stdout, and with
/// `--key-out` the private key.
fn export_files(
    a: &StoreExportArgs,
    format: ExportFormat,
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
    let data = if format == ExportFormat::Der {
        if certs.len() > 1 {
            bail!(
                "'{}' has a chain of {} certificates and a DER file holds one: use --format pem, or --format p7b for a PKCS#7 bundle",
                a.alias,
                certs.len()
            );
        }
        certs.first().cloned().unwrap_or_default()
    } else if format == ExportFormat::P7b {
        codec::pkcs7::encode_certs(certs)
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
        let out_pw = out_pw.as_deref().map(|s| s.as_str());
        let key_der = extension(key_out).as_deref() == Some("der")
            || (format == ExportFormat::Der && extension(key_out).as_deref() != Some("pem"));
        let bytes = if key_der {
            zeroize::Zeroizing::new(match out_pw {
                Some(pw) => keyfile::encrypt_pkcs8(&der, pw)?,
                None => der.to_vec(),
            })
        } else {
            let key = crate::pki::key::PrivateKey::from_pkcs8_der(&der)?;
            zeroize::Zeroizing::new(keyfile::to_pkcs8_pem(&key, out_pw)?.as_bytes().to_vec())
        };
        // `--key-out -` is the explicit request that prints the key.
        write_output(Some(key_out), &bytes, Mode::Private, a.force)?;
    }
    if certs.is_empty() && a.key_out.is_some() {
        return Ok(());
    }
    write_output(a.out.as_deref(), &data, Mode::Public, a.force)
}
