//! `keychest csr new`: a PKCS#10 request, from an existing key or a new one.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::common::exit::usage;
use super::common::io::{check_output, write_output};
use super::common::key_type::KeyTypeParser;
use super::common::keys::{generate, load_key};
use super::common::pass::{PassArg, password};
use crate::fsio::Mode;
use crate::pem;
use crate::pki::key::KeyType;
use crate::pki::{csr, keyfile, name, san};

#[derive(Subcommand, Debug)]
pub enum CsrCommand {
    /// Create a PKCS#10 request, from an existing key or a new one
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest csr new --key server.key --subject 'CN=example.org,O=Acme' --san dns:example.org,dns:www.example.org --out server.csr\n",
        "  keychest csr new --subject /O=Acme/CN=client --type rsa:3072 --key-out client.key --out client.csr\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, I/O error)\n  2  usage error"))]
    New(CsrNewArgs),
}

#[derive(Args, Debug)]
pub struct CsrNewArgs {
    /// Existing private key (without it a new key is generated; see --type and --key-out)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Subject DN: RFC 4514 (CN=Test,O=Acme\, Inc.) or OpenSSL form (/O=Acme/CN=Test)
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Subject alternative names: dns:NAME, ip:ADDR, email:ADDR, uri:URI (comma-separated, repeatable)
    #[arg(long, value_name = "LIST")]
    pub san: Vec<String>,
    /// Type of the new key (when --key is not given)
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE",
        value_parser = KeyTypeParser
    )]
    pub key_type: KeyType,
    /// Where to write the new key (required when --key is not given; - prints it)
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    // Password of --key, or to encrypt the new key written to --key-out (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Write the request here instead of stdout (- is stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

pub fn run(cmd: CsrCommand) -> anyhow::Result<()> {
    match cmd {
        CsrCommand::New(a) => csr_new(a),
    }
}

fn csr_new(a: CsrNewArgs) -> anyhow::Result<()> {
    let subject = name::parse_dn(&a.subject)?;
    let mut sans = Vec::new();
    for list in &a.san {
        sans.extend(san::parse_list(list)?);
    }
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (key, new_key_pem) = match (&a.key, &a.key_out) {
        (Some(path), None) => (load_key(path, &a.pass)?, None),
        (Some(_), Some(_)) => {
            return Err(usage(
                "--key-out is for a new key; it cannot be used with --key",
            ));
        }
        (None, None) => {
            return Err(usage(
                "without --key a new key is generated: give --key-out FILE to save it",
            ));
        }
        (None, Some(key_out)) => {
            check_output(key_out, a.force)?;
            let kind: KeyType = a.key_type;
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
        write_output(Some(&path), pem.as_bytes(), Mode::Private, a.force)?;
    }
    write_output(a.out.as_deref(), csr_pem.as_bytes(), Mode::Public, a.force)
}
