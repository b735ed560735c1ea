//! `keychest key new|pub` and `keychest csr new`.

use anyhow::{Context, bail};

use super::args::{CsrCommand, CsrNewArgs, KeyCommand, KeyNewArgs, KeyPubArgs};
use super::io::{password, read_input, required_password, write_output};
use super::render::Spinner;
use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::{csr, keyfile, name, san};

pub fn run_key(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::New(a) => key_new(a),
        KeyCommand::Pub(a) => key_pub(a),
    }
}

pub fn run_csr(cmd: CsrCommand) -> anyhow::Result<()> {
    match cmd {
        CsrCommand::New(a) => csr_new(a),
    }
}

/// Generates a key, with a spinner on a terminal when it may take a while.
pub fn generate(kind: KeyType) -> anyhow::Result<PrivateKey> {
    let spinner = kind
        .is_slow()
        .then(|| Spinner::start(&format!("generating {kind} key")));
    let key = PrivateKey::generate(kind);
    drop(spinner);
    Ok(key?)
}

fn key_new(a: KeyNewArgs) -> anyhow::Result<()> {
    let kind: KeyType = a.key_type.parse()?;
    if let Some(out) = &a.out {
        fsio::check_writable(out, a.force)?;
    }
    let pw = password(&a.pass, "Password for the new key", true)?;
    let key = generate(kind)?;
    let pem = keyfile::to_pkcs8_pem(&key, pw.as_deref().map(|s| s.as_str()))?;
    write_output(a.out.as_deref(), pem.as_bytes(), Mode::Private, a.force)
}

/// Loads a private key file, asking for its password only if it is encrypted.
pub fn load_key(path: &std::path::Path, pass: &super::args::PassArg) -> anyhow::Result<PrivateKey> {
    let bytes = zeroize::Zeroizing::new(read_input(path)?);
    let prompt = format!("Password for {}", path.display());
    let key = keyfile::load_private_key(&bytes, &mut || {
        required_password(pass, &prompt)
            .map_err(|e| keyfile::KeyFileError::PasswordSource(e.to_string()))
    })
    .with_context(|| format!("cannot load private key {}", path.display()))?;
    Ok(key)
}

fn key_pub(a: KeyPubArgs) -> anyhow::Result<()> {
    if let Some(out) = &a.out {
        fsio::check_writable(out, a.force)?;
    }
    let key = load_key(&a.key, &a.pass)?;
    let spki = key.public_key_info()?;
    use der::Encode;
    let pem = pem::encode("PUBLIC KEY", &spki.to_der()?);
    write_output(a.out.as_deref(), pem.as_bytes(), Mode::Public, a.force)
}

fn csr_new(a: CsrNewArgs) -> anyhow::Result<()> {
    let subject = name::parse_dn(&a.subject)?;
    let mut sans = Vec::new();
    for list in &a.san {
        sans.extend(san::parse_list(list)?);
    }
    if let Some(out) = &a.out {
        fsio::check_writable(out, a.force)?;
    }
    let (key, new_key_pem) = match (&a.key, &a.key_out) {
        (Some(path), None) => (load_key(path, &a.pass)?, None),
        (Some(_), Some(_)) => bail!("--key-out is for a new key; it cannot be used with --key"),
        (None, None) => {
            bail!("without --key a new key is generated: give --key-out FILE to save it")
        }
        (None, Some(key_out)) => {
            fsio::check_writable(key_out, a.force)?;
            let kind: KeyType = a.key_type.parse()?;
            let pw = password(&a.pass, "Password for the new key", true)?;
            let key = generate(kind)?;
            let pem = keyfile::to_pkcs8_pem(&key, pw.as_deref().map(|s| s.as_str()))?;
            (key, Some((key_out.clone(), pem)))
        }
    };
    let der = csr::build(&key, subject, &sans).context("cannot create the request")?;
    let csr_pem = pem::encode("CERTIFICATE REQUEST", &der);
    // The key first: a request without its key is useless, a key without a request is not.
    if let Some((path, pem)) = new_key_pem {
        fsio::write_atomic(&path, pem.as_bytes(), Mode::Private, a.force)?;
    }
    write_output(a.out.as_deref(), csr_pem.as_bytes(), Mode::Public, a.force)
}
