//! Shared helpers for end-to-end tests: run the real binary and real peers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub mod der;
pub mod kept;
pub mod peers;
pub mod server;
pub mod stores;
pub mod tmux;
pub mod x509;
#[allow(unused_imports)] // not every test file calls them unqualified
pub use peers::{have, skip_unless};

pub fn keychest() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keychest"));
    c.stdin(Stdio::null());
    c
}

/// Runs keychest with `args`, stdin closed; returns the output.
pub fn run(args: &[&str]) -> Output {
    keychest().args(args).output().expect("run keychest")
}

/// Runs keychest with `input` on stdin; returns the output. The input is written from a
/// thread, so a keychest that exits before reading all of it cannot block the test.
pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = keychest()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keychest");
    let mut pipe = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait keychest");
    let _ = writer.join();
    out
}

/// Runs keychest with `input` on stdin and asserts success, returning stdout.
pub fn ok_stdin(args: &[&str], input: &[u8]) -> String {
    let out = run_stdin(args, input);
    assert!(
        out.status.success(),
        "keychest {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs keychest and asserts success, returning stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "keychest {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs keychest and asserts success, returning stderr (where keychest says what it did).
pub fn ok_stderr(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "keychest {:?} failed: {stderr}", args);
    stderr
}

/// Runs keychest expecting failure with `code`; returns stderr.
pub fn fails(args: &[&str], code: i32) -> String {
    expect_exit(&run(args), code, &format!("keychest {args:?}")).1
}

/// Asserts that `out` (of `what`) exited with `code` and did not panic; returns (stdout,
/// stderr).
pub fn expect_exit(out: &Output, code: i32, what: &str) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: expected exit {code}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (stdout, stderr)
}

/// Status, stdout and stderr of `o`, for failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `prog` in `dir` with stdin closed and asserts success; returns the output.
pub fn ok_in(dir: &Path, prog: &str, args: &[&str]) -> Output {
    let o = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"));
    assert!(o.status.success(), "{prog} {args:?} failed: {}", text(&o));
    o
}

/// Runs a peer tool and asserts success; returns stdout.
pub fn peer(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            if peers::installed(tool) {
                panic!("run {tool}: {e}")
            }
            panic!("run {tool}: {e}: {}", peers::install_hint(&[tool]))
        });
    assert!(
        out.status.success(),
        "{tool} {:?} failed: {}{}",
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A self-signed EC P-256 certificate `cert` with its unencrypted key `key`, made by
/// `openssl req -x509`; `extra` options (`-addext …`) follow the common ones.
pub fn openssl_self_signed(key: &Path, cert: &Path, subject: &str, days: u32, extra: &[&str]) {
    let days = days.to_string();
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-subj",
        subject,
        "-days",
        &days,
    ];
    args.extend_from_slice(extra);
    peer("openssl", &args);
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Entries as (alias, kind, SHA-256 fingerprints of the chain), to compare listings made by
/// keychest and keytool.
pub type Listing = std::collections::BTreeSet<(String, String, Vec<String>)>;

/// Parses `keytool -list -v` output into a [`Listing`].
pub fn parse_keytool(out: &str) -> Listing {
    let mut set = Listing::new();
    for block in out.split("Alias name: ").skip(1) {
        let alias = block.lines().next().unwrap().trim().to_lowercase();
        let kind = if block.contains("Entry type: PrivateKeyEntry") {
            "private-key"
        } else if block.contains("Entry type: trustedCertEntry") {
            "trusted-cert"
        } else if block.contains("Entry type: SecretKeyEntry") {
            "secret-key"
        } else {
            panic!("unknown entry type in {block}")
        };
        let fps: Vec<String> = block
            .lines()
            .filter_map(|l| l.trim().strip_prefix("SHA256: "))
            .map(|f| f.replace(':', "").to_lowercase())
            .collect();
        if let Some(n) = block
            .lines()
            .find_map(|l| l.strip_prefix("Certificate chain length: "))
        {
            assert_eq!(n.trim().parse::<usize>().unwrap(), fps.len(), "{block}");
        }
        set.insert((alias, kind.to_string(), fps));
    }
    set
}
