//! `keychest pki new`: the files it writes, checked with openssl and keytool, and a real
//! mutual-TLS handshake against a Java server that loads its PKCS#12 stores.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn pki_new_writes_every_file_and_refuses_to_clobber() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let out = ok(&[
        "pki",
        "new",
        p(&pki),
        "--client",
        "alice",
        "--client",
        "bob",
    ]);
    assert!(
        out.contains("curl --cacert") && out.contains("-Djavax.net.ssl.trustStore"),
        "{out}"
    );
    for f in [
        "server.p12",
        "alice.p12",
        "bob.p12",
        "truststore.p12",
        "server.crt",
        "ca-bundle.pem",
    ] {
        assert!(pki.join(f).exists(), "{f}");
    }
    for f in [
        "server.key",
        "alice.key",
        "bob.key",
        "password.txt",
        "root-ca/ca.key",
    ] {
        assert_eq!(mode(&pki.join(f)), 0o600, "{f}");
    }
    let bundle = p(&pki.join("ca-bundle.pem")).to_string();
    let server = p(&pki.join("server.crt")).to_string();
    peer(
        "openssl",
        &[
            "verify",
            "-purpose",
            "sslserver",
            "-CAfile",
            &bundle,
            "-untrusted",
            &server,
            &server,
        ],
    );
    let alice = p(&pki.join("alice.crt")).to_string();
    peer(
        "openssl",
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            &bundle,
            "-untrusted",
            &alice,
            &alice,
        ],
    );
    let text = peer(
        "openssl",
        &["x509", "-in", &server, "-noout", "-ext", "subjectAltName"],
    );
    assert!(
        text.contains("DNS:localhost")
            && text.contains("IP Address:127.0.0.1")
            && text.contains("IP Address:0:0:0:0:0:0:0:1"),
        "{text}"
    );
    // A second run changes nothing without --force.
    let before = std::fs::read(pki.join("server.p12")).unwrap();
    let err = fails(&["pki", "new", p(&pki)], 1);
    assert!(err.contains("already"), "{err}");
    assert_eq!(std::fs::read(pki.join("server.p12")).unwrap(), before);
    // More certificates from the same CA, with the password pki new wrote.
    // With a generated password the CA keys are plain 0600 PKCS#8 (the password sits beside
    // them); with --pass they are encrypted with it.
    let ca_key = std::fs::read_to_string(pki.join("intermediate-ca/ca.key")).unwrap();
    assert!(
        ca_key.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{ca_key}"
    );
    let pw = format!("file:{}", p(&pki.join("password.txt")));
    ok(&[
        "ca",
        "issue",
        p(&pki.join("intermediate-ca")),
        "extra.localhost",
        "--out-dir",
        p(dir.path()),
        "--pass",
        &pw,
    ]);
}

#[test]
fn keytool_lists_pki_new_stores() {
    if !have(&["keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    ok(&["pki", "new", p(&pki), "--jks", "--pass", "pass:changeit"]);
    let ca_key = std::fs::read_to_string(pki.join("root-ca/ca.key")).unwrap();
    assert!(
        ca_key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "a chosen password encrypts the CA keys"
    );
    for (store, kind, len) in [
        ("server.p12", "PrivateKeyEntry", Some(3)),
        ("client.jks", "PrivateKeyEntry", Some(3)),
        ("truststore.p12", "trustedCertEntry", None),
        ("truststore.jks", "trustedCertEntry", None),
    ] {
        let out = peer(
            "keytool",
            &[
                "-list",
                "-v",
                "-keystore",
                p(&pki.join(store)),
                "-storepass",
                "changeit",
            ],
        );
        assert!(
            out.contains("Your keystore contains 1 entry"),
            "{store}: {out}"
        );
        assert!(out.contains(kind), "{store}: {out}");
        if let Some(n) = len {
            assert!(
                out.contains(&format!("Certificate chain length: {n}")),
                "{store}: {out}"
            );
        }
    }
}

/// A child process killed when the test ends, even by a panic.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the Java test server on `keystore`/`truststore`; returns it and its port.
fn java_server(
    dir: &std::path::Path,
    keystore: &str,
    truststore: &str,
    pw: &str,
    conns: u32,
) -> (KillOnDrop, u16, BufReader<std::process::ChildStdout>) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/TlsServer.java");
    peer("javac", &["-d", p(dir), p(&src)]);
    let mut child = Command::new("java")
        .args([
            "-cp",
            p(dir),
            "TlsServer",
            keystore,
            truststore,
            pw,
            &conns.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start java");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .expect("server port")
        .parse()
        .unwrap();
    (KillOnDrop(child), port, out)
}

#[test]
fn java_server_accepts_pki_new_client_over_mutual_tls() {
    if !have(&["java", "javac", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    ok(&["pki", "new", p(&pki)]);
    let pw = std::fs::read_to_string(pki.join("password.txt"))
        .unwrap()
        .trim()
        .to_string();
    let (_server, port, mut server_out) = java_server(
        dir.path(),
        p(&pki.join("server.p12")),
        p(&pki.join("truststore.p12")),
        &pw,
        2,
    );
    // openssl with the PEM files exchanges data both ways.
    let client = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
            "-CAfile",
            p(&pki.join("ca-bundle.pem")),
            "-verify_return_error",
            // -cert sends only the leaf; -cert_chain adds the intermediate the server needs.
            "-cert",
            p(&pki.join("client.crt")),
            "-cert_chain",
            p(&pki.join("client.crt")),
            "-key",
            p(&pki.join("client.key")),
            "-quiet",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut client = KillOnDrop(client);
    let client = &mut client.0;
    let mut reply = String::new();
    BufReader::new(client.stdout.take().unwrap())
        .read_line(&mut reply)
        .unwrap();
    assert_eq!(reply.trim(), "hello CN=client", "server greeting");
    client
        .stdin
        .take()
        .unwrap()
        .write_all(b"ping from openssl\n")
        .unwrap();
    let _ = client.wait();
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.contains("READ ping from openssl") && Instant::now() < deadline {
        let mut l = String::new();
        if server_out.read_line(&mut l).unwrap() == 0 {
            break;
        }
        seen.push_str(&l);
    }
    assert!(seen.contains("CLIENT CN=client"), "{seen}");
    assert!(seen.contains("READ ping from openssl"), "{seen}");
    // keychest connect with the PKCS#12 client store completes the same handshake.
    let out = run(&[
        "connect",
        &format!("127.0.0.1:{port}"),
        "--servername",
        "localhost",
        "--truststore",
        p(&pki.join("truststore.p12")),
        "--truststore-pass",
        &format!("pass:{pw}"),
        "--store",
        p(&pki.join("client.p12")),
        "--pass",
        &format!("pass:{pw}"),
        "--timeout",
        "20",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verification:  trusted") && stdout.contains("client cert:   client"),
        "{stdout}"
    );
}
