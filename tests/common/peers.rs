//! Peer detection for the end-to-end tests: whether the real tools a test talks to (openssl,
//! keytool, java, …) are installed, which package provides each, and the record of tests
//! skipped for a missing peer.
//!
//! A missing peer fails the test, naming the package to install. Only a run that opts in with
//! `KEYCHEST_SKIP_PEERS=1` skips instead: the skip is written to stderr at once (past the test
//! harness's output capture, so it shows even for a passing test) and appended to
//! [`skip_log`]. Cargo runs each test file as its own process, so no single test process sees
//! every skip; `tests/zz_peer_skips.rs`, which cargo runs after the other test files, reads the
//! log and prints the closing "peer skips: N" line ([`summary`]). Lines carry the id of the
//! process that ran the test binaries (cargo), so a summary counts only its own run.
//!
//! A test that needs something other than a peer (root, a permitted `unshare -m`) asks
//! [`skip_unless`]: without it the test fails in CI (`CI` set) and is otherwise skipped,
//! reported and recorded the same way.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable that turns a missing peer from a failure into a counted skip.
pub const SKIP_ENV: &str = "KEYCHEST_SKIP_PEERS";

/// Every peer a test may ask for, with the Debian package that provides it. A path (with a
/// `/`) is a file a package installs rather than a program on PATH.
const PACKAGES: &[(&str, &str)] = &[
    ("openssl", "openssl"),
    ("keytool", "openjdk-17-jdk-headless"),
    ("java", "openjdk-17-jdk-headless"),
    ("javac", "openjdk-17-jdk-headless"),
    ("curl", "curl"),
    ("tmux", "tmux"),
    ("certutil", "libnss3-tools"),
    ("pk12util", "libnss3-tools"),
    ("chromium", "chromium"),
    ("unshare", "util-linux"),
    ("setpriv", "util-linux"),
    ("update-ca-certificates", "ca-certificates"),
    ("python3", "python3"),
    ("/etc/ssl/certs/java/cacerts", "ca-certificates-java"),
];

/// The package that provides `tool`; a tool missing from the table is a mistake in the test.
pub fn package(tool: &str) -> &'static str {
    PACKAGES
        .iter()
        .find(|(t, _)| *t == tool)
        .map(|(_, pkg)| *pkg)
        .unwrap_or_else(|| {
            panic!("no package known for peer {tool:?}: add it to tests/common/peers.rs")
        })
}

/// Whether `tool` is installed: a file for a path, else an executable file in a PATH folder.
/// Looked up rather than run, because every JVM start costs time.
pub fn installed(tool: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    if tool.contains('/') {
        return Path::new(tool).is_file();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(tool))
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// "install PKG (provides A, B); install PKG2 (provides C)" for the missing tools.
pub fn install_hint(missing: &[&str]) -> String {
    let mut by_package: Vec<(&str, Vec<&str>)> = Vec::new();
    for tool in missing {
        let pkg = package(tool);
        match by_package.iter_mut().find(|(p, _)| *p == pkg) {
            Some((_, tools)) => tools.push(tool),
            None => by_package.push((pkg, vec![tool])),
        }
    }
    by_package
        .iter()
        .map(|(pkg, tools)| format!("install {pkg} (provides {})", tools.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether every peer in `tools` is installed. A missing one fails the calling test with the
/// package to install; with `KEYCHEST_SKIP_PEERS=1` the skip is reported and recorded and
/// `false` returned, and the test returns early.
pub fn have(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !installed(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let hint = install_hint(&missing);
    if std::env::var(SKIP_ENV).as_deref() != Ok("1") {
        panic!("missing peer: {hint} (or set {SKIP_ENV}=1 to skip the tests that need it)");
    }
    let test = current_test();
    // Straight to the stream, not eprintln!, which the harness captures for passing tests.
    let _ = writeln!(std::io::stderr(), "skipped {test}: {hint}");
    record_skip(&test, &missing.join(","), "");
    false
}

/// Whether the calling test can run on this machine: `cond`, a capability that is not a
/// peer (root, a permitted `unshare -m`). When it is missing the test fails in CI (`CI`
/// set), whose machines have it; elsewhere the skip is reported and recorded like a missing
/// peer's, with `why`, and `false` returned, and the test returns early.
pub fn skip_unless(cond: bool, why: &str) -> bool {
    if cond {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: required in CI (`CI` is set), so not skipped"
    );
    let test = current_test();
    let why = why.replace(['\t', '\n'], " ");
    let _ = writeln!(std::io::stderr(), "skipped {test}: {why}");
    record_skip(&test, "", &why);
    false
}

/// "CRATE::TEST" of the calling test (the harness names each test's thread after it).
fn current_test() -> String {
    format!(
        "{}::{}",
        env!("CARGO_CRATE_NAME"),
        std::thread::current().name().unwrap_or("?")
    )
}

/// The log of skips, shared by all test binaries of one target folder.
pub fn skip_log() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("peer-skips.log")
}

/// Appends "RUNNER\tTEST\tTOOL,TOOL" for missing peers, or "RUNNER\tTEST\t\tWHY" for a
/// test skipped for another reason (one short write, so parallel tests do not interleave).
fn record_skip(test: &str, tools: &str, why: &str) {
    let line = if why.is_empty() {
        format!("{}\t{test}\t{tools}\n", std::os::unix::process::parent_id())
    } else {
        format!(
            "{}\t{test}\t{tools}\t{why}\n",
            std::os::unix::process::parent_id()
        )
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_log())
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("cannot record the skip in {}: {e}", skip_log().display());
    }
}

/// The report for the skips `log` holds for the run of process `runner`: one line per
/// skipped test, then the closing "peer skips: N …" line.
pub fn summary(log: &str, runner: u32) -> String {
    let runner = runner.to_string();
    let mut out = String::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut other = 0;
    for line in log.lines() {
        let mut fields = line.split('\t');
        let (Some(pid), Some(test), Some(tools)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if pid != runner {
            continue;
        }
        count += 1;
        if let Some(why) = fields.next() {
            other += 1;
            out.push_str(&format!("skipped {test}: {why}\n"));
            continue;
        }
        let tools: Vec<&str> = tools.split(',').collect();
        out.push_str(&format!("skipped {test}: {}\n", install_hint(&tools)));
        for t in tools {
            if !missing.contains(&t) {
                missing.push(t);
            }
        }
    }
    if count == 0 {
        out.push_str("peer skips: 0\n");
        return out;
    }
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!(
            "tests that did not run for want of {}; {}",
            missing.join(", "),
            install_hint(&missing)
        ));
    }
    if other > 0 {
        why.push(format!("{other} for other reasons, named above"));
    }
    out.push_str(&format!("peer skips: {count} ({})\n", why.join("; ")));
    out
}
