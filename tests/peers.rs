//! The peer helper itself (`tests/common/peers.rs`): with the peers gone from PATH, a test
//! that needs them fails naming the packages, unless `KEYCHEST_SKIP_PEERS=1`, when it is
//! skipped and reported; the closing summary counts only its own run's skips.

mod common;

use std::process::Command;

use common::peers;

/// Run only as a child of the tests below, with an empty PATH.
#[test]
#[ignore = "run by the tests below in a child process without peers on PATH"]
fn needs_openssl_keytool_and_curl() {
    if !common::have(&["openssl", "keytool", "curl"]) {
        return;
    }
    panic!("have() returned true without the peers on PATH");
}

/// Runs [`needs_openssl_keytool_and_curl`] in this test binary with PATH=/nonexistent.
fn run_without_peers(skip: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "needs_openssl_keytool_and_curl",
        "--nocapture",
        "--test-threads=2",
    ])
    .env("PATH", "/nonexistent")
    .env_remove(peers::SKIP_ENV);
    if let Some(v) = skip {
        cmd.env(peers::SKIP_ENV, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn missing_peer_fails_naming_its_package() {
    for skip in [None, Some("0"), Some("")] {
        let (passed, out) = run_without_peers(skip);
        assert!(
            !passed,
            "{skip:?}: a missing peer must fail the test: {out}"
        );
        assert!(
            out.contains(
                "missing peer: install openssl (provides openssl); \
                 install openjdk-17-jdk-headless (provides keytool); install curl (provides curl)"
            ),
            "{skip:?}: {out}"
        );
        assert!(!out.contains("skipped"), "{out}");
    }
}

#[test]
fn opted_in_skip_is_reported() {
    let (passed, out) = run_without_peers(Some("1"));
    assert!(
        passed,
        "with {}=1 the test is skipped: {out}",
        peers::SKIP_ENV
    );
    assert!(
        out.contains(
            "skipped peers::needs_openssl_keytool_and_curl: install openssl (provides openssl); \
             install openjdk-17-jdk-headless (provides keytool); install curl (provides curl)"
        ),
        "{out}"
    );
}

#[test]
fn summary_counts_only_its_own_run() {
    let log = "7\tstores::a\topenssl\n\
               7\tca::b\topenssl,keytool\n\
               8\tca::c\tjava\n\
               garbage\n";
    assert_eq!(
        peers::summary(log, 7),
        "skipped stores::a: install openssl (provides openssl)\n\
         skipped ca::b: install openssl (provides openssl); \
         install openjdk-17-jdk-headless (provides keytool)\n\
         peer skips: 2 (tests that did not run for want of openssl, keytool; \
         install openssl (provides openssl); install openjdk-17-jdk-headless (provides keytool))\n"
    );
    assert_eq!(peers::summary(log, 9), "peer skips: 0\n");
}

#[test]
fn summary_names_skips_for_other_reasons() {
    let log = "7\tstores::a\topenssl\n\
               7\ttrust::b\t\tnot root: installing into system stores needs root\n";
    assert_eq!(
        peers::summary(log, 7),
        "skipped stores::a: install openssl (provides openssl)\n\
         skipped trust::b: not root: installing into system stores needs root\n\
         peer skips: 2 (tests that did not run for want of openssl; \
         install openssl (provides openssl); 1 for other reasons, named above)\n"
    );
    let only_other = "7\ttrust::b\t\tno unshare\n";
    assert_eq!(
        peers::summary(only_other, 7),
        "skipped trust::b: no unshare\npeer skips: 1 (1 for other reasons, named above)\n"
    );
}

#[test]
fn every_peer_has_a_package() {
    assert_eq!(peers::package("javac"), "openjdk-17-jdk-headless");
    assert_eq!(peers::package("pk12util"), "libnss3-tools");
    let unknown = std::panic::catch_unwind(|| peers::package("no-such-tool"));
    assert!(
        unknown.is_err(),
        "a peer missing from the table must fail loudly"
    );
}
