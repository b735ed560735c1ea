//! `keychest store list|import|export|convert|delete|rename|passwd`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use zeroize::Zeroizing;

use super::args::{
    CompatArg, ExportFormat, PassArg, StoreCommand, StoreConvertArgs, StoreDeleteArgs,
    StoreExportArgs, StoreImportArgs, StoreListArgs, StorePasswdArgs, StoreRenameArgs, secret_opt,
};
use super::io::{read_input, write_output};
use super::render::sanitize;
use crate::codec::{self, EncodeOptions, StoreInfo};
use crate::fsio::{self, Mode};
use crate::pki::keyfile;
use crate::secret::{self, Secret};
use crate::store::summary::{self, EntrySummary};
use crate::store::{EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData, keyprotect, ops};

pub fn run(cmd: StoreCommand) -> anyhow::Result<()> {
    match cmd {
        StoreCommand::List(a) => list(a),
        StoreCommand::Import(a) => import(a),
        StoreCommand::Export(a) => export(a),
        StoreCommand::Convert(a) => convert(a),
        StoreCommand::Delete(a) => delete(a),
        StoreCommand::Rename(a) => rename(a),
        StoreCommand::Passwd(a) => passwd(a),
    }
}

/// A store read from disk, with what is needed to write it back the same way.
pub struct Loaded {
    pub format: Format,
    pub store: Keystore,
    pub info: StoreInfo,
    pub password: Option<Secret>,
}

/// Reads a secret option: Some(secret) when given (from its source or a prompt).
pub fn opt_secret(
    value: &Option<String>,
    prompt: &str,
    confirm: bool,
) -> anyhow::Result<Option<Secret>> {
    match secret_opt(value)? {
        None => Ok(None),
        Some(src) => Ok(Some(secret::obtain(src.as_ref(), prompt, confirm)?)),
    }
}

/// Reads and decodes a store for listing: the password comes from `--pass`; without it the
/// store is read without one when its format allows (JKS/JCEKS listing, password-less
/// PKCS#12), else asked for on a terminal, else a clear error.
pub fn load_store(path: &Path, pass: &PassArg) -> anyhow::Result<Loaded> {
    let bytes = read_input(path)?;
    load_bytes(path, &bytes, pass.source()?, false)
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
    source: Option<Option<secret::SecretSource>>,
    need_password: bool,
) -> anyhow::Result<Loaded> {
    let format = codec::sniff(bytes).with_context(|| {
        format!(
            "{}: not a keystore keychest recognises (PKCS#12, PEM, JKS, JCEKS)",
            path.display()
        )
    })?;
    let prompt = format!("Password for {}", path.display());
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
    let (store, info) = decoded.with_context(|| format!("cannot read {}", path.display()))?;
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
    let bytes = codec::encode(
        format,
        store,
        &EncodeOptions {
            password,
            compat: compat.unwrap_or_default(),
        },
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    let holds_secrets = store
        .entries
        .iter()
        .any(|e| !matches!(e.body, EntryBody::TrustedCert { .. }));
    let mode = if holds_secrets {
        Mode::Private
    } else {
        Mode::Public
    };
    fsio::write_atomic(path, &bytes, mode, overwrite)?;
    Ok(())
}

fn list(a: StoreListArgs) -> anyhow::Result<()> {
    let bytes = read_input(&a.store)?;
    show_store(&a.store, bytes, &a.pass, a.json)
}

/// Lists a store with its protection details (`store list`, and `show` on a keystore).
pub fn show_store(path: &Path, bytes: Vec<u8>, pass: &PassArg, json: bool) -> anyhow::Result<()> {
    let mut loaded = load_bytes(path, &bytes, pass.source()?, false)?;
    drop(bytes);
    describe_secrets(&mut loaded);
    // Entries are summarised and written one at a time, so a 10,000-entry store never has
    // all its summaries (or all its output) in memory at once.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        write_list_json(&mut out, &loaded)?;
    } else {
        write_list_header(&mut out, &loaded)?;
        for e in &loaded.store.entries {
            write_list_entry(&mut out, &summary::summarize(e), &loaded.info)?;
        }
    }
    out.flush()?;
    Ok(())
}

#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    #[serde(flatten)]
    entry: &'a EntrySummary,
    /// PKCS#12 trusted entries: whether the bag carries Java's trust attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    java_trust_attribute: Option<bool>,
}

fn write_list_json(out: &mut impl Write, loaded: &Loaded) -> anyhow::Result<()> {
    let head = serde_json::json!({
        "format": loaded.format,
        "integrity_checked": loaded.info.integrity_checked,
        "protection": loaded.info.protection,
        "warnings": loaded.info.warnings,
    });
    let head = serde_json::to_string_pretty(&head)?;
    // The head object without its closing brace, then the entries array streamed.
    write!(
        out,
        "{},\n  \"entries\": [",
        head.trim_end().trim_end_matches('}').trim_end()
    )?;
    for (i, e) in loaded.store.entries.iter().enumerate() {
        let s = summary::summarize(e);
        let java = (loaded.format == Format::Pkcs12
            && s.kind == crate::store::EntryKind::TrustedCert)
            .then(|| !loaded.info.without_java_trust.contains(&s.alias));
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(
            &mut *out,
            &JsonEntry {
                entry: &s,
                java_trust_attribute: java,
            },
        )?;
    }
    writeln!(out, "\n  ]\n}}")?;
    Ok(())
}

fn write_list_header(out: &mut impl Write, loaded: &Loaded) -> std::io::Result<()> {
    writeln!(
        out,
        "{} store, {} entries",
        loaded.format,
        loaded.store.entries.len()
    )?;
    for p in &loaded.info.protection {
        writeln!(out, "  {}", sanitize(p))?;
    }
    for w in &loaded.info.warnings {
        writeln!(out, "  warning: {}", sanitize(w))?;
    }
    Ok(())
}

fn write_list_entry(
    out: &mut impl Write,
    e: &EntrySummary,
    info: &StoreInfo,
) -> std::io::Result<()> {
    let key = e
        .key
        .as_ref()
        .map(|k| {
            let alg = k.algorithm.clone().unwrap_or_else(|| "?".into());
            match (&k.curve, k.bits) {
                (Some(c), _) => format!("{alg} {c}"),
                (None, Some(b)) => format!("{alg} {b}"),
                _ => alg,
            }
        })
        .unwrap_or_default();
    let note = if info.without_java_trust.contains(&e.alias) {
        "  (no Java trust attribute: Java does not list it)"
    } else {
        ""
    };
    writeln!(
        out,
        "{}",
        sanitize(&format!("{}  {}  {}{}", e.alias, e.kind, key, note))
    )?;
    if let Some(leaf) = e.chain.first() {
        writeln!(out, "    subject: {}", sanitize(&leaf.subject))?;
        writeln!(out, "    issuer:  {}", sanitize(&leaf.issuer))?;
        writeln!(out, "    expires: {}", leaf.not_after)?;
        writeln!(out, "    sha256:  {}", leaf.sha256)?;
        if e.chain.len() > 1 {
            writeln!(out, "    chain:   {} certificates", e.chain.len())?;
        }
    } else if e.kind == crate::store::EntryKind::PrivateKey {
        writeln!(out, "    (no certificate)")?;
    }
    Ok(())
}

/// With the store password at hand, opens sealed secret keys to show their algorithm; one
/// that cannot be opened is listed with a warning naming it.
pub fn describe_secrets(loaded: &mut Loaded) {
    let Some(pw) = loaded.password.clone() else {
        return;
    };
    for entry in &mut loaded.store.entries {
        if let EntryBody::SecretKey { key } = &mut entry.body
            && let SecretEntryData::Sealed { format, bytes } = key
        {
            match codec::open_secret(*format, bytes, &pw) {
                Ok(open) => *key = SecretEntryData::Open(open),
                Err(e) => loaded.info.warnings.push(format!(
                    "secret key '{}' cannot be opened: {e}",
                    entry.alias
                )),
            }
        }
    }
}

/// The format of a store that may not exist yet.
fn target_format(path: &Path, explicit: Option<Format>) -> anyhow::Result<Format> {
    explicit
        .or_else(|| codec::format_from_extension(path))
        .with_context(|| {
            format!(
                "cannot tell the format of {} from its name: give --format (pkcs12, pem, jks, jceks)",
                path.display()
            )
        })
}

/// Loads STORE if it exists, else starts an empty one (asking for a new password if the
/// format needs one).
fn load_or_create(
    path: &Path,
    pass: &PassArg,
    format: Option<Format>,
    compat: Option<CompatArg>,
) -> anyhow::Result<Loaded> {
    if path.exists() {
        return load_store(path, pass);
    }
    let format = target_format(path, format)?;
    let password = match pass.source()? {
        Some(src) => Some(secret::obtain(
            src.as_ref(),
            "Password for the new store",
            true,
        )?),
        None if format.caps().store_password && compat != Some(CompatArg::Passwordless) => {
            Some(secret::obtain(
                None,
                &format!("Password for the new store {}", path.display()),
                true,
            )?)
        }
        None => None,
    };
    Ok(Loaded {
        format,
        store: Keystore::default(),
        info: StoreInfo::default(),
        password,
    })
}

fn report_import(r: &ops::ImportReport) {
    for (given, stored) in &r.case_changed {
        eprintln!(
            "note: alias '{}' stored as '{}' (Java aliases are lower-case)",
            sanitize(given),
            sanitize(stored)
        );
    }
    for (alias, existing) in &r.skipped_duplicates {
        eprintln!(
            "skipped '{}': the same certificate is already in the store as '{}'",
            sanitize(alias),
            sanitize(existing)
        );
    }
    for a in &r.replaced {
        eprintln!("replaced '{}'", sanitize(a));
    }
    for a in &r.added {
        eprintln!("added '{}'", sanitize(a));
    }
}

/// Certificates from a PEM bundle or a DER file.
fn read_certs(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = read_input(path)?;
    let certs = if crate::pem::looks_like_pem(&bytes) {
        let ks = codec::pem::decode(&bytes, None)
            .with_context(|| format!("cannot read certificates from {}", path.display()))?;
        ks.entries
            .into_iter()
            .flat_map(|e| e.certificates().to_vec())
            .collect::<Vec<_>>()
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

fn import(a: StoreImportArgs) -> anyhow::Result<()> {
    let mut loaded = load_or_create(&a.store, &a.pass, a.format.map(Into::into), a.compat)?;
    if !loaded.store.entries.is_empty() && loaded.password.is_none() && loaded.format != Format::Pem
    {
        // Rewriting needs the password (password-less PKCS#12 truststores excepted).
        if loaded.info.preset != Some(CompatArg::Passwordless) {
            loaded = load_store_for_keys(&a.store, &a.pass)?;
        }
    }
    let format = loaded.format;
    let report = if let Some(cert) = &a.cert {
        let certs = read_certs(cert)?;
        ops::add_trusted(
            &mut loaded.store,
            format,
            &certs,
            a.alias.as_deref(),
            &codec::pem::cert_label,
            a.force,
        )?
    } else if let Some(key_path) = &a.key {
        let key_bytes = Zeroizing::new(read_input(key_path)?);
        let key_pw = opt_secret(
            &a.key_pass,
            &format!("Password for {}", key_path.display()),
            false,
        )?;
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
                    None => secret::obtain(
                        None,
                        &format!("Password for {}", key_path.display()),
                        false,
                    )?,
                };
                PrivateKeyData::Pkcs8(keyprotect::decrypt(&key, &pw)?)
            }
            k => k,
        };
        if let Some(chain_path) = &a.chain {
            chain = read_certs(chain_path)?;
        }
        check_key_matches(&key, &chain)?;
        let alias = match &a.alias {
            Some(x) => x.clone(),
            None => chain
                .first()
                .map(|c| codec::pem::cert_label(c))
                .unwrap_or_else(|| "key".into()),
        };
        ops::add_key(&mut loaded.store, format, &alias, key, chain, a.force)?
    } else if let Some(from) = &a.from {
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
        ops::merge(&mut loaded.store, format, other_store, a.force)?
    } else {
        bail!("nothing to import: give --cert, --key or --from");
    };
    let compat = a.compat.or(loaded.info.preset);
    let pw = loaded.password.clone();
    save_or_unlock(
        &a.store,
        &mut loaded,
        pw.as_deref().map(|s| s.as_str()),
        compat,
    )?;
    report_import(&report);
    Ok(())
}

/// Refuses a key whose certificate is for another key.
fn check_key_matches(key: &PrivateKeyData, chain: &[Vec<u8>]) -> anyhow::Result<()> {
    let (PrivateKeyData::Pkcs8(der), Some(leaf)) = (key, chain.first()) else {
        return Ok(());
    };
    use der::{Decode, Encode};
    let key = crate::pki::key::PrivateKey::from_pkcs8_der(der)?;
    let cert = x509_cert::Certificate::from_der(leaf).context("malformed certificate")?;
    if key.public_key_info()?.to_der()?
        != cert.tbs_certificate().subject_public_key_info().to_der()?
    {
        bail!("the private key does not match the certificate (different public keys)");
    }
    Ok(())
}

/// Key passwords given as `SRC` (all keys) or `ALIAS=SRC`.
pub struct KeyPasswords(Vec<(Option<String>, Secret)>);

impl KeyPasswords {
    pub fn none() -> KeyPasswords {
        KeyPasswords(Vec::new())
    }

    pub fn parse(values: &[String]) -> anyhow::Result<KeyPasswords> {
        let mut out = Vec::new();
        for v in values {
            let is_source = v.starts_with("pass:")
                || v.starts_with("env:")
                || v.starts_with("file:")
                || v.starts_with("fd:")
                || v == "stdin";
            let (alias, src) = match v.split_once('=') {
                Some((a, s)) if !is_source => (Some(a.to_string()), s),
                _ => (None, v.as_str()),
            };
            let src: secret::SecretSource = src.parse()?;
            out.push((alias, src.read()?));
        }
        Ok(KeyPasswords(out))
    }

    pub fn for_alias(&self, alias: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(a, _)| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(alias)))
            .or_else(|| self.0.iter().find(|(a, _)| a.is_none()))
            .map(|(_, s)| s.as_str())
    }
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

fn export(a: StoreExportArgs) -> anyhow::Result<()> {
    for out in [&a.out, &a.key_out].into_iter().flatten() {
        fsio::check_writable(out, a.force)?;
    }
    let loaded = load_store_for_keys(&a.store, &a.pass)?;
    let cs = loaded.format.caps().case_sensitive_aliases;
    let i = loaded
        .store
        .find(&a.alias, cs)
        .with_context(|| format!("no entry with alias '{}'", a.alias))?;
    let entry = loaded.store.entries[i].clone();
    let out_pw = opt_secret(&a.out_pass, "Password for the exported key", true)?;
    match a.format {
        ExportFormat::P12 => {
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
        ExportFormat::Pem | ExportFormat::Der => {
            let certs = entry.certificates();
            if let EntryBody::SecretKey { .. } = entry.body {
                bail!("'{}' is a secret key: export it with --format p12", a.alias);
            }
            let data = if a.format == ExportFormat::Der {
                certs.first().cloned().unwrap_or_default()
            } else {
                codec::pem::encode_certs(certs).into_bytes()
            };
            if let Some(key_out) = &a.key_out {
                let EntryBody::PrivateKey { key, .. } = &entry.body else {
                    bail!("'{}' has no private key", a.alias);
                };
                let key_pw = opt_secret(&a.key_pass, "Key password", false)?;
                let pw = key_pw
                    .as_deref()
                    .or(loaded.password.as_deref())
                    .map(|s| s.as_str())
                    .unwrap_or("");
                let der =
                    keyprotect::decrypt(key, pw).with_context(|| format!("entry '{}'", a.alias))?;
                let key = crate::pki::key::PrivateKey::from_pkcs8_der(&der)?;
                let pem = keyfile::to_pkcs8_pem(&key, out_pw.as_deref().map(|s| s.as_str()))?;
                fsio::write_atomic(key_out, pem.as_bytes(), Mode::Private, a.force)?;
            }
            if certs.is_empty() && a.key_out.is_some() {
                return Ok(());
            }
            write_output(a.out.as_deref(), &data, Mode::Public, a.force)
        }
    }
}

fn convert(a: StoreConvertArgs) -> anyhow::Result<()> {
    fsio::check_writable(&a.output, a.force)?;
    let to = target_format(&a.output, a.to.map(Into::into))?;
    let mut loaded = load_store_for_keys(&a.input, &a.pass)?;
    let key_pws = KeyPasswords::parse(&a.key_pass)?;
    let mut skipped = Vec::new();
    if !to.caps().secret_keys {
        let (keep, drop): (Vec<_>, Vec<_>) = loaded
            .store
            .entries
            .into_iter()
            .partition(|e| !matches!(e.body, EntryBody::SecretKey { .. }));
        if let Some(first) = drop.first()
            && !a.skip_unsupported
        {
            bail!(
                "entry '{}' is a secret key, which {} cannot hold (use --skip-unsupported to leave it out)",
                first.alias,
                to
            );
        }
        skipped = drop.into_iter().map(|e| e.alias).collect();
        loaded.store.entries = keep;
    }
    let store_pw = loaded.password.as_deref().map(|s| s.as_str());
    for entry in &mut loaded.store.entries {
        if let EntryBody::PrivateKey { key, .. } = &mut entry.body
            && let PrivateKeyData::Encrypted(_) = key
        {
            let pw = key_pws
                .for_alias(&entry.alias)
                .or(store_pw)
                .with_context(|| {
                    format!("entry '{}': a password is needed for its key", entry.alias)
                })?;
            *key = PrivateKeyData::Pkcs8(
                keyprotect::decrypt(key, pw).with_context(|| format!("entry '{}'", entry.alias))?,
            );
        }
    }
    // Always open secret keys: a sealed one would keep its old (key) password in OUTPUT.
    open_secrets(&mut loaded.store, store_pw, &key_pws)?;
    if !to.caps().case_sensitive_aliases {
        for e in &mut loaded.store.entries {
            let lower = ops::normalize_alias(&e.alias, to);
            if lower != e.alias {
                eprintln!(
                    "note: alias '{}' becomes '{}' (Java aliases are lower-case)",
                    sanitize(&e.alias),
                    sanitize(&lower)
                );
                e.alias = lower;
            }
        }
    }
    let out_pw = match opt_secret(&a.out_pass, "Password for the new store", true)? {
        Some(p) => Some(p),
        None if to == Format::Pem => None,
        None => loaded.password.clone(),
    };
    save_store(
        &a.output,
        to,
        &loaded.store,
        out_pw.as_deref().map(|s| s.as_str()),
        a.compat,
        a.force,
    )?;
    for s in skipped {
        eprintln!("skipped secret key '{}'", sanitize(&s));
    }
    eprintln!(
        "wrote {} entries to {} ({})",
        loaded.store.entries.len(),
        a.output.display(),
        to
    );
    Ok(())
}

/// Rewrites a store in place after an edit, keeping its format, password and preset.
fn rewrite(path: &Path, mut loaded: Loaded) -> anyhow::Result<()> {
    let pw = loaded.password.clone();
    let preset = loaded.info.preset;
    save_or_unlock(path, &mut loaded, pw.as_deref().map(|s| s.as_str()), preset)
}

/// Saves a store, keeping stored keys encrypted as they are when the format allows; when
/// it does not (another protection scheme), decrypts them with `password` and retries.
fn save_or_unlock(
    path: &Path,
    loaded: &mut Loaded,
    password: Option<&str>,
    compat: Option<CompatArg>,
) -> anyhow::Result<()> {
    if save_store(path, loaded.format, &loaded.store, password, compat, true).is_ok() {
        return Ok(());
    }
    unlock_all(&mut loaded.store, password, &KeyPasswords::none())?;
    save_store(path, loaded.format, &loaded.store, password, compat, true)
}

fn delete(a: StoreDeleteArgs) -> anyhow::Result<()> {
    let mut loaded = load_store_for_keys(&a.store, &a.pass)?;
    let removed = ops::delete(&mut loaded.store, loaded.format, &a.alias)?;
    rewrite(&a.store, loaded)?;
    eprintln!("deleted '{}'", sanitize(&removed.alias));
    Ok(())
}

fn rename(a: StoreRenameArgs) -> anyhow::Result<()> {
    let mut loaded = load_store_for_keys(&a.store, &a.pass)?;
    let stored = ops::rename(&mut loaded.store, loaded.format, &a.old, &a.new)?;
    if stored != a.new {
        eprintln!(
            "note: alias stored as '{}' (Java aliases are lower-case)",
            sanitize(&stored)
        );
    }
    rewrite(&a.store, loaded)
}

fn passwd(a: StorePasswdArgs) -> anyhow::Result<()> {
    let mut loaded = load_store_for_keys(&a.store, &a.pass)?;
    if !loaded.format.caps().store_password && loaded.format != Format::Pem {
        bail!("{} stores have no password", loaded.format);
    }
    if a.new_key_pass.is_some() && !loaded.format.caps().per_entry_passwords {
        bail!(
            "{} keys are protected with the store password: --new-key-pass applies to JKS and JCEKS",
            loaded.format
        );
    }
    let new = match opt_secret(&a.new_pass, "New password", true)? {
        Some(p) => p,
        None => secret::obtain(None, "New password", true)?,
    };
    let key_pws = KeyPasswords::parse(&a.key_pass)?;
    let store_pw = loaded.password.as_deref().map(|s| s.as_str());
    unlock_all(&mut loaded.store, store_pw, &key_pws)?;
    // Sealed secret keys are protected with the old password: open them to re-seal.
    open_secrets(&mut loaded.store, store_pw, &key_pws)?;
    if let Some(new_key) = opt_secret(&a.new_key_pass, "New key password", true)? {
        // Java formats: keys get their own password; the codec keeps them as protected.
        for entry in &mut loaded.store.entries {
            if let EntryBody::PrivateKey { key, .. } = &mut entry.body
                && let PrivateKeyData::Pkcs8(der) = key
            {
                *key = PrivateKeyData::Encrypted(
                    codec::java::protect_key(loaded.format, der, &new_key)
                        .with_context(|| format!("entry '{}'", entry.alias))?,
                );
            }
        }
    }
    // Keep the store's protection preset (a legacy store stays legacy).
    save_store(
        &a.store,
        loaded.format,
        &loaded.store,
        Some(&new),
        loaded.info.preset,
        true,
    )?;
    eprintln!("password changed for {}", a.store.display());
    Ok(())
}
