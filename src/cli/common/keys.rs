//! Private keys as commands get them: generated (with a spinner when slow) or loaded from a
//! file in any OpenSSL form, asking for its password only when it is encrypted.

use std::path::Path;

use anyhow::Context;

use super::io::{read_input, shown};
use super::pass::{PassArg, required_password};
use super::render::Spinner;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::keyfile;

/// Generates a key, with a spinner on a terminal when it may take a while.
pub fn generate(kind: KeyType) -> anyhow::Result<PrivateKey> {
    let spinner = kind
        .is_slow()
        .then(|| Spinner::start(&format!("generating {kind} key")));
    let key = PrivateKey::generate(kind);
    drop(spinner);
    Ok(key?)
}

/// Loads a private key file, asking for its password only if it is encrypted.
pub fn load_key(path: &Path, pass: &PassArg) -> anyhow::Result<PrivateKey> {
    let bytes = zeroize::Zeroizing::new(read_input(path)?);
    let prompt = format!("Password for {}", shown(path));
    let key = keyfile::load_private_key(&bytes, &mut || {
        required_password(pass, &prompt)
            .map_err(|e| keyfile::KeyFileError::PasswordSource(e.to_string()))
    })
    .with_context(|| format!("cannot load private key {}", shown(path)))?;
    Ok(key)
}
