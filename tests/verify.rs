//! `keychest verify` against `openssl verify` on the same inputs: a PKI made by openssl (a
//! root, an intermediate with pathlen:0, a name-constrained intermediate, leaves for each
//! case, a CRL from `openssl ca -gencrl`), and for each case the two verdicts must agree.
//! Expiry is reached by moving the verification time (`--at` / `-attime`), since OpenSSL
//! 3.0's `x509 -req` cannot back-date a certificate.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{fails, now, ok, openssl_self_signed, p, run};

const EXT: &str = "\
[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[int]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[nc]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
nameConstraints=critical,permitted;DNS:good.example,excluded;DNS:bad.good.example
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:www.good.example
authorityKeyIdentifier=keyid
[client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=DNS:client.good.example
authorityKeyIdentifier=keyid
[evil]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:www.evil.example
authorityKeyIdentifier=keyid
[excluded]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:x.bad.good.example
authorityKeyIdentifier=keyid
[cn_only]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
authorityKeyIdentifier=keyid
";

const CA_CNF: &str = "\
[ca]
default_ca = d
[d]
database = index.txt
default_md = sha256
default_crl_days = 30
crl_extensions = crlext
[crlext]
authorityKeyIdentifier=keyid
";

/// The test PKI, in a temporary folder.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(pki.f("ext.cnf"), EXT).unwrap();
        std::fs::write(pki.f("ca.cnf"), CA_CNF).unwrap();
        std::fs::write(pki.f("index.txt"), "").unwrap();
        pki.self_signed("root", "/CN=Test Root");
        pki.self_signed("other-root", "/CN=Other Root");
        pki.issue("int", "/CN=Test Int", "root", "int", 1000);
        pki.issue("nc-int", "/CN=Constrained Int", "root", "nc", 1000);
        pki.issue("server", "/CN=www.good.example", "int", "server", 30);
        pki.issue("client", "/CN=client", "int", "client", 30);
        pki.issue("revoked", "/CN=revoked.good.example", "int", "server", 30);
        pki.issue("sub-int", "/CN=Sub Int", "int", "nc", 30);
        pki.issue("too-deep", "/CN=deep.good.example", "sub-int", "server", 30);
        pki.issue("nc-good", "/CN=www.good.example", "nc-int", "server", 30);
        pki.issue("nc-evil", "/CN=www.good.example", "nc-int", "evil", 30);
        pki.issue(
            "nc-excluded",
            "/CN=www.good.example",
            "nc-int",
            "excluded",
            30,
        );
        pki.issue("nc-cn", "/CN=www.evil.example", "nc-int", "cn_only", 30);
        pki.openssl(&[
            "ca",
            "-config",
            "ca.cnf",
            "-keyfile",
            "int.key",
            "-cert",
            "int.pem",
            "-revoke",
            "revoked.pem",
            "-crl_reason",
            "keyCompromise",
        ]);
        pki.openssl(&[
            "ca", "-config", "ca.cnf", "-keyfile", "int.key", "-cert", "int.pem", "-gencrl",
            "-out", "int.crl",
        ]);
        pki
    }

    fn f(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs openssl in the PKI folder (relative names), asserting success.
    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn key(&self, name: &str) {
        let key = format!("{name}.key");
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ]);
    }

    fn self_signed(&self, name: &str, subject: &str) {
        self.key(name);
        let cnf = self.f("req.cnf");
        let base = std::fs::read_to_string("/etc/ssl/openssl.cnf").unwrap_or_default();
        std::fs::write(&cnf, format!("{base}\n{EXT}")).unwrap();
        self.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-subj",
            subject,
            "-days",
            "3650",
            "-config",
            p(&cnf),
            "-extensions",
            "root",
            "-out",
            &format!("{name}.pem"),
        ]);
    }

    fn issue(&self, name: &str, subject: &str, issuer: &str, ext: &str, days: u32) {
        self.key(name);
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        self.openssl(&["req", "-new", "-key", &key, "-subj", subject, "-out", &csr]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &format!("{issuer}.pem"),
            "-CAkey",
            &format!("{issuer}.key"),
            "-CAcreateserial",
            "-days",
            &days.to_string(),
            "-extfile",
            "ext.cnf",
            "-extensions",
            ext,
            "-out",
            &pem,
        ]);
    }

    /// Concatenates PEM files into `name`.
    fn bundle(&self, name: &str, parts: &[&str]) -> PathBuf {
        let text: String = parts
            .iter()
            .map(|n| std::fs::read_to_string(self.f(n)).unwrap())
            .collect();
        std::fs::write(self.f(name), text).unwrap();
        self.f(name)
    }
}

/// One verification, given to both tools.
#[derive(Default, Clone)]
struct Case<'a> {
    cert: &'a str,
    chain: Option<&'a str>,
    trust: &'a str,
    crl: Option<&'a str>,
    purpose: Option<&'a str>,
    host: Option<&'a str>,
    /// Seconds from now.
    shift: Option<i64>,
}

/// Runs both verifiers; asserts they agree and returns (valid, keychest stdout + stderr).
fn verdicts(pki: &Pki, c: &Case) -> (bool, String) {
    let at = c.shift.map(|s| now() + s);
    let f = |n: &str| pki.f(n).to_str().unwrap().to_string();
    let mut kc: Vec<String> = vec!["verify".into(), f(c.cert), "--trust".into(), f(c.trust)];
    let mut os: Vec<String> = vec!["verify".into(), "-CAfile".into(), f(c.trust)];
    if let Some(ch) = c.chain {
        kc.extend(["--chain".into(), f(ch)]);
        os.extend(["-untrusted".into(), f(ch)]);
    }
    if let Some(crl) = c.crl {
        kc.extend(["--crl".into(), f(crl)]);
        os.extend(["-CRLfile".into(), f(crl), "-crl_check".into()]);
    }
    if let Some(pu) = c.purpose {
        kc.extend(["--purpose".into(), pu.into()]);
        os.extend(["-purpose".into(), format!("ssl{pu}")]);
    }
    if let Some(h) = c.host {
        kc.extend(["--host".into(), h.into()]);
        os.extend(["-verify_hostname".into(), h.into()]);
    }
    if let Some(t) = at {
        kc.extend(["--at".into(), format!("@{t}")]);
        os.extend(["-attime".into(), t.to_string()]);
    }
    os.push(f(c.cert));
    let args: Vec<&str> = kc.iter().map(String::as_str).collect();
    let out = run(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code();
    assert!(
        code == Some(0) || code == Some(8),
        "keychest {args:?}: exit {code:?}: {text}"
    );
    let theirs = Command::new("openssl")
        .args(&os)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl");
    let their_text = String::from_utf8_lossy(&theirs.stdout).into_owned()
        + &String::from_utf8_lossy(&theirs.stderr);
    let valid = code == Some(0);
    assert_eq!(
        valid,
        theirs.status.success(),
        "verdicts differ for {args:?}\nkeychest:\n{text}\nopenssl {os:?}:\n{their_text}"
    );
    (valid, text)
}

fn case<'a>(cert: &'a str, chain: Option<&'a str>, trust: &'a str) -> Case<'a> {
    Case {
        cert,
        chain,
        trust,
        ..Case::default()
    }
}

#[test]
fn verdicts_agree_with_openssl_for_valid_expired_and_wrong_purpose() {
    if !common::have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let server = Case {
        purpose: Some("server"),
        host: Some("www.good.example"),
        ..case("server.pem", Some("int.pem"), "root.pem")
    };
    let (valid, text) = verdicts(&pki, &server);
    assert!(valid, "{text}");
    assert!(text.contains("Result: valid"), "{text}");

    // Expired: 40 days on, past the leaf's 30.
    let (valid, text) = verdicts(
        &pki,
        &Case {
            shift: Some(40 * 86400),
            ..server.clone()
        },
    );
    assert!(!valid);
    assert!(
        text.contains("FAIL  validity [0]") && text.contains("expired on"),
        "{text}"
    );
    // Not yet valid: a day ago.
    let (valid, text) = verdicts(
        &pki,
        &Case {
            shift: Some(-86400),
            ..server.clone()
        },
    );
    assert!(!valid);
    assert!(text.contains("is not valid before"), "{text}");

    // Wrong purpose: a clientAuth certificate used as a server, and the right purpose.
    let client = case("client.pem", Some("int.pem"), "root.pem");
    let (valid, text) = verdicts(
        &pki,
        &Case {
            purpose: Some("server"),
            ..client.clone()
        },
    );
    assert!(!valid);
    assert!(
        text.contains("extendedKeyUsage lacks serverAuth (clientAuth)"),
        "{text}"
    );
    let (valid, _) = verdicts(
        &pki,
        &Case {
            purpose: Some("client"),
            ..client.clone()
        },
    );
    assert!(valid);
    let (valid, _) = verdicts(
        &pki,
        &Case {
            purpose: Some("client"),
            ..server.clone()
        },
    );
    assert!(!valid);

    // Host name mismatch.
    let (valid, text) = verdicts(
        &pki,
        &Case {
            host: Some("other.good.example"),
            ..server.clone()
        },
    );
    assert!(!valid);
    assert!(
        text.contains("other.good.example matches none of DNS:www.good.example"),
        "{text}"
    );
}

#[test]
fn verdicts_agree_with_openssl_for_paths() {
    if !common::have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    // Missing intermediate.
    let (valid, text) = verdicts(&pki, &case("server.pem", None, "root.pem"));
    assert!(!valid);
    assert!(
        text.contains("no issuer found for CN=www.good.example"),
        "{text}"
    );
    assert!(text.contains("missing intermediate"), "{text}");
    // The wrong trust anchor.
    let (valid, text) = verdicts(&pki, &case("server.pem", Some("int.pem"), "other-root.pem"));
    assert!(!valid);
    assert!(text.contains("FAIL  path"), "{text}");
    // The root only as an untrusted chain certificate.
    pki.bundle("int-root.pem", &["int.pem", "root.pem"]);
    let (valid, text) = verdicts(
        &pki,
        &case("server.pem", Some("int-root.pem"), "other-root.pem"),
    );
    assert!(!valid);
    assert!(text.contains("not a trust anchor"), "{text}");
    // pathlen:0 on the intermediate, with a sub-CA below it.
    let (valid, text) = verdicts(
        &pki,
        &case("too-deep.pem", Some("int-root.pem"), "root.pem"),
    );
    assert!(!valid);
    pki.bundle("deep-chain.pem", &["root.pem", "int.pem", "sub-int.pem"]);
    let (valid2, text2) = verdicts(
        &pki,
        &case("too-deep.pem", Some("deep-chain.pem"), "root.pem"),
    );
    assert!(!valid2);
    assert!(
        text2.contains("CN=Test Int allows pathlen:0 but 1 intermediate(s) follow it"),
        "{text}\n{text2}"
    );
    // Any order, and the chain inside the certificate's own file (a fullchain bundle).
    // (openssl verify reads only the first certificate of CERT, so it gets the bundle as
    // -untrusted too; keychest takes the rest of the bundle as chain by itself.)
    let full = pki.bundle("fullchain.pem", &["server.pem", "root.pem", "int.pem"]);
    let (valid, text) = verdicts(
        &pki,
        &case("fullchain.pem", Some("fullchain.pem"), "root.pem"),
    );
    assert!(valid, "{text}");
    let text = ok(&["verify", p(&full), "--trust", p(&pki.f("root.pem"))]);
    assert!(text.contains("[1] CN=Test Int (chain)"), "{text}");
    let (valid, _) = verdicts(&pki, &case("server.pem", Some("int-root.pem"), "root.pem"));
    assert!(valid);
}

#[test]
fn verdicts_agree_with_openssl_for_name_constraints() {
    if !common::have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let nc = |cert| Case {
        purpose: Some("server"),
        ..case(cert, Some("nc-int.pem"), "root.pem")
    };
    let (valid, text) = verdicts(&pki, &nc("nc-good.pem"));
    assert!(valid, "{text}");
    let (valid, text) = verdicts(&pki, &nc("nc-evil.pem"));
    assert!(!valid);
    assert!(
        text.contains("DNS:www.evil.example of CN=www.good.example is outside the names permitted by CN=Constrained Int"),
        "{text}"
    );
    let (valid, text) = verdicts(&pki, &nc("nc-excluded.pem"));
    assert!(!valid);
    assert!(
        text.contains("is excluded by CN=Constrained Int (DNS:bad.good.example)"),
        "{text}"
    );
    // No SAN: the CN counts as a DNS name.
    let (valid, text) = verdicts(&pki, &nc("nc-cn.pem"));
    assert!(!valid);
    assert!(text.contains("DNS:www.evil.example"), "{text}");
}

#[test]
fn verdicts_agree_with_openssl_for_revocation() {
    if !common::have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let with_crl = |cert| Case {
        crl: Some("int.crl"),
        ..case(cert, Some("int.pem"), "root.pem")
    };
    let (valid, text) = verdicts(&pki, &with_crl("server.pem"));
    assert!(valid, "{text}");
    assert!(text.contains("ok    revocation [0]"), "{text}");
    let (valid, text) = verdicts(&pki, &with_crl("revoked.pem"));
    assert!(!valid);
    assert!(
        text.contains("was revoked on") && text.contains("(keyCompromise)"),
        "{text}"
    );
    // A CRL, but none from the leaf's issuer: fail closed, as openssl -crl_check does.
    let (valid, text) = verdicts(&pki, &with_crl("nc-good.pem"));
    assert!(!valid, "{text}");
    // Past the CRL's nextUpdate (30 days; the leaf has expired too by then): the CRL's
    // own expiry is reported.
    let (valid, text) = verdicts(
        &pki,
        &Case {
            shift: Some(31 * 86400),
            ..with_crl("server.pem")
        },
    );
    assert!(!valid);
    assert!(text.contains("the CRL of CN=Test Int expired on"), "{text}");

    // JSON: the failure carries its data.
    let out = run(&[
        "verify",
        p(&pki.f("revoked.pem")),
        "--chain",
        p(&pki.f("int.pem")),
        "--trust",
        p(&pki.f("root.pem")),
        "--crl",
        p(&pki.f("int.crl")),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(8));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["path"].as_array().unwrap().len(), 3);
    assert_eq!(doc["path"][2]["anchor"], true);
    let revoked: Vec<&serde_json::Value> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "fail")
        .collect();
    assert_eq!(revoked.len(), 1, "{doc:#}");
    assert_eq!(revoked[0]["check"], "revocation");
    assert_eq!(revoked[0]["failure"]["reason"], "revoked");
    assert_eq!(revoked[0]["failure"]["revocation_reason"], "keyCompromise");
}

#[test]
fn trust_anchors_come_from_keystores_and_their_absence_is_an_error() {
    if !common::have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let store = pki.f("trust.p12");
    ok(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&pki.f("root.pem")),
        "--pass",
        "pass:changeit",
    ]);
    let jks = pki.f("chain.jks");
    ok(&[
        "store",
        "import",
        p(&jks),
        "--cert",
        p(&pki.f("int.pem")),
        "--pass",
        "pass:changeit",
    ]);
    let text = ok(&[
        "verify",
        p(&pki.f("server.pem")),
        "--chain",
        p(&jks),
        "--trust",
        p(&store),
        "--pass",
        "pass:changeit",
        "--purpose",
        "server",
    ]);
    assert!(text.contains("Result: valid"), "{text}");

    // No --trust at all: a usage error. A trust file without certificates, a store without
    // trusted entries: errors (exit 1), never a verdict.
    fails(&["verify", p(&pki.f("server.pem"))], 2);
    let err = fails(
        &[
            "verify",
            p(&pki.f("server.pem")),
            "--trust",
            p(&pki.f("root.key")),
        ],
        1,
    );
    assert!(err.contains("holds no certificate"), "{err}");
    let keystore = pki.f("server.p12");
    ok(&[
        "store",
        "import",
        p(&keystore),
        "--key",
        p(&pki.f("server.key")),
        "--chain",
        p(&pki.f("server.pem")),
        "--pass",
        "pass:changeit",
    ]);
    let err = fails(
        &[
            "verify",
            p(&pki.f("server.pem")),
            "--trust",
            p(&keystore),
            "--pass",
            "pass:changeit",
        ],
        1,
    );
    assert!(err.contains("holds no certificate"), "{err}");
    // The certificate given as its keystore: the key entry's chain.
    let text = ok(&[
        "verify",
        p(&keystore),
        "--chain",
        p(&pki.f("int.pem")),
        "--trust",
        p(&pki.f("root.pem")),
        "--pass",
        "pass:changeit",
    ]);
    assert!(text.contains("[0] CN=www.good.example (CERT)"), "{text}");

    // Unreadable inputs and bad times are errors too.
    let err = fails(
        &[
            "verify",
            p(&pki.f("ext.cnf")),
            "--trust",
            p(&pki.f("root.pem")),
        ],
        1,
    );
    assert!(err.contains("not a certificate"), "{err}");
    let err = fails(
        &[
            "verify",
            p(&pki.f("server.pem")),
            "--trust",
            p(&pki.f("root.pem")),
            "--crl",
            p(&pki.f("root.pem")),
        ],
        1,
    );
    assert!(err.contains("holds no CRL"), "{err}");
    fails(
        &[
            "verify",
            p(&pki.f("server.pem")),
            "--trust",
            p(&pki.f("root.pem")),
            "--at",
            "soon",
        ],
        2,
    );
    // A date moves the verification time: the root (10 years) and the leaf (30 days) are
    // not valid in 2020.
    let out = run(&[
        "verify",
        p(&pki.f("server.pem")),
        "--chain",
        p(&pki.f("int.pem")),
        "--trust",
        p(&pki.f("root.pem")),
        "--at",
        "2020-01-01",
    ]);
    assert_eq!(out.status.code(), Some(8));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("at 2020-01-01T00:00:00Z"), "{text}");
    assert!(text.contains("FAIL  validity [2]"), "{text}");
}

#[test]
fn text_from_certificates_is_escaped() {
    if !common::have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let cert = dir.path().join("c.pem");
    openssl_self_signed(&key, &cert, "/CN=evil\x1b[31mred", 2, &[]);
    let text = ok(&["verify", p(&cert), "--trust", p(&cert)]);
    assert!(!text.contains('\x1b'), "{text}");
    // The DN's RFC 4514 display hex-escapes the control itself (pki::name::display).
    assert!(text.contains("CN=evil\\1B[31mred"), "{text}");
}

#[test]
fn verdicts_agree_with_openssl_on_a_keychest_ca_and_its_crl() {
    if !common::have(&["openssl"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let ca = t.path().join("ca");
    let f = |n: &str| t.path().join(n).to_str().unwrap().to_string();
    ok(&["ca", "init", p(&ca), "--subject", "CN=KC Root"]);
    for host in ["www.example.org", "gone.example.org"] {
        ok(&["ca", "issue", p(&ca), host, "--out-dir", p(t.path())]);
    }
    ok(&[
        "ca",
        "revoke",
        p(&ca),
        "--cert",
        &f("gone.example.org.crt"),
        "--reason",
        "superseded",
    ]);
    ok(&["ca", "crl", p(&ca), "--out", &f("ca.crl")]);
    for (host, valid) in [("www.example.org", true), ("gone.example.org", false)] {
        let cert = f(&format!("{host}.crt"));
        let trust = ca.join("ca.crt");
        let out = run(&[
            "verify",
            &cert,
            "--trust",
            p(&trust),
            "--crl",
            &f("ca.crl"),
            "--purpose",
            "server",
            "--host",
            host,
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(if valid { 0 } else { 8 }), "{text}");
        let theirs = Command::new("openssl")
            .args([
                "verify",
                "-CAfile",
                p(&trust),
                "-CRLfile",
                &f("ca.crl"),
                "-crl_check",
                "-purpose",
                "sslserver",
                "-verify_hostname",
                host,
                &cert,
            ])
            .output()
            .unwrap();
        assert_eq!(
            theirs.status.success(),
            valid,
            "openssl disagrees on {host}"
        );
        if !valid {
            assert!(text.contains("(superseded)"), "{text}");
        }
    }
}
