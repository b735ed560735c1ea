//! End-to-end `keychest store` tests for PKCS#12 and PEM against real peers (issue #4):
//! what keychest writes is read by keytool and openssl with the same entries; what keytool
//! and openssl write is listed by keychest with the entries they show; import, export,
//! delete, rename and passwd behave; bad input fails cleanly and leaves STORE untouched.
//!
//! Needs openssl and keytool (see `tests/common/peers.rs`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::stores::{kc_list, openssl_pkcs12};
use common::{Listing, fails, fixture, have, mode, ok, ok_stderr, p, parse_keytool, peer, run};

const PASS: &str = "pass:changeit";

fn peers() -> bool {
    have(&["openssl", "keytool"])
}

fn kc_json(store: &Path, pass: &str) -> serde_json::Value {
    serde_json::from_str(&ok(&["store", "list", p(store), "--json", "--pass", pass])).unwrap()
}

/// `keytool -list -v` of a store; `pass` None lists without a password.
fn keytool_list(store: &Path, storetype: &str, pass: Option<&str>) -> Listing {
    let mut args = vec![
        "-list",
        "-v",
        "-storetype",
        storetype,
        "-keystore",
        p(store),
    ];
    if let Some(pw) = pass {
        args.extend(["-storepass", pw]);
    }
    parse_keytool(&peer("keytool", &args))
}

fn sha256_of_pem(cert: &Path) -> String {
    let out = peer(
        "openssl",
        &["x509", "-in", p(cert), "-noout", "-fingerprint", "-sha256"],
    );
    out.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase()
}

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// root → inter → leaf (EC P-256), an unrelated `other` CA, and `stray` (a key alone).
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let o = |args: &[&str]| {
            let out = Command::new("openssl")
                .current_dir(d)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(out.status.success(), "openssl {args:?}: {out:?}");
        };
        for k in ["root", "inter", "leaf", "other", "stray"] {
            o(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &format!("{k}.key"),
            ]);
        }
        std::fs::write(
            d.join("ca.ext"),
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
        )
        .unwrap();
        for (k, cn) in [("root", "Test Root"), ("other", "Other CA")] {
            o(&[
                "req",
                "-x509",
                "-new",
                "-key",
                &format!("{k}.key"),
                "-subj",
                &format!("/CN={cn}"),
                "-days",
                "3650",
                "-out",
                &format!("{k}.pem"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
            ]);
        }
        for (k, cn, issuer, ext) in [
            ("inter", "Test Intermediate", "root", Some("ca.ext")),
            ("leaf", "leaf.test", "inter", None),
        ] {
            o(&[
                "req",
                "-new",
                "-key",
                &format!("{k}.key"),
                "-subj",
                &format!("/CN={cn}"),
                "-out",
                &format!("{k}.csr"),
            ]);
            let mut args = vec![
                "x509".to_string(),
                "-req".into(),
                "-in".into(),
                format!("{k}.csr"),
                "-CA".into(),
                format!("{issuer}.pem"),
                "-CAkey".into(),
                format!("{issuer}.key"),
                "-CAcreateserial".into(),
                "-days".into(),
                "3000".into(),
                "-out".into(),
                format!("{k}.pem"),
            ];
            if let Some(e) = ext {
                args.extend(["-extfile".into(), e.into()]);
            }
            o(&args.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let cat = |name: &str, parts: &[&str]| {
            let mut s = String::new();
            for part in parts {
                s.push_str(&std::fs::read_to_string(d.join(format!("{part}.pem"))).unwrap());
            }
            std::fs::write(d.join(name), s).unwrap();
        };
        cat("chain.pem", &["leaf", "inter", "root"]);
        cat("inter+root.pem", &["inter", "root"]);
        cat("bundle.pem", &["root", "inter", "other"]);
        Pki { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn fp(&self, cert: &str) -> String {
        sha256_of_pem(&self.path(&format!("{cert}.pem")))
    }
    fn chain_fps(&self) -> Vec<String> {
        ["leaf", "inter", "root"]
            .iter()
            .map(|c| self.fp(c))
            .collect()
    }
}

fn no_temp_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".keychest-tmp."), "temp file left: {name}");
    }
}

fn openssl_info(store: &Path, pass: &str) -> String {
    let out = Command::new("openssl")
        .args([
            "pkcs12",
            "-info",
            "-noout",
            "-in",
            p(store),
            "-passin",
            pass,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl pkcs12 -info {}: {}",
        store.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // -info prints its details on stderr.
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Protection lines of `keychest show` (MAC, certificates, keys, preset).
fn protection(store: &Path, pass: &str) -> Vec<String> {
    let doc = kc_json(store, pass);
    doc["protection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn written_stores_are_read_by_keytool_and_openssl() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let chain = pki.chain_fps();
    let want: Listing = [
        (
            "server".to_string(),
            "private-key".to_string(),
            chain.clone(),
        ),
        ("other".into(), "trusted-cert".into(), vec![pki.fp("other")]),
    ]
    .into_iter()
    .collect();
    // import (key + chain, then a certificate) and convert (from PEM), for each preset.
    let mut jobs = Vec::new();
    for preset in ["modern", "java11", "legacy"] {
        let imported = d.join(format!("imported-{preset}.p12"));
        ok(&[
            "store",
            "import",
            p(&imported),
            "--key",
            p(&pki.path("leaf.key")),
            "--chain",
            p(&pki.path("chain.pem")),
            "--alias",
            "server",
            "--compat",
            preset,
            "--pass",
            PASS,
        ]);
        ok(&[
            "store",
            "import",
            p(&imported),
            "--cert",
            p(&pki.path("other.pem")),
            "--alias",
            "other",
            "--pass",
            PASS,
        ]);
        assert_eq!(mode(&imported), 0o600);
        let pem = d.join(format!("src-{preset}.pem"));
        ok(&["store", "convert", p(&imported), p(&pem), "--pass", PASS]);
        let converted = d.join(format!("converted-{preset}.p12"));
        ok(&[
            "store",
            "convert",
            p(&pem),
            p(&converted),
            "--compat",
            preset,
            "--out-pass",
            PASS,
        ]);
        // PEM carries no aliases: entries read from it are named after their subject's CN.
        let want_pem: Listing = [
            (
                "leaf.test".to_string(),
                "private-key".to_string(),
                chain.clone(),
            ),
            (
                "other-ca".into(),
                "trusted-cert".into(),
                vec![pki.fp("other")],
            ),
        ]
        .into_iter()
        .collect();
        for (store, want) in [(imported, &want), (converted, &want_pem)] {
            assert_eq!(&kc_list(&store, Some(PASS)), want, "{}", store.display());
            let prot = protection(&store, PASS).join("\n");
            assert!(
                prot.contains(&format!("matches preset: {preset}")),
                "{prot}"
            );
            let info = openssl_info(&store, "pass:changeit");
            match preset {
                "legacy" => assert!(info.contains("MAC: sha1"), "{info}"),
                "java11" => assert!(
                    info.contains("MAC: sha1") && info.contains("PBES2"),
                    "{info}"
                ),
                _ => assert!(
                    info.contains("MAC: sha256") && info.contains("PBES2"),
                    "{info}"
                ),
            }
            jobs.push((store, want.clone()));
        }
    }
    // Passwordless truststore from a PEM bundle.
    let trust = d.join("trust.p12");
    ok(&[
        "store",
        "convert",
        p(&pki.path("bundle.pem")),
        p(&trust),
        "--compat",
        "passwordless",
    ]);
    let trust_kc = kc_list(&trust, None);
    assert_eq!(trust_kc.len(), 3);
    assert!(trust_kc.iter().all(|(_, k, _)| k == "trusted-cert"));
    let info = openssl_info(&trust, "pass:");
    assert!(
        info.contains("MAC is absent") || !info.contains("MAC:"),
        "{info}"
    );
    // keytool: all listings in parallel (each JVM start is slow).
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(store, want)| {
                s.spawn(move || (store, want, keytool_list(store, "PKCS12", Some("changeit"))))
            })
            .collect();
        let trust_h = s.spawn(|| keytool_list(&trust, "PKCS12", None));
        for h in handles {
            let (store, want, listing) = h.join().unwrap();
            assert_eq!(&listing, want, "keytool on {}", store.display());
        }
        assert_eq!(
            trust_h.join().unwrap(),
            trust_kc,
            "keytool on passwordless truststore"
        );
    });
    no_temp_files(d);
}

#[test]
fn lists_fixtures_as_expected() {
    let expected = std::fs::read_to_string(fixture("pkcs12/expected.txt")).unwrap();
    let mut want: std::collections::BTreeMap<String, Listing> = Default::default();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.splitn(4, ' ');
        let (file, kind, fps, alias) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let fps = if fps == "-" {
            vec![]
        } else {
            fps.split(',').map(str::to_string).collect()
        };
        want.entry(file.to_string()).or_default().insert((
            alias.to_lowercase(),
            kind.to_string(),
            fps,
        ));
    }
    assert!(want.len() >= 12);
    for (file, listing) in &want {
        let pass = if file.contains("emptypass") {
            "pass:"
        } else {
            PASS
        };
        let path = fixture(&format!("pkcs12/{file}"));
        assert_eq!(&kc_list(&path, Some(pass)), listing, "{file}");
    }
    // The password-less truststore lists without a password.
    let path = fixture("pkcs12/keytool-passwordless.p12");
    assert_eq!(
        &kc_list(&path, None),
        want.get("keytool-passwordless.p12").unwrap()
    );
}

#[test]
fn lists_stores_made_by_openssl_and_keytool() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let key_path = pki.path("leaf.key");
    let key = p(&key_path);
    let leaf_path = pki.path("leaf.pem");
    let mykey: Listing = [(
        "mykey".to_string(),
        "private-key".to_string(),
        vec![pki.fp("leaf")],
    )]
    .into_iter()
    .collect();
    let variants: &[(&str, &[&str], &str)] = &[
        ("default", &[], "changeit"),
        ("legacy", &["-legacy"], "changeit"),
        ("nomac", &["-nomac"], "changeit"),
        (
            "plain",
            &["-keypbe", "NONE", "-certpbe", "NONE"],
            "changeit",
        ),
        ("emptypass", &[], ""),
    ];
    for (name, extra, pw) in variants {
        let out = d.join(format!("{name}.p12"));
        let passout = format!("pass:{pw}");
        let extra = [&["-name", "mykey"][..], extra].concat();
        openssl_pkcs12(&key_path, &leaf_path, &passout, &out, &extra);
        assert_eq!(kc_list(&out, Some(&passout)), mykey, "{name}");
    }
    // -name / -caname with a chain: one key entry with the whole chain.
    let chain_p12 = d.join("chain.p12");
    openssl_pkcs12(
        &key_path,
        &leaf_path,
        "pass:changeit",
        &chain_p12,
        &[
            "-certfile",
            p(&pki.path("inter+root.pem")),
            "-name",
            "server",
            "-caname",
            "intermediate",
            "-caname",
            "root",
        ],
    );
    let want: Listing = [(
        "server".to_string(),
        "private-key".to_string(),
        pki.chain_fps(),
    )]
    .into_iter()
    .collect();
    assert_eq!(kc_list(&chain_p12, Some(PASS)), want);
    // A key without its certificate is a key entry with an empty chain.
    let nocert = d.join("nocert.p12");
    peer(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-nocerts",
            "-inkey",
            key,
            "-name",
            "lonely",
            "-out",
            p(&nocert),
            "-passout",
            "pass:changeit",
        ],
    );
    let listing = kc_list(&nocert, Some(PASS));
    assert_eq!(
        listing,
        [("lonely".to_string(), "private-key".to_string(), vec![])]
            .into_iter()
            .collect()
    );
    let text = ok(&["store", "list", p(&nocert), "--pass", PASS, "--long"]);
    assert!(text.contains("(no certificate)"), "{text}");
    let text = ok(&["store", "list", p(&nocert), "--pass", PASS]);
    assert!(text.contains("no-chain"), "{text}");
    // A keytool-made store: compare with keytool's own listing.
    let kt = d.join("kt.p12");
    let kt_args = |extra: &[&str]| {
        let mut a = vec![
            "-keystore",
            p(&kt),
            "-storepass",
            "changeit",
            "-storetype",
            "PKCS12",
        ];
        a.extend(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let a = kt_args(&[
        "-genkeypair",
        "-alias",
        "gen",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=gen",
        "-validity",
        "30",
    ]);
    peer("keytool", &a.iter().map(String::as_str).collect::<Vec<_>>());
    let a = kt_args(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "other",
        "-file",
        p(&pki.path("other.pem")),
    ]);
    peer("keytool", &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        kc_list(&kt, Some(PASS)),
        keytool_list(&kt, "PKCS12", Some("changeit"))
    );
}

#[test]
fn import_bundles_duplicates_keys() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let store = d.join("trust.p12");
    let bundle_path = pki.path("bundle.pem");
    let bundle = p(&bundle_path);
    let err = ok_stderr(&[
        "store",
        "import",
        p(&store),
        "--cert",
        bundle,
        "--pass",
        PASS,
        "-v",
    ]);
    assert_eq!(err.matches("added").count(), 3, "{err}");
    let listing = kc_list(&store, Some(PASS));
    assert_eq!(listing.len(), 3);
    let fps: BTreeSet<String> = listing.iter().map(|(_, _, f)| f[0].clone()).collect();
    let want: BTreeSet<String> = ["root", "inter", "other"]
        .iter()
        .map(|c| pki.fp(c))
        .collect();
    assert_eq!(fps, want);
    assert!(listing.iter().all(|(_, k, _)| k == "trusted-cert"));
    // Re-import: every certificate is skipped as a duplicate, the store is not changed.
    let before = std::fs::read(&store).unwrap();
    let err = ok_stderr(&[
        "store",
        "import",
        p(&store),
        "--cert",
        bundle,
        "--pass",
        PASS,
        "-v",
    ]);
    assert_eq!(err.matches("skipped").count(), 3, "{err}");
    assert_eq!(kc_list(&store, Some(PASS)), listing);
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "an import that adds nothing must not rewrite the store"
    );
    // Renaming an entry to its own name changes nothing either.
    let first = listing.iter().next().unwrap().0.clone();
    ok(&["store", "rename", p(&store), &first, &first, "--pass", PASS]);
    assert_eq!(std::fs::read(&store).unwrap(), before);
    // Same alias, another certificate: refused without --force, replaced with it.
    let taken = listing.iter().next().unwrap().0.clone();
    let before = std::fs::read(&store).unwrap();
    let err = fails(
        &[
            "store",
            "import",
            p(&store),
            "--cert",
            p(&pki.path("leaf.pem")),
            "--alias",
            &taken,
            "--pass",
            PASS,
        ],
        1,
    );
    assert!(err.contains(&taken), "{err}");
    assert_eq!(std::fs::read(&store).unwrap(), before);
    ok(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&pki.path("leaf.pem")),
        "--alias",
        &taken,
        "--pass",
        PASS,
        "--force",
    ]);
    let after = kc_list(&store, Some(PASS));
    assert!(after.contains(&(taken.clone(), "trusted-cert".into(), vec![pki.fp("leaf")])));
    assert_eq!(after.len(), 3);
    // --key with --chain (keytool cannot do this), into the same store.
    ok(&[
        "store",
        "import",
        p(&store),
        "--key",
        p(&pki.path("leaf.key")),
        "--chain",
        p(&pki.path("chain.pem")),
        "--alias",
        "server",
        "--pass",
        PASS,
    ]);
    let after = kc_list(&store, Some(PASS));
    assert!(after.contains(&("server".into(), "private-key".into(), pki.chain_fps())));
    // A key whose certificate is for another key is refused.
    let before = std::fs::read(&store).unwrap();
    let err = fails(
        &[
            "store",
            "import",
            p(&store),
            "--key",
            p(&pki.path("stray.key")),
            "--chain",
            p(&pki.path("chain.pem")),
            "--alias",
            "bad",
            "--pass",
            PASS,
        ],
        1,
    );
    assert!(err.contains("does not match"), "{err}");
    assert_eq!(std::fs::read(&store).unwrap(), before);
    assert_eq!(
        keytool_list(&store, "PKCS12", Some("changeit")),
        kc_list(&store, Some(PASS))
    );
    no_temp_files(d);
}

/// `--cert` takes every certificate of the file in file order and passes over the rest: a
/// legacy-encrypted key before them (as `openssl ec -aes128` writes one) needs no password.
#[test]
fn import_cert_reads_certificates_in_file_order_past_an_encrypted_key() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let key = peer(
        "openssl",
        &[
            "ec",
            "-in",
            p(&pki.path("leaf.key")),
            "-aes128",
            "-passout",
            "pass:secret",
        ],
    );
    assert!(key.contains("Proc-Type: 4,ENCRYPTED"), "{key}");
    let mut file = key;
    for c in ["leaf", "root", "inter"] {
        file.push_str(&std::fs::read_to_string(pki.path(&format!("{c}.pem"))).unwrap());
    }
    let mixed = d.join("mixed.pem");
    std::fs::write(&mixed, file).unwrap();
    let store = d.join("mixed.p12");
    let err = ok_stderr(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&mixed),
        "--pass",
        PASS,
        "-v",
    ]);
    let added: Vec<&str> = err.lines().filter(|l| l.starts_with("added")).collect();
    assert_eq!(added.len(), 3, "{err}");
    let json = kc_json(&store, PASS);
    let fps: Vec<&str> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["chain"][0]["sha256"].as_str().unwrap())
        .collect();
    let want: Vec<String> = ["leaf", "root", "inter"]
        .iter()
        .map(|c| pki.fp(c))
        .collect();
    assert_eq!(fps, want, "entries in the file's order");
    assert_eq!(
        keytool_list(&store, "PKCS12", Some("changeit")),
        kc_list(&store, Some(PASS))
    );
}

#[test]
fn export_key_entry() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let store = d.join("server.p12");
    ok(&[
        "store",
        "import",
        p(&store),
        "--key",
        p(&pki.path("leaf.key")),
        "--chain",
        p(&pki.path("chain.pem")),
        "--alias",
        "server",
        "--pass",
        PASS,
    ]);
    let chain = d.join("out-chain.pem");
    let key = d.join("out.key");
    ok(&[
        "store",
        "export",
        p(&store),
        "--alias",
        "server",
        "--out",
        p(&chain),
        "--key-out",
        p(&key),
        "--pass",
        PASS,
    ]);
    assert_eq!(mode(&key), 0o600);
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(
        key_text.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{key_text}"
    );
    peer("openssl", &["pkey", "-check", "-noout", "-in", p(&key)]);
    let chain_text = std::fs::read_to_string(&chain).unwrap();
    assert_eq!(chain_text.matches("BEGIN CERTIFICATE").count(), 3);
    let pub_key = peer("openssl", &["pkey", "-in", p(&key), "-pubout"]);
    let pub_cert = peer("openssl", &["x509", "-in", p(&chain), "-noout", "-pubkey"]);
    assert_eq!(pub_key, pub_cert);
    assert_eq!(sha256_of_pem(&chain), pki.fp("leaf"));
    // Encrypted key with --out-pass.
    let enc = d.join("enc.key");
    ok(&[
        "store",
        "export",
        p(&store),
        "--alias",
        "server",
        "--key-out",
        p(&enc),
        "--out",
        p(&d.join("c2.pem")),
        "--out-pass",
        "pass:secret",
        "--pass",
        PASS,
    ]);
    assert_eq!(mode(&enc), 0o600);
    assert!(
        std::fs::read_to_string(&enc)
            .unwrap()
            .contains("BEGIN ENCRYPTED PRIVATE KEY")
    );
    peer(
        "openssl",
        &[
            "pkey",
            "-check",
            "-noout",
            "-in",
            p(&enc),
            "-passin",
            "pass:secret",
        ],
    );
    // One-entry PKCS#12 that openssl reads.
    let one = d.join("one.p12");
    ok(&[
        "store",
        "export",
        p(&store),
        "--alias",
        "server",
        "--format",
        "p12",
        "--out",
        p(&one),
        "--out-pass",
        "pass:other",
        "--pass",
        PASS,
    ]);
    openssl_info(&one, "pass:other");
    let keyout = peer(
        "openssl",
        &[
            "pkcs12",
            "-in",
            p(&one),
            "-passin",
            "pass:other",
            "-nocerts",
            "-noenc",
        ],
    );
    assert!(keyout.contains("PRIVATE KEY"));
    assert_eq!(
        kc_list(&one, Some("pass:other")),
        [(
            "server".to_string(),
            "private-key".to_string(),
            pki.chain_fps()
        )]
        .into_iter()
        .collect()
    );
    // Existing output is not replaced without --force.
    fails(
        &[
            "store",
            "export",
            p(&store),
            "--alias",
            "server",
            "--key-out",
            p(&key),
            "--pass",
            PASS,
        ],
        1,
    );
    no_temp_files(d);
}

#[test]
fn delete_rename_passwd_keep_preset() {
    if !peers() {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    for preset in ["legacy", "java11"] {
        let store = d.join(format!("{preset}.p12"));
        ok(&[
            "store",
            "import",
            p(&store),
            "--key",
            p(&pki.path("leaf.key")),
            "--chain",
            p(&pki.path("chain.pem")),
            "--alias",
            "server",
            "--compat",
            preset,
            "--pass",
            PASS,
        ]);
        ok(&[
            "store",
            "import",
            p(&store),
            "--cert",
            p(&pki.path("other.pem")),
            "--pass",
            PASS,
        ]);
        ok(&[
            "store",
            "import",
            p(&store),
            "--cert",
            p(&pki.path("root.pem")),
            "--alias",
            "root",
            "--pass",
            PASS,
            "--force",
        ]);
        let prot = protection(&store, PASS);
        assert!(
            prot.iter()
                .any(|l| l == &format!("matches preset: {preset}")),
            "{prot:?}"
        );
        let n = kc_list(&store, Some(PASS)).len();
        assert_eq!(n, 3);
        let victim = kc_list(&store, Some(PASS))
            .into_iter()
            .find(|(_, k, _)| k == "trusted-cert")
            .unwrap()
            .0;
        ok(&["store", "delete", p(&store), &victim, "--pass", PASS]);
        assert_eq!(protection(&store, PASS), prot, "after delete");
        assert_eq!(kc_list(&store, Some(PASS)).len(), 2);
        fails(&["store", "delete", p(&store), &victim, "--pass", PASS], 1);
        ok(&[
            "store",
            "rename",
            p(&store),
            "server",
            "web",
            "--pass",
            PASS,
        ]);
        assert_eq!(protection(&store, PASS), prot, "after rename");
        assert!(kc_list(&store, Some(PASS)).contains(&(
            "web".into(),
            "private-key".into(),
            pki.chain_fps()
        )));
        ok(&[
            "store",
            "passwd",
            p(&store),
            "--pass",
            PASS,
            "--new-pass",
            "pass:newpass",
        ]);
        assert_eq!(protection(&store, "pass:newpass"), prot, "after passwd");
        let err = fails(&["store", "list", p(&store), "--pass", PASS], 1);
        assert!(err.contains("wrong password"), "{err}");
        let listing = kc_list(&store, Some("pass:newpass"));
        assert_eq!(keytool_list(&store, "PKCS12", Some("newpass")), listing);
        let old = Command::new("keytool")
            .args([
                "-list",
                "-storetype",
                "PKCS12",
                "-keystore",
                p(&store),
                "-storepass",
                "changeit",
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!old.status.success(), "keytool accepted the old password");
        openssl_info(&store, "pass:newpass");
        assert_eq!(mode(&store), 0o600);
    }
    no_temp_files(d);
}

/// Finds `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn bad_input_fails_cleanly_and_leaves_store_unchanged() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = Pki::new();
    let d = pki.dir.path();
    let good = d.join("good.p12");
    ok(&[
        "store",
        "import",
        p(&good),
        "--key",
        p(&pki.path("leaf.key")),
        "--chain",
        p(&pki.path("chain.pem")),
        "--alias",
        "server",
        "--pass",
        PASS,
    ]);
    ok(&[
        "store",
        "import",
        p(&good),
        "--cert",
        p(&pki.path("other.pem")),
        "--alias",
        "other",
        "--pass",
        PASS,
    ]);
    let bytes = std::fs::read(&good).unwrap();
    let mut variants: Vec<(&str, Vec<u8>, &str)> =
        vec![("wrong-password", bytes.clone(), "pass:nope")];
    // The MAC value is the last OCTET STRING of 32 bytes (HMAC-SHA256): flip its last byte's
    // neighbourhood inside the MacData, found by searching for the sha256 OID before it.
    let mut mac = bytes.clone();
    let sha256_oid = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let mac_at = mac
        .windows(sha256_oid.len())
        .rposition(|w| w == sha256_oid)
        .expect("MAC algorithm");
    // digest OID, NULL?, then OCTET STRING 32 bytes
    let digest_at = find(&mac[mac_at..], &[0x04, 0x20]).unwrap() + mac_at + 2;
    mac[digest_at + 5] ^= 0x01;
    variants.push(("corrupted-mac", mac, PASS));
    variants.push(("truncated", bytes[..bytes.len() / 2].to_vec(), PASS));
    variants.push(("truncated-tiny", bytes[..10].to_vec(), PASS));
    // Unknown encryption: patch the AES-256-CBC OID (2.16.840.1.101.3.4.1.42) to .1.127.
    let aes = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A,
    ];
    let mut oid = bytes.clone();
    let mut n = 0;
    while let Some(i) = find(&oid, &aes) {
        oid[i + 10] = 0x7F;
        n += 1;
    }
    assert!(n >= 1);
    // The MAC no longer matches either way; the error must still be clean.
    variants.push(("unknown-oid", oid, PASS));
    // Without a MAC the decoder itself meets the unknown OID (on the key).
    let nomac_path = d.join("nomac-src.p12");
    openssl_pkcs12(
        &pki.path("leaf.key"),
        &pki.path("leaf.pem"),
        "pass:changeit",
        &nomac_path,
        &["-nomac", "-name", "server"],
    );
    let mut nomac = std::fs::read(&nomac_path).unwrap();
    std::fs::remove_file(&nomac_path).unwrap();
    let i = find(&nomac, &aes).expect("AES OID in the key bag");
    nomac[i + 10] = 0x7F;
    variants.push(("unknown-oid-nomac", nomac, PASS));
    let mut garbage = bytes.clone();
    for b in garbage.iter_mut().skip(40).step_by(7) {
        *b ^= 0x5A;
    }
    variants.push(("garbage", garbage, PASS));

    let other_path = pki.path("other.pem");
    let other = p(&other_path);
    for (name, content, pass) in &variants {
        let store = d.join(format!("{name}.p12"));
        let out_dir = d.join(format!("out-{name}"));
        std::fs::create_dir(&out_dir).unwrap();
        let outp = |f: &str| out_dir.join(f).to_str().unwrap().to_string();
        let s = p(&store).to_string();
        let (o1, o2, o3) = (outp("x.pem"), outp("x.key"), outp("x.p12"));
        let commands: Vec<Vec<&str>> = vec![
            vec!["store", "list", &s, "--pass", pass],
            vec!["store", "list", &s, "--pass", pass, "--json"],
            vec!["show", &s, "--pass", pass],
            vec![
                "store",
                "export",
                &s,
                "--alias",
                "server",
                "--out",
                &o1,
                "--key-out",
                &o2,
                "--pass",
                pass,
            ],
            vec!["store", "convert", &s, &o3, "--pass", pass],
            vec![
                "store", "import", &s, "--cert", other, "--alias", "x", "--pass", pass,
            ],
            vec!["store", "delete", &s, "other", "--pass", pass],
            vec!["store", "rename", &s, "other", "x", "--pass", pass],
            vec![
                "store",
                "passwd",
                &s,
                "--pass",
                pass,
                "--new-pass",
                "pass:new",
            ],
        ];
        for args in commands {
            std::fs::write(&store, content).unwrap();
            let out = run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name}: {args:?}: {stderr}");
            assert!(!stderr.contains("panicked"), "{name}: {args:?}: {stderr}");
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{name}: {args:?}: not one line: {stderr}");
            assert!(
                lines[0].starts_with("keychest: error: "),
                "{name}: {stderr}"
            );
            assert_eq!(
                &std::fs::read(&store).unwrap(),
                content,
                "{name}: {args:?} changed STORE"
            );
            assert_eq!(
                std::fs::read_dir(&out_dir).unwrap().count(),
                0,
                "{name}: {args:?} wrote output"
            );
            no_temp_files(d);
        }
    }
}
