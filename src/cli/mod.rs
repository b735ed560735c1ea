//! Command-line interface: the top-level clap definitions, dispatch to the command files,
//! and the exit code. Each command file (or folder, for a group of verbs) owns its clap
//! arguments and imports only `common`, never another command; commands call the library
//! and never decode bytes or do crypto themselves.

mod ca;
mod common;
mod connect;
mod csr;
mod doctor;
mod generate;
mod key;
mod pki;
mod select;
mod show;
mod store;
mod trust;
mod verify;

use std::path::Path;

use clap::{CommandFactory, Parser, Subcommand};

use common::exit;

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
    Key(key::KeyCommand),
    /// Create certificate signing requests (PKCS#10)
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest csr new --key server.key --subject 'CN=example.org' --san dns:example.org --out server.csr\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Csr(csr::CsrCommand),
    /// Show what a file holds: certificates, requests, CRLs, keys, keystores
    Show(show::ShowArgs),
    /// Keystores and truststores: PKCS#12, PEM, JKS, JCEKS, PKCS#7 bundles
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest store list keystore.jks\n  keychest store convert keystore.jks keystore.p12 --pass pass:changeit\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Store(store::StoreCommand),
    /// Choose the client certificate a TLS server will accept
    Select(select::SelectArgs),
    /// Show a TLS handshake step by step, with client-certificate selection
    Connect(connect::ConnectArgs),
    /// Fetch a server's certificates into a truststore; install a root into system, Java and browser stores
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest trust fetch internal.example.org:443 --into truststore.p12 --pass pass:changeit\n  sudo keychest trust install ./pki\n  keychest trust status ./pki\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Trust(trust::TrustCommand),
    /// A whole test PKI in one command: CAs, server and client certificates, ready stores
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest pki new ./pki\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Pki(pki::PkiCommand),
    /// Generate man pages and shell completions
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest generate man /usr/local/share/man/man1\n  keychest generate completions bash > /etc/bash_completion.d/keychest\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Generate(generate::GenerateCommand),
    /// Run a local certificate authority kept in a directory
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  keychest ca init ./ca --subject 'CN=Test Root CA'\n  keychest ca issue ./ca example.org 127.0.0.1\n\nEXIT STATUS:\n  0  success\n  1  failure (see each subcommand)\n  2  usage error"
    )]
    Ca(ca::CaCommand),
    /// Validate a certificate's path to trust anchors, explaining every check
    Verify(verify::VerifyArgs),
    /// Find what will break in certificates, keys, stores and CA directories, with the fix
    Doctor(doctor::DoctorArgs),
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help with examples is printed unwrapped (common::help_text).
            if e.kind() == clap::error::ErrorKind::DisplayHelp
                && common::help_text::print_help(
                    Cli::command(),
                    &std::env::args_os().collect::<Vec<_>>(),
                )
            {
                return exit::OK;
            }
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let network = match &cli.command {
        Command::Select(_) | Command::Connect(_) | Command::Trust(_) => true,
        Command::Doctor(d) => !d.connect.is_empty(),
        _ => false,
    };
    if !network {
        end_quietly_on_closed_pipe();
    }
    let dir_syncs = crate::fsio::defer_dir_syncs();
    let result = dispatch(cli);
    drop(dir_syncs);
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            let code = e
                .downcast_ref::<common::exit::ExitError>()
                .map(|x| x.code)
                .unwrap_or(exit::FAILURE);
            let text = common::render::sanitize(&format!("{e:#}"));
            eprintln!("keychest: error: {}", text.replace('\n', " "));
            code
        }
    }
}

/// Like other Unix tools, end quietly when the reader of our output goes away
/// (`keychest store list big.p12 | head`) instead of failing on EPIPE. Not for the network
/// commands: there a peer closing its socket must be an error we report, not a silent death.
/// (Windows has no SIGPIPE: a closed pipe is an ordinary write error there.)
fn end_quietly_on_closed_pipe() {
    // SAFETY: called before any thread is started; SIG_DFL is a valid disposition.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Key(k) => key::run(k),
        Command::Csr(c) => csr::run(c),
        Command::Show(s) => show::run(s),
        Command::Store(s) => store::run(s),
        Command::Select(s) => select::run(s),
        Command::Connect(c) => connect::run(c),
        Command::Trust(t) => trust::run(t),
        Command::Ca(c) => ca::run(c),
        Command::Generate(g) => generate::run(g, Cli::command()),
        Command::Pki(p) => pki::run(p),
        Command::Verify(v) => verify::run(v),
        Command::Doctor(d) => doctor::run(d),
    }
}

/// Every man page: (file name, roff text), one per command and subcommand.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    generate::man_pages(Cli::command())
}

/// The pages in `dir` (a `man1` directory, as `generate man` writes) that differ from what
/// this build generates.
pub fn man_pages_current(dir: &Path) -> anyhow::Result<Vec<String>> {
    generate::man_pages_current(Cli::command(), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument and option of every command says what it is.
    #[test]
    fn every_argument_has_a_description() {
        let mut missing = Vec::new();
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for s in cmd.get_subcommands() {
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        walk(&cmd, "keychest", &mut missing);
        assert!(missing.is_empty(), "without a description: {missing:#?}");
    }
}
