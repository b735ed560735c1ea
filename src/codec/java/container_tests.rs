//! Tests of the JKS/JCEKS codec: hostile input, round trips, and real keytool
//! fixtures (see `fixtures/jks/README.md` for how they were made).

use super::*;
use crate::codec::java::protect::*;
use der::{Decode, Encode};
use pkcs8::DecodePrivateKey;
use spki::EncodePublicKey;

const RSA_CHAIN_JKS: &[u8] = include_bytes!("../../../fixtures/jks/rsa_chain.jks");
const MIXED_JKS: &[u8] = include_bytes!("../../../fixtures/jks/mixed.jks");
const SECRETS_JCEKS: &[u8] = include_bytes!("../../../fixtures/jks/secrets.jceks");
const STORE_PW: &str = "changeit";
const OTHER_PW: &str = "otherpass";
const NON_ASCII_ALIAS: &str = "clé-ключ-😀";

fn entry<'a>(store: &'a JavaKeystore, alias: &str) -> &'a JavaEntry {
    store
        .entries
        .iter()
        .find(|e| e.alias == alias)
        .unwrap_or_else(|| panic!("no entry {alias}"))
}

fn chain_of(e: &JavaEntry) -> (&[u8], &[Vec<u8>]) {
    match &e.body {
        JavaEntryBody::PrivateKey {
            protected_key,
            chain,
        } => (protected_key, chain),
        other => panic!("{} is not a key entry: {other:?}", e.alias),
    }
}

/// Decrypts a key entry and checks the key is PKCS#8 whose public half is the
/// leaf certificate's SubjectPublicKeyInfo.
fn assert_key_matches_leaf(e: &JavaEntry, password: &str) {
    let (protected, chain) = chain_of(e);
    let pkcs8 = unprotect_private_key(protected, password).unwrap();
    let leaf = x509_cert::Certificate::from_der(&chain[0]).unwrap();
    let cert_spki = leaf
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&pkcs8).unwrap();
    let derived = match info.algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => {
            rsa::PublicKey::from(&rsa::PrivateKey::from_pkcs8_der(&pkcs8).unwrap())
                .to_public_key_der()
                .unwrap()
        }
        "1.2.840.10045.2.1" => p256::SecretKey::from_pkcs8_der(&pkcs8)
            .unwrap()
            .public_key()
            .to_public_key_der()
            .unwrap(),
        oid => panic!("unexpected key algorithm {oid}"),
    };
    assert_eq!(
        derived.as_bytes(),
        &cert_spki[..],
        "key/cert mismatch for {}",
        e.alias
    );
}

fn secret(store: &JavaKeystore, alias: &str, password: &str) -> SecretKeyMaterial {
    match &entry(store, alias).body {
        JavaEntryBody::SecretKey { sealed } => open_sealed_secret_key(sealed, password).unwrap(),
        other => panic!("{alias} is not a secret key: {other:?}"),
    }
}

#[test]
fn sniffs_both_magics() {
    assert_eq!(sniff(RSA_CHAIN_JKS), Some(JavaStoreKind::Jks));
    assert_eq!(sniff(SECRETS_JCEKS), Some(JavaStoreKind::Jceks));
    assert_eq!(sniff(b"\x30\x82"), None);
}

#[test]
fn keytool_jks_with_chain_ec_and_trusted_cert() {
    let (store, status) = decode(RSA_CHAIN_JKS, Some(STORE_PW)).unwrap();
    assert_eq!(status, IntegrityStatus::Verified);
    assert_eq!(store.kind, JavaStoreKind::Jks);
    let mut aliases: Vec<_> = store.entries.iter().map(|e| e.alias.as_str()).collect();
    aliases.sort();
    assert_eq!(aliases, ["ec", "leaf", "root"]);
    assert_eq!(chain_of(entry(&store, "leaf")).1.len(), 3);
    assert_eq!(chain_of(entry(&store, "ec")).1.len(), 1);
    let JavaEntryBody::TrustedCert { cert } = &entry(&store, "root").body else {
        panic!("root is not a trusted cert")
    };
    // The trusted root is the top of the leaf's chain.
    assert_eq!(cert, &chain_of(entry(&store, "leaf")).1[2]);
    assert_key_matches_leaf(entry(&store, "leaf"), STORE_PW);
    assert_key_matches_leaf(entry(&store, "ec"), STORE_PW);
    assert!(entry(&store, "leaf").created_ms > 1_600_000_000_000);
}

#[test]
fn keytool_jks_other_key_password_and_non_ascii_alias() {
    let (store, _) = decode(MIXED_JKS, Some(STORE_PW)).unwrap();
    let e = entry(&store, OTHER_PW);
    assert_key_matches_leaf(e, OTHER_PW);
    assert!(matches!(
        unprotect_private_key(chain_of(e).0, STORE_PW),
        Err(JksError::WrongKeyPassword)
    ));
    assert!(matches!(
        entry(&store, NON_ASCII_ALIAS).body,
        JavaEntryBody::TrustedCert { .. }
    ));
}

#[test]
fn keytool_jceks_keys_and_secret_keys() {
    let (store, status) = decode(SECRETS_JCEKS, Some(STORE_PW)).unwrap();
    assert_eq!(status, IntegrityStatus::Verified);
    assert_eq!(store.kind, JavaStoreKind::Jceks);
    assert_eq!(store.entries.len(), 6);
    assert_key_matches_leaf(entry(&store, "rsa"), STORE_PW);
    assert_key_matches_leaf(entry(&store, "ec"), OTHER_PW);
    assert!(matches!(
        entry(&store, "root").body,
        JavaEntryBody::TrustedCert { .. }
    ));
    for (alias, pw, alg, len) in [
        ("aes256", STORE_PW, "AES", 32),
        ("hmac", STORE_PW, "HmacSHA256", 32),
        ("desede", OTHER_PW, "DESede", 24),
    ] {
        let m = secret(&store, alias, pw);
        assert_eq!(
            (m.algorithm.as_str(), m.format.as_str(), m.key.len()),
            (alg, "RAW", len)
        );
    }
    let JavaEntryBody::SecretKey { sealed } = &entry(&store, "desede").body else {
        panic!()
    };
    assert!(matches!(
        open_sealed_secret_key(sealed, STORE_PW),
        Err(JksError::WrongKeyPassword)
    ));
}

#[test]
fn reencoding_keytool_stores_is_byte_identical() {
    for bytes in [RSA_CHAIN_JKS, MIXED_JKS, SECRETS_JCEKS] {
        let (store, _) = decode(bytes, Some(STORE_PW)).unwrap();
        assert_eq!(encode(&store, STORE_PW).unwrap(), bytes);
    }
}

#[test]
fn decode_without_password_skips_digest() {
    let (store, status) = decode(RSA_CHAIN_JKS, None).unwrap();
    assert_eq!(status, IntegrityStatus::NotChecked);
    assert_eq!(store.entries.len(), 3);
}

#[test]
fn wrong_password_or_corruption_is_integrity_error() {
    assert!(matches!(
        decode(RSA_CHAIN_JKS, Some("nope")),
        Err(JksError::Integrity)
    ));
    let mut bytes = RSA_CHAIN_JKS.to_vec();
    bytes[100] ^= 1;
    let err = decode(&bytes, Some(STORE_PW)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "integrity check failed: wrong password or corrupted file"
    );
}

fn small_store(kind: JavaStoreKind) -> JavaKeystore {
    let (jks, _) = decode(RSA_CHAIN_JKS, Some(STORE_PW)).unwrap();
    let (_, chain) = chain_of(entry(&jks, "ec"));
    let pkcs8 = unprotect_private_key(chain_of(entry(&jks, "ec")).0, STORE_PW).unwrap();
    let protected_key = match kind {
        JavaStoreKind::Jks => protect_private_key_jks(&pkcs8, "kp").unwrap(),
        JavaStoreKind::Jceks => protect_private_key_jceks(&pkcs8, "kp").unwrap(),
    };
    let mut entries = vec![
        JavaEntry {
            alias: NON_ASCII_ALIAS.into(),
            created_ms: 1,
            body: JavaEntryBody::PrivateKey {
                protected_key,
                chain: chain.to_vec(),
            },
        },
        JavaEntry {
            alias: "nul\u{0}alias".into(),
            created_ms: -5,
            body: JavaEntryBody::TrustedCert {
                cert: chain[0].clone(),
            },
        },
    ];
    if kind == JavaStoreKind::Jceks {
        let m = SecretKeyMaterial {
            algorithm: "HmacSHA256".into(),
            format: "RAW".into(),
            key: zeroize::Zeroizing::new(vec![7; 32]),
        };
        entries.push(JavaEntry {
            alias: "s".into(),
            created_ms: 3,
            body: JavaEntryBody::SecretKey {
                sealed: seal_secret_key(&m, "kp").unwrap(),
            },
        });
    }
    JavaKeystore { kind, entries }
}

#[test]
fn encode_decode_round_trip() {
    for kind in [JavaStoreKind::Jks, JavaStoreKind::Jceks] {
        let store = small_store(kind);
        let bytes = encode(&store, "sp").unwrap();
        let (back, status) = decode(&bytes, Some("sp")).unwrap();
        assert_eq!(status, IntegrityStatus::Verified);
        assert_eq!(back, store);
        assert_key_matches_leaf(&back.entries[0], "kp");
    }
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = encode(&small_store(JavaStoreKind::Jceks), "sp").unwrap();
    for cut in 0..bytes.len() {
        assert!(decode(&bytes[..cut], None).is_err(), "cut at {cut}");
    }
}

#[test]
fn truncation_reports_offset_and_alias() {
    let mut bytes = encode(&small_store(JavaStoreKind::Jks), "sp").unwrap();
    // Cut inside the first entry's certificate chain, then re-append a digest so
    // only the entry parser sees the damage.
    bytes.truncate(300);
    bytes.extend_from_slice(&[0; 20]);
    let err = decode(&bytes, None).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("entry {NON_ASCII_ALIAS:?}: truncated at byte")),
        "{msg}"
    );
}

fn header(magic: u32, count: u32) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    v.extend_from_slice(&2u32.to_be_bytes());
    v.extend_from_slice(&count.to_be_bytes());
    v
}

#[test]
fn huge_counts_and_lengths_fail_before_allocating() {
    let mut bytes = header(0xFEED_FEED, u32::MAX);
    bytes.extend_from_slice(&[0; 20]);
    assert!(matches!(
        decode(&bytes, None),
        Err(JksError::CountTooLarge {
            count: u32::MAX,
            offset: 8,
            ..
        })
    ));
    // One trusted cert entry claiming a 4 GiB certificate.
    let mut bytes = header(0xFEED_FEED, 1);
    bytes.extend_from_slice(&2u32.to_be_bytes());
    bytes.extend_from_slice(&[0, 1, b'a']);
    bytes.extend_from_slice(&0i64.to_be_bytes());
    bytes.extend_from_slice(&[0, 5]);
    bytes.extend_from_slice(b"X.509");
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    bytes.extend_from_slice(&[0; 20]);
    let err = decode(&bytes, None).unwrap_err();
    assert!(
        matches!(&err, JksError::InEntry { alias, cause } if alias == "a"
            && matches!(**cause, JksError::Truncated { offset: 38, .. })),
        "{err:?}"
    );
}

#[test]
fn unknown_tag_is_named_with_offset() {
    let mut bytes = header(0xFEED_FEED, 1);
    bytes.extend_from_slice(&9u32.to_be_bytes());
    bytes.extend_from_slice(&[0; 40]);
    let err = decode(&bytes, None).unwrap_err();
    assert_eq!(err.to_string(), "unknown entry tag 9 at byte 12");
    // Secret key entries exist only in JCEKS.
    let mut bytes = header(0xFEED_FEED, 1);
    bytes.extend_from_slice(&3u32.to_be_bytes());
    bytes.extend_from_slice(&[0; 40]);
    assert!(matches!(
        decode(&bytes, None),
        Err(JksError::UnknownTag { tag: 3, offset: 12 })
    ));
}

#[test]
fn bad_magic_and_version() {
    assert!(matches!(
        decode(&header(0x1234_5678, 0), None),
        Err(JksError::BadMagic { .. })
    ));
    let mut v = header(0xCECE_CECE, 0);
    v[7] = 9;
    assert!(matches!(
        decode(&v, None),
        Err(JksError::UnsupportedVersion { version: 9 })
    ));
}

#[test]
fn encode_rejects_inconsistent_stores() {
    let mut store = small_store(JavaStoreKind::Jks);
    store.entries[1].alias = NON_ASCII_ALIAS.to_uppercase();
    assert!(matches!(
        encode(&store, "sp"),
        Err(JksError::DuplicateAlias { .. })
    ));

    let jceks = small_store(JavaStoreKind::Jceks);
    let mut jks = small_store(JavaStoreKind::Jks);
    jks.entries.push(jceks.entries[2].clone());
    assert!(matches!(
        encode(&jks, "sp"),
        Err(JksError::SecretKeyInJks { .. })
    ));

    let mut mixed = jceks.clone();
    mixed.kind = JavaStoreKind::Jks;
    mixed.entries.truncate(1);
    assert!(matches!(
        encode(&mixed, "sp"),
        Err(JksError::ProtectionMismatch { .. })
    ));
}
