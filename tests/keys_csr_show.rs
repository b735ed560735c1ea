//! End-to-end: `key new`, `key pub`, `csr new` and `show`, checked with real openssl
//! (and keytool-made fixtures).

mod common;

use common::*;
use std::fs;

const TYPES: &[&str] = &["ec:p256", "ec:p384", "ed25519", "rsa:2048", "rsa:3072"];

#[test]
fn every_key_type_passes_openssl_check_plain_and_encrypted() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for t in TYPES {
        let plain = dir.path().join(format!("{}.key", t.replace(':', "_")));
        ok(&["key", "new", "--type", t, "--out", p(&plain)]);
        assert_eq!(mode(&plain), 0o600, "{t}");
        let text = fs::read_to_string(&plain).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "{t}");
        peer("openssl", &["pkey", "-in", p(&plain), "-check", "-noout"]);

        let enc = dir.path().join(format!("{}.enc", t.replace(':', "_")));
        ok(&[
            "key",
            "new",
            "--type",
            t,
            "--out",
            p(&enc),
            "--pass",
            "pass:s3cret",
        ]);
        assert_eq!(mode(&enc), 0o600);
        let text = fs::read_to_string(&enc).unwrap();
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        peer(
            "openssl",
            &[
                "pkey",
                "-in",
                p(&enc),
                "-passin",
                "pass:s3cret",
                "-check",
                "-noout",
            ],
        );
        // openssl sees PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
        let asn1 = peer("openssl", &["asn1parse", "-in", p(&enc)]);
        assert!(
            asn1.contains("PBES2")
                && asn1.contains("hmacWithSHA256")
                && asn1.contains("aes-256-cbc"),
            "{asn1}"
        );
    }
}

#[test]
fn key_new_writes_stdout_without_out_and_never_clobbers() {
    let out = ok(&["key", "new"]);
    assert!(out.starts_with("-----BEGIN PRIVATE KEY-----"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("k.pem");
    fs::write(&f, "precious").unwrap();
    let err = fails(&["key", "new", "--out", p(&f)], 1);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&f).unwrap(), "precious");
    ok(&["key", "new", "--out", p(&f), "--force"]);
    assert!(fs::read_to_string(&f).unwrap().contains("PRIVATE KEY"));
    let err = fails(&["key", "new", "--type", "dsa:1024"], 2);
    assert!(err.contains("unknown key type 'dsa:1024'"), "{err}");
}

/// Every private-key form OpenSSL writes is read, and `key pub` equals `openssl pkey -pubout`.
#[test]
fn reads_every_openssl_key_form() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let sh = |script: &str| {
        let st = std::process::Command::new("sh")
            .current_dir(dir.path())
            .args(["-c", script])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    sh("openssl genrsa -traditional -out rsa1.pem 2048 2>/dev/null");
    sh("openssl ecparam -name prime256v1 -genkey -out sec1-params.pem");
    sh("openssl ecparam -name secp384r1 -genkey -noout -out sec1.pem");
    sh("openssl genpkey -algorithm ed25519 -out ed.pem");
    sh("openssl pkcs8 -topk8 -in rsa1.pem -passout pass:pw -v2 aes-256-cbc -out p8-aes.pem");
    sh(
        "openssl pkcs8 -topk8 -in sec1.pem -passout pass:pw -v2 aes-128-cbc -v2prf hmacWithSHA1 -out p8-aes128-sha1.pem",
    );
    sh("openssl pkcs8 -topk8 -in sec1.pem -passout pass:pw -v2 des3 -out p8-3des.pem");
    sh(
        "openssl pkcs8 -topk8 -in sec1.pem -passout pass:pw -v1 PBE-SHA1-3DES -out p8-pbe-sha1-3des.pem",
    );
    sh(
        "openssl pkcs8 -topk8 -in ed.pem -passout pass:pw -v1 PBE-MD5-DES -provider legacy -provider default -out p8-pbes1-md5-des.pem",
    );
    sh(
        "openssl rsa -in rsa1.pem -aes256 -passout pass:pw -traditional -out legacy-rsa.pem 2>/dev/null",
    );
    sh("openssl ec -in sec1.pem -des3 -passout pass:pw -out legacy-ec.pem 2>/dev/null");
    sh("openssl pkcs8 -topk8 -nocrypt -in sec1.pem -outform DER -out p8.der");
    sh("openssl rsa -in rsa1.pem -traditional -outform DER -out pkcs1.der 2>/dev/null");
    sh("openssl ec -in sec1.pem -outform DER -out sec1.der 2>/dev/null");
    sh("openssl pkcs8 -topk8 -in ed.pem -passout pass:pw -outform DER -out p8-enc.der");
    let forms: &[(&str, &str, bool)] = &[
        ("rsa1.pem", "rsa1.pem", false),
        ("sec1-params.pem", "sec1-params.pem", false),
        ("sec1.pem", "sec1.pem", false),
        ("ed.pem", "ed.pem", false),
        ("p8-aes.pem", "rsa1.pem", true),
        ("p8-aes128-sha1.pem", "sec1.pem", true),
        ("p8-3des.pem", "sec1.pem", true),
        ("p8-pbe-sha1-3des.pem", "sec1.pem", true),
        ("p8-pbes1-md5-des.pem", "ed.pem", true),
        ("legacy-rsa.pem", "rsa1.pem", true),
        ("legacy-ec.pem", "sec1.pem", true),
        ("p8.der", "sec1.pem", false),
        ("pkcs1.der", "rsa1.pem", false),
        ("sec1.der", "sec1.pem", false),
        ("p8-enc.der", "ed.pem", true),
    ];
    for (file, plain, encrypted) in forms {
        let expected = peer("openssl", &["pkey", "-in", p(&d(plain)), "-pubout"]);
        let path = d(file);
        let mut args = vec!["key", "pub", p(&path)];
        if *encrypted {
            args.extend(["--pass", "pass:pw"]);
        }
        assert_eq!(ok(&args), expected, "{file}");
        if *encrypted {
            let err = fails(&["key", "pub", p(&d(file)), "--pass", "pass:wrong"], 1);
            assert!(err.contains("wrong password"), "{file}: {err}");
            // No password and no terminal: a clear error, not a hang.
            let err = fails(&["key", "pub", p(&d(file))], 1);
            assert!(err.contains("no terminal"), "{file}: {err}");
        }
    }
}

#[test]
fn password_sources_env_file_fd_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    ok(&["key", "new", "--out", p(&key), "--pass", "pass:abc"]);
    let pw = dir.path().join("pw.txt");
    fs::write(&pw, "abc\nignored second line\n").unwrap();
    let out = keychest()
        .args(["key", "pub", p(&key), "--pass", "env:KC_TEST_PW"])
        .env("KC_TEST_PW", "abc")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(&["key", "pub", p(&key), "--pass", &format!("file:{}", p(&pw))]);
    // stdin
    ok_stdin(&["key", "pub", p(&key), "--pass", "stdin"], b"abc\n");
    // fd: the shell opens descriptor 3 on the password file.
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            &format!(
                "{} key pub {} --pass fd:3 3<{}",
                env!("CARGO_BIN_EXE_keychest"),
                p(&key),
                p(&pw)
            ),
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = fails(
        &["key", "pub", p(&key), "--pass", "env:KC_UNSET_VAR_XYZ"],
        1,
    );
    assert!(err.contains("KC_UNSET_VAR_XYZ"), "{err}");
    let err = fails(&["key", "pub", p(&key), "--pass", "hunter2"], 1);
    assert!(
        err.contains("invalid password source") && !err.contains("hunter2"),
        "{err}"
    );
}

fn openssl_subject(csr_or_cert: &[&str]) -> String {
    let mut args = csr_or_cert.to_vec();
    args.extend(["-noout", "-subject", "-nameopt", "RFC2253"]);
    peer("openssl", &args)
        .trim()
        .trim_start_matches("subject=")
        .to_string()
}

#[test]
fn csr_matches_openssl_view_subject_and_sans() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for t in ["ec:p256", "ec:p384", "ed25519", "rsa:2048"] {
        let key = dir.path().join(format!("{}.key", t.replace(':', "_")));
        let csr = dir.path().join(format!("{}.csr", t.replace(':', "_")));
        ok(&[
            "key",
            "new",
            "--type",
            t,
            "--out",
            p(&key),
            "--pass",
            "pass:x",
        ]);
        ok(&[
            "csr",
            "new",
            "--key",
            p(&key),
            "--pass",
            "pass:x",
            "--subject",
            "CN=Test,OU=Dev+UID=jdoe,O=Acme\\, Inc.,C=US",
            "--san",
            "dns:example.org,dns:*.example.org",
            "--san",
            "ip:127.0.0.1,ip:::1,email:a@example.org,uri:spiffe://example.org/x",
            "--out",
            p(&csr),
        ]);
        peer("openssl", &["req", "-in", p(&csr), "-verify", "-noout"]);
        // A multi-valued RDN is a DER SET: its attributes are sorted by encoding.
        assert_eq!(
            openssl_subject(&["req", "-in", p(&csr)]),
            "CN=Test,UID=jdoe+OU=Dev,O=Acme\\, Inc.,C=US",
            "{t}"
        );
        let text = peer("openssl", &["req", "-in", p(&csr), "-noout", "-text"]);
        assert!(
            text.contains("DNS:example.org, DNS:*.example.org, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:a@example.org, URI:spiffe://example.org/x"),
            "{text}"
        );
    }
}

#[test]
fn csr_with_new_key_and_slash_dn() {
    if !have(&["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("new.key");
    let csr = dir.path().join("new.csr");
    ok(&[
        "csr",
        "new",
        "--subject",
        "/C=DE/O=Acme/CN=client 1",
        "--type",
        "rsa:2048",
        "--key-out",
        p(&key),
        "--out",
        p(&csr),
    ]);
    assert_eq!(mode(&key), 0o600);
    peer("openssl", &["req", "-in", p(&csr), "-verify", "-noout"]);
    assert_eq!(
        openssl_subject(&["req", "-in", p(&csr)]),
        "CN=client 1,O=Acme,C=DE"
    );
    let req_pub = peer("openssl", &["req", "-in", p(&csr), "-noout", "-pubkey"]);
    let key_pub = peer("openssl", &["pkey", "-in", p(&key), "-pubout"]);
    assert_eq!(req_pub, key_pub);
    let err = fails(&["csr", "new", "--subject", "CN=x"], 2);
    assert!(err.contains("--key-out"), "{err}");
}

#[test]
fn malformed_dn_and_san_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csr");
    let key_out = dir.path().join("k.pem");
    for (dn, needle) in [
        ("CN=ok,FOO=bar", "unknown attribute type 'FOO'"),
        ("CN=ok,O", "'O'"),
        ("C=USA,CN=x", "C=USA"),
        ("", "empty"),
    ] {
        let err = fails(
            &[
                "csr",
                "new",
                "--subject",
                dn,
                "--key-out",
                p(&key_out),
                "--out",
                p(&out),
            ],
            1,
        );
        assert!(err.contains(needle), "{dn}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    let err = fails(
        &[
            "csr",
            "new",
            "--subject",
            "CN=x",
            "--san",
            "dns:bad..name",
            "--key-out",
            p(&key_out),
            "--out",
            p(&out),
        ],
        1,
    );
    assert!(err.contains("dns:bad..name"), "{err}");
    assert!(!out.exists() && !key_out.exists());
}

/// `show` agrees field by field with openssl's view of certificates made by openssl and keytool.
#[test]
fn show_matches_openssl_for_fixtures() {
    if !have(&["openssl"]) {
        return;
    }
    for name in [
        "certs/ca-extensions.crt",
        "certs/leaf-rsa.crt",
        "certs/leaf-rsa.der",
        "certs/keytool-ec.crt",
    ] {
        let path = fixture(name);
        let json: serde_json::Value =
            serde_json::from_str(&ok(&["show", p(&path), "--json"])).unwrap();
        let cert = &json["objects"][0];
        assert_eq!(cert["type"], "certificate");
        let inform = if name.ends_with(".der") { "DER" } else { "PEM" };
        let base = ["x509", "-in", p(&path), "-inform", inform];
        assert_eq!(cert["subject"], openssl_subject(&base), "{name}");
        let issuer = peer(
            "openssl",
            &[&base[..], &["-noout", "-issuer", "-nameopt", "RFC2253"]].concat(),
        );
        assert_eq!(
            cert["issuer"],
            issuer.trim().trim_start_matches("issuer="),
            "{name}"
        );
        let serial = peer("openssl", &[&base[..], &["-noout", "-serial"]].concat());
        assert_eq!(
            cert["serial"].as_str().unwrap(),
            serial
                .trim()
                .trim_start_matches("serial=")
                .to_lowercase()
                .trim_start_matches("0"),
            "{name}"
        );
        for (alg, key) in [("-sha256", "sha256"), ("-sha1", "sha1")] {
            let fp = peer(
                "openssl",
                &[&base[..], &["-noout", "-fingerprint", alg]].concat(),
            );
            let hex = fp
                .trim()
                .rsplit('=')
                .next()
                .unwrap()
                .replace(':', "")
                .to_lowercase();
            assert_eq!(cert["fingerprints"][key], hex, "{name}");
        }
        let dates = peer(
            "openssl",
            &[
                &base[..],
                &["-noout", "-startdate", "-enddate", "-dateopt", "iso_8601"],
            ]
            .concat(),
        );
        let nb = dates
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("notBefore=")
            .replace(' ', "T");
        assert_eq!(cert["not_before"], nb, "{name}");
        let text = peer("openssl", &[&base[..], &["-noout", "-text"]].concat());
        if let Some(sans) = cert["extensions"]["subject_alt_names"].as_array() {
            let joined: Vec<String> = sans
                .iter()
                .map(|s| {
                    s.as_str()
                        .unwrap()
                        .replace("IP Address:::1", "IP Address:0:0:0:0:0:0:0:1")
                })
                .collect();
            assert!(text.contains(&joined.join(", ")), "{name}: {joined:?}");
        }
        let bits = cert["public_key"]["bits"].as_u64().unwrap();
        assert!(
            text.contains(&format!("Public-Key: ({bits} bit)")),
            "{name}"
        );
    }
    // Extensions openssl prints are all decoded for the CA fixture.
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "show",
        p(&fixture("certs/ca-extensions.crt")),
        "--json",
    ]))
    .unwrap();
    let ext = &json["objects"][0]["extensions"];
    assert_eq!(ext["basic_constraints"]["path_len"], 1);
    assert_eq!(ext["name_constraints"]["permitted"][0], "DNS:example.org");
    assert_eq!(
        ext["name_constraints"]["excluded"][0],
        "IP Address:10.0.0.0/255.0.0.0"
    );
    assert_eq!(
        ext["crl_distribution_points"][0],
        "URI:http://crl.example.org/ca.crl"
    );
    assert_eq!(ext["authority_info_access"][1]["method"], "CA Issuers");
    assert_eq!(
        ext["key_usage"],
        serde_json::json!(["keyCertSign", "cRLSign"])
    );
    assert!(
        ext["critical"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "nameConstraints")
    );
    let leaf: serde_json::Value =
        serde_json::from_str(&ok(&["show", p(&fixture("certs/leaf-rsa.crt")), "--json"])).unwrap();
    assert_eq!(
        leaf["objects"][0]["extensions"]["extended_key_usage"],
        serde_json::json!(["serverAuth", "clientAuth"])
    );
    assert_eq!(leaf["objects"][0]["self_signed"], false);
}

#[test]
fn show_lists_chains_crls_csrs_and_keys() {
    let chain: serde_json::Value =
        serde_json::from_str(&ok(&["show", p(&fixture("certs/chain.pem")), "--json"])).unwrap();
    assert_eq!(chain["objects"].as_array().unwrap().len(), 2);
    let crl: serde_json::Value =
        serde_json::from_str(&ok(&["show", p(&fixture("certs/ca.crl")), "--json"])).unwrap();
    assert_eq!(crl["objects"][0]["type"], "crl");
    assert_eq!(crl["objects"][0]["revoked"][0]["serial"], "1234abcd");
    assert_eq!(crl["objects"][0]["revoked"][0]["reason"], "keyCompromise");
    let csr = ok(&["show", p(&fixture("certs/leaf.csr"))]);
    assert!(
        csr.contains("(valid)") && csr.contains("DNS:*.example.org"),
        "{csr}"
    );
    let key = ok(&["show", p(&fixture("certs/leaf.key.pem"))]);
    assert!(
        key.contains("RSA 2048") && !key.contains("BEGIN"),
        "never prints key material: {key}"
    );
}

#[test]
fn bad_input_is_one_clear_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, data: &[u8]| {
        let f = dir.path().join(name);
        fs::write(&f, data).unwrap();
        f
    };
    let empty = w("empty.pem", b"");
    assert!(fails(&["show", p(&empty)], 1).contains("empty"));
    let cert = fs::read_to_string(fixture("certs/leaf-rsa.crt")).unwrap();
    let truncated = w("trunc.pem", &cert.as_bytes()[..cert.len() / 2]);
    assert!(fails(&["show", p(&truncated)], 1).contains("no END line"));
    let garbage = w("garbage.der", &[0x30, 0x82, 0xff, 0xff, 1, 2, 3, 4, 5]);
    assert!(fails(&["show", p(&garbage)], 1).contains("not a recognised"));
    let der = fs::read(fixture("certs/leaf-rsa.der")).unwrap();
    let cut = w("cut.der", &der[..der.len() - 10]);
    fails(&["show", p(&cut)], 1);
    // A CSR whose signature was tampered with: flip a byte near the end (in the signature).
    let csr = fs::read_to_string(fixture("certs/leaf.csr")).unwrap();
    let blocks: Vec<&str> = csr.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64ct::Encoding;
    let mut der = base64ct::Base64::decode_vec(&blocks.concat()).unwrap();
    let n = der.len();
    der[n - 5] ^= 0x40;
    let bad = w("bad.csr", &der);
    let err = fails(&["show", p(&bad)], 1);
    assert!(err.contains("signature does not verify"), "{err}");
    let missing = dir.path().join("nope.pem");
    assert!(fails(&["show", p(&missing)], 1).contains("cannot read"));
    let key = w(
        "k.pem",
        ok(&["key", "new", "--pass", "pass:right"]).as_bytes(),
    );
    let err = fails(&["show", p(&key), "--pass", "pass:wrong"], 1);
    assert!(err.contains("wrong password"), "{err}");
    assert_eq!(err.lines().count(), 1);
    fails(&["show"], 2);
    fails(&["frobnicate"], 2);
}
