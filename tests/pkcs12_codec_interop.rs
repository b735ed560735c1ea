//! Stores written by `codec::pkcs12::encode` with every preset are read by real consumers:
//! JDK keytool (aliases, entry types, chain lengths, SHA-256 fingerprints, and key/secret
//! decryption via -importkeystore) and OpenSSL 3 (`pkcs12 -info`, key extraction).
//!
//! Needs `openssl` and `keytool` (see `tests/common/peers.rs`).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use keychest::codec::pkcs12::{self, Compat};
use keychest::store::{Entry, EntryBody, Keystore, PrivateKeyData, SecretEntryData, SecretKeyData};
use sha2::Digest as _;

fn run(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().expect("spawn");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    run(Command::new("openssl").current_dir(dir).args(args))
}

fn fp(der: &[u8]) -> String {
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// root → inter → leaf (EC P-256) and an unrelated CA, made with openssl.
fn make_pki(dir: &Path) -> (Vec<u8>, Vec<Vec<u8>>, Vec<u8>) {
    for k in ["root", "inter", "leaf", "other"] {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &format!("{k}.key"),
            ],
        );
    }
    for (k, cn) in [("root", "Interop Root"), ("other", "Interop Other CA")] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &format!("{k}.key"),
                "-subj",
                &format!("/CN={cn}"),
                "-days",
                "30",
                "-addext",
                "basicConstraints=critical,CA:true",
                "-out",
                &format!("{k}.pem"),
            ],
        );
    }
    std::fs::write(dir.join("ca.ext"), "basicConstraints=critical,CA:true\n").unwrap();
    for (k, cn, ca, ext) in [
        ("inter", "Interop Intermediate", "root", "ca.ext"),
        ("leaf", "leaf.interop", "inter", ""),
    ] {
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{k}.key"),
                "-subj",
                &format!("/CN={cn}"),
                "-out",
                &format!("{k}.csr"),
            ],
        );
        let mut args = vec![
            "x509".to_string(),
            "-req".into(),
            "-in".into(),
            format!("{k}.csr"),
            "-CA".into(),
            format!("{ca}.pem"),
            "-CAkey".into(),
            format!("{ca}.key"),
            "-CAcreateserial".into(),
            "-days".into(),
            "30".into(),
            "-out".into(),
            format!("{k}.pem"),
        ];
        if !ext.is_empty() {
            args.extend(["-extfile".to_string(), ext.to_string()]);
        }
        run(Command::new("openssl").current_dir(dir).args(&args));
    }
    let der = |k: &str| {
        openssl(
            dir,
            &[
                "x509",
                "-in",
                &format!("{k}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{k}.der"),
            ],
        );
        std::fs::read(dir.join(format!("{k}.der"))).unwrap()
    };
    openssl(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.p8",
        ],
    );
    let key = std::fs::read(dir.join("leaf.p8")).unwrap();
    (
        key,
        vec![der("leaf"), der("inter"), der("root")],
        der("other"),
    )
}

#[derive(Debug, PartialEq)]
struct Listed {
    alias: String,
    kind: String,
    chain_len: usize,
    sha256: Vec<String>,
}

/// Parses `keytool -list -v`.
fn parse_keytool(text: &str) -> Vec<Listed> {
    let mut out: Vec<Listed> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(a) = line.strip_prefix("Alias name: ") {
            out.push(Listed {
                alias: a.to_string(),
                kind: String::new(),
                chain_len: 0,
                sha256: vec![],
            });
        } else if let Some(k) = line.strip_prefix("Entry type: ") {
            out.last_mut().unwrap().kind = k.to_string();
        } else if let Some(n) = line.strip_prefix("Certificate chain length: ") {
            out.last_mut().unwrap().chain_len = n.parse().unwrap();
        } else if let Some(f) = line.strip_prefix("SHA256: ") {
            out.last_mut().unwrap().sha256.push(f.to_string());
        }
    }
    out
}

#[test]
fn every_preset_is_read_by_keytool_and_openssl() {
    if !common::have(&["openssl", "keytool"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (key, chain, other) = make_pki(dir);
    let full = |with_keys: bool| {
        let mut entries = vec![];
        if with_keys {
            entries.push(Entry {
                alias: "server".into(),
                created_ms: None,
                body: EntryBody::PrivateKey {
                    key: PrivateKeyData::Pkcs8(zeroize::Zeroizing::new(key.clone())),
                    chain: chain.clone(),
                },
            });
            entries.push(Entry {
                alias: "aeskey".into(),
                created_ms: None,
                body: EntryBody::SecretKey {
                    key: SecretEntryData::Open(SecretKeyData {
                        algorithm: "AES".into(),
                        key: zeroize::Zeroizing::new(vec![0x42; 32]),
                    }),
                },
            });
        }
        entries.push(Entry {
            alias: "other-ca".into(),
            created_ms: None,
            body: EntryBody::TrustedCert {
                cert: other.clone(),
            },
        });
        Keystore { entries }
    };

    for compat in [
        Compat::Modern,
        Compat::Java11,
        Compat::Legacy,
        Compat::Passwordless,
    ] {
        let keys = compat != Compat::Passwordless;
        let store = full(keys);
        let pw = "interop-pw";
        let bytes = pkcs12::encode(&store, keys.then_some(pw), compat).unwrap();
        let file = dir.join(format!("{compat}.p12"));
        std::fs::write(&file, &bytes).unwrap();
        let f = file.to_str().unwrap();

        // keytool: aliases, types, chain lengths, fingerprints.
        let mut cmd = Command::new("keytool");
        cmd.args(["-list", "-v", "-storetype", "PKCS12", "-keystore", f]);
        if keys {
            cmd.args(["-storepass", pw]);
        }
        let listed = parse_keytool(&run(&mut cmd));
        let mut want = vec![];
        if keys {
            want.push(Listed {
                alias: "server".into(),
                kind: "PrivateKeyEntry".into(),
                chain_len: 3,
                sha256: chain.iter().map(|c| fp(c)).collect(),
            });
            want.push(Listed {
                alias: "aeskey".into(),
                kind: "SecretKeyEntry".into(),
                chain_len: 0,
                sha256: vec![],
            });
        }
        want.push(Listed {
            alias: "other-ca".into(),
            kind: "trustedCertEntry".into(),
            chain_len: 0,
            sha256: vec![fp(&other)],
        });
        let mut listed = listed;
        listed.sort_by(|a, b| a.alias.cmp(&b.alias));
        want.sort_by(|a, b| a.alias.cmp(&b.alias));
        assert_eq!(listed, want, "{compat}: keytool -list -v");

        // OpenSSL 3 (no -legacy: the legacy preset uses 3DES throughout).
        let passin = format!("pass:{}", if keys { pw } else { "" });
        openssl(
            dir,
            &["pkcs12", "-info", "-noout", "-in", f, "-passin", &passin],
        );
        if keys {
            let pem = openssl(
                dir,
                &["pkcs12", "-in", f, "-passin", &passin, "-nocerts", "-nodes"],
            );
            assert!(
                pem.contains("BEGIN PRIVATE KEY"),
                "{compat}: openssl extracts the key"
            );
            // Java decrypts the key and the secret key: copy them into a new store.
            let dest = dir.join(format!("{compat}-copy.p12"));
            run(Command::new("keytool").args([
                "-importkeystore",
                "-noprompt",
                "-srcstoretype",
                "PKCS12",
                "-srckeystore",
                f,
                "-srcstorepass",
                pw,
                "-deststoretype",
                "PKCS12",
                "-destkeystore",
                dest.to_str().unwrap(),
                "-deststorepass",
                pw,
            ]));
            // ... and keychest reads keytool's copy back.
            let (back, _) = pkcs12::decode(&std::fs::read(&dest).unwrap(), Some(pw)).unwrap();
            let secret = back.entries.iter().find(|e| e.alias == "aeskey").unwrap();
            let EntryBody::SecretKey {
                key: SecretEntryData::Sealed { bytes, .. },
            } = &secret.body
            else {
                panic!("{compat}: secret key");
            };
            let s = pkcs12::open_secret(bytes, pw).unwrap();
            assert_eq!(
                (s.algorithm.as_str(), &s.key[..]),
                ("AES", &[0x42u8; 32][..])
            );
        }
    }
}
