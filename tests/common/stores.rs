//! Stores made by openssl for the store tests, and what keychest reads from them.

use std::path::Path;

use super::{Listing, ok, p, peer};

/// `openssl pkcs12 -export` of the key `key` with the certificates in `certs` (leaf first)
/// into `out`, protected with `-passout PASSOUT` (`pass:…`, `file:…`); `extra` options
/// (`-name`, `-legacy`, `-keypbe`, …) follow the common ones.
pub fn openssl_pkcs12(key: &Path, certs: &Path, passout: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        p(key),
        "-in",
        p(certs),
        "-passout",
        passout,
        "-out",
        p(out),
    ];
    args.extend_from_slice(extra);
    peer("openssl", &args);
}

/// Exports the key of `alias` from `store` (`--pass PASS`) with `store export --key-out`
/// and asserts that its public key, as openssl derives it, is that of `original_key`.
pub fn assert_exports_key(store: &Path, pass: &str, alias: &str, original_key: &Path) {
    let out = tempfile::tempdir().unwrap();
    let key = out.path().join("key.pem");
    ok(&[
        "store",
        "export",
        p(store),
        "--pass",
        pass,
        "--alias",
        alias,
        "--key-out",
        p(&key),
        "-o",
        p(&out.path().join("chain.pem")),
    ]);
    let exported = peer("openssl", &["pkey", "-in", p(&key), "-pubout"]);
    let original = peer("openssl", &["pkey", "-in", p(original_key), "-pubout"]);
    assert_eq!(
        exported,
        original,
        "the key of '{alias}' exported from {}",
        store.display()
    );
}

/// `keychest store list --json` (with `--pass PASS` when given) as a [`Listing`]: (lower-case
/// alias, kind, SHA-256 of each certificate of the chain).
pub fn kc_list(store: &Path, pass: Option<&str>) -> Listing {
    let mut args = vec!["store", "list", p(store), "--json"];
    if let Some(pw) = pass {
        args.extend(["--pass", pw]);
    }
    let doc: serde_json::Value = serde_json::from_str(&ok(&args)).expect("json");
    doc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["alias"].as_str().unwrap().to_lowercase(),
                e["kind"].as_str().unwrap().to_string(),
                e["chain"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["sha256"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}
