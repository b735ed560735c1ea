//! End-to-end tests of `keychest ca`: the built binary, checked with real peers (openssl 3,
//! JDK keytool). A missing peer fails a test (see `tests/common/peers.rs`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use keychest::pki::{cert, signed};

mod common;

use common::server::free_port;
use common::x509::openssl_csr;
use common::{chmod, ok_in, text};

const KC: &str = env!("CARGO_BIN_EXE_keychest");

fn run(dir: &Path, prog: &str, args: &[&str]) -> Output {
    Command::new(prog)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"))
}

/// Runs keychest in `dir` and asserts success.
fn kc(dir: &Path, args: &[&str]) -> Output {
    let o = run(dir, KC, args);
    assert!(o.status.success(), "keychest {args:?} failed: {}", text(&o));
    o
}

/// Runs keychest in `dir` and asserts failure with a one-line error containing `want`.
fn kc_fails(dir: &Path, args: &[&str], want: &str) -> Output {
    let o = run(dir, KC, args);
    assert!(
        !o.status.success(),
        "keychest {args:?} succeeded: {}",
        text(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("keychest: error:"))
        .unwrap_or_else(|| panic!("no error line: {}", text(&o)));
    assert!(line.contains(want), "error {line:?} lacks {want:?}");
    o
}

fn pem_der(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    keychest::pem::parse_all(&bytes).unwrap().remove(0).der
}

/// Root + intermediate CA of `kind` in `dir/root` and `dir/inter`.
fn make_cas(dir: &Path, kind: &str) {
    kc(
        dir,
        &[
            "ca",
            "init",
            "root",
            "--subject",
            "CN=Test Root,O=Keychest Tests",
            "--type",
            kind,
        ],
    );
    kc(
        dir,
        &[
            "ca",
            "init",
            "inter",
            "--subject",
            "CN=Test Issuing CA",
            "--type",
            kind,
            "--parent",
            "root",
        ],
    );
}

fn verify(dir: &Path, purpose: Option<&str>, leaf: &str) {
    let mut args = vec![
        "verify",
        "-CAfile",
        "root/root.crt",
        "-untrusted",
        "inter/chain.pem",
    ];
    if let Some(p) = purpose {
        args.extend(["-purpose", p]);
    }
    args.push(leaf);
    let o = ok_in(dir, "openssl", &args);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(": OK"),
        "{}",
        text(&o)
    );
}

#[test]
fn every_profile_verifies_for_rsa_ec_and_ed25519_cas() {
    if !common::have(&["openssl", "keytool"]) {
        return;
    }
    let mut all_certs = String::new();
    let mut count = 0;
    for kind in ["ec:p256", "rsa:2048", "ed25519", "ec:p384"] {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        make_cas(d, kind);
        kc(
            d,
            &["ca", "issue", "inter", "server.test", "--out-dir", "."],
        );
        kc(
            d,
            &["ca", "issue", "inter", "client.test", "--profile", "client"],
        );
        kc(
            d,
            &[
                "ca",
                "issue",
                "inter",
                "both.test",
                "10.1.2.3",
                "--profile",
                "server-client",
            ],
        );
        verify(d, Some("sslserver"), "server.test.crt");
        verify(d, Some("sslclient"), "client.test.crt");
        verify(d, Some("sslserver"), "both.test.crt");
        verify(d, Some("sslclient"), "both.test.crt");
        // The wrong purpose is refused: profiles really restrict.
        let o = run(
            d,
            "openssl",
            &[
                "verify",
                "-CAfile",
                "root/root.crt",
                "-untrusted",
                "inter/chain.pem",
                "-purpose",
                "sslserver",
                "client.test.crt",
            ],
        );
        assert!(
            !o.status.success(),
            "client cert passed as server: {}",
            text(&o)
        );
        // A sub-CA through `ca sign --profile ca`, and a leaf under it.
        openssl_csr(&d.join("sub.key"), &d.join("sub.csr"), "/CN=Sub CA", &[]);
        // The intermediate has pathLen 0: it must refuse to make a CA.
        kc_fails(
            d,
            &["ca", "sign", "inter", "--csr", "sub.csr", "--profile", "ca"],
            "path length",
        );
        kc(
            d,
            &[
                "ca",
                "sign",
                "root",
                "--csr",
                "sub.csr",
                "--profile",
                "ca",
                "--out",
                "sub.crt",
            ],
        );
        let o = ok_in(d, "openssl", &["x509", "-in", "sub.crt", "-noout", "-text"]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(s.contains("CA:TRUE, pathlen:0"), "{s}");
        ok_in(
            d,
            "openssl",
            &["verify", "-CAfile", "root/root.crt", "sub.crt"],
        );
        let o = ok_in(
            d,
            "openssl",
            &["x509", "-in", "root/ca.crt", "-noout", "-text"],
        );
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.contains("CA:TRUE") && s.contains("Certificate Sign, CRL Sign"),
            "{s}"
        );
        let expect_alg = match kind {
            "rsa:2048" => "sha256WithRSAEncryption",
            "ec:p256" => "ecdsa-with-SHA256",
            "ec:p384" => "ecdsa-with-SHA384",
            _ => "ED25519",
        };
        assert!(
            s.contains(&format!("Signature Algorithm: {expect_alg}")),
            "{s}"
        );
        for f in [
            "root/ca.crt",
            "inter/ca.crt",
            "server.test.crt",
            "client.test.crt",
            "both.test.crt",
            "sub.crt",
        ] {
            all_certs.push_str(&keychest::pem::encode("CERTIFICATE", &pem_der(&d.join(f))));
            count += 1;
        }
    }
    // keytool reads every kind of certificate (one JVM for all of them).
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("all.pem"), all_certs).unwrap();
    let o = ok_in(t.path(), "keytool", &["-printcert", "-file", "all.pem"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.matches("Owner:").count(), count, "{s}");
}

/// Kills the child when dropped.
struct Reap(Child);
impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `openssl s_server` and waits until it accepts; returns it and its output reader.
fn s_server(dir: &Path, port: u16, extra: &[&str]) -> (Reap, std::sync::mpsc::Receiver<String>) {
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_server",
        "-accept",
        &accept,
        "-naccept",
        "1",
        "-cert",
        "server.test.crt",
        "-cert_chain",
        "inter/chain.pem",
        "-key",
        "server.test.key",
    ];
    args.extend(extra);
    let mut child = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        // s_server quits on stdin EOF: keep stdin open.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for out in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let reap = Reap(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("s_server did not start");
        if line.contains("ACCEPT") {
            break;
        }
    }
    (reap, rx)
}

/// Everything the server printed until it exits (or 10 s).
/// What s_server printed, until both its pipes close (it exits after `-naccept 1`) or 10 s.
/// Its stdout and stderr are read by two threads, so "CONNECTION CLOSED" (stdout) can arrive
/// before the verify lines (stderr): after it, keep reading for up to 2 s more.
fn drain(rx: &std::sync::mpsc::Receiver<String>) -> String {
    let mut out = String::new();
    let mut deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(l) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        out.push_str(&l);
        out.push('\n');
        if l.contains("CONNECTION CLOSED") || l.contains("ERROR") {
            deadline = deadline.min(Instant::now() + Duration::from_secs(2));
        }
    }
    out
}

#[test]
fn tls_handshake_with_server_and_client_certificates() {
    if !common::have(&["openssl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p256");
    kc(d, &["ca", "issue", "inter", "server.test", "127.0.0.1"]);
    kc(
        d,
        &[
            "ca",
            "issue",
            "inter",
            "alice@client.test",
            "--profile",
            "client",
        ],
    );

    // Server authentication.
    let port = free_port();
    let (server, rx) = s_server(d, port, &[]);
    let connect = format!("127.0.0.1:{port}");
    let o = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &connect,
            "-verify_return_error",
            "-CAfile",
            "root/root.crt",
            "-verify_hostname",
            "server.test",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Verify return code: 0 (ok)"),
        "{}",
        text(&o)
    );
    drop(server);
    let _ = drain(&rx);

    // Client authentication: the server requires and verifies a client certificate.
    let port = free_port();
    let (server, rx) = s_server(
        d,
        port,
        &[
            "-Verify",
            "1",
            "-CAfile",
            "root/root.crt",
            "-verify_return_error",
        ],
    );
    let connect = format!("127.0.0.1:{port}");
    let o = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &connect,
            "-verify_return_error",
            "-CAfile",
            "root/root.crt",
            "-cert",
            "alice@client.test.crt",
            "-key",
            "alice@client.test.key",
            "-cert_chain",
            "inter/chain.pem",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let log = drain(&rx);
    drop(server);
    assert!(log.contains("depth=0 CN = alice@client.test"), "{log}");
    assert!(
        log.contains("BEGIN SSL SESSION PARAMETERS"),
        "server did not complete: {log}"
    );
    assert!(!log.contains("ERROR"), "{log}");
}

/// The raw subject and SPKI of a DER CSR.
fn csr_parts(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let elems = signed::sequence_elements(signed::tbs_bytes(der).unwrap()).unwrap();
    (elems[1].to_vec(), elems[2].to_vec())
}

fn read_pem_or_der(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if keychest::pem::looks_like_pem(&bytes) {
        keychest::pem::parse_all(&bytes).unwrap().remove(0).der
    } else {
        bytes
    }
}

#[test]
fn signs_real_world_csrs() {
    if !common::have(&["openssl", "keytool"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p384");
    let req = |name: &str, newkey: &[&str], extra: &[&str]| {
        let key = format!("{name}.key");
        let out = format!("{name}.csr");
        let subj = format!("/CN={name}.test");
        let mut args = vec![
            "req", "-new", "-nodes", "-keyout", &key, "-subj", &subj, "-out", &out,
        ];
        args.extend(newkey);
        args.extend(extra);
        ok_in(d, "openssl", &args);
    };
    req("rsa", &["-newkey", "rsa:2048"], &[]);
    req(
        "p256",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &["-addext", "subjectAltName=DNS:p256.test,IP:10.0.0.1"],
    );
    req(
        "p384",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        &["-sha256"],
    );
    req(
        "p521",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"],
        &[],
    );
    req("ed25519", &["-newkey", "ed25519"], &[]);
    req(
        "pss",
        &["-newkey", "rsa:2048"],
        &["-sigopt", "rsa_padding_mode:pss", "-sha256"],
    );
    ok_in(
        d,
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "RSA-PSS",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "psskey.key",
        ],
    );
    ok_in(
        d,
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            "psskey.key",
            "-subj",
            "/CN=psskey.test",
            "-out",
            "psskey.csr",
        ],
    );
    req(
        "unknown",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[
            "-addext",
            "1.3.6.1.4.1.99999.1=ASN1:UTF8String:custom",
            "-addext",
            "extendedKeyUsage=codeSigning,1.3.6.1.4.1.99999.2",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "subjectAltName=DNS:unknown.test",
        ],
    );
    for (alias, alg) in [
        ("kt-rsa", &["-keyalg", "RSA", "-keysize", "2048"][..]),
        ("kt-ec", &["-keyalg", "EC", "-groupname", "secp256r1"][..]),
    ] {
        let dname = format!("CN={alias}.test, O=Keytool");
        let mut args = vec![
            "-genkeypair",
            "-alias",
            alias,
            "-dname",
            &dname,
            "-keystore",
            "kt.p12",
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
            "-ext",
            "SAN=dns:kt.test",
        ];
        args.extend(alg);
        ok_in(d, "keytool", &args);
        let file = format!("{alias}.csr");
        ok_in(
            d,
            "keytool",
            &[
                "-certreq",
                "-alias",
                alias,
                "-keystore",
                "kt.p12",
                "-storepass",
                "changeit",
                "-file",
                &file,
                "-ext",
                "SAN=dns:kt.test",
            ],
        );
    }
    let ca_subject = {
        let der = pem_der(&d.join("inter/ca.crt"));
        signed::cert_issuer_subject(&der).unwrap().1.to_vec()
    };
    for name in [
        "rsa", "p256", "p384", "p521", "ed25519", "pss", "psskey", "unknown", "kt-rsa", "kt-ec",
    ] {
        let csr = format!("{name}.csr");
        let out = format!("{name}.crt");
        let o = kc(
            d,
            &[
                "ca",
                "sign",
                "inter",
                "--csr",
                &csr,
                "--out",
                &out,
                "--profile",
                "server-client",
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        if name == "unknown" {
            assert!(
                err.contains("ignored extensions") && err.contains("1.3.6.1.4.1.99999.1"),
                "{err}"
            );
        }
        if name.starts_with("kt-") {
            assert!(err.contains("subjectKeyIdentifier"), "{err}");
        }
        verify(d, Some("sslserver"), &out);
        let cert_der = pem_der(&d.join(&out));
        let (subject, spki) = csr_parts(&read_pem_or_der(&d.join(&csr)));
        assert_eq!(
            cert::cert_spki(&cert_der).unwrap(),
            &spki[..],
            "{name}: SPKI differs"
        );
        let (issuer, cert_subject) = signed::cert_issuer_subject(&cert_der).unwrap();
        assert_eq!(issuer, &ca_subject[..], "{name}: issuer differs");
        assert_eq!(cert_subject, &subject[..], "{name}: subject differs");
        if name == "unknown" {
            let o = ok_in(d, "openssl", &["x509", "-in", &out, "-noout", "-text"]);
            let s = String::from_utf8_lossy(&o.stdout);
            assert!(
                s.contains("CA:FALSE") && !s.contains("Code Signing") && !s.contains("99999"),
                "{s}"
            );
            assert!(s.contains("DNS:unknown.test"), "{s}");
        }
    }
    // The keytool certificate imports back into its keystore as the key's chain.
    let mut chain = std::fs::read_to_string(d.join("kt-ec.crt")).unwrap();
    chain.push_str(&std::fs::read_to_string(d.join("inter/chain.pem")).unwrap());
    chain.push_str(&std::fs::read_to_string(d.join("root/root.crt")).unwrap());
    std::fs::write(d.join("kt-ec-chain.pem"), chain).unwrap();
    ok_in(
        d,
        "keytool",
        &[
            "-importcert",
            "-noprompt",
            "-trustcacerts",
            "-alias",
            "kt-ec",
            "-keystore",
            "kt.p12",
            "-storepass",
            "changeit",
            "-file",
            "kt-ec-chain.pem",
        ],
    );
}

#[test]
fn revocation_and_crls() {
    if !common::have(&["openssl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p256");
    kc(d, &["ca", "issue", "inter", "good.test"]);
    kc(d, &["ca", "issue", "inter", "bad.test"]);
    kc(
        d,
        &[
            "ca",
            "revoke",
            "inter",
            "--cert",
            "bad.test.crt",
            "--reason",
            "keyCompromise",
        ],
    );
    kc_fails(
        d,
        &["ca", "revoke", "inter", "--cert", "bad.test.crt"],
        "already revoked",
    );
    kc_fails(
        d,
        &["ca", "revoke", "inter", "--cert", "inter/ca.crt"],
        "not issued by this CA",
    );
    kc_fails(
        d,
        &["ca", "revoke", "inter", "0123abcd"],
        "no certificate with serial",
    );
    kc(d, &["ca", "crl", "inter", "--out", "one.crl"]);
    ok_in(
        d,
        "openssl",
        &[
            "crl",
            "-in",
            "one.crl",
            "-CAfile",
            "inter/ca.crt",
            "-noout",
            "-verify",
        ],
    );
    let full: String = ["root/root.crt", "inter/ca.crt"]
        .iter()
        .map(|f| std::fs::read_to_string(d.join(f)).unwrap())
        .collect();
    std::fs::write(d.join("trust.pem"), full).unwrap();
    ok_in(
        d,
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "trust.pem",
            "-CRLfile",
            "one.crl",
            "good.test.crt",
        ],
    );
    let o = run(
        d,
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "trust.pem",
            "-CRLfile",
            "one.crl",
            "bad.test.crt",
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("certificate revoked")
            || String::from_utf8_lossy(&o.stderr).contains("certificate revoked"),
        "{}",
        text(&o)
    );
    let o = ok_in(d, "openssl", &["crl", "-in", "one.crl", "-noout", "-text"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("Version 2")
            && s.contains("Key Compromise")
            && s.contains("Authority Key Identifier"),
        "{s}"
    );
    // The serial as openssl prints it revokes too; the CRL number increments.
    let o = ok_in(
        d,
        "openssl",
        &["x509", "-in", "good.test.crt", "-noout", "-serial"],
    );
    let serial = String::from_utf8_lossy(&o.stdout).trim().to_string();
    kc(
        d,
        &["ca", "revoke", "inter", &serial, "--reason", "superseded"],
    );
    let o = kc(d, &["ca", "crl", "inter"]);
    std::fs::write(d.join("two.crl"), &o.stdout).unwrap();
    let o = ok_in(
        d,
        "openssl",
        &["crl", "-in", "two.crl", "-noout", "-crlnumber"],
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "crlNumber=0x02");
    let o = ok_in(
        d,
        "openssl",
        &["crl", "-in", "one.crl", "-noout", "-crlnumber"],
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "crlNumber=0x01");
    let o = kc(d, &["ca", "list", "inter", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let statuses: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "revoked"]);
    // Index order is issuance order: good.test first.
    assert_eq!(v[0]["reason"], "superseded");
    assert_eq!(v[1]["reason"], "keyCompromise");
}

#[test]
fn parallel_issuance_keeps_every_record_and_serial() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    kc(d, &["ca", "init", "ca", "--subject", "CN=Busy CA"]);
    let children: Vec<Child> = (0..20)
        .map(|i| {
            Command::new(KC)
                .args(["ca", "issue", "ca", &format!("host{i}.test")])
                .current_dir(d)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    let index = std::fs::read_to_string(d.join("ca/index.tsv")).unwrap();
    let serials: Vec<&str> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(serials.len(), 20, "{index}");
    let mut unique = serials.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "{index}");
    for s in &serials {
        assert_eq!(s.len(), 32);
        assert!(d.join(format!("ca/certs/{s}.pem")).is_file());
    }
}

fn index_bytes(d: &Path) -> Vec<u8> {
    std::fs::read(d.join("inter/index.tsv")).unwrap()
}

#[test]
fn bad_input_fails_cleanly() {
    if !common::have(&["openssl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p256");
    openssl_csr(
        &d.join("x.key"),
        &d.join("x.der"),
        "/CN=x.test",
        &["-outform", "DER"],
    );
    let before = index_bytes(d);

    // A request whose signature is broken.
    let mut der = std::fs::read(d.join("x.der")).unwrap();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    std::fs::write(d.join("broken.der"), &der).unwrap();
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            "broken.der",
            "--out",
            "out.crt",
        ],
        "signature",
    );
    // Garbage instead of a request.
    std::fs::write(d.join("junk.csr"), b"not a request").unwrap();
    kc_fails(
        d,
        &[
            "ca", "sign", "inter", "--csr", "junk.csr", "--out", "out.crt",
        ],
        "malformed",
    );

    // A directory that is not a CA.
    std::fs::create_dir(d.join("empty")).unwrap();
    kc_fails(
        d,
        &["ca", "sign", "empty", "--csr", "x.der", "--out", "out.crt"],
        "is not a CA directory",
    );
    kc_fails(d, &["ca", "list", "nowhere"], "is not a CA directory");

    // ca init refuses an existing CA.
    kc_fails(
        d,
        &["ca", "init", "inter", "--subject", "CN=Again"],
        "already holds a CA",
    );

    // Output files are never overwritten without --force.
    std::fs::write(d.join("taken.crt"), b"keep").unwrap();
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            "x.der",
            "--out",
            "taken.crt",
        ],
        "already exists",
    );
    assert_eq!(std::fs::read(d.join("taken.crt")).unwrap(), b"keep");
    std::fs::write(d.join("taken.test.key"), b"keep").unwrap();
    kc_fails(d, &["ca", "issue", "inter", "taken.test"], "already exists");
    assert!(!d.join("taken.test.crt").exists());
    assert_eq!(index_bytes(d), before);

    // A CA key that does not belong to the CA certificate.
    let key_path = d.join("inter/ca.key");
    let real_key = std::fs::read(&key_path).unwrap();
    std::fs::copy(d.join("x.key"), &key_path).unwrap();
    kc_fails(
        d,
        &["ca", "sign", "inter", "--csr", "x.der", "--out", "out.crt"],
        "does not match the CA certificate",
    );
    std::fs::write(&key_path, &real_key).unwrap();
    assert_eq!(index_bytes(d), before);
    assert!(!d.join("out.crt").exists());

    // A wrong password for an encrypted CA key.
    kc(
        d,
        &[
            "ca",
            "init",
            "locked",
            "--subject",
            "CN=Locked",
            "--pass",
            "pass:right horse",
        ],
    );
    let key = std::fs::read_to_string(d.join("locked/ca.key")).unwrap();
    assert!(key.contains("ENCRYPTED PRIVATE KEY"));
    let locked_before = std::fs::read(d.join("locked/index.tsv")).unwrap();
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "locked",
            "--csr",
            "x.der",
            "--out",
            "out.crt",
            "--pass",
            "pass:wrong",
        ],
        "wrong password",
    );
    assert_eq!(
        std::fs::read(d.join("locked/index.tsv")).unwrap(),
        locked_before
    );
    assert!(!d.join("out.crt").exists());
    kc(
        d,
        &[
            "ca",
            "sign",
            "locked",
            "--csr",
            "x.der",
            "--out",
            "out.crt",
            "--pass",
            "pass:right horse",
        ],
    );

    // An expired CA: created two days ago with one day of validity.
    let past = (common::now() - 2 * 86_400).to_string();
    let o = Command::new(KC)
        .args(["ca", "init", "old", "--subject", "CN=Old", "--days", "1"])
        .env("KEYCHEST_TEST_NOW", &past)
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let old_before = std::fs::read(d.join("old/index.tsv")).unwrap();
    kc_fails(
        d,
        &["ca", "sign", "old", "--csr", "x.der", "--out", "old.crt"],
        "expired",
    );
    kc_fails(d, &["ca", "issue", "old", "x.test"], "expired");
    assert_eq!(std::fs::read(d.join("old/index.tsv")).unwrap(), old_before);
    assert!(!d.join("old.crt").exists() && !d.join("x.test.key").exists());

    // A hand-edited index with a broken line: the error names the line.
    let mut idx = index_bytes(d);
    idx.extend_from_slice(b"zz\tV\tsoon\n");
    std::fs::write(d.join("inter/index.tsv"), &idx).unwrap();
    kc_fails(d, &["ca", "list", "inter"], "index.tsv line 2");
    kc_fails(d, &["ca", "issue", "inter", "y.test"], "index.tsv line 2");
    assert!(!d.join("y.test.crt").exists());
}

#[test]
fn leaf_validity_is_clamped_to_the_ca() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    kc(
        d,
        &[
            "ca",
            "init",
            "short",
            "--subject",
            "CN=Short",
            "--days",
            "30",
        ],
    );
    let o = kc(d, &["ca", "issue", "short", "a.test", "--days", "365"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("validity clamped"),
        "{}",
        text(&o)
    );
    let ca = x509(d, "short/ca.crt");
    let leaf = x509(d, "a.test.crt");
    assert!(leaf.1 <= ca.1);
    // Without --pass the key is plain and 0600, and the command says so.
    let o = kc(d, &["ca", "init", "plain", "--subject", "CN=Plain"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("NOT encrypted"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.join("plain/ca.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(d.join("a.test.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

/// (notBefore, notAfter) Unix seconds of a PEM certificate.
fn x509(d: &Path, f: &str) -> (u64, u64) {
    use der::Decode;
    let c = x509_cert::Certificate::from_der(&pem_der(&d.join(f))).unwrap();
    let v = c.tbs_certificate().validity();
    (
        v.not_before.to_unix_duration().as_secs(),
        v.not_after.to_unix_duration().as_secs(),
    )
}

#[test]
fn issue_names_files_and_show_understands_ca_directories() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p256");
    std::fs::create_dir(d.join("out")).unwrap();
    kc(
        d,
        &[
            "ca",
            "issue",
            "inter",
            "*.wild.test",
            "wild.test",
            "--out-dir",
            "out",
        ],
    );
    let crt: PathBuf = d.join("out/_wildcard.wild.test.crt");
    let pem = std::fs::read(&crt).unwrap();
    assert_eq!(
        keychest::pem::parse_all(&pem).unwrap().len(),
        2,
        "leaf + intermediate"
    );
    assert!(d.join("out/_wildcard.wild.test.key").is_file());
    let o = kc(d, &["show", "inter"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("Kind:        intermediate") && s.contains("Issued:      1 (0 revoked)"),
        "{s}"
    );
    let o = kc(d, &["show", "root", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ca"]["kind"], "root");
    assert_eq!(
        v["ca"]["issued"], 1,
        "the intermediate is recorded in the root's index"
    );
    assert_eq!(
        v["ca"]["certificate"]["subject"],
        "CN=Test Root,O=Keychest Tests"
    );
}

#[test]
fn csr_overrides_and_cn_fallback() {
    if !common::have(&["openssl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_cas(d, "ec:p256");
    let req = |name: &str, subj: &str, extra: &[&str]| {
        let (key, csr) = (d.join(format!("{name}.key")), d.join(format!("{name}.csr")));
        openssl_csr(&key, &csr, subj, extra);
    };
    let text_of = |f: &str| {
        let o = ok_in(d, "openssl", &["x509", "-in", f, "-noout", "-text"]);
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    // --san and --subject replace what the request asks for.
    req("a", "/CN=a.test", &["-addext", "subjectAltName=DNS:a.test"]);
    let o = kc(
        d,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            "a.csr",
            "--san",
            "dns:b.test,ip:10.9.8.7",
            "--subject",
            "CN=b.test,O=Over",
            "--out",
            "a.crt",
        ],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("replaced by --san"),
        "{}",
        text(&o)
    );
    let s = text_of("a.crt");
    assert!(
        s.contains("DNS:b.test, IP Address:10.9.8.7") && !s.contains("DNS:a.test"),
        "{s}"
    );
    assert!(
        s.contains("Subject: O = Over, CN = b.test")
            || s.contains("Subject: CN = b.test, O = Over"),
        "{s}"
    );
    verify(d, Some("sslserver"), "a.crt");
    // A server request without SAN: the CN becomes the SAN (IP when it is an address).
    req("ip", "/CN=192.0.2.7", &[]);
    kc(
        d,
        &["ca", "sign", "inter", "--csr", "ip.csr", "--out", "ip.crt"],
    );
    assert!(text_of("ip.crt").contains("IP Address:192.0.2.7"));
    // ... and a CN that is no host name is an error for a server, fine for a client.
    req("person", "/CN=Jane Doe", &[]);
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            "person.csr",
            "--out",
            "p.crt",
        ],
        "give --san",
    );
    kc(
        d,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            "person.csr",
            "--profile",
            "client",
            "--out",
            "p.crt",
        ],
    );
    assert!(!text_of("p.crt").contains("Subject Alternative Name"));
    // RSA server keys get keyEncipherment, EC keys do not.
    kc(
        d,
        &["ca", "issue", "inter", "rsa.test", "--type", "rsa:2048"],
    );
    assert!(text_of("rsa.test.crt").contains("Digital Signature, Key Encipherment"));
    assert!(!text_of("a.crt").contains("Key Encipherment"));
}

fn cert_files(ca: &Path) -> usize {
    std::fs::read_dir(ca.join("certs"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn unwritable_outputs_leave_the_ca_untouched() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    kc(d, &["ca", "init", "ca", "--subject", "CN=Edge CA"]);
    kc(d, &["ca", "issue", "ca", "first.test"]);
    kc(d, &["key", "new", "--out", "x.key"]);
    kc(
        d,
        &[
            "csr",
            "new",
            "--key",
            "x.key",
            "--subject",
            "CN=x.test",
            "--out",
            "x.csr",
        ],
    );
    let index = std::fs::read(d.join("ca/index.tsv")).unwrap();
    let config = std::fs::read(d.join("ca/ca.json")).unwrap();
    kc(d, &["ca", "crl", "ca", "--out", "first.crl"]);
    let config_after_crl = std::fs::read(d.join("ca/ca.json")).unwrap();
    assert_ne!(config, config_after_crl, "the CRL number moved");
    let crl_pem = std::fs::read(d.join("ca/crl.pem")).unwrap();
    let certs = cert_files(&d.join("ca"));
    assert_eq!(certs, 1);

    let missing = d.join("no/such/folder");
    let out = missing.join("x.crt");
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "ca",
            "--csr",
            "x.csr",
            "--out",
            out.to_str().unwrap(),
        ],
        "does not exist",
    );
    // A missing --out-dir is created, but not under a file: the CA is left as it was.
    let under_file = d.join("x.key/certs");
    kc_fails(
        d,
        &[
            "ca",
            "issue",
            "ca",
            "y.test",
            "--out-dir",
            under_file.to_str().unwrap(),
        ],
        "cannot create",
    );
    let crl_out = missing.join("x.crl");
    kc_fails(
        d,
        &["ca", "crl", "ca", "--out", crl_out.to_str().unwrap()],
        "does not exist",
    );
    // A folder in place of the output file.
    std::fs::create_dir(d.join("taken.crt")).unwrap();
    kc_fails(
        d,
        &[
            "ca",
            "sign",
            "ca",
            "--csr",
            "x.csr",
            "--out",
            "taken.crt",
            "--force",
        ],
        "is a folder",
    );
    // A read-only output folder (root ignores modes; the probe still refuses a file
    // where one cannot be created, so only check this when not root).
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_err() {
        kc_fails(
            d,
            &["ca", "issue", "ca", "z.test", "--out-dir", "ro"],
            "cannot write",
        );
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();

    assert_eq!(std::fs::read(d.join("ca/index.tsv")).unwrap(), index);
    assert_eq!(
        cert_files(&d.join("ca")),
        certs,
        "no certs/SERIAL.pem added"
    );
    assert_eq!(
        std::fs::read(d.join("ca/ca.json")).unwrap(),
        config_after_crl,
        "no CRL number burnt"
    );
    assert_eq!(std::fs::read(d.join("ca/crl.pem")).unwrap(), crl_pem);
    assert!(!d.join("y.test.key").exists() && !d.join("x.crt").exists());
}

#[test]
fn parallel_issues_of_one_name_record_only_the_winner() {
    use der::Decode;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    kc(d, &["ca", "init", "ca", "--subject", "CN=Race CA"]);
    let children: Vec<Child> = (0..10)
        .map(|_| {
            Command::new(KC)
                .args(["ca", "issue", "ca", "same.test"])
                .current_dir(d)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut won = 0;
    for c in children {
        let o = c.wait_with_output().unwrap();
        if o.status.success() {
            won += 1;
        } else {
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("already exists"),
                "{}",
                text(&o)
            );
        }
    }
    assert_eq!(won, 1);
    let index = std::fs::read_to_string(d.join("ca/index.tsv")).unwrap();
    assert_eq!(index.lines().count(), 2, "one record: {index}");
    assert_eq!(cert_files(&d.join("ca")), 1);
    // The one record is the certificate that was handed out.
    let serial = index.lines().nth(1).unwrap().split('\t').next().unwrap();
    let leaf = pem_der(&d.join("same.test.crt"));
    assert_eq!(
        keychest::pki::name::hex_lower(
            x509_cert::Certificate::from_der(&leaf)
                .unwrap()
                .tbs_certificate()
                .serial_number()
                .as_bytes()
        ),
        serial
    );
}

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn ca_folders_are_private_and_loose_modes_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // A umask that would leave the folder unusable (0500) or open (0777): 0700 regardless.
    for (umask, name) in [("0277", "strict"), ("0000", "open")] {
        let o = Command::new("sh")
            .args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\"")])
            .arg(KC)
            .args(["ca", "init", &format!("{name}/ca"), "--subject", "CN=Modes"])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let ca = d.join(name).join("ca");
        assert_eq!(mode_of(&ca), 0o700, "umask {umask}");
        assert_eq!(mode_of(&ca.join("ca.key")) & 0o077, 0, "umask {umask}");
        let o = Command::new("sh")
            .args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\"")])
            .arg(KC)
            .args([
                "ca",
                "issue",
                &format!("{name}/ca"),
                &format!("{name}.test"),
            ])
            .current_dir(d)
            .output()
            .unwrap();
        if umask == "0000" {
            assert!(o.status.success(), "{}", text(&o));
            assert_eq!(mode_of(&ca.join("certs")), 0o700);
            assert_eq!(mode_of(&ca.join(".lock")), 0o600);
        }
    }

    let ca = d.join("open/ca");
    let ca_s = ca.to_str().unwrap();
    chmod(&ca.join("ca.key"), 0o644);
    let o = kc_fails(
        d,
        &["ca", "issue", ca_s, "n.test"],
        "ca.key is accessible to",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("chmod 600 {ca_s}/ca.key")), "{err}");
    kc_fails(d, &["ca", "list", ca_s], "chmod 600");
    chmod(&ca.join("ca.key"), 0o600);
    chmod(&ca, 0o777);
    let o = kc_fails(d, &["ca", "sign", ca_s, "--csr", "none.csr"], "writable by");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("chmod go-w {ca_s}")),
        "{}",
        text(&o)
    );
    chmod(&ca, 0o755);
    kc(d, &["ca", "list", ca_s]);

    // What `pki new` creates passes the checks.
    kc(d, &["pki", "new", "pki"]);
    for sub in ["root-ca", "intermediate-ca"] {
        let p = d.join("pki").join(sub);
        if p.exists() {
            kc(d, &["ca", "list", p.to_str().unwrap()]);
        }
    }
    kc(
        d,
        &[
            "ca",
            "issue",
            "pki/intermediate-ca",
            "more.test",
            "--out-dir",
            "pki",
        ],
    );
}
