//! `keychest trust ...`: truststores fed from live servers. One file per verb; this file
//! holds the verb list and its dispatch.

mod fetch;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum TrustCommand {
    /// Show a server's chain and add one of its certificates as a trusted entry
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest trust fetch internal.example.org:443 --into truststore.p12 --pass pass:changeit\n",
        "  keychest trust fetch localhost:8443 --into ca.pem --yes\n\n",
        "EXIT STATUS:\n  0  the certificate was added\n  1  failure, or not confirmed (no terminal and no --yes): STORE unchanged\n  2  usage error"))]
    Fetch(fetch::TrustFetchArgs),
}

pub fn run(cmd: TrustCommand) -> anyhow::Result<()> {
    match cmd {
        TrustCommand::Fetch(a) => fetch::run(a),
    }
}
