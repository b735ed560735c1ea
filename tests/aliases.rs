//! Java keystores compare aliases as Java does (`toLowerCase(Locale.ENGLISH)`, not ASCII
//! only), so an alias typed in another case finds its entry; PKCS#12 keeps case.

mod common;

use common::{fails, have, ok, openssl_self_signed, p};

fn cert(dir: &std::path::Path) -> std::path::PathBuf {
    let key = dir.join("k.pem");
    let cert = dir.join("c.pem");
    openssl_self_signed(&key, &cert, "/CN=alias", 2, &[]);
    cert
}

#[test]
fn jks_delete_finds_a_non_ascii_alias_in_another_case() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = cert(dir.path());
    let store = dir.path().join("t.jks");
    let pw = "pass:changeit";
    ok(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&c),
        "--alias",
        "zertifikat-ä",
        "--pass",
        pw,
    ]);
    let listing = ok(&["store", "list", p(&store), "--pass", pw]);
    assert!(listing.contains("zertifikat-ä"), "{listing}");
    ok(&["store", "delete", p(&store), "ZERTIFIKAT-Ä", "--pass", pw]);
    let listing = ok(&["store", "list", p(&store), "--pass", pw]);
    assert!(!listing.contains("zertifikat"), "{listing}");
}

#[test]
fn pkcs12_aliases_keep_case() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = cert(dir.path());
    let store = dir.path().join("t.p12");
    let pw = "pass:changeit";
    ok(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&c),
        "--alias",
        "Zertifikat-Ä",
        "--pass",
        pw,
    ]);
    fails(
        &["store", "delete", p(&store), "zertifikat-ä", "--pass", pw],
        1,
    );
    ok(&["store", "delete", p(&store), "Zertifikat-Ä", "--pass", pw]);
}
