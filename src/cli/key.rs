//! `keychest key new|pub`: generate a private key, print the public key of one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::io::{check_output, write_output};
use super::common::key_type::KeyTypeParser;
use super::common::keys::{generate, load_key};
use super::common::pass::{PassArg, password};
use crate::fsio::Mode;
use crate::pem;
use crate::pki::key::KeyType;
use crate::pki::keyfile;

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a private key (PKCS#8 PEM; encrypted when --pass is given)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest key new --out ec.key\n  keychest key new --type rsa:3072 --out rsa.key --pass env:KEY_PASS\n  keychest key new --type ed25519 > ed.key\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, I/O error)\n  2  usage error"))]
    New(KeyNewArgs),
    /// Print the public key (SubjectPublicKeyInfo PEM) of a private key
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest key pub server.key\n  keychest key pub enc.key --pass file:pw.txt --out server.pub\n  keychest key new | keychest key pub -\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, I/O error)\n  2  usage error"))]
    Pub(KeyPubArgs),
}

#[derive(Args, Debug)]
pub struct KeyNewArgs {
    /// Key type
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE",
        value_parser = KeyTypeParser
    )]
    pub key_type: KeyType,
    /// Write the key here (mode 0600) instead of stdout (- is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct KeyPubArgs {
    /// Private key file (PEM or DER, any OpenSSL form; - reads stdin)
    pub key: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Write the public key here instead of stdout (- is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

pub fn run(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::New(a) => key_new(a),
        KeyCommand::Pub(a) => key_pub(a),
    }
}

fn key_new(a: KeyNewArgs) -> anyhow::Result<()> {
    let kind: KeyType = a.key_type;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let pw = password(&a.pass, "Password for the new key", true)?;
    let key = generate(kind)?;
    let pem = keyfile::to_pkcs8_pem(&key, pw.as_deref().map(|s| s.as_str()))?;
    write_output(a.out.as_deref(), pem.as_bytes(), Mode::Private, a.force)
}

fn key_pub(a: KeyPubArgs) -> anyhow::Result<()> {
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let key = load_key(&a.key, &a.pass)?;
    let spki = key.public_key_info()?;
    use der::Encode;
    let pem = pem::encode("PUBLIC KEY", &spki.to_der()?);
    write_output(a.out.as_deref(), pem.as_bytes(), Mode::Public, a.force)
}
