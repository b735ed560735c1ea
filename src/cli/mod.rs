//! Command-line interface: clap definitions, one file per command group, rendering and exit
//! codes. Commands call the library; they never decode bytes or do crypto themselves.

mod args;
mod ca;
mod io;
mod key;
mod render;
mod show;

use clap::Parser;

pub use args::Cli;
use args::Command;

/// Exit codes (docs/cli.md).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
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
    match dispatch(cli) {
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

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Key(k) => key::run_key(k),
        Command::Csr(c) => key::run_csr(c),
        Command::Show(s) => show::run(s),
        Command::Ca(c) => ca::run(c),
    }
}
