//! The closing line of a `KEYCHEST_SKIP_PEERS=1` run: how many tests skipped for a missing
//! peer, and which. Each test file is its own process, so the skips are collected in a log
//! (`tests/common/peers.rs`); cargo runs test files in name order, so this one, named to
//! sort last, reads that log after all the others and prints "peer skips: N". It has no
//! test harness (`harness = false` in Cargo.toml): a harness would capture what it prints.

mod common;

use common::peers;

fn main() {
    let log_path = peers::skip_log();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    // Test binaries are children of the cargo process that runs this one too.
    let report = peers::summary(&log, std::os::unix::process::parent_id());
    if std::env::var_os(peers::SKIP_ENV).is_some() || !report.ends_with("peer skips: 0\n") {
        print!("{report}");
    }
    // Lines of earlier runs (a single test file run on its own) are not counted again.
    let _ = std::fs::remove_file(&log_path);
}
