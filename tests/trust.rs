//! End-to-end tests of name-constrained CAs and `keychest trust install | uninstall |
//! status` against real clients: `openssl verify`, curl, a Java client, `certutil` and
//! headless Chromium, served by `openssl s_server`.
//!
//! Tests that change trust stores re-run themselves inside a private mount namespace
//! (`unshare -m`), where copies of /etc/ssl/certs, /usr/local/share/ca-certificates, the
//! JDK's cacerts and an empty HOME are bind-mounted over the real ones: the machine's own
//! trust never changes, even when a test dies. A missing peer fails a test unless
//! `KEYCHEST_SKIP_PEERS=1` (see `tests/common/peers.rs`); without root for the namespace,
//! those tests fail in CI (`CI` set) and are skipped, and the skip recorded, elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::server::{Server, free_port, openssl_s_server, poll};
use common::tmux::{Tmux, shell_quote};
use common::x509::{openssl_csr, openssl_sign};
use common::{expect_exit, have, p, peer, skip_unless};

/// Set in the re-executed test process that runs inside the private namespace: the outer
/// process's mount namespace, which the inner one checks it is not in.
const NS_ENV: &str = "KEYCHEST_TEST_IN_PRIVATE_NAMESPACE";

fn out_text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs keychest with HOME set, stdin closed; asserts the exit code; returns (stdout, stderr).
fn kc(home: &Path, code: i32, args: &[&str]) -> (String, String) {
    let out = common::keychest()
        .env("HOME", home)
        .args(args)
        .output()
        .expect("run keychest");
    expect_exit(&out, code, &format!("keychest {args:?}"))
}

/// `openssl s_server -www` on 127.0.0.1 with `cert` + `key` and the intermediate `chain`,
/// its log in `log_dir` (not a PKI folder, which `trust install` reads).
fn s_server(cert: &Path, key: &Path, chain: &Path, log_dir: &Path) -> Server {
    let extra = ["-quiet", "-www", "-cert_chain", p(chain)];
    openssl_s_server(free_port(), cert, key, &extra, log_dir)
}

/// A test PKI made by `pki new` in `dir` (constrained unless `extra` says otherwise).
fn pki(dir: &Path, extra: &[&str]) -> PathBuf {
    let d = dir.join("pki");
    let mut args = vec!["pki", "new", p(&d)];
    args.extend_from_slice(extra);
    kc(dir, 0, &args);
    d
}

/// A leaf for `sans` signed by the intermediate's key with `openssl x509 -req`, bypassing
/// keychest's own refusal of names outside the constraints. Returns (cert, key).
fn openssl_leaf(pki: &Path, stem: &str, sans: &str) -> (PathBuf, PathBuf) {
    let key = pki.join(format!("{stem}.key"));
    let csr = pki.join(format!("{stem}.csr"));
    let crt = pki.join(format!("{stem}.crt"));
    let ext = pki.join(format!("{stem}.ext"));
    openssl_csr(&key, &csr, "/CN=localhost", &[]);
    std::fs::write(
        &ext,
        format!("subjectAltName={sans}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl_sign(
        &csr,
        &pki.join("intermediate-ca/ca.crt"),
        &pki.join("intermediate-ca/ca.key"),
        &crt,
        30,
        &["-set_serial", "0x1234", "-extfile", p(&ext)],
    );
    (crt, key)
}

fn openssl_verify(pki: &Path, leaf: &Path) -> Output {
    Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(pki.join("root-ca/ca.crt"))
        .arg("-untrusted")
        .arg(pki.join("intermediate-ca/ca.crt"))
        .arg(leaf)
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// Name constraints (no trust store changes: no namespace needed)

#[test]
fn pki_new_root_is_constrained_and_openssl_and_connect_refuse_a_leaf_outside() {
    if !have(&["openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &["--hosts", "localhost,127.0.0.1,::1,api.example"]);
    let text = peer(
        "openssl",
        &[
            "x509",
            "-in",
            p(&d.join("root-ca/ca.crt")),
            "-noout",
            "-text",
        ],
    );
    assert!(text.contains("X509v3 Name Constraints: critical"), "{text}");
    for want in [
        "DNS:.test",
        "DNS:localhost",
        "IP:127.0.0.0/255.0.0.0",
        "DNS:api.example",
    ] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    let (shown, _) = kc(home, 0, &["show", p(&d.join("root-ca/ca.crt"))]);
    assert!(
        shown.contains("Name Constraints (critical): permitted [DNS:localhost, DNS:.localhost, DNS:.test, DNS:.internal, IP Address:127.0.0.0/255.0.0.0, IP Address:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, DNS:api.example]"),
        "{shown}"
    );

    // keychest's own server certificate is inside; an openssl-signed one naming
    // example.com is not.
    let ok = openssl_verify(&d, &d.join("server.crt"));
    assert!(ok.status.success(), "{:?}", out_text(&ok));
    let (inside, inside_key) = openssl_leaf(&d, "inside", "DNS:localhost,DNS:x.test");
    assert!(openssl_verify(&d, &inside).status.success());
    let (outside, outside_key) = openssl_leaf(&d, "outside", "DNS:localhost,DNS:example.com");
    let bad = openssl_verify(&d, &outside);
    assert!(!bad.status.success());
    let (o, e) = out_text(&bad);
    assert!(
        format!("{o}{e}").contains("permitted subtree violation"),
        "{o}{e}"
    );

    // keychest connect (rustls) trusts the inside leaf and refuses the outside one.
    let bundle = d.join("ca-bundle.pem");
    let srv = s_server(
        &inside,
        &inside_key,
        &d.join("intermediate-ca/ca.crt"),
        home,
    );
    let target = format!("localhost:{}", srv.port);
    kc(home, 0, &["connect", &target, "--truststore", p(&bundle)]);
    drop(srv);
    let srv = s_server(
        &outside,
        &outside_key,
        &d.join("intermediate-ca/ca.crt"),
        home,
    );
    let target = format!("localhost:{}", srv.port);
    let (_, e) = kc(home, 7, &["connect", &target, "--truststore", p(&bundle)]);
    assert!(e.contains("NameConstraint"), "{e}");
}

#[test]
fn ca_issue_refuses_names_outside_the_chain_naming_the_constraint() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &[]);
    let inter = d.join("intermediate-ca");
    let out = home.join("out");
    std::fs::create_dir(&out).unwrap();
    // The intermediate has no constraints of its own: the root's apply to it.
    let (_, e) = kc(
        home,
        1,
        &[
            "ca",
            "issue",
            p(&inter),
            "example.com",
            "--out-dir",
            p(&out),
        ],
    );
    assert!(
        e.contains(
            "DNS:example.com is not allowed by the name constraints of CA 'CN=keychest test root CA"
        ) && e.contains(
            "permitted DNS names are DNS:localhost, DNS:.localhost, DNS:.test, DNS:.internal"
        ),
        "{e}"
    );
    let (_, e) = kc(
        home,
        1,
        &["ca", "issue", p(&inter), "10.0.0.1", "--out-dir", p(&out)],
    );
    assert!(
        e.contains("permitted IP addresses are IP:127.0.0.0/8, IP:::1/128"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "a refusal wrote files"
    );
    kc(
        home,
        0,
        &[
            "ca",
            "issue",
            p(&inter),
            "app.test",
            "127.0.0.2",
            "--out-dir",
            p(&out),
        ],
    );

    // --unconstrained: nothing limits the root.
    let free = home.join("free");
    kc(home, 0, &["pki", "new", p(&free), "--unconstrained"]);
    let (shown, _) = kc(home, 0, &["show", p(&free.join("root-ca/ca.crt"))]);
    assert!(!shown.contains("Name Constraints"), "{shown}");
    kc(
        home,
        0,
        &[
            "ca",
            "issue",
            p(&free.join("intermediate-ca")),
            "example.com",
            "--out-dir",
            p(&out),
        ],
    );
}

#[test]
fn ca_init_permit_and_exclude_write_critical_constraints_that_issue_enforces() {
    if !have(&["openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let root = home.join("root");
    kc(
        home,
        0,
        &[
            "ca",
            "init",
            p(&root),
            "--subject",
            "CN=Lab Root",
            "--permit",
            ".test,10.0.0.0/8",
            "--permit",
            "@mail.test",
            "--exclude",
            "secret.test",
        ],
    );
    let text = peer(
        "openssl",
        &[
            "x509",
            "-in",
            p(&root.join("ca.crt")),
            "-noout",
            "-ext",
            "nameConstraints",
        ],
    );
    assert!(text.contains("critical"), "{text}");
    for want in [
        "DNS:.test",
        "IP:10.0.0.0/255.0.0.0",
        "email:mail.test",
        "Excluded",
        "DNS:secret.test",
    ] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    let out = home.join("out");
    std::fs::create_dir(&out).unwrap();
    let issue = |code: i32, name: &str| {
        kc(
            home,
            code,
            &["ca", "issue", p(&root), name, "--out-dir", p(&out)],
        )
        .1
    };
    assert!(issue(1, "x.secret.test").contains("excluded by DNS:secret.test"));
    assert!(issue(1, "test").contains("permitted DNS names are DNS:.test"));
    // A refused issue takes back the --out-dir it created for the files.
    let fresh = home.join("fresh/certs");
    let (_, e) = kc(
        home,
        1,
        &[
            "ca",
            "issue",
            p(&root),
            "x.secret.test",
            "--out-dir",
            p(&fresh),
        ],
    );
    assert!(e.contains("excluded by DNS:secret.test"), "{e}");
    assert!(
        !home.join("fresh").exists(),
        "the created --out-dir was left"
    );
    issue(0, "www.test");
    issue(0, "10.9.8.7");
    let v = Command::new("openssl")
        .args([
            "verify",
            "-CAfile",
            p(&root.join("ca.crt")),
            p(&out.join("www.test.crt")),
        ])
        .output()
        .unwrap();
    assert!(v.status.success(), "{:?}", out_text(&v));

    // An intermediate narrows further; the root's constraints still apply below it.
    let inter = home.join("inter");
    kc(
        home,
        0,
        &[
            "ca",
            "init",
            p(&inter),
            "--subject",
            "CN=Lab Issuing",
            "--parent",
            p(&root),
            "--permit",
            ".a.test",
        ],
    );
    let (_, e) = kc(
        home,
        1,
        &["ca", "issue", p(&inter), "b.test", "--out-dir", p(&out)],
    );
    assert!(
        e.contains("CA 'CN=Lab Issuing'") && e.contains("DNS:.a.test"),
        "{e}"
    );
    kc(
        home,
        0,
        &["ca", "issue", p(&inter), "x.a.test", "--out-dir", p(&out)],
    );

    // Bad forms: one line, nothing created.
    let bad = home.join("bad");
    for form in ["10.0.0.1/8", "a..b", "::1/129"] {
        let (_, e) = kc(
            home,
            1,
            &["ca", "init", p(&bad), "--subject", "CN=x", "--permit", form],
        );
        assert!(
            e.contains("invalid name constraint") && e.lines().count() == 1,
            "{e}"
        );
        assert!(!bad.exists());
    }
}

// ---------------------------------------------------------------------------------------
// trust install: refusals and NSS databases given by path (no system state involved)

#[test]
fn trust_install_refuses_leaves_non_root_system_and_unconfirmed_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &[]);
    let db = home.join("db");
    let (_, e) = kc(
        home,
        1,
        &[
            "trust",
            "install",
            p(&d.join("server.crt")),
            "--nssdb",
            p(&db),
            "--yes",
        ],
    );
    assert!(e.contains("is not a CA certificate"), "{e}");
    // No terminal and no --yes: the changes are listed, nothing is made.
    if have(&["certutil"]) {
        let (_, e) = kc(home, 1, &["trust", "install", p(&d), "--nssdb", p(&db)]);
        assert!(
            e.contains("run certutil -A") && e.contains("not confirmed"),
            "{e}"
        );
        assert!(!db.exists(), "an unconfirmed install created the database");
    }
    // --system as an ordinary user: refused up front, saying root is needed.
    if have(&["setpriv"]) && unsafe_is_root() {
        use std::os::unix::fs::PermissionsExt;
        let open = tempfile::tempdir().unwrap();
        std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = open.path().join("root.crt");
        std::fs::copy(d.join("root-ca/ca.crt"), &root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_keychest"))
            .args(["trust", "install", p(&root), "--system", "--yes"])
            .env("HOME", open.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (_, e) = out_text(&out);
        assert_eq!(out.status.code(), Some(1), "{e}");
        assert!(
            e.contains("needs root: run the command with sudo")
                && e.contains("nothing was changed"),
            "{e}"
        );
    }
}

fn unsafe_is_root() -> bool {
    // The tests run as root here and in CI; only then can they drop to another user.
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn trust_nss_database_round_trip_with_certutil() {
    if !have(&["certutil"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &["--unconstrained"]);
    let db = home.join("db");
    let (_, e) = kc(
        home,
        0,
        &["trust", "install", p(&d), "--nssdb", p(&db), "--yes"],
    );
    assert!(e.contains("has no name constraints"), "{e}");
    let listed = peer("certutil", &["-L", "-d", &format!("sql:{}", p(&db))]);
    assert!(
        listed.contains("keychest-") && listed.contains("C,,"),
        "{listed}"
    );
    // Twice: nothing to do.
    let (_, e) = kc(
        home,
        0,
        &["trust", "install", p(&d), "--nssdb", p(&db), "--yes"],
    );
    assert!(e.contains("nothing to do"), "{e}");
    let (json, _) = kc(
        home,
        0,
        &["trust", "status", p(&d), "--nssdb", p(&db), "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["stores"][0]["store"], "nss");
    assert_eq!(v["stores"][0]["trusted"], true);
    assert_eq!(v["stores"][0]["installed_by_keychest"], true);
    assert!(v["certificate"]["name_constraints"].is_null());
    kc(
        home,
        0,
        &["trust", "uninstall", p(&d), "--nssdb", p(&db), "--yes"],
    );
    let listed = peer("certutil", &["-L", "-d", &format!("sql:{}", p(&db))]);
    assert!(!listed.contains("keychest-"), "{listed}");
    // A certificate someone else trusted there is not keychest's to remove.
    peer(
        "certutil",
        &[
            "-A",
            "-d",
            &format!("sql:{}", p(&db)),
            "-n",
            "theirs",
            "-t",
            "C,,",
            "-i",
            p(&d.join("root-ca/ca.crt")),
        ],
    );
    let (_, e) = kc(
        home,
        0,
        &["trust", "uninstall", p(&d), "--nssdb", p(&db), "--yes"],
    );
    assert!(e.contains("nothing to do"), "{e}");
    let (status, _) = kc(home, 0, &["trust", "status", p(&d), "--nssdb", p(&db)]);
    assert!(status.contains("trusted (not by keychest)"), "{status}");
}

// ---------------------------------------------------------------------------------------
// The real stores, inside a private mount namespace

/// In the outer test process: re-runs test `name` in a private mount namespace and returns
/// `None` (the outer test is then done). In the re-run: sets the namespace up and returns it.
fn private_namespace(name: &str) -> Option<Namespace> {
    if let Some(outer) = std::env::var_os(NS_ENV) {
        return Some(Namespace::set_up(Path::new(&outer)));
    }
    if !have(&["unshare"]) {
        return None;
    }
    if !skip_unless(
        unsafe_is_root(),
        "the trust store tests need root for a private mount namespace (unshare -m)",
    ) {
        return None;
    }
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(NS_ENV, std::fs::read_link("/proc/self/ns/mnt").unwrap())
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    let (o, e) = out_text(&out);
    assert!(
        out.status.success() && o.contains("1 passed"),
        "{name} in a private namespace failed:\n{o}\n{e}"
    );
    None
}

/// Copies of the trust stores bind-mounted over the real ones, and an empty HOME.
struct Namespace {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    work: PathBuf,
}

fn mount_bind(src: &Path, dst: &Path) {
    peer("mount", &["--bind", p(src), p(dst)]);
}

impl Namespace {
    /// `outer`: the mount namespace of the test process that started this one.
    fn set_up(outer: &Path) -> Namespace {
        // Never touch the machine's stores: refuse unless this is another mount namespace.
        let ours = std::fs::read_link("/proc/self/ns/mnt").unwrap();
        assert_ne!(ours, outer, "not in a private mount namespace");
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let copy = |real: &str, name: &str| {
            let c = t.join(name);
            peer("cp", &["-a", real, p(&c)]);
            mount_bind(&c, Path::new(real));
        };
        copy("/etc/ssl/certs", "certs");
        std::fs::create_dir_all("/usr/local/share/ca-certificates").unwrap();
        copy("/usr/local/share/ca-certificates", "local-anchors");
        // Debian's hooks would queue work in dpkg's state outside the namespace.
        if Path::new("/etc/ca-certificates/update.d").is_dir() {
            let empty = t.join("no-hooks");
            std::fs::create_dir(&empty).unwrap();
            mount_bind(&empty, Path::new("/etc/ca-certificates/update.d"));
        }
        if let Some(cacerts) = jdk_cacerts()
            && !cacerts.starts_with("/etc/ssl/certs")
        {
            let c = t.join("cacerts");
            std::fs::copy(&cacerts, &c).unwrap();
            mount_bind(&c, &cacerts);
        }
        let home = t.join("home");
        let work = t.join("work");
        std::fs::create_dir(&home).unwrap();
        std::fs::create_dir(&work).unwrap();
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        for m in ["/etc/ssl/certs", "/usr/local/share/ca-certificates"] {
            assert!(
                mounts.contains(&format!(" {m} ")),
                "{m} is not mounted over"
            );
        }
        Namespace {
            _tmp: tmp,
            home,
            work,
        }
    }
}

/// The JDK's cacerts (links resolved), as `trust install --java` finds it.
fn jdk_cacerts() -> Option<PathBuf> {
    let java = Command::new("sh")
        .args(["-c", "command -v java"])
        .output()
        .ok()?;
    let java = PathBuf::from(String::from_utf8_lossy(&java.stdout).trim());
    let home = java.canonicalize().ok()?.parent()?.parent()?.to_path_buf();
    home.join("lib/security/cacerts").canonicalize().ok()
}

fn curl(port: u16) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .arg(format!("https://localhost:{port}/"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn sha256_file(path: &str) -> String {
    peer("sha256sum", &[path])
}

#[test]
fn system_install_makes_curl_trust_the_server_and_uninstall_restores_the_bundle() {
    if !have(&["curl", "update-ca-certificates", "openssl"]) {
        return;
    }
    let Some(ns) = private_namespace(
        "system_install_makes_curl_trust_the_server_and_uninstall_restores_the_bundle",
    ) else {
        return;
    };
    let home = &ns.home;
    let d = pki(&ns.work, &[]);
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let before = sha256_file(bundle);
    let links_before = std::fs::read_dir("/etc/ssl/certs").unwrap().count();
    let srv = s_server(
        &d.join("server.crt"),
        &d.join("server.key"),
        &d.join("intermediate-ca/ca.crt"),
        &ns.work,
    );
    assert!(
        !curl(srv.port).status.success(),
        "curl trusted an unknown root"
    );

    let (_, e) = kc(home, 0, &["trust", "install", p(&d), "--system", "--yes"]);
    assert!(
        e.contains("write /usr/local/share/ca-certificates/keychest-")
            && e.contains("ran update-ca-certificates"),
        "{e}"
    );
    assert!(!e.contains("no name constraints"), "{e}");
    let c = curl(srv.port);
    assert!(c.status.success(), "curl: {:?}", out_text(&c));
    // keychest connect uses the system bundle by default too.
    kc(home, 0, &["connect", &format!("localhost:{}", srv.port)]);
    let installed = sha256_file(bundle);
    let (_, e) = kc(home, 0, &["trust", "install", p(&d), "--system", "--yes"]);
    assert!(e.contains("nothing to do"), "{e}");
    assert_eq!(
        sha256_file(bundle),
        installed,
        "a second install changed the bundle"
    );
    let (json, _) = kc(home, 0, &["trust", "status", p(&d), "--system", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["stores"][0]["store"], "system");
    assert_eq!(v["stores"][0]["trusted"], true);
    assert_eq!(
        v["certificate"]["name_constraints"]["permitted"][0],
        "DNS:localhost"
    );

    let (_, e) = kc(home, 0, &["trust", "uninstall", p(&d), "--system", "--yes"]);
    assert!(
        e.contains("removed /usr/local/share/ca-certificates/keychest-"),
        "{e}"
    );
    assert!(
        !curl(srv.port).status.success(),
        "curl still trusts after uninstall"
    );
    assert_eq!(
        sha256_file(bundle),
        before,
        "the bundle differs from before install"
    );
    assert_eq!(
        std::fs::read_dir("/etc/ssl/certs").unwrap().count(),
        links_before,
        "links were left behind"
    );
    let (status, _) = kc(home, 0, &["trust", "status", p(&d), "--system"]);
    assert!(status.contains("not trusted"), "{status}");
}

const JAVA_CLIENT: &str = r#"
public class Get {
    public static void main(String[] args) throws Exception {
        var c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(args[0]).openConnection();
        c.setConnectTimeout(10000);
        c.setReadTimeout(10000);
        try {
            System.out.println("status " + c.getResponseCode());
        } catch (javax.net.ssl.SSLException e) {
            System.out.println("refused: " + e);
            System.exit(3);
        }
    }
}
"#;

#[test]
fn java_install_makes_the_jvm_trust_the_server_and_uninstall_restores_cacerts() {
    if !have(&["java", "openssl"]) {
        return;
    }
    let Some(ns) = private_namespace(
        "java_install_makes_the_jvm_trust_the_server_and_uninstall_restores_cacerts",
    ) else {
        return;
    };
    let home = &ns.home;
    let cacerts = jdk_cacerts().expect("the JDK's cacerts");
    let before = std::fs::read(&cacerts).unwrap();
    let d = pki(&ns.work, &[]);
    let client = ns.work.join("Get.java");
    std::fs::write(&client, JAVA_CLIENT).unwrap();
    let srv = s_server(
        &d.join("server.crt"),
        &d.join("server.key"),
        &d.join("intermediate-ca/ca.crt"),
        &ns.work,
    );
    let url = format!("https://localhost:{}/", srv.port);
    let java = || {
        Command::new("java")
            .env("HOME", home)
            .arg(&client)
            .arg(&url)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let j = java();
    assert_eq!(j.status.code(), Some(3), "{:?}", out_text(&j));

    let (_, e) = kc(home, 0, &["trust", "install", p(&d), "--java", "--yes"]);
    assert!(
        e.contains("added 'keychest-") && (e.contains("(jks)") || e.contains("(pkcs12)")),
        "{e}"
    );
    let j = java();
    assert!(
        j.status.success() && out_text(&j).0.contains("status 200"),
        "{:?}",
        out_text(&j)
    );
    // keytool sees a trusted entry.
    let list = peer(
        "keytool",
        &["-list", "-keystore", p(&cacerts), "-storepass", "changeit"],
    );
    assert!(
        list.contains("keychest-") && list.contains("trustedCertEntry"),
        "{list}"
    );

    kc(home, 0, &["trust", "uninstall", p(&d), "--java", "--yes"]);
    assert_eq!(
        java().status.code(),
        Some(3),
        "the JVM still trusts after uninstall"
    );
    assert!(
        std::fs::read(&cacerts).unwrap() == before,
        "cacerts differs from before install"
    );
    // A wrong password changes nothing and says so.
    let (_, e) = kc(
        home,
        1,
        &[
            "trust",
            "install",
            p(&d),
            "--java",
            "--cacerts-pass",
            "pass:wrong",
            "--yes",
        ],
    );
    assert!(e.contains("changeit"), "{e}");
    assert!(std::fs::read(&cacerts).unwrap() == before);
}

fn chromium(home: &Path, user_data: &Path, url: &str) -> Output {
    Command::new("chromium")
        .env("HOME", home)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", p(user_data)))
        .args(["--timeout=20000", "--dump-dom", url])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn nss_install_makes_chromium_load_the_page_and_refuse_a_leaf_outside_the_constraints() {
    if !have(&["certutil", "chromium", "openssl"]) {
        return;
    }
    let Some(ns) = private_namespace(
        "nss_install_makes_chromium_load_the_page_and_refuse_a_leaf_outside_the_constraints",
    ) else {
        return;
    };
    let home = &ns.home;
    let d = pki(&ns.work, &[]);
    let chain = d.join("intermediate-ca/ca.crt");
    let srv = s_server(
        &d.join("server.crt"),
        &d.join("server.key"),
        &chain,
        &ns.work,
    );
    let url = format!("https://localhost:{}/", srv.port);
    const PAGE: &str = "Ciphers supported in s_server binary";
    let c = chromium(home, &ns.work.join("ud0"), &url);
    assert!(
        !out_text(&c).0.contains(PAGE),
        "Chromium loaded the page untrusted"
    );

    let (_, e) = kc(home, 0, &["trust", "install", p(&d), "--nss", "--yes"]);
    assert!(e.contains(".pki/nssdb"), "{e}");
    let db = format!("sql:{}", p(&home.join(".pki/nssdb")));
    let listed = peer("certutil", &["-L", "-d", &db]);
    assert!(listed.contains("keychest-"), "{listed}");
    let c = chromium(home, &ns.work.join("ud1"), &url);
    assert!(
        out_text(&c).0.contains(PAGE),
        "Chromium: {:?}",
        out_text(&c)
    );

    // A leaf signed with the CA key for a name outside the constraints (and localhost)
    // is refused; the same signing path for names inside is accepted.
    drop(srv);
    let (inside, inside_key) = openssl_leaf(&d, "inside", "DNS:localhost");
    let srv = s_server(&inside, &inside_key, &chain, &ns.work);
    let c = chromium(
        home,
        &ns.work.join("ud2"),
        &format!("https://localhost:{}/", srv.port),
    );
    assert!(
        out_text(&c).0.contains(PAGE),
        "Chromium: {:?}",
        out_text(&c)
    );
    drop(srv);
    let (outside, outside_key) = openssl_leaf(&d, "outside", "DNS:localhost,DNS:example.com");
    let srv = s_server(&outside, &outside_key, &chain, &ns.work);
    let c = chromium(
        home,
        &ns.work.join("ud3"),
        &format!("https://localhost:{}/", srv.port),
    );
    let (o, e) = out_text(&c);
    assert!(
        !o.contains(PAGE),
        "Chromium loaded a leaf outside the constraints"
    );
    assert!(e.contains("ERR_CERT"), "{e}");
    drop(srv);

    kc(home, 0, &["trust", "uninstall", p(&d), "--nss", "--yes"]);
    let listed = peer("certutil", &["-L", "-d", &db]);
    assert!(!listed.contains("keychest-"), "{listed}");
}

// ---------------------------------------------------------------------------------------
// The confirmation prompt, on a real terminal (tmux), with an NSS database given by path

/// Runs `trust install` on a tmux terminal, answers `key` to the prompt; returns the exit
/// line and the screen.
fn install_on_terminal(home: &Path, pki: &Path, db: &Path, key: &str) -> (String, String) {
    let exit_file = home.join(format!("exit-{key}"));
    let cmd = format!(
        "HOME={} {} trust install {} --nssdb {}; echo EXIT=$? > {}; sleep 30",
        shell_quote(p(home)),
        shell_quote(env!("CARGO_BIN_EXE_keychest")),
        shell_quote(p(pki)),
        shell_quote(p(db)),
        shell_quote(p(&exit_file)),
    );
    let tmux = Tmux::start(&cmd, 250, 50);
    // Waits up to 20 s without failing: the checks below say what did not happen.
    let wait = |what: &dyn Fn() -> bool| poll(Duration::from_secs(20), || what().then_some(()));
    wait(&|| tmux.screen().contains("Make these changes?"));
    let asked = tmux.screen();
    tmux.run(&["send-keys", key]);
    wait(&|| exit_file.exists());
    std::thread::sleep(Duration::from_millis(200));
    let screen = tmux.screen();
    drop(tmux);
    let exit = std::fs::read_to_string(&exit_file).unwrap_or_default();
    assert!(
        asked.contains("run certutil -A"),
        "the changes were not listed before the prompt: {asked}"
    );
    (exit.trim().to_string(), screen)
}

#[test]
fn trust_install_asks_on_a_terminal_and_needs_certutil_for_nss() {
    if !have(&["tmux", "certutil"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &[]);
    let db = home.join("db");
    let (exit, screen) = install_on_terminal(home, &d, &db, "n");
    assert_eq!(exit, "EXIT=1", "{screen}");
    assert!(screen.contains("not confirmed"), "{screen}");
    assert!(!db.exists(), "a declined install created the database");
    let (exit, screen) = install_on_terminal(home, &d, &db, "y");
    assert_eq!(exit, "EXIT=0", "{screen}");
    let listed = peer("certutil", &["-L", "-d", &format!("sql:{}", p(&db))]);
    assert!(listed.contains("keychest-"), "{listed}");

    // Without certutil, --nss says which package provides it.
    let out = common::keychest()
        .env("HOME", home)
        .env("PATH", "/nonexistent")
        .args(["trust", "install", p(&d), "--nss", "--yes"])
        .output()
        .unwrap();
    let (_, e) = out_text(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("certutil is not installed") && e.contains("libnss3-tools"),
        "{e}"
    );
}

/// `trust install|uninstall` into a cacerts given with `--cacerts` (a file of the test's
/// own: no system store changes) rewrite it as every store edit does: the file keeps its
/// mode, group and (as root) owner, a change waits for the store's lock and fails clearly
/// without writing, and content keychest cannot keep is refused by name, the file untouched.
#[test]
fn trust_java_rewrites_cacerts_under_its_lock_keeping_identity_and_content() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !have(&["keytool", "openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let d = pki(home, &[]);
    let cacerts = home.join("cacerts");
    peer(
        "keytool",
        &[
            "-importcert",
            "-noprompt",
            "-alias",
            "theirs",
            "-file",
            p(&d.join("intermediate-ca/ca.crt")),
            "-keystore",
            p(&cacerts),
            "-storetype",
            "JKS",
            "-storepass",
            "changeit",
        ],
    );
    std::fs::set_permissions(&cacerts, std::fs::Permissions::from_mode(0o640)).unwrap();
    if unsafe_is_root() {
        std::os::unix::fs::chown(&cacerts, Some(65534), Some(65534)).unwrap();
    }
    let identity = |path: &Path| {
        let m = std::fs::metadata(path).unwrap();
        (m.mode() & 0o7777, m.uid(), m.gid())
    };
    let was = identity(&cacerts);
    let before = std::fs::read(&cacerts).unwrap();
    let args = |verb| vec!["trust", verb, p(&d), "--cacerts", p(&cacerts), "--yes"];

    let (_, e) = kc(home, 0, &args("install"));
    assert!(e.contains("added 'keychest-") && e.contains("(jks)"), "{e}");
    assert_eq!(identity(&cacerts), was, "install changed mode or owner");
    let list = peer(
        "keytool",
        &["-list", "-keystore", p(&cacerts), "-storepass", "changeit"],
    );
    assert!(
        list.contains("keychest-") && list.contains("theirs"),
        "{list}"
    );

    // Another keychest changing the store: the uninstall waits, then fails, writing nothing.
    let installed = std::fs::read(&cacerts).unwrap();
    {
        let _held = keychest::fsio::lock_exclusive(&cacerts, Duration::from_secs(1)).unwrap();
        let out = common::keychest()
            .env("HOME", home)
            .env("KEYCHEST_LOCK_WAIT", "0.3")
            .args(args("uninstall"))
            .output()
            .unwrap();
        let (_, e) = out_text(&out);
        assert_eq!(out.status.code(), Some(1), "{e}");
        assert!(e.contains("is being changed by another keychest"), "{e}");
        assert!(
            std::fs::read(&cacerts).unwrap() == installed,
            "wrote under a held lock"
        );
    }
    kc(home, 0, &args("uninstall"));
    assert!(
        std::fs::read(&cacerts).unwrap() == before,
        "cacerts differs from before install"
    );
    assert_eq!(identity(&cacerts), was, "uninstall changed mode or owner");

    // A PKCS#12 cacerts holding Microsoft's CSP-name attribute (`-CSP`), which keychest does
    // not model: a rewrite would drop it, so the install is refused, naming it.
    let (key, crt, p12) = (home.join("k.pem"), home.join("c.pem"), home.join("csp.p12"));
    peer(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            p(&key),
            "-out",
            p(&crt),
            "-subj",
            "/CN=csp",
            "-days",
            "1",
        ],
    );
    peer(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-inkey",
            p(&key),
            "-in",
            p(&crt),
            "-passout",
            "pass:changeit",
            "-CSP",
            "Test CSP",
            "-out",
            p(&p12),
        ],
    );
    let before = std::fs::read(&p12).unwrap();
    let (_, e) = kc(
        home,
        1,
        &["trust", "install", p(&d), "--cacerts", p(&p12), "--yes"],
    );
    assert!(
        e.contains("cannot keep (bag attribute 1.3.6.1.4.1.311.17.1)"),
        "{e}"
    );
    assert!(
        std::fs::read(&p12).unwrap() == before,
        "csp.p12 was written"
    );
}
