//! `keychest pki new`: a whole test PKI in one command. One file per verb; this file holds
//! the verb list and its dispatch.

mod new;
mod usage;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum PkiCommand {
    /// Create root and intermediate CAs, a server and client certificates, and their stores
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest pki new ./pki\n",
        "  keychest pki new ./pki --hosts api.local,10.0.0.5 --client alice --client bob --jks\n",
        "  keychest pki new ./pki --type rsa:3072 --pass env:PKI_PASS --days 30 --org 'Acme QA'\n",
        "  keychest pki new ./pki --client carol --force    (replaces the whole previous PKI)\n\n",
        "FILES:\n  root-ca/, intermediate-ca/   CA directories (keychest ca ...)\n",
        "  server.p12, CLIENT.p12       key + chain; truststore.p12 holds the root\n",
        "  server.crt/.key, CLIENT.crt/.key, ca-bundle.pem   PEM equivalents (keys unencrypted, 0600)\n",
        "  password.txt                 without --pass: the generated store password (0600); the CA keys are then unencrypted\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (files exist without --force, bad input, I/O error)\n  2  usage error"))]
    New(new::PkiNewArgs),
}

pub fn run(cmd: PkiCommand) -> anyhow::Result<()> {
    match cmd {
        PkiCommand::New(a) => new::run(a),
    }
}
