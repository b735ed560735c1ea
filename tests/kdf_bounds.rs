//! End-to-end bounds on password-based key derivation (issue 11): hostile parameters in a
//! key file or store are refused in well under a second with an error naming the parameter
//! and the file, instead of hanging or aborting; the per-command budget is configurable;
//! RC2-128 shrouded keys written by OpenSSL can be exported and converted.

mod common;

use std::time::{Duration, Instant};

use common::der::{der, oid, pbes2_key_pem, seq, uint};
use common::stores::{assert_exports_key, openssl_pkcs12};
use common::{fails, have, ok, openssl_self_signed, p, peer};

/// Runs `args` expecting exit 1 within a second; returns stderr.
fn refused_quickly(args: &[&str]) -> String {
    let t = Instant::now();
    let err = fails(args, 1);
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}: {err}",
        t.elapsed()
    );
    err
}

#[test]
fn pbkdf2_key_with_2_pow_31_iterations_is_refused_not_hung() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("hostile.key");
    let prf = seq(&[&oid("1.2.840.113549.2.9"), &[0x05, 0x00]]);
    let params = seq(&[&der(0x04, &[1; 8]), &uint(1 << 31), &prf]);
    let kdf = seq(&[&oid("1.2.840.113549.1.5.12"), &params]);
    std::fs::write(&key, pbes2_key_pem(&kdf)).unwrap();
    let err = refused_quickly(&["key", "pub", p(&key), "--pass", "pass:x"]);
    assert!(
        err.contains("PBKDF2 iteration count 2147483648 is over the limit of 10000000"),
        "{err}"
    );
    assert!(
        err.contains("hostile.key"),
        "the error names the file: {err}"
    );
}

#[test]
fn scrypt_key_with_n_2_pow_36_is_refused_not_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("scrypt.key");
    let params = seq(&[&der(0x04, &[1; 8]), &uint(1 << 36), &uint(8), &uint(1)]);
    let kdf = seq(&[&oid("1.3.6.1.4.1.11591.4.11"), &params]);
    std::fs::write(&key, pbes2_key_pem(&kdf)).unwrap();
    let err = refused_quickly(&["key", "pub", p(&key), "--pass", "pass:x"]);
    assert!(err.contains("scrypt memory"), "{err}");
    assert!(err.contains("268435456"), "{err}");
}

#[test]
fn openssl_scrypt_key_within_bounds_decrypts() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.key");
    let enc = dir.path().join("enc.key");
    peer(
        "openssl",
        &["genpkey", "-algorithm", "ed25519", "-out", p(&plain)],
    );
    peer(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            p(&plain),
            "-out",
            p(&enc),
            "-scrypt",
            "-passout",
            "pass:secret",
        ],
    );
    let want = ok(&["key", "pub", p(&plain)]);
    assert_eq!(ok(&["key", "pub", p(&enc), "--pass", "pass:secret"]), want);
}

#[test]
fn the_kdf_budget_is_configurable_and_named_in_the_error() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.key");
    let enc = dir.path().join("enc.key");
    peer(
        "openssl",
        &["genpkey", "-algorithm", "ed25519", "-out", p(&plain)],
    );
    peer(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            p(&plain),
            "-out",
            p(&enc),
            "-v2",
            "aes-256-cbc",
            "-iter",
            "100000",
            "-passout",
            "pass:secret",
        ],
    );
    let out = common::keychest()
        .args(["key", "pub", p(&enc), "--pass", "pass:secret"])
        .env("KEYCHEST_KDF_BUDGET", "1000")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("KEYCHEST_KDF_BUDGET"), "{err}");
    assert!(
        err.contains("PBKDF2-HMAC-SHA-256 (100000 iterations)"),
        "{err}"
    );
    // The default budget allows it.
    ok(&["key", "pub", p(&enc), "--pass", "pass:secret"]);
}

/// `doctor` reads files on worker threads: each file gets the per-command budget, as if a
/// command read it alone, instead of none at all.
#[test]
fn doctor_checks_each_file_within_the_kdf_budget() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    openssl_self_signed(&key, &cert, "/CN=budget.test", 30, &[]);
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    openssl_pkcs12(&key, &cert, "pass:pw", &tree.join("s.p12"), &[]);
    let doctor = |budget: Option<&str>| {
        let mut c = common::keychest();
        c.args(["doctor", p(&tree), "--pass", "pass:pw"]);
        if let Some(b) = budget {
            c.env("KEYCHEST_KDF_BUDGET", b);
        }
        c.output().unwrap()
    };
    let out = doctor(Some("1000"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("store.unreadable"), "{text}");
    assert!(text.contains("KEYCHEST_KDF_BUDGET"), "{text}");
    // The default budget reads it.
    let out = doctor(None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("store.unreadable"), "{text}");
}

#[test]
fn rc2_128_shrouded_key_from_openssl_exports_and_converts() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("leaf.key");
    let cert = d.join("leaf.pem");
    openssl_self_signed(&key, &cert, "/CN=rc2", 2, &[]);
    let p12 = d.join("rc2.p12");
    openssl_pkcs12(
        &key,
        &cert,
        "pass:changeit",
        &p12,
        &[
            "-legacy",
            "-keypbe",
            "PBE-SHA1-RC2-128",
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-name",
            "rc2",
        ],
    );
    assert_exports_key(&p12, "pass:changeit", "rc2", &key);
    let jks = d.join("rc2.jks");
    ok(&[
        "store",
        "convert",
        p(&p12),
        p(&jks),
        "--pass",
        "pass:changeit",
    ]);
    let listing = ok(&["store", "list", p(&jks), "--pass", "pass:changeit"]);
    assert!(listing.contains("rc2"), "{listing}");
}
