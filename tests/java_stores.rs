//! End-to-end `keychest store` tests for JKS and JCEKS against the JDK (issue #5): stores
//! made by keytool are listed and their keys exported; stores keychest writes are accepted
//! by keytool (listing, -certreq with each key, -importkeystore); round trips through
//! PKCS#12 keep every entry, key and secret key (checked with a small Java program); bad
//! input fails cleanly and leaves STORE untouched.
//!
//! Needs keytool, java, javac and openssl (see `tests/common/peers.rs`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::stores::kc_list;
use common::{Listing, fails, fixture, have, mode, ok, ok_stderr, p, parse_keytool, run};

const PASS: &str = "pass:changeit";

fn peers() -> bool {
    have(&["keytool", "openssl", "javac", "java"])
}

fn kc_json(store: &Path, pass: Option<&str>) -> serde_json::Value {
    let mut args = vec!["store", "list", p(store), "--json"];
    if let Some(pw) = pass {
        args.extend(["--pass", pw]);
    }
    serde_json::from_str(&ok(&args)).expect("json")
}

fn raw(tool: &str, args: &[&str]) -> Output {
    Command::new(tool)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"))
}

fn tool(tool: &str, args: &[&str]) -> String {
    let out = raw(tool, args);
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn keytool_list(store: &Path, storetype: &str, pass: &str) -> Listing {
    parse_keytool(&tool(
        "keytool",
        &[
            "-list",
            "-v",
            "-storetype",
            storetype,
            "-keystore",
            p(store),
            "-storepass",
            pass,
        ],
    ))
}

/// Runs closures in parallel (each typically starts a JVM).
fn parallel<T: Send>(jobs: Vec<Box<dyn FnOnce() -> T + Send + '_>>) -> Vec<T> {
    std::thread::scope(|s| {
        let hs: Vec<_> = jobs.into_iter().map(|j| s.spawn(j)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn no_temp_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".keychest-tmp."), "temp file left: {name}");
    }
}

/// Exports ALIAS's chain and key to PEM; checks the key with openssl and against the
/// certificate; returns the key PEM.
fn export_and_check(dir: &Path, store: &Path, alias: &str, extra: &[&str]) -> String {
    let tag = format!("{}-{}", store.file_name().unwrap().to_string_lossy(), alias);
    let crt = dir.join(format!("{tag}.crt"));
    let key = dir.join(format!("{tag}.key"));
    let mut args = vec![
        "store",
        "export",
        p(store),
        "--alias",
        alias,
        "--out",
        p(&crt),
        "--key-out",
        p(&key),
        "--force",
    ];
    args.extend(extra);
    ok(&args);
    assert_eq!(mode(&key), 0o600);
    tool("openssl", &["pkey", "-check", "-noout", "-in", p(&key)]);
    let pub_key = tool("openssl", &["pkey", "-in", p(&key), "-pubout"]);
    let pub_cert = tool("openssl", &["x509", "-in", p(&crt), "-noout", "-pubkey"]);
    assert_eq!(
        pub_key, pub_cert,
        "{tag}: key does not match its certificate"
    );
    std::fs::read_to_string(&key).unwrap()
}

const SECRET_DUMP: &str = r#"
import java.security.Key;
import java.security.KeyStore;
import java.io.FileInputStream;
public class SecretDump {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance(a[0]);
        try (FileInputStream in = new FileInputStream(a[1])) { ks.load(in, a[2].toCharArray()); }
        for (int i = 3; i < a.length; i++) {
            String[] ap = a[i].split("=", 2);
            Key k = ks.getKey(ap[0], ap[1].toCharArray());
            StringBuilder sb = new StringBuilder();
            for (byte b : k.getEncoded()) sb.append(String.format("%02x", b));
            System.out.println(ap[0] + " " + k.getAlgorithm() + " " + sb);
        }
    }
}
"#;

/// Compiles SecretDump.java into `dir`.
fn compile_secret_dump(dir: &Path) {
    std::fs::write(dir.join("SecretDump.java"), SECRET_DUMP).unwrap();
    tool("javac", &["-d", p(dir), p(&dir.join("SecretDump.java"))]);
}

/// alias → "ALGORITHM HEX" of each secret key, as Java loads it.
fn secret_dump(
    dir: &Path,
    storetype: &str,
    store: &Path,
    keys: &[&str],
) -> BTreeMap<String, String> {
    secret_dump_pw(dir, storetype, store, "changeit", keys)
}

fn secret_dump_pw(
    dir: &Path,
    storetype: &str,
    store: &Path,
    store_pass: &str,
    keys: &[&str],
) -> BTreeMap<String, String> {
    let mut args = vec!["-cp", p(dir), "SecretDump", storetype, p(store), store_pass];
    args.extend(keys);
    tool("java", &args)
        .lines()
        .map(|l| {
            let (alias, rest) = l.split_once(' ').unwrap();
            (alias.to_string(), rest.to_string())
        })
        .collect()
}

#[test]
fn keytool_made_stores_are_listed_and_keys_export() {
    if !peers() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stores = [
        ("jks/rsa_chain.jks", "JKS"),
        ("jks/mixed.jks", "JKS"),
        ("jks/secrets.jceks", "JCEKS"),
    ];
    let listings = parallel(
        stores
            .iter()
            .map(|(f, t)| {
                Box::new(move || keytool_list(&fixture(f), t, "changeit"))
                    as Box<dyn FnOnce() -> Listing + Send>
            })
            .collect(),
    );
    for ((f, _), want) in stores.iter().zip(&listings) {
        assert!(!want.is_empty());
        let path = fixture(f);
        assert_eq!(&kc_list(&path, Some(PASS)), want, "{f}");
        // Without a password: same entries, and a warning that integrity was not checked.
        assert_eq!(&kc_list(&path, None), want, "{f} without password");
        let doc = kc_json(&path, None);
        assert_eq!(doc["integrity_checked"], false);
        let text = ok(&["store", "list", p(&path)]);
        assert!(text.contains("warning: integrity not checked"), "{text}");
        let doc = kc_json(&path, Some(PASS));
        assert_eq!(doc["integrity_checked"], true);
    }
    // Chains as keytool built them (leaf ← inter ← root).
    assert!(
        listings[0]
            .iter()
            .any(|(a, k, c)| a == "leaf" && k == "private-key" && c.len() == 3)
    );
    // Keys export to PEM that openssl accepts and that matches the certificate.
    let rsa = fixture("jks/rsa_chain.jks");
    let mixed = fixture("jks/mixed.jks");
    let secrets = fixture("jks/secrets.jceks");
    for alias in ["leaf", "ec"] {
        export_and_check(d, &rsa, alias, &["--pass", PASS]);
    }
    export_and_check(
        d,
        &mixed,
        "otherpass",
        &["--pass", PASS, "--key-pass", "pass:otherpass"],
    );
    export_and_check(d, &secrets, "rsa", &["--pass", PASS]);
    export_and_check(
        d,
        &secrets,
        "ec",
        &["--pass", PASS, "--key-pass", "pass:otherpass"],
    );
    // A wrong key password is reported by alias.
    let err = fails(
        &[
            "store",
            "export",
            p(&mixed),
            "--alias",
            "otherpass",
            "--key-out",
            p(&d.join("x.key")),
            "--pass",
            PASS,
        ],
        1,
    );
    assert!(err.contains("'otherpass'"), "{err}");
    assert!(!d.join("x.key").exists());
    no_temp_files(d);
}

#[test]
fn key_passwords_per_alias() {
    if !peers() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mixed = fixture("jks/mixed.jks");
    // The emoji alias goes into the PKCS#12 friendlyName as UTF-16 with a surrogate pair,
    // as Java writes it, and reads back unchanged.
    ok(&[
        "store",
        "convert",
        p(&mixed),
        p(&d.join("mixed.p12")),
        "--pass",
        PASS,
        "--key-pass",
        "otherpass=pass:otherpass",
    ]);
    let listed = ok(&[
        "store",
        "list",
        p(&d.join("mixed.p12")),
        "--pass",
        PASS,
        "--json",
    ]);
    assert!(listed.contains("clé-ключ-😀"), "{listed}");
    let out = d.join("mixed.jceks");
    let err = fails(&["store", "convert", p(&mixed), p(&out), "--pass", PASS], 1);
    assert!(err.contains("'otherpass'"), "{err}");
    assert!(!out.exists());
    ok(&[
        "store",
        "convert",
        p(&mixed),
        p(&out),
        "--pass",
        PASS,
        "--key-pass",
        "otherpass=pass:otherpass",
    ]);
    assert_eq!(kc_list(&out, Some(PASS)), kc_list(&mixed, Some(PASS)));
    assert_eq!(
        keytool_list(&out, "JCEKS", "changeit"),
        kc_list(&mixed, Some(PASS))
    );
    // The key is now under the store password.
    export_and_check(d, &out, "otherpass", &["--pass", PASS]);

    let secrets = fixture("jks/secrets.jceks");
    let out = d.join("secrets.p12");
    let err = fails(
        &["store", "convert", p(&secrets), p(&out), "--pass", PASS],
        1,
    );
    assert!(err.contains("'ec'") || err.contains("'desede'"), "{err}");
    ok(&[
        "store",
        "convert",
        p(&secrets),
        p(&out),
        "--pass",
        PASS,
        "--key-pass",
        "ec=pass:otherpass",
        "--key-pass",
        "desede=pass:otherpass",
    ]);
    assert_eq!(kc_list(&out, Some(PASS)), kc_list(&secrets, Some(PASS)));
    no_temp_files(d);
}

#[test]
fn written_java_stores_are_accepted_by_keytool() {
    if !peers() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // PKCS#12 (made by keytool) → JKS.
    let src = fixture("pkcs12/keytool-chain.p12");
    let jks = d.join("from-p12.jks");
    ok(&["store", "convert", p(&src), p(&jks), "--pass", PASS]);
    assert_eq!(mode(&jks), 0o600);
    // PEM (key, chain and a CA) → JCEKS.
    let pem = d.join("in.pem");
    let mut text = std::fs::read_to_string(fixture("certs/leaf.key.pem")).unwrap();
    text.push_str(&std::fs::read_to_string(fixture("certs/chain.pem")).unwrap());
    std::fs::write(&pem, text).unwrap();
    let jceks = d.join("from-pem.jceks");
    ok(&["store", "convert", p(&pem), p(&jceks), "--out-pass", PASS]);
    let want_jks = kc_list(&src, Some(PASS));
    let want_jceks = kc_list(&jceks, Some(PASS));
    assert_eq!(kc_list(&jks, Some(PASS)), want_jks);
    let key_alias = want_jceks
        .iter()
        .find(|(_, k, _)| k == "private-key")
        .expect("a key entry from PEM")
        .0
        .clone();
    let p12_a = d.join("a.p12");
    let p12_b = d.join("b.p12");
    let certreq = |store: &Path, t: &'static str, alias: String| {
        let store = store.to_path_buf();
        Box::new(move || {
            let out = raw(
                "keytool",
                &[
                    "-certreq",
                    "-alias",
                    &alias,
                    "-storetype",
                    t,
                    "-keystore",
                    p(&store),
                    "-storepass",
                    "changeit",
                ],
            );
            let s = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success() && s.contains("BEGIN NEW CERTIFICATE REQUEST"),
                "keytool -certreq {alias} in {}: {}",
                store.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            Listing::new()
        }) as Box<dyn FnOnce() -> Listing + Send>
    };
    let import = |from: PathBuf, t: &'static str, to: PathBuf| {
        Box::new(move || {
            tool(
                "keytool",
                &[
                    "-importkeystore",
                    "-srckeystore",
                    p(&from),
                    "-srcstoretype",
                    t,
                    "-srcstorepass",
                    "changeit",
                    "-destkeystore",
                    p(&to),
                    "-deststoretype",
                    "PKCS12",
                    "-deststorepass",
                    "changeit",
                    "-noprompt",
                ],
            );
            Listing::new()
        }) as Box<dyn FnOnce() -> Listing + Send>
    };
    let mut jobs: Vec<Box<dyn FnOnce() -> Listing + Send>> = vec![
        {
            let jks = jks.clone();
            Box::new(move || keytool_list(&jks, "JKS", "changeit"))
        },
        {
            let jceks = jceks.clone();
            Box::new(move || keytool_list(&jceks, "JCEKS", "changeit"))
        },
        import(jks.clone(), "JKS", p12_a.clone()),
        import(jceks.clone(), "JCEKS", p12_b.clone()),
        certreq(&jceks, "JCEKS", key_alias),
    ];
    for alias in ["root", "ca", "server"] {
        jobs.push(certreq(&jks, "JKS", alias.to_string()));
    }
    let results = parallel(jobs);
    assert_eq!(results[0], want_jks);
    assert_eq!(results[1], want_jceks);
    assert_eq!(kc_list(&p12_a, Some(PASS)), want_jks);
    assert_eq!(kc_list(&p12_b, Some(PASS)), want_jceks);
    // Alias case: Java aliases are lower-case, and keychest says so.
    let err = ok_stderr(&[
        "store",
        "import",
        p(&jks),
        "--cert",
        p(&fixture("certs/leaf-rsa.crt")),
        "--alias",
        "MyAlias",
        "--pass",
        PASS,
    ]);
    assert!(err.contains("'myalias'"), "{err}");
    assert!(
        kc_list(&jks, Some(PASS))
            .iter()
            .any(|(a, _, _)| a == "myalias")
    );
    let doc = kc_json(&jks, Some(PASS));
    assert!(
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["alias"] == "myalias")
    );
    no_temp_files(d);
}

#[test]
fn round_trips_through_pkcs12_keep_everything() {
    if !peers() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    compile_secret_dump(d);
    // JKS → PKCS#12 → JKS.
    let jks = fixture("jks/rsa_chain.jks");
    let mid = d.join("rt.p12");
    let back = d.join("rt.jks");
    ok(&["store", "convert", p(&jks), p(&mid), "--pass", PASS]);
    ok(&["store", "convert", p(&mid), p(&back), "--pass", PASS]);
    assert_eq!(kc_list(&back, Some(PASS)), kc_list(&jks, Some(PASS)));
    for alias in ["leaf", "ec"] {
        assert_eq!(
            export_and_check(d, &back, alias, &["--pass", PASS]),
            export_and_check(d, &jks, alias, &["--pass", PASS]),
            "key of {alias} changed"
        );
    }
    // JCEKS (keys with two passwords, secret keys) → PKCS#12 → JCEKS.
    let jceks = fixture("jks/secrets.jceks");
    let mid2 = d.join("rt2.p12");
    let back2 = d.join("rt2.jceks");
    ok(&[
        "store",
        "convert",
        p(&jceks),
        p(&mid2),
        "--pass",
        PASS,
        "--key-pass",
        "ec=pass:otherpass",
        "--key-pass",
        "desede=pass:otherpass",
    ]);
    ok(&["store", "convert", p(&mid2), p(&back2), "--pass", PASS]);
    assert_eq!(kc_list(&back2, Some(PASS)), kc_list(&jceks, Some(PASS)));
    assert_eq!(
        export_and_check(d, &back2, "rsa", &["--pass", PASS]),
        export_and_check(d, &jceks, "rsa", &["--pass", PASS]),
    );
    assert_eq!(
        export_and_check(d, &back2, "ec", &["--pass", PASS]),
        export_and_check(
            d,
            &jceks,
            "ec",
            &["--pass", PASS, "--key-pass", "pass:otherpass"]
        ),
    );
    // JCEKS → JCEKS puts every key under the store password; passwd then re-seals them all.
    let same = d.join("same.jceks");
    ok(&[
        "store",
        "convert",
        p(&jceks),
        p(&same),
        "--pass",
        PASS,
        "--key-pass",
        "ec=pass:otherpass",
        "--key-pass",
        "desede=pass:otherpass",
    ]);
    ok(&[
        "store",
        "passwd",
        p(&same),
        "--pass",
        PASS,
        "--new-pass",
        "pass:newpass",
    ]);
    assert_eq!(
        kc_list(&same, Some("pass:newpass")),
        kc_list(&jceks, Some(PASS))
    );
    // Java sees the same entries and the same secret key bytes.
    let (back_c, back2_c, mid2_c, dir_c) =
        (back.clone(), back2.clone(), mid2.clone(), d.to_path_buf());
    let (jks_c, jceks_c) = (jks.clone(), jceks.clone());
    let dir_c2 = d.to_path_buf();
    let dir_c3 = d.to_path_buf();
    type Job = Box<dyn FnOnce() -> (Listing, BTreeMap<String, String>) + Send>;
    let mut jobs: Vec<Job> = vec![
        Box::new(move || (keytool_list(&back_c, "JKS", "changeit"), BTreeMap::new())),
        Box::new(move || (keytool_list(&jks_c, "JKS", "changeit"), BTreeMap::new())),
        Box::new(move || (keytool_list(&back2_c, "JCEKS", "changeit"), BTreeMap::new())),
        Box::new(move || (keytool_list(&jceks_c, "JCEKS", "changeit"), BTreeMap::new())),
        Box::new(move || {
            let before = secret_dump(
                &dir_c,
                "JCEKS",
                &fixture("jks/secrets.jceks"),
                &["aes256=changeit", "hmac=changeit", "desede=otherpass"],
            );
            (Listing::new(), before)
        }),
        Box::new(move || {
            let after = secret_dump(
                &dir_c2,
                "JCEKS",
                &back2,
                &["aes256=changeit", "hmac=changeit", "desede=changeit"],
            );
            (Listing::new(), after)
        }),
        Box::new(move || {
            let mid = secret_dump(
                &dir_c3,
                "PKCS12",
                &mid2_c,
                &["aes256=changeit", "hmac=changeit", "desede=changeit"],
            );
            (Listing::new(), mid)
        }),
    ];
    let dir_c4 = d.to_path_buf();
    jobs.push(Box::new(move || {
        let keys = [
            "aes256=newpass",
            "hmac=newpass",
            "desede=newpass",
            "ec=newpass",
        ];
        (
            Listing::new(),
            secret_dump_pw(&dir_c4, "JCEKS", &same, "newpass", &keys),
        )
    }));
    let r = parallel(jobs);
    assert_eq!(r[0].0, r[1].0, "JKS round trip as keytool lists it");
    assert_eq!(r[2].0, r[3].0, "JCEKS round trip as keytool lists it");
    assert_eq!(r[4].1.len(), 3);
    assert_eq!(r[4].1, r[5].1, "secret keys after JCEKS → PKCS#12 → JCEKS");
    let mut after_passwd = r[7].1.clone();
    assert!(after_passwd.remove("ec").unwrap().starts_with("EC "));
    assert_eq!(
        r[4].1, after_passwd,
        "secret keys after JCEKS → JCEKS and passwd"
    );
    // In PKCS#12 the DESede key may be reported under another algorithm name; bytes match.
    let hex = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(a, v)| (a.clone(), v.rsplit(' ').next().unwrap().to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        hex(&r[4].1),
        hex(&r[6].1),
        "secret keys in the intermediate PKCS#12"
    );
    no_temp_files(d);
}

#[test]
fn secret_keys_refused_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let jceks = fixture("jks/secrets.jceks");
    let key_pw = [
        "--key-pass",
        "ec=pass:otherpass",
        "--key-pass",
        "desede=pass:otherpass",
    ];
    for out in ["s.pem", "s.jks"] {
        let out = d.join(out);
        let mut args = vec!["store", "convert", p(&jceks), p(&out), "--pass", PASS];
        args.extend(key_pw);
        let err = fails(&args, 1);
        assert!(
            ["'aes256'", "'hmac'", "'desede'"]
                .iter()
                .any(|a| err.contains(a)),
            "{err}"
        );
        assert!(err.contains("--skip-unsupported"), "{err}");
        assert!(!out.exists());
        args.push("--skip-unsupported");
        let o = run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        for a in ["aes256", "hmac", "desede"] {
            assert!(err.contains(&format!("skipped secret key '{a}'")), "{err}");
        }
        let pass = if out.extension().unwrap() == "pem" {
            None
        } else {
            Some(PASS)
        };
        let listing = kc_list(&out, pass);
        assert_eq!(listing.len(), 3);
        assert!(listing.iter().all(|(_, k, _)| k != "secret-key"));
    }
    no_temp_files(d);
}

#[test]
fn debian_cacerts_lists_like_keytool() {
    let cacerts = Path::new("/etc/ssl/certs/java/cacerts");
    if !have(&["keytool", "/etc/ssl/certs/java/cacerts"]) {
        return;
    }
    let out = tool(
        "keytool",
        &["-list", "-keystore", p(cacerts), "-storepass", "changeit"],
    );
    let n: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("Your keystore contains "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let fps: BTreeSet<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Certificate fingerprint (SHA-256): "))
        .map(|f| f.trim().replace(':', "").to_lowercase())
        .collect();
    for pass in [None, Some(PASS)] {
        let listing = kc_list(cacerts, pass);
        assert_eq!(listing.len(), n);
        let ours: BTreeSet<String> = listing.iter().map(|(_, _, c)| c[0].clone()).collect();
        assert_eq!(ours, fps);
    }
}

#[test]
fn bad_java_input_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = std::fs::read(fixture("jks/rsa_chain.jks")).unwrap();
    let mut variants: Vec<(&str, Vec<u8>, &str)> =
        vec![("wrong-password", good.clone(), "pass:nope")];
    let mut digest = good.clone();
    let n = digest.len();
    digest[n - 3] ^= 0x01;
    variants.push(("corrupted-digest", digest, PASS));
    variants.push(("truncated", good[..good.len() / 2].to_vec(), PASS));
    variants.push(("truncated-header", good[..10].to_vec(), PASS));
    let mut count = good.clone();
    count[8..12].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    variants.push(("huge-count", count, PASS));
    let mut count = good.clone();
    count[8..12].copy_from_slice(&4u32.to_be_bytes());
    variants.push(("count-plus-one", count, PASS));
    let mut tag = good.clone();
    tag[12..16].copy_from_slice(&9u32.to_be_bytes());
    variants.push(("unknown-tag", tag, PASS));
    let mut jceks = std::fs::read(fixture("jks/secrets.jceks")).unwrap();
    let m = jceks.len();
    jceks[m / 2] ^= 0x40;
    variants.push(("jceks-flipped", jceks, PASS));
    let cert = fixture("certs/leaf-rsa.crt");
    for (name, content, pass) in &variants {
        let store = d.join(format!("{name}.jks"));
        let out_dir = d.join(format!("out-{name}"));
        std::fs::create_dir(&out_dir).unwrap();
        let outp = |f: &str| out_dir.join(f).to_str().unwrap().to_string();
        let s = p(&store).to_string();
        let (o1, o2, o3) = (outp("x.pem"), outp("x.key"), outp("x.p12"));
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["store", "list", &s, "--pass", pass],
            vec!["show", &s, "--pass", pass],
            vec![
                "store",
                "export",
                &s,
                "--alias",
                "leaf",
                "--out",
                &o1,
                "--key-out",
                &o2,
                "--pass",
                pass,
            ],
            vec!["store", "convert", &s, &o3, "--pass", pass],
            vec![
                "store",
                "import",
                &s,
                "--cert",
                p(&cert),
                "--alias",
                "x",
                "--pass",
                pass,
            ],
            vec!["store", "delete", &s, "root", "--pass", pass],
            vec!["store", "rename", &s, "root", "x", "--pass", pass],
            vec![
                "store",
                "passwd",
                &s,
                "--pass",
                pass,
                "--new-pass",
                "pass:newpass",
            ],
        ];
        if *name != "wrong-password" && *name != "corrupted-digest" && *name != "jceks-flipped" {
            // Structural damage is found even when listing without a password.
            commands.push(vec!["store", "list", &s]);
        }
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
