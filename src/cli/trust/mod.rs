//! `keychest trust ...`: truststores fed from live servers (`fetch`), and a CA root installed
//! into the system, Java and NSS trust stores (`install`, `uninstall`, `status`). This file
//! holds the verb list and its dispatch.

mod fetch;
mod install;

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum TrustCommand {
    /// Show a server's chain and add one of its certificates as a trusted entry
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest trust fetch internal.example.org:443 --into truststore.p12 --pass pass:changeit\n",
        "  keychest trust fetch localhost:8443 --into ca.pem --yes\n\n",
        "EXIT STATUS:\n  0  the certificate was added\n  1  failure, or not confirmed (no terminal and no --yes): STORE unchanged\n  2  usage error"))]
    Fetch(fetch::TrustFetchArgs),
    /// Trust a CA root in the system, Java and NSS (Firefox, Chromium) stores
    #[command(after_help = concat!(
        "EXAMPLES:\n  sudo keychest trust install ./pki\n  keychest trust install ./pki/root-ca --nss\n",
        "  sudo keychest trust install root.pem --system --java --yes\n\n",
        "Without --system/--java/--nss every store found is used. Every change is listed first;\n",
        "on a terminal you are asked, otherwise --yes is needed. Installing twice changes nothing.\n\n",
        "EXIT STATUS:\n  0  trusted (or already trusted)\n  1  failure, not a CA, not root for --system, or not confirmed: nothing changed\n  2  usage error"))]
    Install(install::InstallArgs),
    /// Remove exactly what 'trust install' added (found by SHA-256)
    #[command(after_help = concat!(
        "EXAMPLES:\n  sudo keychest trust uninstall ./pki --yes\n  keychest trust uninstall root.pem --nss\n\n",
        "EXIT STATUS:\n  0  removed (or nothing to remove)\n  1  failure or not confirmed: nothing changed\n  2  usage error"))]
    Uninstall(install::InstallArgs),
    /// Show which stores trust a CA root
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest trust status ./pki\n  keychest trust status root.pem --json\n\n",
        "EXIT STATUS:\n  0  success (whether trusted or not)\n  1  failure (bad certificate, no store found)\n  2  usage error"))]
    Status(install::StatusArgs),
}

pub fn run(cmd: TrustCommand) -> anyhow::Result<()> {
    match cmd {
        TrustCommand::Fetch(a) => fetch::run(a),
        TrustCommand::Install(a) => install::run_install(a),
        TrustCommand::Uninstall(a) => install::run_uninstall(a),
        TrustCommand::Status(a) => install::run_status(a),
    }
}
