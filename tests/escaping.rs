//! Text from certificates, requests and stores is escaped value by value wherever it is
//! printed (issue 10): an alias, CN or SAN holding a line break, a carriage return, an
//! escape sequence or a bidi override can neither start a line of its own nor reach the
//! terminal raw, in `show`, `store list` and `ca list`; `--json` keeps the exact text.
//! Every listing is compared with the same listing of a harmless twin, so the hostile
//! one must have exactly as many lines.

mod common;

use std::path::Path;

use common::stores::openssl_pkcs12;
use common::{have, keychest, peer};

/// A friendly name that tries to forge a fingerprint line, clear the screen and reverse
/// what follows it.
const EVIL_ALIAS: &str = "evil\nSHA-256: AA:11\x1b[2J\u{202e}gnp.exe";
/// A CN with a line break, a carriage return, a colour escape and a bidi override.
const EVIL_CN: &str = "bad\ncn\r\x1b[31m\u{202e}RED";
/// A DNS SAN with a line break, a carriage return and an escape sequence (openssl's
/// configuration syntax turns `\n` and `\r` into the bytes).
const EVIL_SAN_CONF: &str = "subjectAltName=DNS:ok.example,DNS:x\\ny\\r\x1b[1m.example";
const EVIL_SAN: &str = "x\ny\r\x1b[1m.example";

fn run_in(dir: &Path, args: &[&str]) -> String {
    let out = keychest().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "keychest {args:?}: {stderr}");
    assert_clean(&stderr, &format!("stderr of {args:?}"));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// No raw control character (other than keychest's own line breaks) and no bidi control.
fn assert_clean(text: &str, what: &str) {
    for (i, c) in text.char_indices() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}');
        assert!(
            !(bidi || (c.is_control() && c != '\n')),
            "{what}: raw {c:?} at {i}:\n{text}"
        );
    }
}

/// Runs a text listing of the hostile and of the harmless input: the hostile output is
/// clean and has as many lines as the harmless one.
fn same_shape(dir: &Path, evil: &[&str], plain: &[&str]) -> String {
    let bad = run_in(dir, evil);
    let good = run_in(dir, plain);
    assert_clean(&bad, &format!("{evil:?}"));
    assert_eq!(
        bad.lines().count(),
        good.lines().count(),
        "{evil:?} has extra lines:\n{bad}\n--- harmless twin:\n{good}"
    );
    bad
}

/// Every string in a JSON document.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn json_has(dir: &Path, args: &[&str], exact: &str) {
    let out = run_in(dir, args);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let mut all = Vec::new();
    strings(&doc, &mut all);
    assert!(
        all.iter()
            .any(|s| s == exact || s.ends_with(&format!(":{exact}"))),
        "{args:?}: no string {exact:?} in {all:?}"
    );
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let f = |s: &str| d.join(s).to_str().unwrap().to_string();
        peer(
            "openssl",
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &f("k.pem"),
            ],
        );
        for (name, cn, san) in [
            ("odd", EVIL_CN, EVIL_SAN_CONF),
            (
                "plain",
                "plain cn",
                "subjectAltName=DNS:ok.example,DNS:plain.example",
            ),
        ] {
            let subj = format!("/CN={cn}");
            peer(
                "openssl",
                &[
                    "req",
                    "-x509",
                    "-key",
                    &f("k.pem"),
                    "-out",
                    &f(&format!("{name}.pem")),
                    "-days",
                    "3",
                    "-utf8",
                    "-subj",
                    &subj,
                    "-addext",
                    san,
                ],
            );
            peer(
                "openssl",
                &[
                    "req",
                    "-new",
                    "-key",
                    &f("k.pem"),
                    "-out",
                    &f(&format!("{name}.csr")),
                    "-utf8",
                    "-subj",
                    &subj,
                    "-addext",
                    san,
                ],
            );
        }
        for (name, alias, cert) in [
            ("evil", EVIL_ALIAS, "plain.pem"),
            ("plain", "plain", "plain.pem"),
            ("oddcert", "plain", "odd.pem"),
        ] {
            openssl_pkcs12(
                &d.join("k.pem"),
                &d.join(cert),
                "pass:pw",
                &d.join(format!("{name}.p12")),
                &["-name", alias],
            );
        }
        for ca in ["oddca", "plainca"] {
            run_in(d, &["ca", "init", ca, "--subject", "CN=Escaping CA"]);
        }
        // A CA refuses to certify a DNS name holding control characters, and says so without
        // echoing it; with the SANs replaced, the hostile CN still reaches the CA's index.
        let refused = keychest()
            .current_dir(d)
            .args([
                "ca",
                "sign",
                "oddca",
                "--csr",
                "odd.csr",
                "-o",
                "odd-issued.pem",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("a DNS name holds a control character"),
            "{stderr}"
        );
        assert_clean(&stderr, "stderr of the refused ca sign");
        assert!(!d.join("odd-issued.pem").exists());
        run_in(
            d,
            &[
                "ca",
                "sign",
                "oddca",
                "--csr",
                "odd.csr",
                "--san",
                "dns:odd.test",
                "-o",
                "odd-issued.pem",
            ],
        );
        run_in(
            d,
            &[
                "ca",
                "sign",
                "plainca",
                "--csr",
                "plain.csr",
                "-o",
                "plain-issued.pem",
            ],
        );
        Fixture { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

#[test]
fn hostile_text_is_escaped_per_value_and_exact_in_json() {
    if !have(&["openssl"]) {
        return;
    }
    let fx = Fixture::new();
    let d = fx.path();

    // show on a certificate, a request and a keystore.
    let out = same_shape(d, &["show", "odd.pem"], &["show", "plain.pem"]);
    assert!(
        out.contains("DNS:x\\u{a}y\\u{d}\\u{1b}[1m.example"),
        "{out}"
    );
    assert!(
        out.contains("\\E2\\80\\AE"),
        "bidi override in the CN: {out}"
    );
    same_shape(d, &["show", "odd.csr"], &["show", "plain.csr"]);
    let out = same_shape(
        d,
        &["show", "evil.p12", "--pass", "pass:pw"],
        &["show", "plain.p12", "--pass", "pass:pw"],
    );
    assert!(
        out.contains("evil\\u{a}SHA-256: AA:11\\u{1b}[2J\\u{202e}gnp.exe"),
        "{out}"
    );
    assert!(
        !out.lines().any(|l| l.starts_with("SHA-256: AA:11")),
        "the alias forged a line: {out}"
    );

    // store list, one line per entry and --long, with a hostile alias and a hostile CN.
    for long in [false, true] {
        let list = |store: &'static str| {
            let mut args = vec!["store", "list", store, "--pass", "pass:pw"];
            if long {
                args.push("--long");
            }
            args
        };
        let out = same_shape(d, &list("evil.p12"), &list("plain.p12"));
        assert!(
            !out.lines().any(|l| l.starts_with("SHA-256: AA:11")),
            "{out}"
        );
        assert!(out.contains("evil\\u{a}SHA-256"), "{out}");
        same_shape(d, &list("oddcert.p12"), &list("plain.p12"));
    }

    // ca list: the header, one record, the count.
    let out = same_shape(d, &["ca", "list", "oddca"], &["ca", "list", "plainca"]);
    assert_eq!(out.lines().count(), 3, "{out}");

    // verify names the path's subjects.
    same_shape(
        d,
        &["verify", "odd.pem", "--trust", "odd.pem"],
        &["verify", "plain.pem", "--trust", "plain.pem"],
    );

    // JSON keeps the exact text.
    json_has(
        d,
        &["store", "list", "evil.p12", "--pass", "pass:pw", "--json"],
        EVIL_ALIAS,
    );
    json_has(
        d,
        &["show", "evil.p12", "--pass", "pass:pw", "--json"],
        EVIL_ALIAS,
    );
    json_has(d, &["show", "odd.pem", "--json"], EVIL_SAN);
    json_has(d, &["show", "odd.csr", "--json"], EVIL_SAN);
    // The CA refused the hostile SAN (the fixture replaced it); its index keeps the hostile
    // CN, which a DN always prints with RFC 4514 escapes, in JSON too.
    json_has(
        d,
        &["ca", "list", "oddca", "--json"],
        "CN=bad\\0Acn\\0D\\1B[31m\\E2\\80\\AERED",
    );
}
