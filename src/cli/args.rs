//! clap definitions. Help texts end with examples that work as written.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::secret::SecretSource;

#[derive(Parser, Debug)]
#[command(
    name = "keychest",
    version,
    about = "Keystores, truststores and test PKIs from the command line",
    after_help = "EXAMPLES:\n  keychest key new --type ec:p256 --out server.key\n  keychest csr new --key server.key --subject 'CN=example.org' --san dns:example.org --out server.csr\n  keychest show server.csr\n\nEXIT STATUS:\n  0  success\n  1  failure\n  2  usage error"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate private keys and print public keys
    #[command(subcommand)]
    Key(KeyCommand),
    /// Create certificate signing requests (PKCS#10)
    #[command(subcommand)]
    Csr(CsrCommand),
    /// Show what a file holds: certificates, requests, CRLs, keys (PEM or DER)
    Show(ShowArgs),
    /// Run a local certificate authority kept in a directory
    #[command(subcommand)]
    Ca(super::ca::CaCommand),
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a private key (PKCS#8 PEM; encrypted when --pass is given)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest key new --out ec.key\n  keychest key new --type rsa:3072 --out rsa.key --pass env:KEY_PASS\n  keychest key new --type ed25519 > ed.key\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, I/O error)\n  2  usage error"))]
    New(KeyNewArgs),
    /// Print the public key (SubjectPublicKeyInfo PEM) of a private key
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest key pub server.key\n  keychest key pub enc.key --pass file:pw.txt --out server.pub\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, I/O error)\n  2  usage error"))]
    Pub(KeyPubArgs),
}

/// A password option: `--pass SRC`, or `--pass` alone to be asked on the terminal.
#[derive(Args, Debug, Clone, Default)]
pub struct PassArg {
    /// Password source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (alone: prompt)
    #[arg(long = "pass", value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub pass: Option<String>,
}

impl PassArg {
    /// None: not given. Some(None): prompt. Some(Some(src)): read from src.
    pub fn source(&self) -> anyhow::Result<Option<Option<SecretSource>>> {
        match self.pass.as_deref() {
            None => Ok(None),
            Some("prompt") => Ok(Some(None)),
            Some(s) => Ok(Some(Some(s.parse()?))),
        }
    }
}

#[derive(Args, Debug)]
pub struct KeyNewArgs {
    /// Key type: ec:p256, ec:p384, ed25519, rsa:2048, rsa:3072, rsa:4096
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE"
    )]
    pub key_type: String,
    /// Write the key here (mode 0600) instead of stdout
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
    /// Private key file (PEM or DER, any OpenSSL form)
    pub key: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Write the public key here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

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
        value_name = "TYPE"
    )]
    pub key_type: String,
    /// Where to write the new key (required when --key is not given)
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    /// Password of --key, or to encrypt the new key written to --key-out
    #[command(flatten)]
    pub pass: PassArg,
    /// Write the request here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest show server.crt\n  keychest show chain.pem --json\n  keychest show server.key --pass env:KEY_PASS\n\n",
    "EXIT STATUS:\n  0  success\n  1  failure (unreadable or unrecognised file, wrong password)\n  2  usage error"))]
pub struct ShowArgs {
    /// File to inspect
    pub file: PathBuf,
    /// Password for an encrypted key (without it, an encrypted key is shown undecrypted)
    #[command(flatten)]
    pub pass: PassArg,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}
