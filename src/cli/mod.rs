//! Command-line interface: clap definitions, one file per command group, rendering and exit
//! codes. Commands call the library; they never decode bytes or do crypto themselves.

mod args;
mod ca;
mod connect;
mod doctor;
pub mod generate;
mod io;
mod key;
mod pki;
mod remember;
mod render;
mod select;
mod show;
mod store;

use clap::Parser;

pub use args::Cli;
use args::Command;

/// Exit codes (docs/cli.md).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    /// select/connect: no entry matches what the server accepts.
    pub const NO_CANDIDATE: i32 = 3;
    /// select/connect: several entries match and no choice was possible.
    pub const SEVERAL: i32 = 4;
    /// select/connect: the user cancelled the prompt.
    pub const CANCELLED: i32 = 5;
    /// select: the server did not ask for a client certificate.
    pub const NO_CLIENT_AUTH: i32 = 6;
    /// connect: the handshake failed, the server is untrusted, or it rejected the client.
    pub const HANDSHAKE_FAILED: i32 = 7;
}

/// An error that carries its own exit code (anything else exits 1).
#[derive(Debug)]
pub struct ExitError {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for ExitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitError {}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    if !matches!(
        cli.command,
        Command::Select(_) | Command::Connect(_) | Command::Trust(_)
    ) {
        end_quietly_on_closed_pipe();
    }
    let dir_syncs = crate::fsio::defer_dir_syncs();
    let result = dispatch(cli);
    drop(dir_syncs);
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            let code = e
                .downcast_ref::<ExitError>()
                .map(|x| x.code)
                .unwrap_or(exit::FAILURE);
            let text = render::sanitize(&format!("{e:#}"));
            eprintln!("keychest: error: {}", text.replace('\n', " "));
            code
        }
    }
}

/// Like other Unix tools, end quietly when the reader of our output goes away
/// (`keychest store list big.p12 | head`) instead of failing on EPIPE. Not for the network
/// commands: there a peer closing its socket must be an error we report, not a silent death.
fn end_quietly_on_closed_pipe() {
    // SAFETY: called before any thread is started; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Key(k) => key::run_key(k),
        Command::Csr(c) => key::run_csr(c),
        Command::Show(s) => show::run(s),
        Command::Store(s) => store::run(s),
        Command::Select(s) => select::run(s),
        Command::Connect(c) => connect::run(c),
        Command::Trust(t) => connect::run_trust(t),
        Command::Ca(c) => ca::run(c),
        Command::Generate(g) => generate::run(g),
        Command::Pki(args::PkiCommand::New(p)) => pki::run_new(p),
        Command::Doctor(d) => doctor::run(d),
    }
}
