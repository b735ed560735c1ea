//! The `keychest` binary: parse arguments, run the command, print one error line and map it
//! to an exit code (documented in docs/cli.md).

fn main() {
    std::process::exit(keychest::cli::run());
}
