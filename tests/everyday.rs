//! Everyday CLI behaviour, each checked against a real peer: `-` as stdin/stdout, the
//! one-line store listing, `--out-dir`, DER export, chains in any order, import summaries,
//! unknown aliases, format/extension checks, `pki new --force`, usage errors (exit 2), help
//! and man pages, and the select prompt's layout under tmux.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::poll;
use common::tmux::Tmux;
use common::{fails, have, ok, ok_stderr, ok_stdin, p, peer, run_stdin};

const PW: &str = "pass:changeit";

/// A fresh test PKI (`pki new`) with clients alice and bob, in a temporary folder.
struct Pki {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Pki {
    fn new() -> Pki {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let dir = root.join("pki");
        ok(&[
            "pki",
            "new",
            p(&dir),
            "--client",
            "alice",
            "--client",
            "bob",
            "--pass",
            PW,
        ]);
        Pki { _tmp: tmp, root }
    }
    fn pki(&self, f: &str) -> String {
        p(&self.root.join("pki").join(f)).to_string()
    }
    fn path(&self, f: &str) -> PathBuf {
        self.root.join(f)
    }
    fn s(&self, f: &str) -> String {
        p(&self.path(f)).to_string()
    }
}

/// `-` reads stdin (show, key pub, store list) and writes stdout (key new, csr new, export);
/// a private key reaches stdout only with an explicit `--key-out -`. Peer: openssl.
#[test]
fn dash_is_stdin_and_stdout() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let crt = std::fs::read(pki.pki("server.crt")).unwrap();
    let shown = ok_stdin(&["show", "-"], &crt);
    assert!(shown.contains("CN=localhost"));
    let key = std::fs::read(pki.pki("alice.key")).unwrap();
    let ours = ok_stdin(&["key", "pub", "-"], &key);
    let theirs = peer(
        "openssl",
        &["pkey", "-in", &pki.pki("alice.key"), "-pubout"],
    );
    assert_eq!(ours, theirs);
    let store = std::fs::read(pki.pki("truststore.p12")).unwrap();
    let listed = ok_stdin(&["store", "list", "-", "--pass", PW], &store);
    assert!(
        listed.contains("1 entry: 1 trusted certificate"),
        "{listed}"
    );
    // Outputs: `--out -` is stdout, and no file named `-` appears.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_keychest"))
        .args(["key", "new", "--out", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("BEGIN PRIVATE KEY"));
    let out = Command::new(env!("CARGO_BIN_EXE_keychest"))
        .args([
            "store",
            "export",
            &pki.pki("alice.p12"),
            "--alias",
            "alice",
            "--out",
            "-",
            "--key-out",
            "-",
            "--pass",
            PW,
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("BEGIN PRIVATE KEY") && text.contains("BEGIN CERTIFICATE"));
    assert!(!dir.path().join("-").exists(), "a file named - was written");
    std::fs::write(dir.path().join("both.pem"), &text).unwrap();
    peer(
        "openssl",
        &["pkey", "-in", p(&dir.path().join("both.pem")), "-noout"],
    );
    // stdin is read once: a file given as - leaves no password to read from it.
    let out = run_stdin(&["store", "list", "-", "--pass", "stdin"], &store);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("env:, file: or fd:"));
    // A store that is rewritten in place cannot be stdin.
    let err = fails(&["store", "delete", "-", "x", "--pass", PW], 1);
    assert!(err.contains("cannot be -"), "{err}");
}

/// `store list`: one line per entry with flags and a totals line that agrees with
/// keytool's count; `--long` keeps the detailed blocks. Peer: keytool (which can make an
/// expired certificate and one about to expire).
#[test]
fn store_list_one_line_per_entry() {
    if !have(&["keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("kt.p12");
    let gen_key = |alias: &str, extra: &[&str]| {
        let mut args = vec![
            "-genkeypair",
            "-keystore",
            p(&ks),
            "-storepass",
            "changeit",
            "-storetype",
            "PKCS12",
            "-keyalg",
            "EC",
            "-alias",
            alias,
            "-dname",
        ];
        let dn = format!("CN={alias}.example,O=Test");
        args.push(&dn);
        args.extend_from_slice(extra);
        peer("keytool", &args);
    };
    gen_key(
        "old",
        &["-startdate", "2020/01/01 00:00:00", "-validity", "30"],
    );
    gen_key("soon", &["-validity", "12"]);
    gen_key("fresh", &["-validity", "400"]);
    let text = ok(&["store", "list", p(&ks), "--pass", PW]);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("warning:"))
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    let line = |alias: &str| *lines.iter().find(|l| l.starts_with(alias)).unwrap();
    assert!(line("old").contains("EXPIRED"), "{text}");
    assert!(line("old").contains("old.example"), "{text}");
    // 12 days from keytool's second: 11 d once a second has passed, 12 d within it.
    assert!(
        line("soon").contains("expires in 11 d") || line("soon").contains("expires in 12 d"),
        "{text}"
    );
    assert!(line("fresh").contains("EC P-256") && !line("fresh").contains("expires in"));
    let kt = peer(
        "keytool",
        &["-list", "-keystore", p(&ks), "-storepass", "changeit"],
    );
    assert!(kt.contains("Your keystore contains 3 entries"), "{kt}");
    assert_eq!(
        lines[3], "3 entries: 3 private keys; 1 expired (pkcs12 store)",
        "{text}"
    );
    let long = ok(&["store", "list", p(&ks), "--pass", PW, "--long"]);
    assert!(
        long.contains("    subject: CN=old.example,O=Test"),
        "{long}"
    );
    assert!(long.starts_with("pkcs12 store, 3 entries"), "{long}");
    // `show STORE` keeps the blocks; --json is unchanged by --long's existence.
    assert!(ok(&["show", p(&ks), "--pass", PW]).contains("    issuer:"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["store", "list", p(&ks), "--pass", PW, "--json"])).unwrap();
    assert_eq!(json["entries"].as_array().unwrap().len(), 3);
}

/// `ca issue --out-dir` creates a missing folder; the certificate verifies with openssl.
#[test]
fn out_dir_is_created() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let out = pki.path("new/sub");
    let err = ok_stderr(&[
        "ca",
        "issue",
        &pki.pki("intermediate-ca"),
        "api.test",
        "--out-dir",
        p(&out),
        "--subject",
        "CN=api,OU=Payments,O=Acme",
        "--pass",
        PW,
    ]);
    assert!(err.contains("issued serial"), "{err}");
    let crt = p(&out.join("api.test.crt")).to_string();
    let text = peer("openssl", &["x509", "-in", &crt, "-noout", "-subject"]);
    assert!(text.contains("OU = Payments"), "{text}");
    peer(
        "openssl",
        &[
            "verify",
            "-CAfile",
            &pki.pki("ca-bundle.pem"),
            "-untrusted",
            &pki.pki("intermediate-ca/chain.pem"),
            &crt,
        ],
    );
    // --profile ca is not offered by ca issue (ca init --parent makes a subordinate CA).
    fails(
        &[
            "ca",
            "issue",
            &pki.pki("intermediate-ca"),
            "x",
            "--profile",
            "ca",
        ],
        2,
    );
}

/// `store export`: `--out x.der` writes DER, a chain into DER is refused (naming
/// `--format p7b`) with nothing written, `--key-out k.der` writes a DER key. Peer: openssl.
#[test]
fn export_der_writes_what_it_says() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let der = pki.s("root.der");
    let err = ok_stderr(&[
        "store",
        "export",
        &pki.pki("truststore.p12"),
        "--alias",
        "root-ca",
        "--out",
        &der,
        "--pass",
        PW,
    ]);
    assert!(err.contains(&format!("wrote {der}")), "{err}");
    let subj = peer(
        "openssl",
        &["x509", "-inform", "DER", "-in", &der, "-noout", "-subject"],
    );
    assert!(subj.contains("root CA"), "{subj}");
    let chain_der = pki.s("server.der");
    let err = fails(
        &[
            "store",
            "export",
            &pki.pki("server.p12"),
            "--alias",
            "server",
            "--out",
            &chain_der,
            "--key-out",
            &pki.s("server-key.der"),
            "--pass",
            PW,
        ],
        1,
    );
    assert!(
        err.contains("3 certificates") && err.contains("--format p7b"),
        "{err}"
    );
    assert!(!Path::new(&chain_der).exists() && !pki.path("server-key.der").exists());
    let key_der = pki.s("k.der");
    ok(&[
        "store",
        "export",
        &pki.pki("server.p12"),
        "--alias",
        "server",
        "--out",
        &pki.s("chain.pem"),
        "--key-out",
        &key_der,
        "--pass",
        PW,
    ]);
    let from_key = peer(
        "openssl",
        &["pkey", "-inform", "DER", "-in", &key_der, "-pubout"],
    );
    let from_cert = peer(
        "openssl",
        &["x509", "-in", &pki.s("chain.pem"), "-noout", "-pubkey"],
    );
    assert_eq!(from_key, from_cert);
}

/// `store import --chain` in any order: the leaf is found by the key, the issuers follow
/// as keytool orders them; a real mismatch names the certificates compared. Peer: keytool.
#[test]
fn import_chain_in_any_order() {
    if !have(&["keytool"]) {
        return;
    }
    let pki = Pki::new();
    let mut reversed = std::fs::read_to_string(pki.pki("ca-bundle.pem")).unwrap();
    reversed.push_str(&std::fs::read_to_string(pki.pki("intermediate-ca/chain.pem")).unwrap());
    reversed.push_str(&std::fs::read_to_string(pki.pki("alice.crt")).unwrap());
    std::fs::write(pki.path("reversed.pem"), reversed).unwrap();
    let store = pki.s("alice.jks");
    ok(&[
        "store",
        "import",
        &store,
        "--key",
        &pki.pki("alice.key"),
        "--chain",
        &pki.s("reversed.pem"),
        "--alias",
        "alice",
        "--pass",
        PW,
    ]);
    let kt = peer(
        "keytool",
        &["-list", "-v", "-keystore", &store, "-storepass", "changeit"],
    );
    assert!(kt.contains("Certificate chain length: 3"), "{kt}");
    let owners: Vec<&str> = kt.lines().filter(|l| l.starts_with("Owner: ")).collect();
    assert!(owners[0].contains("CN=alice"), "{kt}");
    assert!(owners[1].contains("intermediate CA"), "{kt}");
    assert!(owners[2].contains("root CA"), "{kt}");
    let err = fails(
        &[
            "store",
            "import",
            &pki.s("mismatch.p12"),
            "--key",
            &pki.pki("alice.key"),
            "--chain",
            &pki.pki("bob.crt"),
            "--pass",
            PW,
        ],
        1,
    );
    assert!(
        err.contains("'CN=bob'") && err.contains("does not match"),
        "{err}"
    );
    assert!(!pki.path("mismatch.p12").exists());
}

/// Importing a bundle prints a summary (and `-v` a line each); keytool counts the same.
#[test]
fn import_bundle_prints_a_summary() {
    if !have(&["keytool"]) {
        return;
    }
    let pki = Pki::new();
    let mut bundle = std::fs::read_to_string(pki.pki("ca-bundle.pem")).unwrap();
    bundle.push_str(&std::fs::read_to_string(pki.pki("intermediate-ca/chain.pem")).unwrap());
    bundle.push_str(&std::fs::read_to_string(pki.pki("server.crt")).unwrap());
    std::fs::write(pki.path("bundle.pem"), bundle).unwrap();
    let store = pki.s("trust.p12");
    let args = [
        "store",
        "import",
        &store,
        "--cert",
        &pki.s("bundle.pem"),
        "--pass",
        PW,
    ];
    let err = ok_stderr(&args);
    // server.crt holds the leaf and the intermediate again: 3 distinct certificates.
    assert!(err.contains("3 added, 1 already present"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = ok_stderr(&args);
    assert!(err.contains("4 already present"), "{err}");
    let mut verbose = args.to_vec();
    verbose.push("-v");
    let err = ok_stderr(&verbose);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("skipped")).count(),
        4,
        "{err}"
    );
    let kt = peer(
        "keytool",
        &["-list", "-keystore", &store, "-storepass", "changeit"],
    );
    assert!(kt.contains("Your keystore contains 3 entries"), "{kt}");
}

/// An unknown alias lists the aliases that exist; commands that write say what they
/// wrote. Peer: keytool made the store.
#[test]
fn unknown_alias_and_wrote_messages() {
    if !have(&["keytool", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ks = p(&dir.path().join("kt.jks")).to_string();
    for alias in ["web", "mail"] {
        peer(
            "keytool",
            &[
                "-genkeypair",
                "-keystore",
                &ks,
                "-storepass",
                "changeit",
                "-storetype",
                "JKS",
                "-keyalg",
                "EC",
                "-alias",
                alias,
                "-dname",
                "CN=x",
            ],
        );
    }
    for args in [
        vec!["store", "export", &ks, "--alias", "wbe", "--pass", PW],
        vec!["store", "delete", &ks, "wbe", "--pass", PW],
        vec!["store", "rename", &ks, "wbe", "x", "--pass", PW],
    ] {
        let err = fails(&args, 1);
        assert!(
            err.contains("'web'") && err.contains("'mail'"),
            "{args:?}: {err}"
        );
    }
    let err = ok_stderr(&["store", "rename", &ks, "web", "www", "--pass", PW]);
    assert!(err.contains("renamed 'web' to 'www'"), "{err}");
    let csr = p(&dir.path().join("x.csr")).to_string();
    let key = p(&dir.path().join("x.key")).to_string();
    let err = ok_stderr(&[
        "csr",
        "new",
        "--subject",
        "CN=x.test",
        "--key-out",
        &key,
        "--out",
        &csr,
    ]);
    assert!(
        err.contains(&format!("wrote {key}")) && err.contains(&format!("wrote {csr}")),
        "{err}"
    );
    peer("openssl", &["req", "-in", &csr, "-noout", "-verify"]);
    let pki = Pki::new();
    let crt = pki.s("x.crt");
    let err = ok_stderr(&[
        "ca",
        "sign",
        &pki.pki("intermediate-ca"),
        "--csr",
        &csr,
        "--out",
        &crt,
        "--pass",
        PW,
    ]);
    assert!(err.contains(&format!("wrote {crt}")), "{err}");
}

/// `store convert --to` must agree with OUTPUT's extension unless `--force-format`; the
/// error asking for a format names `--to`. Peer: keytool reads the forced JKS.
#[test]
fn convert_checks_the_extension() {
    if !have(&["keytool"]) {
        return;
    }
    let pki = Pki::new();
    let y = pki.s("y.p12");
    let err = fails(
        &[
            "store",
            "convert",
            &pki.pki("server.p12"),
            &y,
            "--to",
            "jks",
            "--pass",
            PW,
        ],
        1,
    );
    assert!(err.contains("--force-format"), "{err}");
    assert!(!Path::new(&y).exists());
    let err = fails(
        &[
            "store",
            "convert",
            &pki.pki("server.p12"),
            &pki.s("y.bin"),
            "--pass",
            PW,
        ],
        1,
    );
    assert!(err.contains("give --to"), "{err}");
    ok(&[
        "store",
        "convert",
        &pki.pki("server.p12"),
        &y,
        "--to",
        "jks",
        "--force-format",
        "--pass",
        PW,
    ]);
    let kt = peer(
        "keytool",
        &[
            "-list",
            "-keystore",
            &y,
            "-storepass",
            "changeit",
            "-storetype",
            "JKS",
        ],
    );
    assert!(kt.contains("Keystore type: JKS"), "{kt}");
}

/// `pki new --force` replaces the whole PKI (old clients gone, new ones verify), every
/// client is in the summary, duplicates are refused before anything is written, `--days`
/// and `--org` apply, and the printed s_server/s_client hints work as printed. Peer: openssl.
#[test]
fn pki_new_replaces_validates_and_hints_work() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let dir = pki.pki("");
    let dir = dir.trim_end_matches('/');
    let err = fails(
        &[
            "pki",
            "new",
            &pki.s("dup"),
            "--client",
            "a",
            "--client",
            "a",
        ],
        2,
    );
    assert!(err.contains("twice"), "{err}");
    assert!(!pki.path("dup").exists());
    let summary = ok(&[
        "pki", "new", dir, "--client", "carol", "--client", "dave", "--force", "--days", "30",
        "--org", "Acme QA",
    ]);
    for gone in ["alice.crt", "alice.key", "alice.p12", "bob.crt"] {
        assert!(!Path::new(&pki.pki(gone)).exists(), "{gone} left behind");
    }
    assert!(
        summary.contains("server.p12, carol.p12, dave.p12"),
        "{summary}"
    );
    assert!(
        summary.contains("the CA keys are not encrypted"),
        "{summary}"
    );
    let crt = pki.pki("dave.crt");
    peer(
        "openssl",
        &[
            "verify",
            "-CAfile",
            &pki.pki("ca-bundle.pem"),
            "-untrusted",
            &crt,
            &crt,
        ],
    );
    let subj = peer(
        "openssl",
        &["x509", "-in", &crt, "-noout", "-subject", "-dates"],
    );
    assert!(subj.contains("O = Acme QA"), "{subj}");
    // --days 30: valid in 29 days, expired in 31 (openssl -checkend exits 1 then).
    let checkend = |days: u32| {
        Command::new("openssl")
            .args([
                "x509",
                "-in",
                &crt,
                "-noout",
                "-checkend",
                &(days * 86400).to_string(),
            ])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(checkend(29) && !checkend(31), "{subj}");
    // The hints, run as printed (with a bounded number of connections).
    let line = |prefix: &str| {
        summary
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} hint: {summary}"))
            .to_string()
    };
    let server = line("openssl s_server");
    let client = line("openssl s_client");
    assert!(server.contains("-accept 127.0.0.1:") && server.contains("intermediate-ca/chain.pem"));
    let mut srv = Command::new("sh")
        .args(["-c", &format!("exec {server} -naccept 1")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = String::new();
    while Instant::now() < deadline {
        let o = Command::new("sh")
            .args([
                "-c",
                &format!("{client} -verify_return_error </dev/null 2>&1"),
            ])
            .output()
            .unwrap();
        out = String::from_utf8_lossy(&o.stdout).into_owned();
        if out.contains("Verify return code: 0 (ok)") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = srv.kill();
    let _ = srv.wait();
    assert!(
        out.contains("Verify return code: 0 (ok)"),
        "{client}\n{out}"
    );
}

/// Usage mistakes exit 2 everywhere (clap's, and the option combinations checked later).
#[test]
fn usage_mistakes_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = |n: &str| p(&dir.path().join(n)).to_string();
    for args in [
        vec!["key", "new", "--type", "rsa:1024"],
        vec!["pki", "new", &f("pki"), "--type", "dsa"],
        vec!["store", "import", &f("x.p12"), "--pass", PW],
        vec!["csr", "new", "--subject", "CN=x"],
        vec!["store", "list"],
        vec!["select", "--store", &f("x.p12"), "--pass", PW],
    ] {
        let err = fails(&args, 2);
        assert!(!err.is_empty(), "{args:?}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

/// Help prints examples unwrapped (one command per line) even in a narrow terminal; man
/// pages have EXAMPLES/FILES/EXIT STATUS sections under DIR/man1, where man(1) finds them;
/// completions offer option values; connect's help states exit 7. Peer: man.
#[test]
fn help_man_pages_and_completions() {
    let help = Command::new(env!("CARGO_BIN_EXE_keychest"))
        .args(["pki", "new", "--help"])
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains(
            "\n  keychest pki new ./pki --hosts api.local,10.0.0.5 --client alice --client bob --jks\n"
        ),
        "{help}"
    );
    let short = ok(&["help", "store", "export"]);
    assert!(
        short.contains("EXAMPLES:\n  keychest store export"),
        "{short}"
    );
    let connect = ok(&["connect", "--help"]);
    assert!(
        connect.contains("7  the handshake failed (a peer that is not TLS, a timeout"),
        "{connect}"
    );
    let dir = tempfile::tempdir().unwrap();
    ok(&["generate", "man", p(dir.path())]);
    let page = std::fs::read_to_string(dir.path().join("man1/keychest-pki-new.1")).unwrap();
    for section in [".SH \"EXAMPLES\"", ".SH \"FILES\"", ".SH \"EXIT STATUS\""] {
        assert!(page.contains(section), "{section}");
    }
    assert!(!page.contains(".SH EXTRA"));
    if have(&["man"]) {
        let out = Command::new("man")
            .args(["-P", "cat", "keychest-pki-new"])
            .env("MANPATH", dir.path())
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("EXIT STATUS") && text.contains("EXAMPLES"),
            "{text}"
        );
        assert!(
            text.contains("keychest pki new ./pki --hosts api.local,10.0.0.5 --client alice --client bob --jks"),
            "{text}"
        );
    }
    let bash = ok(&["generate", "completions", "bash"]);
    for value in [
        "ec:p256",
        "rsa:4096",
        "server-client",
        "passwordless",
        "jceks",
    ] {
        assert!(bash.contains(value), "{value}");
    }
}

/// The select prompt at 80×24 and 200×50: one row per candidate within the width, the
/// reason on a line under the highlighted row, nothing left on screen after the choice or
/// Esc. Peer: tmux (capture-pane).
#[test]
fn select_prompt_fits_and_leaves_nothing() {
    if !have(&["tmux"]) {
        return;
    }
    let pki = Pki::new();
    // Long store names and aliases, as in the report: rows would be ~190 characters.
    let long = |who: &str| {
        let store = pki.s(&format!(
            "{who}-client-certificates-of-the-integration-environment.p12"
        ));
        std::fs::copy(pki.pki(&format!("{who}.p12")), &store).unwrap();
        ok(&[
            "store",
            "rename",
            &store,
            who,
            &format!("{who}-at-the-integration-environment-with-a-long-alias"),
            "--pass",
            PW,
        ]);
        store
    };
    let (a, b) = (long("alice"), long("bob"));
    for (cols, rows, keys, exit) in [
        (80u16, 24u16, vec!["Down", "Enter"], "EXIT=0"),
        (200, 50, vec!["Escape"], "EXIT=5"),
    ] {
        let exit_file = pki.path(&format!("exit-{cols}"));
        let cmd = format!(
            "echo BEFORE; {} select --store {a} --store {b} --pass {PW} --ca-names {} > /dev/null; echo EXIT=$? > {}; sleep 30",
            env!("CARGO_BIN_EXE_keychest"),
            pki.pki("ca-bundle.pem"),
            p(&exit_file)
        );
        let tmux = Tmux::start(&cmd, cols, rows);
        let shown = poll(Duration::from_secs(15), || {
            let s = tmux.screen();
            s.contains("Client certificate").then_some(s)
        })
        .unwrap_or_else(|| panic!("no prompt: {}", tmux.screen()));
        for l in shown.lines() {
            assert!(l.chars().count() <= cols as usize, "{cols}: too long: {l}");
        }
        let rows_shown: Vec<&str> = shown.lines().filter(|l| l.contains("EC P-256")).collect();
        assert_eq!(rows_shown.len(), 2, "{shown}");
        assert!(shown.contains("    matches: "), "{shown}");
        for k in &keys {
            tmux.run(&["send-keys", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
        let done = poll(Duration::from_secs(15), || {
            std::fs::read_to_string(&exit_file)
                .ok()
                .filter(|s| s.ends_with('\n'))
        })
        .unwrap_or_else(|| panic!("select did not finish: {}", tmux.screen()));
        assert_eq!(done.trim(), exit);
        let after = tmux.screen();
        let left: Vec<&str> = after
            .lines()
            // The one-line error of a cancelled prompt is the only thing after it.
            .filter(|l| {
                !l.trim().is_empty() && *l != "BEFORE" && *l != "keychest: error: cancelled"
            })
            .collect();
        assert!(left.is_empty(), "{cols}: left on screen: {after}");
    }
}
