//! The `keychest` binary: parse arguments, run the command, print one error line and map it
//! to an exit code (documented in docs/cli.md).

fn main() {
    // One command per process: its key derivations share one work budget
    // (KEYCHEST_KDF_BUDGET, docs/reliability.md).
    keychest::pbe::budget::start();
    std::process::exit(keychest::cli::run());
}
