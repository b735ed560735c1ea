//! Bounded inputs and password bytes (issue 11): every user-named input is read with a cap
//! checked while reading, so devices and pipes stop at the cap; `file:`/`fd:`/`stdin`
//! passwords are cut exactly where openssl cuts them (first LF; CR kept), are capped at
//! 64 KiB, may not hold a NUL, and an input that ends before any byte is an error.
//!
//! The interop tests need openssl (see `tests/common/peers.rs`).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::stores::openssl_pkcs12;
use common::{have, openssl_self_signed, p, peer, run_stdin};

/// Address-space cap for the runs that read endless devices: far above what the capped code
/// needs (the 256 MiB input cap), far below what an unbounded read reaches before failing.
const AS_LIMIT: &str = "--as=1536000000";

/// Runs keychest under `prlimit` with `env` set and `stdin` piped in, returning the output
/// and how long it took.
fn run_bounded(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> (Output, Duration) {
    let mut cmd = Command::new("prlimit");
    cmd.arg(AS_LIMIT)
        .arg(env!("CARGO_BIN_EXE_keychest"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run prlimit keychest");
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // The writer may meet a closed pipe once keychest stops reading: that is the point.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait keychest");
    let _ = writer.join();
    (out, start.elapsed())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure with exit 1 and a one-line error, never a panic or an abort.
fn assert_clean_failure(out: &Output, what: &str) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{what}: {err}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{what}: not one line: {err}"
    );
    err
}

/// A self-signed certificate and its key made by openssl, in `dir`.
fn openssl_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("k.pem"), dir.join("c.pem"));
    openssl_self_signed(&key, &cert, "/CN=inputs.test", 30, &[]);
    (key, cert)
}

/// `openssl pkcs12 -export` of the certificate and key with `-passout PASSOUT`.
fn openssl_p12(dir: &Path, name: &str, passout: &str) -> PathBuf {
    let (key, cert) = openssl_cert(dir);
    let out = dir.join(name);
    openssl_pkcs12(&key, &cert, passout, &out, &[]);
    out
}

#[test]
fn show_dev_zero_stops_at_the_default_cap() {
    let (out, took) = run_bounded(&["show", "/dev/zero"], &[], b"");
    let err = assert_clean_failure(&out, "show /dev/zero");
    assert!(
        err.contains("/dev/zero") && err.contains("256 MiB input limit"),
        "{err}"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_pipe_is_capped_while_reading_and_the_cap_is_configurable() {
    // 1 MiB through a pipe: no size is known beforehand, so only a check while reading stops it.
    let data = vec![b'A'; 1 << 20];
    let (out, _) = run_bounded(
        &["show", "/dev/stdin"],
        &[("KEYCHEST_MAX_INPUT", "64K")],
        &data,
    );
    let err = assert_clean_failure(&out, "show /dev/stdin");
    assert!(
        err.contains("64 KiB input limit") && err.contains("KEYCHEST_MAX_INPUT"),
        "{err}"
    );
    // A regular file over the cap is refused too; a bad setting is an error, not ignored.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pem");
    std::fs::write(&big, &data).unwrap();
    let (out, _) = run_bounded(&["show", p(&big)], &[("KEYCHEST_MAX_INPUT", "1000")], b"");
    let err = assert_clean_failure(&out, "show big.pem");
    assert!(err.contains("1000 bytes input limit"), "{err}");
    let (out, _) = run_bounded(&["show", p(&big)], &[("KEYCHEST_MAX_INPUT", "lots")], b"");
    let err = assert_clean_failure(&out, "bad KEYCHEST_MAX_INPUT");
    assert!(
        err.contains("KEYCHEST_MAX_INPUT='lots' is not a size"),
        "{err}"
    );
}

#[test]
fn a_capped_input_leaves_the_store_untouched() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = openssl_p12(dir.path(), "s.p12", "pass:pw");
    let before = std::fs::read(&store).unwrap();
    let (out, _) = run_bounded(
        &[
            "store",
            "import",
            p(&store),
            "--cert",
            "/dev/zero",
            "--pass",
            "pass:pw",
        ],
        &[("KEYCHEST_MAX_INPUT", "1M")],
        b"",
    );
    let err = assert_clean_failure(&out, "import /dev/zero");
    assert!(err.contains("1 MiB input limit"), "{err}");
    assert_eq!(std::fs::read(&store).unwrap(), before);
}

#[test]
fn password_file_dev_zero_fails_at_64_kib() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = openssl_p12(dir.path(), "s.p12", "pass:pw");
    let (out, took) = run_bounded(
        &["store", "list", p(&store), "--pass", "file:/dev/zero"],
        &[],
        b"",
    );
    let err = assert_clean_failure(&out, "--pass file:/dev/zero");
    assert!(
        err.contains("password from file:/dev/zero is longer than 64 KiB"),
        "{err}"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    // An inherited descriptor on an endless device.
    let out = Command::new("prlimit")
        .arg(AS_LIMIT)
        .arg("sh")
        .arg("-c")
        .arg(r#""$0" store list "$1" --pass fd:3 3</dev/zero"#)
        .arg(env!("CARGO_BIN_EXE_keychest"))
        .arg(p(&store))
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let err = assert_clean_failure(&out, "--pass fd:3 3</dev/zero");
    assert!(
        err.contains("password from fd:3 is longer than 64 KiB"),
        "{err}"
    );
    // The same through stdin, a pipe with no end in sight.
    let (out, _) = run_bounded(
        &["store", "list", p(&store), "--pass", "stdin"],
        &[],
        &vec![b'x'; 1 << 20],
    );
    let err = assert_clean_failure(&out, "--pass stdin, 1 MiB line");
    assert!(
        err.contains("password from stdin is longer than 64 KiB"),
        "{err}"
    );
}

#[test]
fn empty_stdin_is_no_password_not_an_empty_one() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A store whose password really is empty: reading nothing must still not open it.
    let store = openssl_p12(dir.path(), "empty.p12", "pass:");
    let out = run_stdin(&["store", "list", p(&store), "--pass", "stdin"], b"");
    let err = assert_clean_failure(&out, "--pass stdin, empty");
    assert!(err.contains("no password in stdin"), "{err}");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let src = format!("file:{}", p(&empty));
    let out = run_stdin(&["store", "list", p(&store), "--pass", &src], b"");
    let err = assert_clean_failure(&out, "--pass file:empty");
    assert!(err.contains("no password in file:"), "{err}");
    // An empty line is an empty password, as with openssl.
    let out = run_stdin(&["store", "list", p(&store), "--pass", "stdin"], b"\n");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_nul_in_a_password_is_refused() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = openssl_p12(dir.path(), "s.p12", "pass:pw");
    let pwfile = dir.path().join("nul.txt");
    std::fs::write(&pwfile, b"pw\0tail\n").unwrap();
    let src = format!("file:{}", p(&pwfile));
    let out = run_stdin(&["store", "list", p(&store), "--pass", &src], b"");
    let err = assert_clean_failure(&out, "NUL in file");
    assert!(err.contains("contains a NUL byte"), "{err}");
    let out = run_stdin(&["store", "list", p(&store), "--pass", "stdin"], b"pw\0\n");
    let err = assert_clean_failure(&out, "NUL on stdin");
    assert!(
        err.contains("password from stdin contains a NUL byte"),
        "{err}"
    );
}

/// Password files as editors and `printf` leave them: CRLF, and no final newline.
fn password_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let crlf = dir.join("crlf.txt");
    std::fs::write(&crlf, b"s3cret\r\nignored second line\n").unwrap();
    let bare = dir.join("bare.txt");
    std::fs::write(&bare, b"s3cret").unwrap();
    vec![("crlf", crlf), ("bare", bare)]
}

#[test]
fn openssl_passout_file_opens_with_pass_file_and_stdin() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = openssl_cert(dir.path());
    for (name, pwfile) in password_files(dir.path()) {
        let src = format!("file:{}", p(&pwfile));
        let store = dir.path().join(format!("{name}.p12"));
        openssl_pkcs12(&key, &cert, &src, &store, &[]);
        let out = run_stdin(&["store", "list", p(&store), "--pass", &src], b"");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("inputs.test"));
        let bytes = std::fs::read(&pwfile).unwrap();
        let out = run_stdin(&["store", "list", p(&store), "--pass", "stdin"], &bytes);
        assert!(out.status.success(), "{name} via stdin: {}", stderr(&out));
    }
    // The CR is part of openssl's password, so the CR-less text must not open the CRLF store.
    let crlf_store = dir.path().join("crlf.p12");
    let out = run_stdin(
        &["store", "list", p(&crlf_store), "--pass", "pass:s3cret"],
        b"",
    );
    assert!(!out.status.success(), "the CR was dropped by openssl?");
}

#[test]
fn pass_file_stores_open_with_openssl_passin_file() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = openssl_cert(dir.path());
    for (name, pwfile) in password_files(dir.path()) {
        let src = format!("file:{}", p(&pwfile));
        let store = dir.path().join(format!("kc-{name}.p12"));
        let out = run_stdin(
            &[
                "store",
                "import",
                p(&store),
                "--key",
                p(&key),
                "--chain",
                p(&cert),
                "--alias",
                "k",
                "--pass",
                &src,
            ],
            b"",
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let text = peer(
            "openssl",
            &["pkcs12", "-in", p(&store), "-passin", &src, "-nodes"],
        );
        assert!(
            text.contains("PRIVATE KEY") && text.contains("CERTIFICATE"),
            "{name}"
        );
    }
}
