//! Property tests: every store codec decodes what it encodes back to the same model, and
//! DN printing is undone by DN parsing.
//!
//! Certificates and keys are made once (a small pool in a `OnceLock`) and picked from;
//! each identity has its own root and intermediate, so chain building by issuer (PEM,
//! PKCS#12) finds exactly the chain that was written.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use der::Encode;
use keychest::codec::{self, EncodeOptions, pkcs12::Compat};
use keychest::pki::cert::{self, CertParams};
use keychest::pki::key::{KeyType, PrivateKey};
use keychest::pki::name;
use keychest::store::{
    Entry, EntryBody, EntryKind, Format, Keystore, PrivateKeyData, SecretEntryData, SecretKeyData,
    keyprotect,
};
use proptest::prelude::*;
use zeroize::Zeroizing;

struct Identity {
    pkcs8: Vec<u8>,
    /// Leaf first.
    chain: Vec<Vec<u8>>,
}

struct Pool {
    trusted: Vec<Vec<u8>>,
    identities: Vec<Identity>,
}

const NOW: i64 = 1_700_000_000;

fn dn(text: &str) -> Vec<u8> {
    name::parse_dn(text).unwrap().to_der().unwrap()
}

fn spki(key: &PrivateKey) -> Vec<u8> {
    key.public_key_info().unwrap().to_der().unwrap()
}

fn make_cert(
    serial: u32,
    issuer: &[u8],
    subject: &[u8],
    subject_spki: &[u8],
    signer: &PrivateKey,
    ca: bool,
) -> Vec<u8> {
    let serial = serial.to_be_bytes();
    cert::sign(
        &CertParams {
            serial: &serial,
            issuer,
            subject,
            spki: subject_spki,
            not_before: NOW,
            not_after: NOW + 86_400 * 365,
            extensions: vec![cert::basic_constraints(ca, None).unwrap()],
        },
        signer,
    )
    .unwrap()
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut serial = 1u32;
        let mut next = || {
            serial += 1;
            serial
        };
        let mut trusted = Vec::new();
        for i in 0..6 {
            let k = PrivateKey::generate(KeyType::P256).unwrap();
            let n = dn(&format!("CN=Trusted {i},O=Pool"));
            trusted.push(make_cert(next(), &n, &n, &spki(&k), &k, true));
        }
        let mut identities = Vec::new();
        // P-256 and Ed25519 with chains of 1, 2 and 3; one RSA key (slow to make).
        let mut plan: Vec<(KeyType, usize)> = Vec::new();
        for i in 0..9 {
            let kt = if i % 2 == 0 {
                KeyType::P256
            } else {
                KeyType::Ed25519
            };
            plan.push((kt, 1 + i % 3));
        }
        plan.push((KeyType::Rsa(2048), 2));
        for (i, (kt, len)) in plan.into_iter().enumerate() {
            let leaf_key = PrivateKey::generate(kt).unwrap();
            let leaf_name = dn(&format!("CN=leaf {i}.example,O=Pool"));
            let root_key = PrivateKey::generate(KeyType::P256).unwrap();
            let root_name = dn(&format!("CN=Root {i},O=Pool"));
            let inter_key = PrivateKey::generate(KeyType::P256).unwrap();
            let inter_name = dn(&format!("CN=Intermediate {i},O=Pool"));
            let root = make_cert(
                next(),
                &root_name,
                &root_name,
                &spki(&root_key),
                &root_key,
                true,
            );
            let inter = make_cert(
                next(),
                &root_name,
                &inter_name,
                &spki(&inter_key),
                &root_key,
                true,
            );
            let chain = match len {
                1 => vec![make_cert(
                    next(),
                    &leaf_name,
                    &leaf_name,
                    &spki(&leaf_key),
                    &leaf_key,
                    false,
                )],
                2 => vec![
                    make_cert(
                        next(),
                        &root_name,
                        &leaf_name,
                        &spki(&leaf_key),
                        &root_key,
                        false,
                    ),
                    root,
                ],
                _ => vec![
                    make_cert(
                        next(),
                        &inter_name,
                        &leaf_name,
                        &spki(&leaf_key),
                        &inter_key,
                        false,
                    ),
                    inter,
                    root,
                ],
            };
            identities.push(Identity {
                pkcs8: leaf_key.to_pkcs8_der().unwrap().to_vec(),
                chain,
            });
        }
        Pool {
            trusted,
            identities,
        }
    })
}

/// One entry of the model: what a store must give back.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Key { pkcs8: Vec<u8>, chain: Vec<Vec<u8>> },
    Trusted(Vec<u8>),
    Secret { algorithm: String, key: Vec<u8> },
}

#[derive(Clone, Copy, Debug)]
enum Pick {
    Key(usize),
    Trusted(usize),
    Secret(usize, u8),
}

const SECRET_ALGS: &[(&str, usize)] = &[("AES", 16), ("AES", 32), ("HmacSHA256", 32)];

fn item(pick: Pick) -> Item {
    let p = pool();
    match pick {
        Pick::Key(i) => {
            let id = &p.identities[i];
            Item::Key {
                pkcs8: id.pkcs8.clone(),
                chain: id.chain.clone(),
            }
        }
        Pick::Trusted(i) => Item::Trusted(p.trusted[i].clone()),
        Pick::Secret(i, fill) => {
            let (alg, len) = SECRET_ALGS[i];
            Item::Secret {
                algorithm: alg.to_string(),
                key: (0..len).map(|j| fill.wrapping_add(j as u8 * 7)).collect(),
            }
        }
    }
}

fn to_entry(alias: &str, item: &Item) -> Entry {
    Entry {
        alias: alias.to_string(),
        created_ms: Some(1_700_000_000_000),
        body: match item {
            Item::Key { pkcs8, chain } => EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(Zeroizing::new(pkcs8.clone())),
                chain: chain.clone(),
            },
            Item::Trusted(cert) => EntryBody::TrustedCert { cert: cert.clone() },
            Item::Secret { algorithm, key } => EntryBody::SecretKey {
                key: SecretEntryData::Open(SecretKeyData {
                    algorithm: algorithm.clone(),
                    key: Zeroizing::new(key.clone()),
                }),
            },
        },
    }
}

/// Reads an entry back into the model, decrypting keys and opening secrets.
fn from_entry(format: Format, e: &Entry, password: &str) -> Item {
    match &e.body {
        EntryBody::PrivateKey { key, chain } => Item::Key {
            pkcs8: keyprotect::decrypt(key, password)
                .unwrap_or_else(|err| panic!("decrypting {:?}: {err}", e.alias))
                .to_vec(),
            chain: chain.clone(),
        },
        EntryBody::TrustedCert { cert } => Item::Trusted(cert.clone()),
        EntryBody::SecretKey { key } => {
            let s = match key {
                SecretEntryData::Open(s) => s.clone(),
                SecretEntryData::Sealed { format: f, bytes } => {
                    assert_eq!(*f, format);
                    codec::open_secret(*f, bytes, password).unwrap()
                }
            };
            Item::Secret {
                algorithm: s.algorithm.clone(),
                key: s.key.to_vec(),
            }
        }
    }
}

/// Random distinct picks: keys and trusted certificates without repeats, secrets if allowed.
fn picks(secrets: bool, max: usize) -> impl Strategy<Value = Vec<Pick>> {
    let n_id = pool_sizes().0;
    let n_tr = pool_sizes().1;
    (
        proptest::sample::subsequence((0..n_id).collect::<Vec<_>>(), 0..=n_id.min(max)),
        proptest::sample::subsequence((0..n_tr).collect::<Vec<_>>(), 0..=n_tr.min(max)),
        proptest::collection::vec(
            (0..SECRET_ALGS.len(), any::<u8>()),
            0..=if secrets { 3 } else { 0 },
        ),
        any::<u64>(),
    )
        .prop_map(|(keys, trusted, secrets, seed)| {
            let mut out: Vec<Pick> = keys.into_iter().map(Pick::Key).collect();
            out.extend(trusted.into_iter().map(Pick::Trusted));
            out.extend(secrets.into_iter().map(|(i, f)| Pick::Secret(i, f)));
            // Deterministic shuffle so kinds interleave in file order.
            let mut s = seed;
            for i in (1..out.len()).rev() {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                out.swap(i, (s >> 33) as usize % (i + 1));
            }
            out
        })
        .prop_filter("non-empty", |v| !v.is_empty())
}

/// The pool's size is fixed; known without building it (strategies are made eagerly).
fn pool_sizes() -> (usize, usize) {
    (10, 6)
}

/// Aliases: printable, with non-ASCII letters, spaces and (except for PKCS#12, whose
/// friendlyName is a BMPString) a supplementary character.
fn alias(bmp_only: bool) -> BoxedStrategy<String> {
    if bmp_only {
        "[a-zA-Z0-9 ._@ÄäÉéßΣσкК世-]{1,12}".boxed()
    } else {
        "[a-zA-Z0-9 ._@ÄäÉéßΣσкК世😀-]{1,12}".boxed()
    }
}

fn aliases_for(n: usize, java: bool) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(alias(!java), n..=n + 4).prop_filter_map("unique aliases", move |v| {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for a in v {
            let k = if java { a.to_lowercase() } else { a.clone() };
            if seen.insert(k) {
                out.push(a);
            }
        }
        (out.len() >= n).then(|| out[..n].to_vec())
    })
}

fn password() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#%é]{1,12}"
}

/// JCEKS key protection (PBEWithMD5AndTripleDES) takes ASCII passwords only.
fn ascii_password() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#% ]{1,12}"
}

fn model(secrets: bool, java: bool, max: usize) -> impl Strategy<Value = Vec<(String, Item)>> {
    picks(secrets, max).prop_flat_map(move |p| {
        let n = p.len();
        (Just(p), aliases_for(n, java)).prop_map(|(p, a)| {
            a.into_iter()
                .zip(p.into_iter().map(item))
                .collect::<Vec<_>>()
        })
    })
}

fn store_of(model: &[(String, Item)]) -> Keystore {
    Keystore {
        entries: model.iter().map(|(a, i)| to_entry(a, i)).collect(),
    }
}

/// Encodes the model, decodes it, and compares entries by alias.
fn round_trip(format: Format, model: &[(String, Item)], password: &str, compat: Compat) {
    let store = store_of(model);
    let bytes = codec::encode(
        format,
        &store,
        &EncodeOptions {
            password: Some(password),
            compat,
        },
    )
    .unwrap();
    assert_eq!(codec::sniff(&bytes), Some(format));
    let (back, _) = codec::decode(format, &bytes, Some(password)).unwrap();
    let want: BTreeMap<&str, &Item> = model.iter().map(|(a, i)| (a.as_str(), i)).collect();
    let got: BTreeMap<&str, Item> = back
        .entries
        .iter()
        .map(|e| (e.alias.as_str(), from_entry(format, e, password)))
        .collect();
    assert_eq!(got.len(), back.entries.len(), "duplicate aliases decoded");
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (alias, item) in &want {
        assert_eq!(&got[alias], *item, "entry {alias:?}");
    }
    for e in &back.entries {
        let kind = match want[e.alias.as_str()] {
            Item::Key { .. } => EntryKind::PrivateKey,
            Item::Trusted(_) => EntryKind::TrustedCert,
            Item::Secret { .. } => EntryKind::SecretKey,
        };
        assert_eq!(e.kind(), kind);
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Only the RSA identity is slow (key protection and signing are fast for all); keep it rare.
fn without_rsa_mostly(model: &[(String, Item)]) -> bool {
    let rsa = &pool().identities[9].pkcs8;
    !model
        .iter()
        .any(|(_, i)| matches!(i, Item::Key { pkcs8, .. } if pkcs8 == rsa))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pkcs12_round_trips(
        m in model(true, false, 4),
        pw in password(),
        compat in prop_oneof![Just(Compat::Modern), Just(Compat::Java11), Just(Compat::Legacy)],
    ) {
        round_trip(Format::Pkcs12, &m, &pw, compat);
    }

    #[test]
    fn jks_round_trips(m in model(false, true, 4), pw in password()) {
        round_trip(Format::Jks, &m, &pw, Compat::Modern);
    }


    /// PEM keeps no aliases: entries come back keys first, named after their certificates;
    /// compare the multiset of entries.
    #[test]
    fn pem_round_trips(m in model(false, false, 4), pw in proptest::option::of(password())) {
        let store = store_of(&m);
        let bytes = codec::encode(
            Format::Pem,
            &store,
            &EncodeOptions { password: pw.as_deref(), compat: Compat::Modern },
        )
        .unwrap();
        assert_eq!(codec::sniff(&bytes), Some(Format::Pem));
        let (back, _) = codec::decode(Format::Pem, &bytes, pw.as_deref()).unwrap();
        let mut got: Vec<Item> = back
            .entries
            .iter()
            .map(|e| from_entry(Format::Pem, e, pw.as_deref().unwrap_or("")))
            .collect();
        let mut want: Vec<Item> = m.into_iter().map(|(_, i)| i).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }
}

proptest! {
    // JCEKS protects each key with 200,000 MD5 rounds (both ways): fewer, smaller cases.
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn jceks_round_trips(m in model(true, true, 2), pw in ascii_password()) {
        prop_assume!(without_rsa_mostly(&m) || m.len() < 3);
        round_trip(Format::Jceks, &m, &pw, Compat::Modern);
    }
}

// ---- DN: parse ∘ print is the identity on names we print ----

/// (printed name, string kind): 'u' UTF8String, 'p' PrintableString, 'i' IA5String, 'c' country.
const DN_ATTRS: &[(&str, char)] = &[
    ("CN", 'u'),
    ("SN", 'u'),
    ("serialNumber", 'p'),
    ("C", 'c'),
    ("L", 'u'),
    ("ST", 'u'),
    ("STREET", 'u'),
    ("O", 'u'),
    ("OU", 'u'),
    ("title", 'u'),
    ("postalCode", 'u'),
    ("GN", 'u'),
    ("initials", 'u'),
    ("generationQualifier", 'u'),
    ("dnQualifier", 'p'),
    ("pseudonym", 'u'),
    ("organizationIdentifier", 'u'),
    ("DC", 'i'),
    ("UID", 'u'),
    ("emailAddress", 'i'),
];

fn dn_value(kind: char) -> BoxedStrategy<String> {
    match kind {
        // Every character that needs escaping, leading/trailing spaces and '#', non-ASCII.
        // Controls (CR, LF, NUL, ESC, DEL, C1) and bidi overrides must print as \XX escapes.
        'u' => {
            "[ #a-zA-Z0-9,+\"\\\\<>;=éü世😀.\r\n\x00\x1b\x7f\u{85}\u{9b}\u{202e}\u{2067}-]{1,16}"
                .boxed()
        }
        'p' => "[ a-zA-Z0-9'()+,./:=?-]{1,16}".boxed(),
        'i' => "[ #a-zA-Z0-9,+\"\\\\<>;=@.-]{1,16}".boxed(),
        _ => "[A-Z]{2}".boxed(),
    }
}

/// What must never reach a terminal raw: controls and the bidi overrides/isolates.
fn is_terminal_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// RFC 4514 escaping written independently of the code under test (hex for the specials).
fn escape(v: &str) -> String {
    let n = v.chars().count();
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (c == '#' && i == 0)
            || (c == ' ' && (i == 0 || i + 1 == n))
            || is_terminal_control(c);
        if special {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn atv() -> impl Strategy<Value = String> {
    (0..DN_ATTRS.len()).prop_flat_map(|i| {
        let (n, kind) = DN_ATTRS[i];
        dn_value(kind).prop_map(move |v| format!("{n}={}", escape(&v)))
    })
}

fn dn_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::collection::vec(atv(), 1..=2), 1..=5).prop_map(|rdns| {
        rdns.into_iter()
            .map(|r| r.join("+"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn dn_print_then_parse_is_identity(text in dn_text()) {
        let name = name::parse_dn(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let der = name.to_der().unwrap();
        let printed = name::to_rfc4514(&name);
        let again = name::parse_dn(&printed).unwrap_or_else(|e| panic!("{printed:?}: {e}"));
        prop_assert!(!printed.chars().any(is_terminal_control), "raw control in {:?}", printed);
        prop_assert_eq!(again.to_der().unwrap(), der, "printed as {}", printed);
    }
}
