use std::path::PathBuf;

use sha2::Digest as _;

use super::*;
use crate::pbe::decrypt_epki;
use crate::pki::name::hex_lower;
use crate::store::{Entry, EntryBody, EntryKind, Keystore, PrivateKeyData, SecretEntryData};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pkcs12")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fp(der: &[u8]) -> String {
    hex_lower(&sha2::Sha256::digest(der))
}

fn password_for(file: &str) -> Option<&'static str> {
    match file {
        "openssl-emptypass.p12" => Some(""),
        "keytool-passwordless.p12" => None,
        _ => Some("changeit"),
    }
}

/// Every fixture decodes to exactly the entries recorded in expected.txt at fixture time.
#[test]
fn fixtures_decode_to_expected_entries() {
    let expected = String::from_utf8(fixture("expected.txt")).unwrap();
    let mut files: Vec<&str> = expected
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    files.dedup();
    for file in files {
        let want: Vec<Vec<&str>> = expected
            .lines()
            .filter(|l| l.starts_with(&format!("{file} ")))
            .map(|l| l.splitn(4, ' ').collect())
            .collect();
        let pw = password_for(file);
        let (store, info) = decode(&fixture(file), pw).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            store.entries.len(),
            want.len(),
            "{file}: {:?}",
            store.entries
        );
        for w in &want {
            let (kind, fps, alias) = (w[1], w[2], w[3]);
            let e = store
                .entries
                .iter()
                .find(|e| e.alias == alias)
                .unwrap_or_else(|| panic!("{file}: no alias {alias} in {:?}", store.entries));
            assert_eq!(e.kind().to_string(), kind, "{file} {alias}");
            let got: Vec<String> = e.certificates().iter().map(|c| fp(c)).collect();
            let got = if got.is_empty() {
                "-".to_string()
            } else {
                got.join(",")
            };
            assert_eq!(got, fps, "{file} {alias}: chain fingerprints");
            check_key_and_secret(file, e, pw.unwrap_or(""));
        }
        eprintln!("{file}: {info:?}");
    }
}

fn check_key_and_secret(file: &str, e: &Entry, pw: &str) {
    match &e.body {
        EntryBody::PrivateKey { key, chain } => {
            let der = match key {
                PrivateKeyData::Encrypted(epki) => {
                    decrypt_epki(epki, pw).unwrap_or_else(|err| panic!("{file} {}: {err}", e.alias))
                }
                PrivateKeyData::Pkcs8(d) => d.clone(),
            };
            let k = crate::pki::key::PrivateKey::from_pkcs8_der(&der).unwrap();
            let cert = x509_cert::Certificate::from_der(&chain[0]).unwrap();
            assert_eq!(
                k.public_key_info().unwrap(),
                *cert.tbs_certificate().subject_public_key_info(),
                "{file} {}: key matches its certificate",
                e.alias
            );
        }
        EntryBody::SecretKey {
            key: SecretEntryData::Sealed { bytes, .. },
        } => {
            let s = open_secret(bytes, pw).unwrap();
            match e.alias.as_str() {
                "aeskey" => assert_eq!((s.algorithm.as_str(), s.key.len()), ("AES", 16)),
                "hmackey" => assert_eq!((s.algorithm.as_str(), s.key.len()), ("HmacSHA256", 32)),
                other => panic!("unexpected secret {other}"),
            }
            assert!(matches!(
                open_secret(bytes, "wrong"),
                Err(Pkcs12Error::Decrypt { .. })
            ));
        }
        _ => {}
    }
}

use der::Decode;

#[test]
fn fixture_info_reports_protection_and_consumers() {
    let (_, info) = decode(&fixture("openssl-default.p12"), Some("changeit")).unwrap();
    assert_eq!(info.mac.as_ref().unwrap().digest, "SHA-256");
    assert_eq!(
        info.cert_encryption.as_deref(),
        Some("PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, 2048 iterations")
    );
    assert!(info.warnings.iter().any(|w| w.starts_with("AES")));

    let (_, info) = decode(&fixture("openssl-legacy.p12"), Some("changeit")).unwrap();
    assert_eq!(info.mac.as_ref().unwrap().digest, "SHA-1");
    assert!(
        info.cert_encryption
            .unwrap()
            .starts_with("RC2-40 (PKCS#12 PBE)")
    );
    assert_eq!(
        info.key_encryption,
        vec!["3DES (PKCS#12 PBE), 2048 iterations"]
    );
    assert_eq!(info.preset, Some(Compat::Legacy));
    assert!(info.warnings.iter().any(|w| w.starts_with("RC2-40")));

    let (_, info) = decode(&fixture("openssl-nomac.p12"), Some("changeit")).unwrap();
    assert!(info.mac.is_none());
    assert!(info.warnings.iter().any(|w| w.starts_with("no MAC")));

    let (_, info) = decode(&fixture("openssl-plain.p12"), Some("changeit")).unwrap();
    assert_eq!(info.cert_encryption.as_deref(), Some("none"));
    assert_eq!(info.key_encryption, vec!["none (keyBag)"]);

    let (_, info) = decode(&fixture("openssl-truststore.p12"), Some("changeit")).unwrap();
    assert_eq!(info.trusted_without_java_attribute.len(), 2);
    assert!(
        info.warnings
            .iter()
            .any(|w| w.starts_with("no trust attribute"))
    );

    let (_, info) = decode(&fixture("keytool-chain.p12"), Some("changeit")).unwrap();
    assert_eq!(info.preset, Some(Compat::Modern));
    assert!(info.trusted_without_java_attribute.is_empty());

    let (_, info) = decode(&fixture("keytool-passwordless.p12"), None).unwrap();
    assert_eq!(info.preset, Some(Compat::Passwordless));
}

#[test]
fn wrong_or_missing_password_fails_integrity_first() {
    for file in [
        "openssl-default.p12",
        "openssl-legacy.p12",
        "keytool-chain.p12",
    ] {
        assert!(matches!(
            decode(&fixture(file), Some("wrong")),
            Err(Pkcs12Error::Integrity)
        ));
        assert!(matches!(
            decode(&fixture(file), None),
            Err(Pkcs12Error::PasswordRequired(_))
        ));
    }
    // OpenSSL's -nomac leaves the certificates unencrypted: nothing checks the password at
    // load (keys stay encrypted), so a wrong one shows only when the key is decrypted.
    let (s, _) = decode(&fixture("openssl-nomac.p12"), Some("wrong")).unwrap();
    let EntryBody::PrivateKey {
        key: PrivateKeyData::Encrypted(epki),
        ..
    } = &s.entries[0].body
    else {
        panic!()
    };
    assert!(decrypt_epki(epki, "wrong").is_err());
    // No MAC but an encrypted certificate safe: a wrong password is an integrity error.
    let nomac = strip_mac(&encode(&sample_store(false), Some("pw"), Compat::Modern).unwrap());
    assert!(decode(&nomac, Some("pw")).is_ok());
    let r = decode(&nomac, Some("wrong"));
    assert!(matches!(r, Err(Pkcs12Error::Integrity)), "{r:?}");
    assert!(matches!(
        decode(&nomac, None),
        Err(Pkcs12Error::PasswordRequired(_))
    ));
    // The password-less store opens with any password or none.
    assert!(decode(&fixture("keytool-passwordless.p12"), Some("x")).is_ok());
}

#[test]
fn every_fixture_sniffs() {
    for f in std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/pkcs12"))
        .unwrap()
    {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "p12") {
            assert!(sniff(&std::fs::read(&p).unwrap()), "{}", p.display());
        }
    }
    assert!(!sniff(b"-----BEGIN CERTIFICATE-----"));
    assert!(!sniff(&[0x30, 0x03, 0x02, 0x01, 0x02]));
    assert!(!sniff(&[]));
}

/// A store with a key + chain of 3, a trusted certificate, a key without certificate and
/// a secret key, all from the fixtures.
fn sample_store(with_keys: bool) -> Keystore {
    let (chain_store, _) = decode(&fixture("openssl-chain.p12"), Some("changeit")).unwrap();
    let EntryBody::PrivateKey { key, chain } = &chain_store.entries[0].body else {
        panic!()
    };
    let PrivateKeyData::Encrypted(epki) = key else {
        panic!()
    };
    let pkcs8 = decrypt_epki(epki, "changeit").unwrap();
    let (kt, _) = decode(&fixture("keytool-chain.p12"), Some("changeit")).unwrap();
    let other = kt
        .entries
        .iter()
        .find(|e| e.alias == "other-ca")
        .unwrap()
        .clone();
    let mut entries = vec![];
    if with_keys {
        entries.push(Entry {
            alias: "server".into(),
            created_ms: None,
            body: EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(pkcs8.clone()),
                chain: chain.clone(),
            },
        });
        entries.push(Entry {
            alias: "lonely key".into(),
            created_ms: None,
            body: EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(pkcs8),
                chain: vec![],
            },
        });
        entries.push(Entry {
            alias: "aes".into(),
            created_ms: None,
            body: EntryBody::SecretKey {
                key: SecretEntryData::Open(crate::store::SecretKeyData {
                    algorithm: "AES".into(),
                    key: zeroize::Zeroizing::new(vec![7u8; 32]),
                }),
            },
        });
    }
    entries.push(Entry {
        alias: "Other CA".into(),
        ..other
    });
    Keystore { entries }
}

fn summary(store: &Keystore) -> Vec<(String, EntryKind, Vec<String>)> {
    store
        .entries
        .iter()
        .map(|e| {
            (
                e.alias.clone(),
                e.kind(),
                e.certificates().iter().map(|c| fp(c)).collect(),
            )
        })
        .collect()
}

#[test]
fn round_trip_every_preset() {
    for compat in [
        Compat::Modern,
        Compat::Java11,
        Compat::Legacy,
        Compat::Passwordless,
    ] {
        let store = sample_store(compat != Compat::Passwordless);
        let pw = (compat != Compat::Passwordless).then_some("pässwörd");
        let bytes = encode(&store, pw, compat).unwrap();
        assert!(sniff(&bytes));
        let (back, info) = decode(&bytes, pw).unwrap_or_else(|e| panic!("{compat}: {e}"));
        assert_eq!(summary(&back), summary(&store), "{compat}");
        assert_eq!(info.preset, Some(compat), "{compat}: {info:?}");
        assert!(info.trusted_without_java_attribute.is_empty());
        for e in &back.entries {
            match &e.body {
                EntryBody::PrivateKey {
                    key: PrivateKeyData::Encrypted(epki),
                    ..
                } => {
                    decrypt_epki(epki, pw.unwrap()).unwrap();
                }
                EntryBody::SecretKey {
                    key: SecretEntryData::Sealed { bytes, .. },
                } => {
                    let s = open_secret(bytes, pw.unwrap()).unwrap();
                    assert_eq!((s.algorithm.as_str(), &s.key[..]), ("AES", &[7u8; 32][..]));
                }
                EntryBody::TrustedCert { .. } => {}
                other => panic!("{compat}: unexpected {other:?}"),
            }
        }
        // Decode → encode → decode keeps the model (encrypted keys pass through).
        if compat != Compat::Passwordless {
            let again = encode(&back, pw, compat).unwrap();
            let (back2, _) = decode(&again, pw).unwrap();
            assert_eq!(summary(&back2), summary(&store), "{compat} re-encode");
        }
    }
}

#[test]
fn empty_password_round_trips() {
    let store = sample_store(true);
    let bytes = encode(&store, Some(""), Compat::Modern).unwrap();
    let (back, _) = decode(&bytes, Some("")).unwrap();
    assert_eq!(summary(&back), summary(&store));
}

#[test]
fn passwordless_refuses_keys_and_ignores_password() {
    let err = encode(&sample_store(true), None, Compat::Passwordless).unwrap_err();
    assert!(err.to_string().contains("'server'"), "{err}");
    let a = encode(&sample_store(false), Some("ignored"), Compat::Passwordless).unwrap();
    let (s, info) = decode(&a, None).unwrap();
    assert_eq!(s.entries.len(), 1);
    assert!(info.mac.is_none());
    assert!(matches!(
        encode(&sample_store(false), None, Compat::Modern),
        Err(Pkcs12Error::PasswordRequired(_))
    ));
}

#[test]
fn encrypted_keys_pass_through_only_when_the_preset_writes_that_scheme() {
    let (s, _) = decode(&fixture("openssl-default.p12"), Some("changeit")).unwrap();
    // PBES2 key → modern: unchanged.
    let out = encode(&s, Some("changeit"), Compat::Modern).unwrap();
    let (back, _) = decode(&out, Some("changeit")).unwrap();
    let (
        EntryBody::PrivateKey {
            key: PrivateKeyData::Encrypted(a),
            ..
        },
        EntryBody::PrivateKey {
            key: PrivateKeyData::Encrypted(b),
            ..
        },
    ) = (&s.entries[0].body, &back.entries[0].body)
    else {
        panic!()
    };
    assert_eq!(a, b);
    // PBES2 key → legacy: refused, naming the alias.
    let err = encode(&s, Some("changeit"), Compat::Legacy).unwrap_err();
    assert!(
        matches!(&err, Pkcs12Error::Entry { alias, .. } if alias == "mykey"),
        "{err}"
    );
}

#[test]
fn tampering_is_an_integrity_error() {
    let bytes = encode(&sample_store(true), Some("pw"), Compat::Modern).unwrap();
    // Flip one byte in the middle (inside the authenticated content).
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    match decode(&bad, Some("pw")) {
        Err(Pkcs12Error::Integrity) | Err(Pkcs12Error::Malformed { .. }) => {}
        other => panic!("{other:?}"),
    }
    // A change that keeps the structure valid must fail the MAC.
    let (store, _) = decode(&bytes, Some("pw")).unwrap();
    let _ = store;
    let mut bad = bytes.clone();
    let last = bad.len() - 30; // inside the MAC value
    bad[last] ^= 0x80;
    assert!(matches!(
        decode(&bad, Some("pw")),
        Err(Pkcs12Error::Integrity)
    ));
}

#[test]
fn truncated_and_hostile_input_is_an_error_never_a_panic() {
    let bytes = encode(&sample_store(true), Some("pw"), Compat::Legacy).unwrap();
    for n in (0..bytes.len()).step_by(7) {
        assert!(decode(&bytes[..n], Some("pw")).is_err());
    }
    // A length field claiming 4 GiB.
    assert!(matches!(
        decode(
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x03],
            Some("pw")
        ),
        Err(Pkcs12Error::NotPkcs12(_))
    ));
    // Every single-byte corruption of a small file: no panic.
    let small = fixture("openssl-nomac.p12");
    for i in 0..small.len() {
        let mut b = small.clone();
        b[i] ^= 0xff;
        let _ = decode(&b, Some("changeit"));
    }
}

#[test]
fn hostile_iteration_count_is_refused() {
    // A MAC claiming 2^31 iterations must be refused before running it.
    let auth = asn1::seq(&[]);
    let alg = asn1::seq(&[
        &asn1::oid(&const_oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26")),
        &[5, 0],
    ]);
    let mac = asn1::seq(&[
        &asn1::seq(&[&alg, &asn1::octets(&[0; 20])]),
        &asn1::octets(&[0; 8]),
        &asn1::uint(1 << 31),
    ]);
    let pfx = asn1::seq(&[
        &asn1::uint(3),
        &asn1::seq(&[
            &asn1::oid(&syntax::DATA),
            &asn1::cons(asn1::CTX0, &[&asn1::octets(&auth)]),
        ]),
        &mac,
    ]);
    let err = decode(&pfx, Some("pw")).unwrap_err();
    assert!(err.to_string().contains("iteration count"), "{err}");
}

#[test]
fn unknown_bag_type_names_where() {
    let bag = asn1::seq(&[
        &asn1::oid(&const_oid::ObjectIdentifier::new_unwrap("1.2.3")),
        &asn1::cons(asn1::CTX0, &[&asn1::seq(&[])]),
    ]);
    let safe = asn1::seq(&[
        &asn1::oid(&syntax::DATA),
        &asn1::cons(asn1::CTX0, &[&asn1::octets(&asn1::seq(&[&bag]))]),
    ]);
    let auth = asn1::seq(&[&safe]);
    let pfx = asn1::seq(&[
        &asn1::uint(3),
        &asn1::seq(&[
            &asn1::oid(&syntax::DATA),
            &asn1::cons(asn1::CTX0, &[&asn1::octets(&auth)]),
        ]),
    ]);
    let err = decode(&pfx, None).unwrap_err();
    assert_eq!(err.to_string(), "safe 1, bag 1: unsupported bag type 1.2.3");
}

/// The same PFX without its MacData.
fn strip_mac(pfx: &[u8]) -> Vec<u8> {
    let outer = asn1::single(pfx, asn1::SEQUENCE, "pfx").unwrap();
    let mut r = asn1::Reader::contents(&outer);
    let v = r.any().unwrap();
    let ci = r.any().unwrap();
    asn1::seq(&[v.raw, ci.raw])
}

#[test]
fn trust_attribute_is_byte_identical_to_keytools() {
    // SEQUENCE { 2.16.840.1.113894.746875.1.1, SET { 2.5.29.37.0 } } as keytool 17 writes it
    // (visible in the unencrypted password-less fixture).
    let attr: &[u8] = &[
        0x30, 0x16, 0x06, 0x0c, 0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01,
        0x01, 0x31, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00,
    ];
    let contains = |hay: &[u8]| hay.windows(attr.len()).any(|w| w == attr);
    assert!(contains(&fixture("keytool-passwordless.p12")));
    let ours = encode(&sample_store(false), None, Compat::Passwordless).unwrap();
    assert!(contains(&ours));
}

/// A hand-built file: no MAC, no attributes, CA certificates before the leaf, a plain
/// keyBag. The key is paired by public key, the chain is built by name, the alias derived.
#[test]
fn key_bag_without_local_key_id_pairs_by_public_key() {
    let (s, _) = decode(&fixture("openssl-chain.p12"), Some("changeit")).unwrap();
    let EntryBody::PrivateKey {
        key: PrivateKeyData::Encrypted(epki),
        chain,
    } = &s.entries[0].body
    else {
        panic!()
    };
    let pkcs8 = decrypt_epki(epki, "changeit").unwrap();
    let (kt, _) = decode(&fixture("keytool-chain.p12"), Some("changeit")).unwrap();
    let EntryBody::PrivateKey {
        key: PrivateKeyData::Encrypted(kt_epki),
        ..
    } = &kt.entries[0].body
    else {
        panic!()
    };
    let other_key = decrypt_epki(kt_epki, "changeit").unwrap();
    let bag = |id: &str, value: &[u8]| {
        asn1::seq(&[
            &asn1::oid(&const_oid::ObjectIdentifier::new_unwrap(id)),
            &asn1::cons(asn1::CTX0, &[value]),
        ])
    };
    let cert = |der: &[u8]| {
        bag(
            "1.2.840.113549.1.12.10.1.3",
            &asn1::seq(&[
                &asn1::oid(&syntax::X509_CERTIFICATE),
                &asn1::cons(asn1::CTX0, &[&asn1::octets(der)]),
            ]),
        )
    };
    let bags = [
        cert(&chain[2]),
        cert(&chain[1]),
        bag("1.2.840.113549.1.12.10.1.1", &pkcs8),
        // a second key whose certificate is not in the file
        bag("1.2.840.113549.1.12.10.1.1", &other_key),
        cert(&chain[0]),
    ];
    let refs: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
    let safe = asn1::seq(&[
        &asn1::oid(&syntax::DATA),
        &asn1::cons(asn1::CTX0, &[&asn1::octets(&asn1::seq(&refs))]),
    ]);
    let pfx = asn1::seq(&[
        &asn1::uint(3),
        &asn1::seq(&[
            &asn1::oid(&syntax::DATA),
            &asn1::cons(asn1::CTX0, &[&asn1::octets(&asn1::seq(&[&safe]))]),
        ]),
    ]);
    let (store, info) = decode(&pfx, None).unwrap();
    let got: Vec<(String, usize)> = store
        .entries
        .iter()
        .map(|e| (e.alias.clone(), e.certificates().len()))
        .collect();
    // The key without a certificate is kept with an empty chain (never dropped); no
    // certificate is left over as a trusted entry.
    assert_eq!(
        got,
        vec![("leaf.example".to_string(), 3), ("key-1".to_string(), 0)]
    );
    assert_eq!(info.key_encryption, vec!["none (keyBag)"]);
    assert_eq!(info.preset, None);
}

#[test]
fn ten_safes_of_ten_million_iterations_are_refused_quickly() {
    // In bounds one by one (10,000,000 iterations each), but over the command's budget: the
    // first derivation that does not fit is refused before it runs (this took 17 s).
    crate::pbe::budget::start_with(crate::pbe::budget::DEFAULT_BUDGET);
    let scheme = crate::pbe::Scheme::new_pkcs12(crate::pbe::Pkcs12Pbe::Des3, 10_000_000);
    let safe = asn1::seq(&[
        &asn1::oid(&syntax::ENCRYPTED_DATA),
        &asn1::cons(
            asn1::CTX0,
            &[&asn1::seq(&[
                &asn1::uint(0),
                &asn1::seq(&[
                    &asn1::oid(&syntax::DATA),
                    &scheme.to_der(),
                    &asn1::tlv(asn1::CTX0_PRIM, &[0x42; 64]),
                ]),
            ])],
        ),
    ]);
    let safes: Vec<&[u8]> = std::iter::repeat_n(&safe[..], 10).collect();
    let auth = asn1::seq(&safes);
    let pfx = asn1::seq(&[
        &asn1::uint(3),
        &asn1::seq(&[
            &asn1::oid(&syntax::DATA),
            &asn1::cons(asn1::CTX0, &[&asn1::octets(&auth)]),
        ]),
    ]);
    let t = std::time::Instant::now();
    let err = decode(&pfx, Some("pw")).unwrap_err().to_string();
    assert!(t.elapsed() < std::time::Duration::from_millis(500));
    assert!(err.starts_with("safe 1: key derivation refused"), "{err}");
    assert!(err.contains("KEYCHEST_KDF_BUDGET"), "{err}");
}
