//! End-to-end tests of `keychest doctor`: a fixture tree is generated here (keychest's own
//! library for certificates with exact dates and extensions, the keychest binary for CA
//! directories and stores, openssl and keytool for what other tools write), each fixture
//! planting one rule. `doctor --json` must find exactly the planted findings (rule id and
//! file), and nothing on a fresh `keychest pki new`; the Prometheus output is checked by a
//! strict parser of the text exposition format.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use der::Encode;
use der::asn1::{Ia5String, OctetString};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use keychest::pki::key::{KeyType, PrivateKey};
use keychest::pki::{cert, crl, keyfile, name, oids};

use common::server::{free_port, openssl_s_server};
use common::x509::{openssl_csr, openssl_sign};
use common::{chmod, now, ok_in, p, text};

const KC: &str = env!("CARGO_BIN_EXE_keychest");
const DAY: i64 = 86_400;

/// Runs `keychest doctor` in `dir`; returns the output (any exit status).
fn doctor(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new(KC)
        .arg("doctor")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run keychest");
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{}",
        text(&o)
    );
    o
}

/// (rule id, file relative to `base`) of every finding in `doctor --json` output.
fn findings(o: &Output, base: &str) -> Vec<(String, String)> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)));
    let mut out: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let rel = file
                .strip_prefix(base)
                .map(|s| s.trim_start_matches('/'))
                .unwrap_or(file);
            (f["rule_id"].as_str().unwrap().to_string(), rel.to_string())
        })
        .collect();
    out.sort();
    out
}

fn dn(text: &str) -> Vec<u8> {
    name::parse_dn(text).unwrap().to_der().unwrap()
}

fn ec() -> PrivateKey {
    PrivateKey::generate(KeyType::P256).unwrap()
}

/// An issuer: its subject DER and key.
struct Issuer {
    subject: Vec<u8>,
    key: PrivateKey,
    der: Vec<u8>,
}

/// A new key and its certificate named `subject`, by `by` (self-signed when None).
fn issuer(
    subject: &str,
    by: Option<&Issuer>,
    nb: i64,
    na: i64,
    extensions: Vec<Extension>,
) -> Issuer {
    let key = ec();
    Issuer {
        der: mk(subject, &key, by, nb, na, extensions),
        subject: dn(subject),
        key,
    }
}

/// Signs a certificate for `key` named `subject`, by `by` (self-signed when None).
fn mk(
    subject: &str,
    key: &PrivateKey,
    by: Option<&Issuer>,
    nb: i64,
    na: i64,
    extensions: Vec<Extension>,
) -> Vec<u8> {
    let subj = dn(subject);
    let spki = key.public_key_info().unwrap().to_der().unwrap();
    let serial: [u8; 16] = rand_serial();
    let (issuer, signer) = match by {
        Some(i) => (i.subject.clone(), &i.key),
        None => (subj.clone(), key),
    };
    cert::sign(
        &cert::CertParams {
            serial: &serial,
            issuer: &issuer,
            subject: &subj,
            spki: &spki,
            not_before: nb,
            not_after: na,
            extensions,
        },
        signer,
    )
    .unwrap()
}

fn rand_serial() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let mut s = [0x11u8; 16];
    s[8..].copy_from_slice(&N.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    s
}

fn ca_exts(path_len: Option<u8>) -> Vec<Extension> {
    vec![
        cert::basic_constraints(true, path_len).unwrap(),
        cert::key_usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).unwrap(),
    ]
}

fn dns(names: &[&str]) -> Vec<GeneralName> {
    names
        .iter()
        .map(|n| GeneralName::DnsName(Ia5String::new(*n).unwrap()))
        .collect()
}

fn server_exts(sans: &[&str]) -> Vec<Extension> {
    let mut v = vec![
        cert::basic_constraints(false, None).unwrap(),
        cert::extended_key_usage(&[oids::KP_SERVER_AUTH]).unwrap(),
    ];
    if !sans.is_empty() {
        v.push(cert::subject_alt_name(&dns(sans), false).unwrap());
    }
    v
}

fn pem_certs(ders: &[&Vec<u8>]) -> String {
    ders.iter()
        .map(|d| keychest::pem::encode("CERTIFICATE", d))
        .collect()
}

fn key_pem(k: &PrivateKey) -> String {
    keyfile::to_pkcs8_pem(k, None).unwrap().to_string()
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The base PKI of the planted tree: a root and an intermediate (both in the tree, so the
/// pool can tell an omitted root from a missing intermediate), and a good server leaf.
struct Base {
    root: Issuer,
    inter: Issuer,
    leaf_key: PrivateKey,
    leaf: Vec<u8>,
}

fn base(t: i64) -> Base {
    let root = issuer(
        "CN=Doctor Root",
        None,
        t - DAY,
        t + 3650 * DAY,
        ca_exts(None),
    );
    let inter = issuer(
        "CN=Doctor Inter",
        Some(&root),
        t - DAY,
        t + 1825 * DAY,
        ca_exts(None),
    );
    let leaf_key = ec();
    let leaf = mk(
        "CN=good.example",
        &leaf_key,
        Some(&inter),
        t - DAY,
        t + 90 * DAY,
        server_exts(&["good.example"]),
    );
    Base {
        root,
        inter,
        leaf_key,
        leaf,
    }
}

/// Plants every file rule under `tree` and returns the findings expected (rule, file).
fn plant(tree: &Path, work: &Path, t: i64) -> Vec<(&'static str, &'static str)> {
    let b = base(t);
    let mut want: Vec<(&'static str, &'static str)> = Vec::new();
    write(&tree.join("base/root.crt"), pem_certs(&[&b.root.der]));
    write(&tree.join("base/inter.crt"), pem_certs(&[&b.inter.der]));
    // A served chain that is right: leaf + intermediate with its key (no finding).
    write(
        &tree.join("base/good.pem"),
        key_pem(&b.leaf_key) + &pem_certs(&[&b.leaf, &b.inter.der]),
    );
    let leaf = |cn: &str, nb: i64, na: i64, exts: Vec<Extension>| {
        mk(&format!("CN={cn}"), &ec(), Some(&b.inter), nb, na, exts)
    };

    // ---- validity
    write(
        &tree.join("validity/expired.crt"),
        pem_certs(&[&leaf(
            "expired.example",
            t - 100 * DAY,
            t - 10 * DAY,
            vec![],
        )]),
    );
    want.push(("validity.expired", "validity/expired.crt"));
    write(
        &tree.join("validity/future.crt"),
        pem_certs(&[&leaf("future.example", t + 10 * DAY, t + 90 * DAY, vec![])]),
    );
    want.push(("validity.not-yet-valid", "validity/future.crt"));
    write(
        &tree.join("validity/skew.crt"),
        pem_certs(&[&leaf("skew.example", t + 600, t + 90 * DAY, vec![])]),
    );
    want.push(("validity.clock-skew", "validity/skew.crt"));
    write(
        &tree.join("validity/expiring.crt"),
        pem_certs(&[&leaf("expiring.example", t - DAY, t + 5 * DAY, vec![])]),
    );
    want.push(("validity.expiring", "validity/expiring.crt"));
    write(
        &tree.join("validity/too-long.crt"),
        pem_certs(&[&leaf(
            "long.example",
            t - DAY,
            t + 800 * DAY,
            server_exts(&["long.example"]),
        )]),
    );
    want.push(("validity.too-long", "validity/too-long.crt"));
    // Not planted: 398 days and a minute of backdating is within the limit.
    write(
        &tree.join("validity/398-days.crt"),
        pem_certs(&[&leaf(
            "ok.example",
            t - 60,
            t + 398 * DAY,
            server_exts(&["ok.example"]),
        )]),
    );
    let short_ca = issuer(
        "CN=Short CA",
        Some(&b.root),
        t - DAY,
        t + 100 * DAY,
        ca_exts(None),
    );
    let outliving = mk(
        "CN=outlives.example",
        &ec(),
        Some(&short_ca),
        t - DAY,
        t + 300 * DAY,
        vec![],
    );
    write(
        &tree.join("validity/outlives.pem"),
        pem_certs(&[&outliving, &short_ca.der]),
    );
    want.push(("validity.outlives-issuer", "validity/outlives.pem"));

    // ---- names
    write(
        &tree.join("names/no-san.crt"),
        pem_certs(&[&leaf(
            "nosan.example",
            t - DAY,
            t + 90 * DAY,
            server_exts(&[]),
        )]),
    );
    want.push(("names.no-san", "names/no-san.crt"));
    write(
        &tree.join("names/cn-mismatch.crt"),
        pem_certs(&[&leaf(
            "www.example.org",
            t - DAY,
            t + 90 * DAY,
            server_exts(&["example.org"]),
        )]),
    );
    want.push(("names.cn-not-in-san", "names/cn-mismatch.crt"));
    write(
        &tree.join("names/wildcard.crt"),
        pem_certs(&[&leaf(
            "wild",
            t - DAY,
            t + 90 * DAY,
            vec![cert::subject_alt_name(&dns(&["f*.example.org"]), false).unwrap()],
        )]),
    );
    want.push(("names.bad-wildcard", "names/wildcard.crt"));
    write(
        &tree.join("names/good-wildcard.crt"),
        pem_certs(&[&leaf(
            "*.example.org",
            t - DAY,
            t + 90 * DAY,
            server_exts(&["*.example.org"]),
        )]),
    );
    write(
        &tree.join("names/control.crt"),
        pem_certs(&[&leaf("evil\u{1b}[2J", t - DAY, t + 90 * DAY, vec![])]),
    );
    want.push(("names.control-chars", "names/control.crt"));

    // ---- chains (key + certificates in one PEM file: a key entry)
    let with_key = |k: &PrivateKey, certs: &[&Vec<u8>]| key_pem(k) + &pem_certs(certs);
    write(
        &tree.join("chain/missing.pem"),
        with_key(&b.leaf_key, &[&b.leaf]),
    );
    want.push(("chain.missing-intermediate", "chain/missing.pem"));
    write(
        &tree.join("chain/order.pem"),
        with_key(&b.leaf_key, &[&b.leaf, &b.root.der, &b.inter.der]),
    );
    want.push(("chain.wrong-order", "chain/order.pem"));
    write(
        &tree.join("chain/unrelated.pem"),
        with_key(&b.leaf_key, &[&b.leaf, &b.inter.der, &short_ca.der]),
    );
    want.push(("chain.unrelated-cert", "chain/unrelated.pem"));
    let self_key = ec();
    let self_leaf = mk(
        "CN=self.example",
        &self_key,
        None,
        t - DAY,
        t + 90 * DAY,
        vec![],
    );
    write(
        &tree.join("chain/self-signed.pem"),
        with_key(&self_key, &[&self_leaf]),
    );
    want.push(("chain.self-signed-leaf", "chain/self-signed.pem"));
    // Signed by a key that is not the intermediate's, under the intermediate's name.
    let forger = Issuer {
        subject: b.inter.subject.clone(),
        key: ec(),
        der: vec![],
    };
    let forged_key = ec();
    let forged = mk(
        "CN=forged.example",
        &forged_key,
        Some(&forger),
        t - DAY,
        t + 90 * DAY,
        vec![],
    );
    write(
        &tree.join("chain/bad-signature.pem"),
        with_key(&forged_key, &[&forged, &b.inter.der]),
    );
    want.push(("chain.bad-signature", "chain/bad-signature.pem"));
    // A leaf that issued another certificate.
    let not_ca = issuer(
        "CN=Not A CA",
        Some(&b.inter),
        t - DAY,
        t + 90 * DAY,
        vec![cert::basic_constraints(false, None).unwrap()],
    );
    let under_key = ec();
    let under = mk(
        "CN=under.example",
        &under_key,
        Some(&not_ca),
        t - DAY,
        t + 60 * DAY,
        vec![],
    );
    write(
        &tree.join("chain/not-ca.pem"),
        with_key(&under_key, &[&under, &not_ca.der, &b.inter.der]),
    );
    want.push(("chain.ca-without-keycertsign", "chain/not-ca.pem"));
    // pathLen 0 with one intermediate below it.
    let pl0 = issuer(
        "CN=PathLen0 CA",
        Some(&b.root),
        t - DAY,
        t + 1000 * DAY,
        ca_exts(Some(0)),
    );
    let below = issuer(
        "CN=Below CA",
        Some(&pl0),
        t - DAY,
        t + 900 * DAY,
        ca_exts(None),
    );
    let deep_key = ec();
    let deep = mk(
        "CN=deep.example",
        &deep_key,
        Some(&below),
        t - DAY,
        t + 90 * DAY,
        vec![],
    );
    write(
        &tree.join("chain/path-len.pem"),
        with_key(&deep_key, &[&deep, &below.der, &pl0.der]),
    );
    want.push(("chain.path-len-exceeded", "chain/path-len.pem"));
    // Name constraints: permitted example.com, leaf for evil.org (and one for a.example.com
    // that fits, which must not be reported).
    let nc = x509_cert::ext::pkix::NameConstraints {
        permitted_subtrees: Some(vec![GeneralSubtree {
            base: GeneralName::DnsName(Ia5String::new("example.com").unwrap()),
            minimum: 0,
            maximum: None,
        }]),
        excluded_subtrees: None,
    };
    let mut nc_exts = ca_exts(None);
    nc_exts.push(Extension {
        extn_id: oids::EXT_NAME_CONSTRAINTS,
        critical: true,
        extn_value: OctetString::new(nc.to_der().unwrap()).unwrap(),
    });
    let nc_ca = issuer(
        "CN=Constrained CA",
        Some(&b.root),
        t - DAY,
        t + 1000 * DAY,
        nc_exts,
    );
    for (file, host) in [
        ("chain/name-constraints.pem", "evil.org"),
        ("chain/name-constraints-ok.pem", "a.example.com"),
    ] {
        let k = ec();
        let c = mk(
            &format!("CN={host}"),
            &k,
            Some(&nc_ca),
            t - DAY,
            t + 90 * DAY,
            server_exts(&[host]),
        );
        write(&tree.join(file), with_key(&k, &[&c, &nc_ca.der]));
    }
    want.push(("chain.name-constraints", "chain/name-constraints.pem"));

    // ---- keys
    write(
        &tree.join("keys/mismatch.pem"),
        with_key(&ec(), &[&b.leaf, &b.inter.der]),
    );
    want.push(("keys.mismatch", "keys/mismatch.pem"));
    // server.key beside server.crt: paired by name (a matching pair, no finding) ...
    write(&tree.join("keys/pair.key"), key_pem(&b.leaf_key));
    write(
        &tree.join("keys/pair.crt"),
        pem_certs(&[&b.leaf, &b.inter.der]),
    );
    // ... and a pair that does not match.
    write(&tree.join("keys/wrong.key"), key_pem(&ec()));
    write(
        &tree.join("keys/wrong.crt"),
        pem_certs(&[&b.leaf, &b.inter.der]),
    );
    want.push(("keys.mismatch", "keys/wrong.crt"));
    ok_in(
        work,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "rsa1024.key",
            "-subj",
            "/CN=small",
            "-days",
            "90",
            "-out",
            &tree.join("keys/rsa1024.crt").display().to_string(),
        ],
    );
    want.push(("keys.rsa-too-small", "keys/rsa1024.crt"));
    ok_in(
        work,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime192v1",
            "-nodes",
            "-keyout",
            "p192.key",
            "-subj",
            "/CN=p192",
            "-days",
            "90",
            "-out",
            &tree.join("keys/weak-curve.crt").display().to_string(),
        ],
    );
    want.push(("keys.weak-curve", "keys/weak-curve.crt"));
    // SHA-1, signed by the root (openssl -sha1); a SHA-1 self-signed root is not reported.
    write(&work.join("root.key"), key_pem(&b.root.key));
    write(&work.join("root.crt"), pem_certs(&[&b.root.der]));
    let csr = work.join("sha1.csr");
    openssl_csr(&work.join("sha1.key"), &csr, "/CN=sha1.example", &[]);
    openssl_sign(
        &csr,
        &work.join("root.crt"),
        &work.join("root.key"),
        &tree.join("keys/sha1.crt"),
        90,
        &["-set_serial", "4660", "-sha1"],
    );
    want.push(("keys.weak-signature", "keys/sha1.crt"));
    ok_in(
        work,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "sha1root.key",
            "-subj",
            "/CN=SHA1 Root",
            "-days",
            "90",
            "-sha1",
            "-out",
            &tree.join("keys/sha1-root.crt").display().to_string(),
        ],
    );
    let readable = tree.join("keys/readable.key");
    write(&readable, key_pem(&ec()));
    chmod(&readable, 0o644);
    want.push(("keys.file-readable", "keys/readable.key"));
    // Encrypted and readable: not reported.
    let enc = tree.join("keys/encrypted.key");
    write(
        &enc,
        keyfile::to_pkcs8_pem(&ec(), Some("pw")).unwrap().as_bytes(),
    );
    chmod(&enc, 0o644);

    // ---- stores (passwords from the pass map written by the caller)
    let p = |rel: &str| tree.join(rel).display().to_string();
    write(&work.join("good.key"), key_pem(&b.leaf_key));
    write(&work.join("good.crt"), pem_certs(&[&b.leaf]));
    write(&work.join("inter.crt"), pem_certs(&[&b.inter.der]));
    let export = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            "good.key",
            "-in",
            "good.crt",
            "-certfile",
            "inter.crt",
            "-name",
            "good",
            "-passout",
            "pass:storepw",
        ];
        args.extend_from_slice(extra);
        let out = p(out);
        args.extend_from_slice(&["-out", &out]);
        ok_in(work, "openssl", &args);
    };
    std::fs::create_dir_all(tree.join("stores")).unwrap();
    export("stores/modern.p12", &[]);
    export("stores/no-mac.p12", &["-nomac"]);
    want.push(("store.no-mac", "stores/no-mac.p12"));
    export("stores/iterations.p12", &["-iter", "1000"]);
    want.push(("store.iterations", "stores/iterations.p12"));
    export("stores/legacy.p12", &["-legacy"]);
    want.push(("store.needs-legacy-provider", "stores/legacy.p12"));
    export("stores/locked.p12", &[]);
    want.push(("store.unverified", "stores/locked.p12"));
    export("stores/wrong-password.p12", &[]);
    want.push(("store.unreadable", "stores/wrong-password.p12"));
    ok_in(
        work,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "root.crt",
            "-passout",
            "pass:storepw",
            "-out",
            &p("stores/no-trust.p12"),
        ],
    );
    want.push(("store.no-java-trust", "stores/no-trust.p12"));
    ok_in(
        work,
        KC,
        &[
            "store",
            "import",
            &p("stores/trust.p12"),
            "--cert",
            "root.crt",
            "--pass",
            "pass:storepw",
        ],
    );
    ok_in(
        work,
        KC,
        &[
            "store",
            "convert",
            &p("stores/trust.p12"),
            &p("stores/weak.jks"),
            "--pass",
            "pass:storepw",
        ],
    );
    want.push(("store.weak-protection", "stores/weak.jks"));
    // Two entries under one friendlyName (openssl names both CA certificates 'same').
    write(
        &work.join("two.pem"),
        pem_certs(&[&b.root.der, &b.inter.der]),
    );
    ok_in(
        work,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "two.pem",
            "-caname",
            "same",
            "-caname",
            "same",
            "-passout",
            "pass:storepw",
            "-out",
            &p("stores/duplicate-alias.p12"),
        ],
    );
    want.push(("store.duplicate-alias", "stores/duplicate-alias.p12"));
    want.push(("store.no-java-trust", "stores/duplicate-alias.p12"));
    // A PEM file cut short.
    let full = pem_certs(&[&b.leaf]);
    write(&tree.join("broken.pem"), &full[..full.len() / 2]);
    want.push(("file.unreadable", "broken.pem"));
    for alias in ["first", "second"] {
        ok_in(
            work,
            "keytool",
            &[
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                "root.crt",
                "-keystore",
                &p("stores/duplicate.p12"),
                "-storetype",
                "pkcs12",
                "-storepass",
                "storepw",
            ],
        );
    }
    want.push(("store.duplicate-entry", "stores/duplicate.p12"));
    want
}

/// Plants the CA-directory rules under `tree/ca`.
fn plant_cas(tree: &Path, work: &Path, t: i64) -> Vec<(&'static str, &'static str)> {
    let mut want = Vec::new();
    let init = |name: &str| {
        let d = tree.join("ca").join(name);
        ok_in(
            work,
            KC,
            &[
                "ca",
                "init",
                &d.display().to_string(),
                "--subject",
                &format!("CN=Doctor {name} CA"),
            ],
        );
        d
    };
    let issue = |d: &Path, host: &str| {
        ok_in(
            work,
            KC,
            &[
                "ca",
                "issue",
                &d.display().to_string(),
                host,
                "--out-dir",
                &work.display().to_string(),
                "--force",
            ],
        );
        // The serial of what was issued: the last index line.
        let idx = std::fs::read_to_string(d.join("index.tsv")).unwrap();
        idx.lines()
            .last()
            .unwrap()
            .split('\t')
            .next()
            .unwrap()
            .to_string()
    };
    let good = init("good");
    let s = issue(&good, "one.example");
    ok_in(work, KC, &["ca", "revoke", &good.display().to_string(), &s]);
    ok_in(
        work,
        KC,
        &[
            "ca",
            "crl",
            &good.display().to_string(),
            "--out",
            &work.join("good.crl").display().to_string(),
            "--force",
        ],
    );

    let mode = init("mode");
    chmod(&mode.join("ca.key"), 0o640);
    want.push(("keys.ca-key-mode", "ca/mode/ca.key"));

    // A folder others can write to: every CA command refuses it.
    let open = init("open");
    chmod(&open, 0o775);
    want.push(("ca.unsafe-permissions", "ca/open"));

    let index = init("index");
    let s = issue(&index, "gone.example");
    std::fs::remove_file(index.join("certs").join(format!("{s}.pem"))).unwrap();
    want.push(("ca.index-mismatch", "ca/index/index.tsv"));

    let revoked = init("revoked");
    let s = issue(&revoked, "revoked.example");
    ok_in(
        work,
        KC,
        &["ca", "revoke", &revoked.display().to_string(), &s],
    );
    want.push(("ca.crl-missing", "ca/revoked"));

    let stale = init("stale");
    let s = issue(&stale, "stale.example");
    ok_in(
        work,
        KC,
        &[
            "ca",
            "crl",
            &stale.display().to_string(),
            "--out",
            &work.join("stale.crl").display().to_string(),
            "--force",
        ],
    );
    ok_in(
        work,
        KC,
        &["ca", "revoke", &stale.display().to_string(), &s],
    );
    want.push(("ca.crl-stale", "ca/stale/crl.pem"));

    // A ca.json of a layout this keychest does not know.
    let unknown = init("unknown");
    std::fs::write(
        unknown.join("ca.json"),
        r#"{"format": 99, "kind": "root", "crl_number": 0, "created": "2026-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    want.push(("ca.unreadable", "ca/unknown"));

    // A CRL whose nextUpdate has passed, signed with the CA's own key.
    let old = init("old-crl");
    let ca = keychest::ca::Ca::open(&old).unwrap();
    let key = keyfile::load_private_key(&std::fs::read(old.join("ca.key")).unwrap(), &mut || {
        unreachable!("the CA key is not encrypted")
    })
    .unwrap();
    let der = crl::sign(
        &crl::CrlParams {
            issuer: ca.subject_der(),
            issuer_key_id: &ca.key_id().unwrap(),
            this_update: t - 10 * DAY,
            next_update: t - DAY,
            number: 1,
            revoked: &[],
        },
        &key,
    )
    .unwrap();
    write(
        &old.join("crl.pem"),
        keychest::pem::encode("X509 CRL", &der),
    );
    chmod(&old.join("crl.pem"), 0o644);
    want.push(("ca.crl-expired", "ca/old-crl/crl.pem"));

    // A serial of one byte, issued by openssl and recorded by hand.
    let short = init("short");
    std::fs::create_dir_all(short.join("certs")).unwrap();
    let csr = work.join("short.csr");
    openssl_csr(&work.join("short.key"), &csr, "/CN=short.example", &[]);
    openssl_sign(
        &csr,
        &short.join("ca.crt"),
        &short.join("ca.key"),
        &short.join("certs/01.pem"),
        90,
        &["-set_serial", "1"],
    );
    let mut idx = std::fs::read_to_string(short.join("index.tsv")).unwrap();
    idx.push_str("01\tV\t2099-01-01T00:00:00Z\t-\t-\tCN=short.example\t-\tcerts/01.pem\n");
    std::fs::write(short.join("index.tsv"), idx).unwrap();
    want.push(("ca.short-serial", "ca/short/index.tsv"));
    want
}

#[test]
fn finds_exactly_the_planted_findings() {
    if !common::have(&["openssl", "keytool"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let t = now();
    let mut want = plant(&tree, &work, t);
    want.extend(plant_cas(&tree, &work, t));
    // One rule per store; locked.p12 has none, so it stays unverified.
    write(
        &work.join("passes"),
        "# store passwords\nwrong-password.p12 pass:nope\nstores/modern.p12 pass:storepw\n**/no-mac.p12 pass:storepw\n**/iterations.p12 pass:storepw\n**/legacy.p12 pass:storepw\n**/no-trust.p12 pass:storepw\n**/trust.p12 pass:storepw\n**/duplicate.p12 pass:storepw\nduplicate-alias.p12 pass:storepw\n*.jks pass:storepw\n",
    );
    let tree_s = tree.display().to_string();
    let o = doctor(
        tmp.path(),
        &[
            &tree_s,
            "--pass-map",
            &work.join("passes").display().to_string(),
            "--json",
        ],
    );
    let got = findings(&o, &tree_s);
    let mut want: Vec<(String, String)> = want
        .into_iter()
        .map(|(r, f)| (r.to_string(), f.to_string()))
        .collect();
    want.sort();
    let gs: BTreeSet<_> = got.iter().cloned().collect();
    let ws: BTreeSet<_> = want.iter().cloned().collect();
    assert_eq!(
        gs.difference(&ws).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "unexpected findings; full output:\n{}",
        text(&o)
    );
    assert_eq!(
        ws.difference(&gs).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "missing findings; full output:\n{}",
        text(&o)
    );
    // Errors were found: exit 3.
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    // Every rule id planted has its own entry in docs/doctor.md.
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/doctor.md"))
            .unwrap();
    for (rule, _) in &want {
        assert!(
            docs.contains(&format!("`{rule}`")),
            "{rule} is not documented in docs/doctor.md"
        );
    }

    // The Prometheus rendering of the same tree parses strictly, and has the expiry of
    // the expired certificate.
    let o = doctor(
        tmp.path(),
        &[
            &tree_s,
            "--pass-map",
            &work.join("passes").display().to_string(),
            "--format",
            "prometheus",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let samples = parse_prometheus(&String::from_utf8(o.stdout.clone()).unwrap());
    let expired = samples
        .iter()
        .find(|s| {
            s.name == "keychest_cert_not_after_seconds"
                && s.labels["file"].ends_with("validity/expired.crt")
        })
        .expect("expiry of validity/expired.crt");
    assert_eq!(expired.value, (t - 10 * DAY) as f64);
    assert_eq!(expired.labels["subject"], "CN=expired.example");
    let errors = samples
        .iter()
        .find(|s| s.name == "keychest_doctor_findings" && s.labels["severity"] == "error")
        .unwrap();
    let json_errors = want.len() as f64; // upper bound: some planted findings are warnings
    assert!(errors.value >= 1.0 && errors.value <= json_errors);
    let control = samples
        .iter()
        .find(|s| {
            s.labels
                .get("subject")
                .is_some_and(|v| v.starts_with("CN=evil"))
        })
        .unwrap();
    assert!(!control.labels["subject"].contains('\u{1b}'));
}

#[test]
fn fresh_pki_new_has_no_findings() {
    let tmp = tempfile::tempdir().unwrap();
    ok_in(tmp.path(), KC, &["pki", "new", "pki"]);
    let o = doctor(
        tmp.path(),
        &[
            "pki",
            "--pass",
            "file:pki/password.txt",
            "--json",
            "--strict",
        ],
    );
    assert_eq!(findings(&o, "pki"), vec![], "{}", text(&o));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = doctor(tmp.path(), &["pki", "--pass", "file:pki/password.txt"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("no problems found"),
        "{}",
        text(&o)
    );

    // Without the password the stores are still checked as far as they can be, and say so.
    let o = doctor(tmp.path(), &["pki", "--json"]);
    let got = findings(&o, "pki");
    assert!(!got.is_empty());
    assert!(got.iter().all(|(r, _)| r == "store.unverified"), "{got:?}");
    assert_eq!(o.status.code(), Some(0), "notes only: {}", text(&o));
}

#[test]
fn compatibility_targets() {
    if !common::have(&["openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok_in(d, KC, &["pki", "new", "pki", "--pass", "pass:storepw"]);
    std::fs::create_dir_all(d.join("compat")).unwrap();
    ok_in(
        d,
        KC,
        &[
            "store",
            "convert",
            "pki/server.p12",
            "compat/legacy.p12",
            "--compat",
            "legacy",
            "--pass",
            "pass:storepw",
        ],
    );
    ok_in(
        d,
        KC,
        &[
            "store",
            "convert",
            "pki/server.p12",
            "compat/java11.p12",
            "--compat",
            "java11",
            "--pass",
            "pass:storepw",
        ],
    );
    std::fs::copy(d.join("pki/server.p12"), d.join("compat/modern.p12")).unwrap();
    let run = |targets: &str| {
        let o = doctor(
            d,
            &[
                "compat",
                "--pass",
                "pass:storepw",
                "--for",
                targets,
                "--json",
            ],
        );
        findings(&o, "compat")
    };
    let got = run("java8");
    assert_eq!(
        got,
        vec![("store.incompatible".to_string(), "modern.p12".to_string())]
    );
    let got = run("macos,windows");
    assert_eq!(
        got,
        vec![
            ("store.incompatible".to_string(), "java11.p12".to_string()),
            ("store.incompatible".to_string(), "java11.p12".to_string()),
            ("store.incompatible".to_string(), "modern.p12".to_string()),
            ("store.incompatible".to_string(), "modern.p12".to_string()),
        ]
    );
    assert_eq!(run("openssl1"), vec![]);
    // Unencrypted key bags (openssl -keypbe NONE, SHA-1 MAC): Java ignores them.
    ok_in(
        d,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "pki/server.key",
            "-in",
            "pki/server.crt",
            "-keypbe",
            "NONE",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
            "-passout",
            "pass:storepw",
            "-out",
            "plainkey.p12",
        ],
    );
    let o = doctor(
        d,
        &[
            "plainkey.p12",
            "--pass",
            "pass:storepw",
            "--for",
            "java11",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["findings"][0]["rule_id"], "store.incompatible");
    assert!(
        v["findings"][0]["why"]
            .as_str()
            .unwrap()
            .contains("unencrypted key bags"),
        "{v}"
    );
    // JKS is for Java only.
    ok_in(
        d,
        KC,
        &[
            "store",
            "convert",
            "pki/truststore.p12",
            "trust.jks",
            "--pass",
            "pass:storepw",
        ],
    );
    let o = doctor(
        d,
        &[
            "trust.jks",
            "--pass",
            "pass:storepw",
            "--for",
            "java8,macos",
            "--json",
        ],
    );
    assert_eq!(
        findings(&o, ""),
        vec![
            ("store.incompatible".to_string(), "trust.jks".to_string()),
            ("store.weak-protection".to_string(), "trust.jks".to_string()),
        ],
        "{}",
        text(&o)
    );
    // The fix names the preset that consumer reads.
    let o = doctor(
        d,
        &[
            "compat/modern.p12",
            "--pass",
            "pass:storepw",
            "--for",
            "java8",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("--compat java11"),
        "{v}"
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn exit_status_and_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Only a warning: 0, or 1 with --strict.
    let t = now();
    let k = ec();
    let c = mk("CN=soon.example", &k, None, t - DAY, t + 3 * DAY, vec![]);
    write(&d.join("soon.crt"), pem_certs(&[&c]));
    assert_eq!(doctor(d, &["soon.crt"]).status.code(), Some(0));
    assert_eq!(doctor(d, &["soon.crt", "--strict"]).status.code(), Some(1));
    // --expiring shorter than what is left: nothing to say.
    let o = doctor(d, &["soon.crt", "--expiring", "2d", "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Usage errors: 2, one line, no panic.
    for args in [
        &["missing.p12"][..],
        &["soon.crt", "--expiring", "soon"],
        &["soon.crt", "--for", "netscape"],
        &["soon.crt", "--connect", "localhost:notaport"],
        &["soon.crt", "-"],
    ] {
        let o = doctor(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
    // `-` is refused by name, not as a missing file.
    let o = doctor(d, &["-"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("standard input"),
        "{}",
        text(&o)
    );
    // A file named explicitly that is no certificate, key or store is reported.
    write(&d.join("notes.txt"), "hello");
    let o = doctor(d, &["notes.txt", "--json"]);
    assert_eq!(
        findings(&o, ""),
        vec![("file.unrecognised".to_string(), "notes.txt".to_string())]
    );
    // A bad pass map is a clear error.
    write(&d.join("map"), "only-a-glob\n");
    let o = doctor(d, &["soon.crt", "--pass-map", "map"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 1"),
        "{}",
        text(&o)
    );
}

#[test]
fn symlinks_out_of_the_folder_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let t = now();
    let k = ec();
    let c = mk("CN=old.example", &k, None, t - 10 * DAY, t - DAY, vec![]);
    write(&d.join("outside/old.crt"), pem_certs(&[&c]));
    std::fs::create_dir_all(d.join("inside")).unwrap();
    std::os::unix::fs::symlink(d.join("outside/old.crt"), d.join("inside/link.crt")).unwrap();
    std::os::unix::fs::symlink(d.join("inside"), d.join("inside/loop")).unwrap();
    // A link to a file inside the folder is followed (and its expired certificate found).
    write(&d.join("inside/real/old.crt"), pem_certs(&[&c]));
    std::os::unix::fs::symlink(d.join("inside/real/old.crt"), d.join("inside/alias.crt")).unwrap();
    let o = doctor(d, &["inside", "--json"]);
    let got = findings(&o, "inside");
    assert_eq!(
        got,
        vec![
            ("file.link-skipped".to_string(), "link.crt".to_string()),
            ("file.link-skipped".to_string(), "loop".to_string()),
            ("validity.expired".to_string(), "alias.crt".to_string()),
            ("validity.expired".to_string(), "real/old.crt".to_string()),
        ],
        "{}",
        text(&o)
    );
    // The same file reached through the folder it lives in is checked.
    let o = doctor(d, &["outside", "--json"]);
    assert_eq!(
        findings(&o, "outside"),
        vec![("validity.expired".to_string(), "old.crt".to_string())]
    );
}

/// One sample of the text exposition format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A strict parser of the Prometheus text exposition format (0.0.4) as the node_exporter
/// textfile collector reads it: HELP and TYPE at most once per metric and before its
/// samples, valid metric and label names, only the three escapes in label values, a
/// float value, no duplicate series, every sample's metric typed.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    fn is_name(s: &str, colon: bool) -> bool {
        let mut cs = s.chars();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
    }
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut helped: BTreeSet<String> = BTreeSet::new();
    let mut sampled: BTreeSet<String> = BTreeSet::new();
    let mut series: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    assert!(
        text.ends_with('\n'),
        "the last line must end with a newline"
    );
    for (n, line) in text.lines().enumerate() {
        let at = format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let kind = parts.next().unwrap();
            let name = parts.next().unwrap_or_else(|| panic!("{at}"));
            assert!(is_name(name, true), "{at}");
            assert!(!sampled.contains(name), "{at}: HELP/TYPE after samples");
            match kind {
                "HELP" => assert!(helped.insert(name.to_string()), "{at}: second HELP"),
                "TYPE" => {
                    let t = parts.next().unwrap_or_else(|| panic!("{at}"));
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "{at}"
                    );
                    assert!(
                        typed.insert(name.to_string(), t.to_string()).is_none(),
                        "{at}: second TYPE"
                    );
                }
                _ => panic!("{at}: unknown comment"),
            }
            continue;
        }
        assert!(!line.is_empty() && !line.starts_with('#'), "{at}");
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("{at}"));
        let name = &line[..name_end];
        assert!(is_name(name, true), "{at}: metric name");
        assert!(typed.contains_key(name), "{at}: no TYPE before samples");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(r) = rest.strip_prefix('{') {
            let mut chars = r.char_indices().peekable();
            let consumed;
            loop {
                // label name
                let start = chars
                    .peek()
                    .map(|(i, _)| *i)
                    .unwrap_or_else(|| panic!("{at}"));
                if r[start..].starts_with('}') {
                    consumed = start + 1;
                    break;
                }
                let eq = r[start..].find('=').unwrap_or_else(|| panic!("{at}")) + start;
                let lname = &r[start..eq];
                assert!(is_name(lname, false), "{at}: label name {lname:?}");
                assert!(r[eq + 1..].starts_with('"'), "{at}");
                while chars.peek().is_some_and(|(i, _)| *i <= eq + 1) {
                    chars.next();
                }
                let mut value = String::new();
                let close;
                loop {
                    let (i, c) = chars.next().unwrap_or_else(|| panic!("{at}: unterminated"));
                    match c {
                        '\\' => match chars.next().unwrap_or_else(|| panic!("{at}")).1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            other => panic!("{at}: bad escape \\{other}"),
                        },
                        '"' => {
                            close = i;
                            break;
                        }
                        '\n' => panic!("{at}: raw newline"),
                        c => value.push(c),
                    }
                }
                assert!(
                    labels.insert(lname.to_string(), value).is_none(),
                    "{at}: repeated label"
                );
                match r[close + 1..].chars().next() {
                    Some(',') => {
                        chars.next();
                    }
                    Some('}') => {
                        consumed = close + 2;
                        break;
                    }
                    _ => panic!("{at}: expected , or }}"),
                }
            }
            rest = &r[consumed..];
        }
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("{at}: no value"));
        let mut vt = value.split(' ');
        let v: f64 = vt
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{at}: value"));
        if let Some(ts) = vt.next() {
            ts.parse::<i64>()
                .unwrap_or_else(|_| panic!("{at}: timestamp"));
        }
        assert!(vt.next().is_none(), "{at}");
        assert!(
            series.insert(format!("{name}{labels:?}")),
            "{at}: duplicate series"
        );
        sampled.insert(name.to_string());
        out.push(Sample {
            name: name.to_string(),
            labels,
            value: v,
        });
    }
    out
}

#[test]
fn prometheus_parser_is_strict() {
    let ok_text = "# HELP m x\n# TYPE m gauge\nm{a=\"1\\\"\"} 2\nm 3\n";
    assert_eq!(parse_prometheus(ok_text).len(), 2);
    for bad in [
        "m 1\n",                                        // no TYPE
        "# TYPE m gauge\nm{a=\"1\"} 1\nm{a=\"1\"} 2\n", // duplicate
        "# TYPE m gauge\nm{a=\"\\x\"} 1\n",             // bad escape
        "# TYPE m gauge\nm{1a=\"x\"} 1\n",              // label name
        "# TYPE m gauge\nm one\n",                      // value
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_prometheus(bad)).is_err(),
            "accepted: {bad:?}"
        );
    }
}

#[test]
fn connect_checks_the_served_chain_and_client_cas() {
    if !common::have(&["openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let t = now();
    let b = base(t);
    let leaf_key = ec();
    let leaf = mk(
        "CN=localhost",
        &leaf_key,
        Some(&b.inter),
        t - DAY,
        t + 90 * DAY,
        server_exts(&["localhost"]),
    );
    write(&d.join("srv/leaf.key"), key_pem(&leaf_key));
    write(&d.join("srv/leaf.crt"), pem_certs(&[&leaf]));
    write(&d.join("srv/inter.crt"), pem_certs(&[&b.inter.der]));
    write(&d.join("srv/root.crt"), pem_certs(&[&b.root.der]));
    let other_key = ec();
    let other = mk(
        "CN=Other CA",
        &other_key,
        None,
        t - DAY,
        t + 90 * DAY,
        ca_exts(None),
    );
    write(&d.join("srv/other.crt"), pem_certs(&[&other]));
    // What the client has: a key entry chaining to the root, and the intermediate.
    write(
        &d.join("tree/client.pem"),
        key_pem(&b.leaf_key) + &pem_certs(&[&b.leaf, &b.inter.der]),
    );
    write(&d.join("tree/root.crt"), pem_certs(&[&b.root.der]));
    let srv = |name: &str| d.join("srv").join(name);
    // `openssl s_server -quiet` with the leaf, its log beside the tree, not in it.
    let serve = |extra: &[&str]| {
        let mut args = vec!["-quiet"];
        args.extend_from_slice(extra);
        openssl_s_server(free_port(), &srv("leaf.crt"), &srv("leaf.key"), &args, d)
    };

    // Leaf only, a client CA nobody has, reached by a name it does not carry.
    let s = serve(&["-verify", "1", "-CAfile", p(&srv("other.crt"))]);
    let target = s.target();
    let o = doctor(d, &["tree", "--connect", &target, "--json"]);
    let got: Vec<(String, String)> = findings(&o, "");
    let want: Vec<(String, String)> = [
        "chain.missing-intermediate",
        "live.hostname-mismatch",
        "live.no-identity",
    ]
    .iter()
    .map(|r| (r.to_string(), target.clone()))
    .collect();
    assert_eq!(got, want, "{}", text(&o));
    assert_eq!(o.status.code(), Some(3));
    drop(s);

    // The full chain, a client CA the key entry chains to, the right name: nothing.
    let s = serve(&[
        "-cert_chain",
        p(&srv("inter.crt")),
        "-verify",
        "1",
        "-CAfile",
        p(&srv("root.crt")),
    ]);
    let target = format!("localhost:{}", s.port);
    let o = doctor(d, &["tree", "--connect", &target, "--json"]);
    assert_eq!(findings(&o, ""), vec![], "{}", text(&o));
    assert_eq!(o.status.code(), Some(0));
}
