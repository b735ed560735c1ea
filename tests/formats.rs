//! Formats people are handed (issue 12): PKCS#7 certificate bundles (`.p7b`, DER, BER and PEM)
//! read by every command that loads a file and written by `store convert`, and BER PKCS#12
//! (indefinite lengths, chunked OCTET STRINGs) as NSS `pk12util` and Windows export write it.
//! Each is checked against the real peer that makes or reads it: `openssl crl2pkcs7`,
//! `openssl pkcs7`, `openssl pkcs12`, `keytool -printcert`/`-list`, `certutil`/`pk12util`.

mod common;

use std::path::Path;

use base64ct::Encoding as _;
use common::stores::{assert_exports_key, openssl_pkcs12};
use common::{fails, have, ok, ok_stderr, openssl_self_signed, p, peer};
use sha2::Digest as _;

/// root (CA) → leaf, EC P-256, made with openssl; returns the PEM chain file, leaf first.
fn make_chain(dir: &Path) -> std::path::PathBuf {
    let d = |n: &str| p(&dir.join(n)).to_string();
    openssl_self_signed(
        &dir.join("ca.key"),
        &dir.join("ca.pem"),
        "/CN=Formats Root",
        10,
        &["-addext", "basicConstraints=critical,CA:true"],
    );
    peer(
        "openssl",
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &d("leaf.key"),
            "-out",
            &d("leaf.csr"),
            "-subj",
            "/CN=leaf.formats.test",
        ],
    );
    peer(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &d("leaf.csr"),
            "-CA",
            &d("ca.pem"),
            "-CAkey",
            &d("ca.key"),
            "-out",
            &d("leaf.pem"),
            "-days",
            "5",
        ],
    );
    let chain = dir.join("chain.pem");
    let text = std::fs::read_to_string(dir.join("leaf.pem")).unwrap()
        + &std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    std::fs::write(&chain, text).unwrap();
    chain
}

/// SHA-256 fingerprints (lower-case hex) of the certificates of a PEM file, in order.
fn pem_fingerprints(pem: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut b64 = String::new();
    let mut inside = false;
    for line in pem.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE") {
            inside = true;
            b64.clear();
        } else if line.starts_with("-----END CERTIFICATE") {
            inside = false;
            let der = base64ct::Base64::decode_vec(&b64).expect("base64");
            out.push(hex(&sha2::Sha256::digest(&der)));
        } else if inside {
            b64.push_str(line.trim());
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `sha256:` lines of a `keychest store list`, in order.
fn listed_fingerprints(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sha256:"))
        .map(|f| f.trim().to_string())
        .collect()
}

// ------------------------------------------------------------------ BER re-wrapping helper

/// Re-encodes DER as BER the way NSS and Windows do: every constructed element gets an
/// indefinite length, and every OCTET STRING longer than `chunk` bytes becomes a constructed,
/// indefinite-length OCTET STRING of `chunk`-byte pieces. Contents of OCTET STRINGs are not
/// descended into, so a PKCS#12 MAC (over those contents) stays valid.
fn to_ber(der: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < der.len() {
        pos = ber_element(der, pos, chunk, &mut out);
    }
    out
}

fn ber_element(der: &[u8], pos: usize, chunk: usize, out: &mut Vec<u8>) -> usize {
    let tag = der[pos];
    let l0 = der[pos + 1] as usize;
    let (hdr, len) = if l0 < 0x80 {
        (2, l0)
    } else {
        let n = l0 & 0x7f;
        let len = der[pos + 2..pos + 2 + n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | *b as usize);
        (2 + n, len)
    };
    let body = &der[pos + hdr..pos + hdr + len];
    if tag & 0x20 != 0 {
        out.extend_from_slice(&[tag, 0x80]);
        out.extend_from_slice(&to_ber(body, chunk));
        out.extend_from_slice(&[0, 0]);
    } else if tag == 0x04 && body.len() > chunk {
        out.extend_from_slice(&[0x24, 0x80]);
        for piece in body.chunks(chunk) {
            out.extend_from_slice(&common::der::der(0x04, piece));
        }
        out.extend_from_slice(&[0, 0]);
    } else {
        out.extend_from_slice(&der[pos..pos + hdr + len]);
    }
    pos + hdr + len
}

// ------------------------------------------------------------------ PKCS#7 bundles

#[test]
fn p7b_bundles_made_by_openssl_are_read_by_list_show_import_and_trust() {
    if !have(&["openssl", "keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = make_chain(dir.path());
    let want = pem_fingerprints(&std::fs::read_to_string(&chain).unwrap());
    let der = dir.path().join("chain.p7b");
    let pem = dir.path().join("chain-pem.p7b");
    peer(
        "openssl",
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            p(&chain),
            "-outform",
            "DER",
            "-out",
            p(&der),
        ],
    );
    peer(
        "openssl",
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            p(&chain),
            "-out",
            p(&pem),
        ],
    );
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .contains("-----BEGIN PKCS7-----")
    );
    // The same bundle in BER, as some CAs and Windows hand it out.
    let ber = dir.path().join("chain-ber.p7c");
    std::fs::write(&ber, to_ber(&std::fs::read(&der).unwrap(), 100)).unwrap();
    peer(
        "openssl",
        &[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            p(&ber),
            "-print_certs",
            "-noout",
        ],
    );

    for file in [&der, &pem, &ber] {
        let listing = ok(&["store", "list", "--long", p(file)]);
        assert!(listing.contains("pkcs7"), "{listing}");
        assert_eq!(listed_fingerprints(&listing), want, "{}", file.display());
        let shown = ok(&["show", p(file)]);
        assert!(shown.contains("CN=leaf.formats.test"), "{shown}");
    }

    // store import --cert into a keystore keytool then lists.
    let jks = dir.path().join("trust.jks");
    ok(&[
        "store",
        "import",
        p(&jks),
        "--pass",
        "pass:changeit",
        "--cert",
        p(&ber),
        "--alias",
        "bundle",
    ]);
    let kt = peer(
        "keytool",
        &[
            "-list",
            "-v",
            "-keystore",
            p(&jks),
            "-storepass",
            "changeit",
        ],
    );
    assert!(kt.contains("Your keystore contains 2 entries"), "{kt}");

    // trust install reads the bundle's root (into a cacerts of our own).
    let cacerts = dir.path().join("cacerts.jks");
    ok(&[
        "store",
        "import",
        p(&cacerts),
        "--pass",
        "pass:changeit",
        "--cert",
        p(&dir.path().join("leaf.pem")),
        "--alias",
        "other",
    ]);
    let out = common::keychest()
        .env("HOME", dir.path())
        .args([
            "trust",
            "install",
            p(&der),
            "--cacerts",
            p(&cacerts),
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kt = peer(
        "keytool",
        &[
            "-list",
            "-v",
            "-keystore",
            p(&cacerts),
            "-storepass",
            "changeit",
        ],
    );
    assert!(kt.contains("Owner: CN=Formats Root"), "{kt}");
}

#[test]
fn p7b_written_by_convert_is_read_by_openssl_and_keytool() {
    if !have(&["openssl", "keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = make_chain(dir.path());
    let want = pem_fingerprints(&std::fs::read_to_string(&chain).unwrap());
    // Certificates only (a PEM chain without its key): a bundle can hold all of it.
    let out = dir.path().join("out.p7b");
    ok(&["store", "convert", p(&chain), p(&out)]);
    let printed = peer(
        "openssl",
        &["pkcs7", "-inform", "DER", "-in", p(&out), "-print_certs"],
    );
    assert_eq!(pem_fingerprints(&printed), want);
    let kt = peer("keytool", &["-printcert", "-file", p(&out)]);
    assert!(
        kt.contains("Certificate[1]:") && kt.contains("Certificate[2]:"),
        "{kt}"
    );
    assert!(kt.contains("Owner: CN=leaf.formats.test"), "{kt}");
}

#[test]
fn store_export_format_p7b_writes_the_chain_openssl_and_keytool_read() {
    if !have(&["openssl", "keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = make_chain(dir.path());
    let want = pem_fingerprints(&std::fs::read_to_string(&chain).unwrap());
    let p12 = dir.path().join("leaf.p12");
    openssl_pkcs12(
        &dir.path().join("leaf.key"),
        &chain,
        "pass:pw",
        &p12,
        &["-name", "leaf"],
    );
    // By name (.p7c) and by --format, to a file.
    for (out, extra) in [("a.p7c", None), ("b.bin", Some("p7b"))] {
        let out = dir.path().join(out);
        let mut args = vec![
            "store",
            "export",
            p(&p12),
            "--pass",
            "pass:pw",
            "--alias",
            "leaf",
            "-o",
            p(&out),
        ];
        if let Some(f) = extra {
            args.extend(["--format", f]);
        }
        ok(&args);
        let printed = peer(
            "openssl",
            &["pkcs7", "-inform", "DER", "-in", p(&out), "-print_certs"],
        );
        assert_eq!(pem_fingerprints(&printed), want);
        let kt = peer("keytool", &["-printcert", "-file", p(&out)]);
        assert!(kt.contains("Certificate[2]:"), "{kt}");
    }
}

#[test]
fn convert_to_p7b_refuses_a_key_naming_its_entry_and_writes_nothing() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_chain(dir.path());
    let p12 = dir.path().join("leaf.p12");
    openssl_pkcs12(
        &dir.path().join("leaf.key"),
        &dir.path().join("leaf.pem"),
        "pass:pw",
        &p12,
        &["-name", "mykey"],
    );
    let out = dir.path().join("keys.p7b");
    let err = fails(
        &["store", "convert", p(&p12), p(&out), "--pass", "pass:pw"],
        1,
    );
    assert!(
        err.contains("'mykey'") && err.contains("private key"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_p7b_that_is_not_a_bundle_gets_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    // ContentInfo { signedData, [0] SignedData } truncated after its head.
    let bad = dir.path().join("bad.p7b");
    std::fs::write(
        &bad,
        [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0,
            0x00,
        ],
    )
    .unwrap();
    let err = fails(&["store", "list", p(&bad)], 1);
    assert!(err.contains("PKCS#7"), "{err}");
    assert!(!err.contains("panicked"));
}

// ------------------------------------------------------------------ BER PKCS#12

#[test]
fn ber_pkcs12_rewrapped_with_indefinite_lengths_is_read_like_openssl_reads_it() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = make_chain(dir.path());
    let want = pem_fingerprints(&std::fs::read_to_string(&chain).unwrap());
    let p12 = dir.path().join("der.p12");
    openssl_pkcs12(
        &dir.path().join("leaf.key"),
        &chain,
        "pass:pw",
        &p12,
        &["-name", "leaf"],
    );
    let ber = dir.path().join("ber.p12");
    std::fs::write(&ber, to_ber(&std::fs::read(&p12).unwrap(), 64)).unwrap();
    assert_ne!(std::fs::read(&ber).unwrap(), std::fs::read(&p12).unwrap());
    // openssl agrees the file is valid (MAC over the concatenated octets).
    let printed = peer(
        "openssl",
        &["pkcs12", "-in", p(&ber), "-passin", "pass:pw", "-nokeys"],
    );
    assert_eq!(pem_fingerprints(&printed), want);

    let listing = ok(&["store", "list", "--long", p(&ber), "--pass", "pass:pw"]);
    assert!(listing.contains("MAC: HMAC-SHA-256"), "{listing}");
    assert_eq!(listed_fingerprints(&listing)[0], want[0], "{listing}");
    // The key decrypts: export it and compare with openssl's public key.
    assert_exports_key(&ber, "pass:pw", "leaf", &dir.path().join("leaf.key"));
    // Definite outer length around BER contents: still recognised.
    let ber_bytes = std::fs::read(&ber).unwrap();
    let inner = &ber_bytes[2..ber_bytes.len() - 2];
    let mut mixed = vec![
        0x30,
        0x83,
        (inner.len() >> 16) as u8,
        (inner.len() >> 8) as u8,
        inner.len() as u8,
    ];
    mixed.extend_from_slice(inner);
    let mixed_path = dir.path().join("mixed.p12");
    std::fs::write(&mixed_path, mixed).unwrap();
    let listing = ok(&[
        "store",
        "list",
        "--long",
        p(&mixed_path),
        "--pass",
        "pass:pw",
    ]);
    assert_eq!(listed_fingerprints(&listing)[0], want[0], "{listing}");
    // A wrong password is an integrity failure, not "unrecognised".
    let err = fails(&["store", "list", p(&ber), "--pass", "pass:nope"], 1);
    assert!(!err.contains("recognises"), "{err}");
}

#[test]
fn ber_pkcs12_exported_by_nss_pk12util_is_read() {
    if !have(&["openssl", "certutil", "pk12util"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = make_chain(dir.path());
    let want = pem_fingerprints(&std::fs::read_to_string(&chain).unwrap());
    let p12 = dir.path().join("in.p12");
    openssl_pkcs12(
        &dir.path().join("leaf.key"),
        &chain,
        "pass:pw",
        &p12,
        &["-name", "nsskey"],
    );
    let db = format!("sql:{}", p(&dir.path().join("nss")));
    std::fs::create_dir(dir.path().join("nss")).unwrap();
    peer("certutil", &["-N", "-d", &db, "--empty-password"]);
    peer("pk12util", &["-i", p(&p12), "-d", &db, "-W", "pw"]);
    let out = dir.path().join("nss.p12");
    peer(
        "pk12util",
        &["-o", p(&out), "-n", "nsskey", "-d", &db, "-W", "pw2"],
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(
        &bytes[..2],
        &[0x30, 0x80],
        "pk12util writes indefinite lengths"
    );

    let listing = ok(&["store", "list", "--long", p(&out), "--pass", "pass:pw2"]);
    assert_eq!(listed_fingerprints(&listing)[0], want[0], "{listing}");
    assert!(listing.contains("chain:   2 certificates"), "{listing}");
    // Converted to DER PKCS#12, openssl reads the key and both certificates.
    let der = dir.path().join("der.p12");
    ok(&["store", "convert", p(&out), p(&der), "--pass", "pass:pw2"]);
    let printed = peer(
        "openssl",
        &["pkcs12", "-in", p(&der), "-passin", "pass:pw2", "-nodes"],
    );
    assert!(printed.contains("PRIVATE KEY"), "{printed}");
    let mut got = pem_fingerprints(&printed);
    got.sort();
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
}

// ------------------------------------------------------------------ P-521 keys

#[test]
fn p521_keys_requests_and_ca_certificates_are_accepted_by_openssl() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    ok(&["key", "new", "--type", "ec:p521", "--out", p(&d("k.pem"))]);
    let text = peer(
        "openssl",
        &["ec", "-in", p(&d("k.pem")), "-check", "-noout", "-text"],
    );
    assert!(text.contains("NIST CURVE: P-521"), "{text}");
    ok(&[
        "csr",
        "new",
        "--key",
        p(&d("k.pem")),
        "--subject",
        "CN=p521.test",
        "-o",
        p(&d("r.csr")),
    ]);
    peer(
        "openssl",
        &["req", "-in", p(&d("r.csr")), "-verify", "-noout"],
    );

    ok(&[
        "ca",
        "init",
        p(&d("ca")),
        "--subject",
        "CN=P-521 Root",
        "--type",
        "ec:p521",
    ]);
    let issued = common::keychest()
        .current_dir(dir.path())
        .args(["ca", "issue", "ca", "leaf.p521.test", "--type", "ec:p521"])
        .output()
        .unwrap();
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let leaf = d("leaf.p521.test.crt");
    let root = d("ca/root.crt");
    peer("openssl", &["verify", "-CAfile", p(&root), p(&leaf)]);
    let cert = peer("openssl", &["x509", "-in", p(&leaf), "-noout", "-text"]);
    assert!(
        cert.contains("ecdsa-with-SHA512") && cert.contains("secp521r1"),
        "{cert}"
    );

    // A P-521 key made by openssl (SEC1 and PKCS#8) is shown and imported.
    peer(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-out",
            p(&d("o.pem")),
        ],
    );
    peer(
        "openssl",
        &["ec", "-in", p(&d("o.pem")), "-out", p(&d("o-sec1.pem"))],
    );
    for key in ["o.pem", "o-sec1.pem"] {
        let shown = ok(&["show", p(&d(key))]);
        assert!(shown.contains("EC P-521"), "{shown}");
    }
    let store = d("s.p12");
    ok(&[
        "store",
        "import",
        p(&store),
        "--pass",
        "pass:pw",
        "--key",
        p(&d("leaf.p521.test.key")),
        "--chain",
        p(&leaf),
        "--alias",
        "l",
    ]);
    let listing = ok(&["store", "list", "--long", p(&store), "--pass", "pass:pw"]);
    assert!(listing.contains("EC P-521"), "{listing}");
    let key = peer(
        "openssl",
        &[
            "pkcs12",
            "-in",
            p(&store),
            "-passin",
            "pass:pw",
            "-nocerts",
            "-nodes",
        ],
    );
    std::fs::write(d("back.pem"), key).unwrap();
    let a = peer("openssl", &["pkey", "-in", p(&d("back.pem")), "-pubout"]);
    let b = peer(
        "openssl",
        &["pkey", "-in", p(&d("leaf.p521.test.key")), "-pubout"],
    );
    assert_eq!(a, b);
}

// ------------------------------------------------------------------ Java secret keys

fn secret_keys_java(args: &[&str]) -> std::process::Output {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/SecretKeys.java");
    std::process::Command::new("java")
        .arg(src)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run java")
}

const SECRET_ALIASES: &[&str] = &[
    "desede",
    "des",
    "arcfour",
    "blowfish",
    "hmacsha3-256",
    "hmacsha3-512",
    "aes",
];

#[test]
fn java_secret_keys_keep_their_algorithm_through_pkcs12_and_stay_usable() {
    if !have(&["java"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let made = secret_keys_java(&["make", p(&d("in.jceks")), "JCEKS", "changeit"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // RC2 has no PKCS#12 secret-bag OID: refused by name, nothing written.
    let err = fails(
        &[
            "store",
            "convert",
            p(&d("in.jceks")),
            p(&d("mid.p12")),
            "--pass",
            "pass:changeit",
        ],
        1,
    );
    assert!(
        err.contains("'rc2'") && err.contains("--skip-unsupported"),
        "{err}"
    );
    assert!(!d("mid.p12").exists());
    let err = ok_stderr(&[
        "store",
        "convert",
        p(&d("in.jceks")),
        p(&d("mid.p12")),
        "--pass",
        "pass:changeit",
        "--skip-unsupported",
    ]);
    assert!(err.contains("'rc2'"), "{err}");
    ok(&[
        "store",
        "convert",
        p(&d("mid.p12")),
        p(&d("back.jceks")),
        "--pass",
        "pass:changeit",
    ]);

    let back = d("back.jceks");
    let mut args = vec!["check", p(&back), "JCEKS", "changeit"];
    args.extend(SECRET_ALIASES);
    let checked = secret_keys_java(&args);
    let text = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(
        checked.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for (alias, alg) in [
        ("desede", "DESede"),
        ("des", "DES"),
        ("arcfour", "ARCFOUR"),
        ("blowfish", "Blowfish"),
        ("hmacsha3-256", "HmacSHA3-256"),
        ("hmacsha3-512", "HmacSHA3-512"),
        ("aes", "AES"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{alias} {alg} "))),
            "{alias}: {text}"
        );
    }
    // Java reading the intermediate PKCS#12 directly: the keys with JDK OIDs are usable too.
    let checked = secret_keys_java(&[
        "check",
        p(&d("mid.p12")),
        "PKCS12",
        "changeit",
        "desede",
        "arcfour",
        "hmacsha3-256",
        "aes",
    ]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

// ------------------------------------------------------------------ stores Java cannot see

#[test]
fn stores_invisible_to_java_are_warned_about_as_keytool_confirms() {
    if !have(&["openssl", "keytool"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_chain(dir.path());
    let d = |n: &str| dir.path().join(n);
    let (key, leaf) = (d("leaf.key"), d("leaf.pem"));
    // Unencrypted key bag: keytool lists nothing.
    let plain = d("plain.p12");
    openssl_pkcs12(
        &key,
        &leaf,
        "pass:pw",
        &plain,
        &["-keypbe", "NONE", "-certpbe", "NONE"],
    );
    let kt = peer(
        "keytool",
        &["-list", "-keystore", p(&plain), "-storepass", "pw"],
    );
    assert!(kt.contains("contains 0 entries"), "{kt}");
    let listing = ok(&["store", "list", "--long", p(&plain), "--pass", "pass:pw"]);
    assert!(
        listing.contains("unencrypted private key") && listing.contains("Java does not list"),
        "{listing}"
    );

    // Non-ASCII password: keytool cannot open the file.
    let uni = d("uni.p12");
    openssl_pkcs12(&key, &leaf, "pass:pässwörd", &uni, &[]);
    let out = std::process::Command::new("keytool")
        .args(["-list", "-keystore", p(&uni), "-storepass", "pässwörd"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let listing = ok(&[
        "store",
        "list",
        "--long",
        p(&uni),
        "--pass",
        "pass:pässwörd",
    ]);
    assert!(
        listing.contains("non-ASCII") && listing.contains("Java"),
        "{listing}"
    );
    // Writing one warns too.
    let err = ok_stderr(&[
        "store",
        "convert",
        p(&plain),
        p(&d("uni2.p12")),
        "--pass",
        "pass:pw",
        "--out-pass",
        "pass:clé",
    ]);
    assert!(err.contains("non-ASCII"), "{err}");
}

// ------------------------------------------------------------------ Ed448 keys carried

#[test]
fn ed448_keys_are_shown_and_carried_through_conversions_unchanged() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    peer(
        "openssl",
        &["genpkey", "-algorithm", "ED448", "-out", p(&d("k.pem"))],
    );
    peer(
        "openssl",
        &[
            "req",
            "-x509",
            "-key",
            p(&d("k.pem")),
            "-out",
            p(&d("c.pem")),
            "-subj",
            "/CN=ed448",
            "-days",
            "3",
        ],
    );
    let shown = ok(&["show", p(&d("k.pem"))]);
    assert!(shown.contains("Ed448"), "{shown}");
    // The fingerprint is the SHA-256 of the public key openssl derives from the same file.
    peer(
        "openssl",
        &[
            "pkey",
            "-in",
            p(&d("k.pem")),
            "-pubout",
            "-outform",
            "DER",
            "-out",
            p(&d("pub.der")),
        ],
    );
    let spki_sha256 = hex(&sha2::Sha256::digest(std::fs::read(d("pub.der")).unwrap()));
    let json = ok(&["show", p(&d("k.pem")), "--json"]);
    assert!(
        json.contains(&spki_sha256),
        "{json}\nexpected {spki_sha256}"
    );
    let both = std::fs::read_to_string(d("k.pem")).unwrap()
        + &std::fs::read_to_string(d("c.pem")).unwrap();
    std::fs::write(d("both.pem"), both).unwrap();
    ok(&[
        "store",
        "convert",
        p(&d("both.pem")),
        p(&d("s.p12")),
        "--out-pass",
        "pass:pw",
    ]);
    ok(&[
        "store",
        "convert",
        p(&d("s.p12")),
        p(&d("back.pem")),
        "--pass",
        "pass:pw",
    ]);
    let a = peer("openssl", &["pkey", "-in", p(&d("back.pem"))]);
    let b = peer("openssl", &["pkey", "-in", p(&d("k.pem"))]);
    assert_eq!(a, b, "the Ed448 key came back unchanged");
    let listing = ok(&["store", "list", p(&d("s.p12")), "--pass", "pass:pw"]);
    assert!(listing.contains("Ed448"), "{listing}");
}
