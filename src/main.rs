//! The `keychest` binary: parse arguments, run the command, print one error line and map it
//! to an exit code (documented in docs/cli.md).

fn main() {
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`keychest store list big.p12 | head`) instead of panicking on EPIPE.
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(keychest::cli::run());
}
