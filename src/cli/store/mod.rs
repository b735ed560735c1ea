//! `keychest store list|import|export|convert|delete|rename|passwd`: one file per verb;
//! this file holds the verb list, its dispatch, and the `--format`/`--to` option they share.

mod convert;
mod delete;
mod export;
mod import;
mod list;
mod passwd;
mod rename;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// List a store: a line per entry (alias, kind, key type, subject CN, expiry, flags) and totals
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store list server.p12 --pass env:STORE_PASS\n  keychest store list truststore.jks --long\n  keychest store list truststore.jks --json\n",
        "  curl -s https://example.org/bundle.pem | keychest store list -\n\n",
        "FLAGS:\n  EXPIRED            the certificate's notAfter has passed\n  expires in N d     it expires within 30 days\n  no-chain           a private key without a certificate\n  no-java-trust      a PKCS#12 trusted certificate Java does not list\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    List(list::StoreListArgs),
    /// Add certificates, a key with its chain, or another store's entries (creates STORE if missing)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store import truststore.p12 --cert ca-bundle.pem --pass pass:changeit\n",
        "  keychest store import server.p12 --key server.key --chain server.crt --alias server --pass env:P\n",
        "  keychest store import all.p12 --from old.jks --from-pass pass:changeit --pass pass:changeit\n",
        "  keychest store import truststore.p12 --cert /etc/ssl/certs/ca-certificates.crt --pass pass:changeit -v\n\n",
        "--chain may hold the chain in any order (and the leaf): the leaf is the certificate of the\n",
        "key, its issuers follow it. A bundle prints a summary (144 added, 3 already present); -v\n",
        "prints a line per entry.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Import(import::StoreImportArgs),
    /// Export an entry: certificate chain, key, or a one-entry PKCS#12
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store export server.p12 --alias server --out server.crt --key-out server.key --pass env:P\n",
        "  keychest store export keystore.jks --alias app --format p12 --out app.p12 --out-pass pass:new --pass pass:changeit\n",
        "  keychest store export truststore.p12 --alias root-ca --out root.der --pass pass:changeit\n",
        "  keychest store export server.p12 --alias server --key-out - --pass env:P | openssl pkey -noout -text\n\n",
        "A DER file holds one certificate: a chain is refused rather than cut to its leaf. The key\n",
        "goes to stdout only with an explicit --key-out -.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Export(export::StoreExportArgs),
    /// Convert a store to another format (every entry, or an error naming what cannot be held)
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest store convert keystore.jks keystore.p12 --pass pass:changeit\n",
        "  keychest store convert server.p12 server.pem --pass env:P\n",
        "  keychest store convert ca-bundle.pem truststore.p12 --compat passwordless\n",
        "  keychest store convert keystore.p12 keystore.keystore --to jks --pass pass:changeit\n\n",
        "--to must agree with OUTPUT's extension (.p12, .pem, .jks, .jceks) unless --force-format.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Convert(convert::StoreConvertArgs),
    /// Delete an entry
    #[command(after_help = concat!("EXAMPLES:\n  keychest store delete truststore.p12 old-ca --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Delete(delete::StoreDeleteArgs),
    /// Rename an entry
    #[command(after_help = concat!("EXAMPLES:\n  keychest store rename server.p12 1 server --pass pass:changeit\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Rename(rename::StoreRenameArgs),
    /// Change the store password (and key passwords, for formats that have them)
    #[command(after_help = concat!("EXAMPLES:\n  keychest store passwd server.p12 --pass pass:old --new-pass pass:new\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, wrong password, unknown alias, I/O error); the store is left unchanged\n  2  usage error"))]
    Passwd(passwd::StorePasswdArgs),
}

pub fn run(cmd: StoreCommand) -> anyhow::Result<()> {
    match cmd {
        StoreCommand::List(a) => list::run(a),
        StoreCommand::Import(a) => import::run(a),
        StoreCommand::Export(a) => export::run(a),
        StoreCommand::Convert(a) => convert::run(a),
        StoreCommand::Delete(a) => delete::run(a),
        StoreCommand::Rename(a) => rename::run(a),
        StoreCommand::Passwd(a) => passwd::run(a),
    }
}

/// A store format named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Pkcs12,
    Pem,
    Jks,
    Jceks,
    /// PKCS#7 certificate bundle (.p7b): certificates only
    #[value(alias = "p7b")]
    Pkcs7,
}

impl From<FormatArg> for crate::store::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Pkcs12 => crate::store::Format::Pkcs12,
            FormatArg::Pem => crate::store::Format::Pem,
            FormatArg::Jks => crate::store::Format::Jks,
            FormatArg::Jceks => crate::store::Format::Jceks,
            FormatArg::Pkcs7 => crate::store::Format::Pkcs7,
        }
    }
}
