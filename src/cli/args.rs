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
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest key new --type ec:p384 --out server.key\n  keychest key pub server.key\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Key(KeyCommand),
    /// Create certificate signing requests (PKCS#10)
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest csr new --key server.key --subject 'CN=example.org' --san dns:example.org --out server.csr\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Csr(CsrCommand),
    /// Show what a file holds: certificates, requests, CRLs, keys, keystores
    Show(ShowArgs),
    /// Keystores and truststores: PKCS#12, PEM, JKS, JCEKS
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest store list keystore.jks\n  keychest store convert keystore.jks keystore.p12 --pass pass:changeit\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Store(StoreCommand),
    /// Choose the client certificate a TLS server will accept
    Select(SelectArgs),
    /// Show a TLS handshake step by step, with client-certificate selection
    Connect(ConnectArgs),
    /// Fetch a server's certificates into a truststore
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest trust fetch internal.example.org:443 --into truststore.p12 --pass pass:changeit\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Trust(TrustCommand),
    /// A whole test PKI in one command: CAs, server and client certificates, ready stores
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest pki new ./pki\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Pki(PkiCommand),
    /// Generate man pages and shell completions
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest generate man /usr/local/share/man/man1\n  keychest generate completions bash > /etc/bash_completion.d/keychest\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Generate(GenerateCommand),
    /// Run a local certificate authority kept in a directory
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest ca init ./ca --subject 'CN=Test Root CA'\n  keychest ca issue ./ca example.org 127.0.0.1\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Ca(super::ca::CaCommand),
    /// Find what will break in certificates, keys, stores and CA directories, with the fix
    Doctor(super::doctor::DoctorArgs),
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

/// A secret option other than `--pass`: `SRC`, or given alone to be asked on the terminal.
pub fn secret_opt(value: &Option<String>) -> anyhow::Result<Option<Option<SecretSource>>> {
    match value.as_deref() {
        None => Ok(None),
        Some("prompt") => Ok(Some(None)),
        Some(s) => Ok(Some(Some(s.parse()?))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Pkcs12,
    Pem,
    Jks,
    Jceks,
}

impl From<FormatArg> for crate::store::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Pkcs12 => crate::store::Format::Pkcs12,
            FormatArg::Pem => crate::store::Format::Pem,
            FormatArg::Jks => crate::store::Format::Jks,
            FormatArg::Jceks => crate::store::Format::Jceks,
        }
    }
}

pub use crate::codec::pkcs12::Compat as CompatArg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Pem,
    Der,
    P12,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// List the entries of a store (alias, kind, subject, issuer, expiry, key type)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store list server.p12 --pass env:STORE_PASS\n  keychest store list truststore.jks --json\n  keychest store list /etc/ssl/certs/ca-certificates.crt\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    List(StoreListArgs),
    /// Add certificates, a key with its chain, or another store's entries (creates STORE if missing)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store import truststore.p12 --cert ca-bundle.pem --pass pass:changeit\n",
        "  keychest store import server.p12 --key server.key --chain server.crt --alias server --pass env:P\n",
        "  keychest store import all.p12 --from old.jks --from-pass pass:changeit --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Import(StoreImportArgs),
    /// Export an entry: certificate chain, key, or a one-entry PKCS#12
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store export server.p12 --alias server --out server.crt --key-out server.key --pass env:P\n",
        "  keychest store export keystore.jks --alias app --format p12 --out app.p12 --out-pass pass:new --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Export(StoreExportArgs),
    /// Convert a store to another format (every entry, or an error naming what cannot be held)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store convert keystore.jks keystore.p12 --pass pass:changeit\n",
        "  keychest store convert server.p12 server.pem --pass env:P\n",
        "  keychest store convert ca-bundle.pem truststore.p12 --compat passwordless\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Convert(StoreConvertArgs),
    /// Delete an entry
    #[command(after_help = concat!("EXAMPLES:\n  keychest store delete truststore.p12 old-ca --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Delete(StoreDeleteArgs),
    /// Rename an entry
    #[command(after_help = concat!("EXAMPLES:\n  keychest store rename server.p12 1 server --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Rename(StoreRenameArgs),
    /// Change the store password (and key passwords, for formats that have them)
    #[command(after_help = concat!("EXAMPLES:\n  keychest store passwd server.p12 --pass pass:old --new-pass pass:new\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Passwd(StorePasswdArgs),
}

#[derive(Args, Debug)]
pub struct StoreListArgs {
    pub store: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct StoreImportArgs {
    pub store: PathBuf,
    /// Certificates to add as trusted entries (PEM bundle or DER)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "from"])]
    pub cert: Option<PathBuf>,
    /// Private key to add (any OpenSSL form; its certificates may follow it in the file)
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub key: Option<PathBuf>,
    /// Certificate chain of --key, leaf first
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
    /// Format of a new STORE (default: from its extension)
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// PKCS#12 encryption preset when writing (default: keep the store's, else modern)
    #[arg(long, value_enum)]
    pub compat: Option<CompatArg>,
    /// Replace entries with the same alias
    #[arg(long)]
    pub force: bool,
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

#[derive(Args, Debug)]
pub struct StoreConvertArgs {
    pub input: PathBuf,
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
}

#[derive(Args, Debug)]
pub struct StoreDeleteArgs {
    pub store: PathBuf,
    pub alias: String,
    #[command(flatten)]
    pub pass: PassArg,
}

#[derive(Args, Debug)]
pub struct StoreRenameArgs {
    pub store: PathBuf,
    pub old: String,
    pub new: String,
    #[command(flatten)]
    pub pass: PassArg,
}

#[derive(Args, Debug)]
pub struct StorePasswdArgs {
    pub store: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// The new store password
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub new_pass: Option<String>,
    /// Current key passwords that differ from the store password: SRC, or ALIAS=SRC (repeatable)
    #[arg(long, value_name = "[ALIAS=]SRC")]
    pub key_pass: Vec<String>,
    /// New key password (JKS/JCEKS; default: the new store password)
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub new_key_pass: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest select --store me.p12 --pass env:P --connect api.example.org:443\n",
    "  keychest select --store a.p12 --store b.jks --pass pass:x --pass pass:y --ca-names cas.txt --explain\n",
    "  keychest select --store me.p12 --pass env:P --connect api.example.org:443 --first --export-cert me.crt --export-key me.key\n",
    "  keychest select --forget api.example.org:443\n\n",
    "EXIT STATUS:\n  0  an entry was chosen\n  1  failure (bad input, unreachable server, not TLS, wrong password)\n  2  usage error\n  3  no entry matches what the server accepts\n  4  several entries match and no choice was possible (no terminal, or --non-interactive)\n  5  cancelled at the prompt\n  6  the server did not ask for a client certificate"))]
pub struct SelectArgs {
    /// A store holding client certificates (repeatable)
    #[arg(
        long = "store",
        value_name = "STORE",
        required_unless_present = "forget"
    )]
    pub stores: Vec<PathBuf>,
    /// Store password: one for all stores, or one per --store in the same order
    #[arg(long = "pass", value_name = "SRC")]
    pub passes: Vec<String>,
    /// Learn the acceptable CA names from a live handshake with HOST:PORT
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "ca_names")]
    pub connect: Option<String>,
    /// SNI name for --connect (default: the host)
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Acceptable CA names from a file: certificates, DNs one per line, or s_client output
    #[arg(long, value_name = "FILE")]
    pub ca_names: Option<PathBuf>,
    /// Choose this entry (it must be a candidate)
    #[arg(long, conflicts_with = "first")]
    pub alias: Option<String>,
    /// Choose the best-ranked candidate without asking
    #[arg(long)]
    pub first: bool,
    /// Never prompt: with several candidates, exit 4 listing them
    #[arg(long)]
    pub non_interactive: bool,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
    /// Write the chosen certificate chain (PEM) here
    #[arg(long, value_name = "FILE", requires = "export_key")]
    pub export_cert: Option<PathBuf>,
    /// Write the chosen private key (PEM, mode 0600) here
    #[arg(long, value_name = "FILE", requires = "export_cert")]
    pub export_key: Option<PathBuf>,
    /// Write the chosen entry as a PKCS#12 here (needs --out-pass)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["export_cert", "export_key"])]
    pub export_p12: Option<PathBuf>,
    /// Password for the exported key or PKCS#12
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub out_pass: Option<String>,
    /// Explain, for every entry in every store, why it matched or not (on stderr)
    #[arg(long)]
    pub explain: bool,
    /// Remember the choice for HOST:PORT (30 days)
    #[arg(long, requires = "connect")]
    pub remember: bool,
    /// Forget the remembered choice for HOST:PORT
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["connect", "ca_names", "remember"])]
    pub forget: Option<String>,
    /// Network timeout in seconds
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
    /// Replace existing export files
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest connect example.org:443\n",
    "  keychest connect localhost:8443 --truststore ca-bundle.pem --store client.p12 --pass env:P\n",
    "  keychest connect 10.0.0.5:636 --servername ldap.internal --insecure\n\n",
    "EXIT STATUS:\n  0  handshake succeeded (and the server accepted the client certificate)\n  1  failure (unreachable, timeout, bad input)\n  2  usage error\n  3, 4, 5  no client certificate could be chosen (as for select)\n  7  the handshake failed, the server chain is untrusted, or the server rejected the client"))]
pub struct ConnectArgs {
    /// HOST:PORT (port 443 when omitted)
    pub target: String,
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Stores holding client certificates (repeatable)
    #[arg(long = "store", value_name = "STORE")]
    pub stores: Vec<PathBuf>,
    /// Store passwords: one for all, or one per --store
    #[arg(long = "pass", value_name = "SRC")]
    pub passes: Vec<String>,
    /// Trust anchors for the server (any store format; default: the system's CA bundle)
    #[arg(long, value_name = "FILE")]
    pub truststore: Option<PathBuf>,
    /// Password of --truststore, if it has one
    #[arg(long, value_name = "SRC")]
    pub truststore_pass: Option<String>,
    #[arg(long, conflicts_with = "first")]
    pub alias: Option<String>,
    #[arg(long)]
    pub first: bool,
    #[arg(long)]
    pub non_interactive: bool,
    /// Continue when the server chain does not verify
    #[arg(long)]
    pub insecure: bool,
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Subcommand, Debug)]
pub enum TrustCommand {
    /// Show a server's chain and add one of its certificates as a trusted entry
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest trust fetch internal.example.org:443 --into truststore.p12 --pass pass:changeit\n",
        "  keychest trust fetch localhost:8443 --into ca.pem --yes\n\n",
        "EXIT STATUS:\n  0  the certificate was added\n  1  failure, or not confirmed (no terminal and no --yes): STORE unchanged\n  2  usage error"))]
    Fetch(TrustFetchArgs),
}

#[derive(Args, Debug)]
pub struct TrustFetchArgs {
    pub target: String,
    #[arg(long, value_name = "STORE")]
    pub into: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Which certificate of the chain to add: 1 = the leaf (default: the top of the chain)
    #[arg(long, value_name = "N")]
    pub cert: Option<usize>,
    #[arg(long)]
    pub alias: Option<String>,
    /// Add without asking
    #[arg(long)]
    pub yes: bool,
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// Write a man page per command into DIR
    #[command(
        after_help = "EXAMPLES:\n  keychest generate man /usr/local/share/man/man1\n  keychest generate man docs/man --force\n\nEXIT STATUS:\n  0  success\n  1  failure (I/O error, page exists without --force)\n  2  usage error"
    )]
    Man {
        dir: PathBuf,
        /// Replace existing pages
        #[arg(long)]
        force: bool,
    },
    /// Print a completion script for SHELL on stdout
    #[command(
        after_help = "EXAMPLES:\n  keychest generate completions bash > /etc/bash_completion.d/keychest\n  keychest generate completions zsh > ~/.zfunc/_keychest\n  keychest generate completions fish > ~/.config/fish/completions/keychest.fish\n\nEXIT STATUS:\n  0  success\n  2  usage error"
    )]
    Completions { shell: Shell },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Subcommand, Debug)]
pub enum PkiCommand {
    /// Create root and intermediate CAs, a server and client certificates, and their stores
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest pki new ./pki\n",
        "  keychest pki new ./pki --hosts api.local,10.0.0.5 --client alice --client bob --jks\n",
        "  keychest pki new ./pki --type rsa:3072 --pass env:PKI_PASS\n\n",
        "FILES:\n  root-ca/, intermediate-ca/   CA directories (keychest ca ...)\n",
        "  server.p12, CLIENT.p12       key + chain; truststore.p12 holds the root\n",
        "  server.crt/.key, CLIENT.crt/.key, ca-bundle.pem   PEM equivalents (keys unencrypted, 0600)\n",
        "  password.txt                 the generated password, when --pass is not given (0600)\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (files exist without --force, bad input, I/O error)\n  2  usage error"))]
    New(PkiNewArgs),
}

#[derive(Args, Debug)]
pub struct PkiNewArgs {
    pub dir: PathBuf,
    /// Names and addresses of the server certificate (the first is its CN)
    #[arg(long, default_value = "localhost,127.0.0.1,::1", value_name = "LIST")]
    pub hosts: String,
    /// A client certificate to make (repeatable; default: one named "client")
    #[arg(long, value_name = "NAME")]
    pub client: Vec<String>,
    /// Key type for every key
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE"
    )]
    pub key_type: String,
    /// Password for the stores and CA keys (default: generated into DIR/password.txt)
    #[command(flatten)]
    pub pass: PassArg,
    /// Also write server.jks, CLIENT.jks and truststore.jks
    #[arg(long)]
    pub jks: bool,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}
