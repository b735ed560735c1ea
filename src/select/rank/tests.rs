//! The ranking table: which entries a server's CA names and signature schemes select, and why
//! the others are rejected.

use std::sync::atomic::{AtomicU8, Ordering};

use der::Encode;
use der::flagset::FlagSet;
use x509_cert::ext::pkix::KeyUsages;

use super::*;
use crate::pki::cert::{self, CertParams};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::{name, oids};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

struct Ca {
    key: PrivateKey,
    subject: Vec<u8>,
    cert: Vec<u8>,
}

/// What a test leaf looks like; `Default` is a valid client certificate.
struct Leaf {
    ca: bool,
    key_usage: Option<FlagSet<KeyUsages>>,
    eku: Option<Vec<der::oid::ObjectIdentifier>>,
    not_before: i64,
    not_after: i64,
}

impl Default for Leaf {
    fn default() -> Self {
        Leaf {
            ca: false,
            key_usage: Some(KeyUsages::DigitalSignature.into()),
            eku: Some(vec![oids::KP_CLIENT_AUTH]),
            not_before: NOW - DAY,
            not_after: NOW + 100 * DAY,
        }
    }
}

fn dn(s: &str) -> Vec<u8> {
    name::parse_dn(s).unwrap().to_der().unwrap()
}

fn spki(k: &PrivateKey) -> Vec<u8> {
    k.public_key_info().unwrap().to_der().unwrap()
}

fn serial() -> [u8; 2] {
    static N: AtomicU8 = AtomicU8::new(1);
    [1, N.fetch_add(1, Ordering::Relaxed)]
}

fn signed(issuer: Option<&Ca>, subject: &[u8], key: &PrivateKey, leaf: &Leaf) -> Vec<u8> {
    let mut extensions = vec![cert::basic_constraints(leaf.ca, None).unwrap()];
    if let Some(ku) = leaf.key_usage {
        extensions.push(cert::key_usage(ku).unwrap());
    }
    if let Some(eku) = &leaf.eku {
        extensions.push(cert::extended_key_usage(eku).unwrap());
    }
    let (issuer_name, signer) = match issuer {
        Some(ca) => (ca.subject.as_slice(), &ca.key),
        None => (subject, key),
    };
    cert::sign(
        &CertParams {
            serial: &serial(),
            issuer: issuer_name,
            subject,
            spki: &spki(key),
            not_before: leaf.not_before,
            not_after: leaf.not_after,
            extensions,
        },
        signer,
    )
    .unwrap()
}

fn ca(parent: Option<&Ca>, subject: &str) -> Ca {
    let key = PrivateKey::generate(KeyType::P256).unwrap();
    let subject = dn(subject);
    let spec = Leaf {
        ca: true,
        key_usage: Some(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        eku: None,
        not_before: NOW - 1000 * DAY,
        not_after: NOW + 1000 * DAY,
    };
    let cert = signed(parent, &subject, &key, &spec);
    Ca { key, subject, cert }
}

fn leaf(issuer: &Ca, cn: &str, spec: Leaf) -> Vec<u8> {
    let key = PrivateKey::generate(KeyType::P256).unwrap();
    signed(Some(issuer), &dn(&format!("CN={cn}")), &key, &spec)
}

struct Pki {
    a: Ca,
    b: Ca,
    c: Ca,
    ia: Ca,
}

fn pki() -> Pki {
    let a = ca(None, "CN=Root A");
    let ia = ca(Some(&a), "CN=Issuing A1");
    Pki {
        b: ca(None, "CN=Root B"),
        c: ca(None, "CN=Root C"),
        a,
        ia,
    }
}

fn request<'a>(names: &'a [Vec<u8>], schemes: Option<&'a [SigScheme]>) -> Request<'a> {
    Request {
        ca_names: names,
        schemes,
        tls13: true,
        now: NOW,
    }
}

#[test]
fn one_identity_in_two_stores_is_one_candidate() {
    let pki = pki();
    let names = [pki.b.subject.clone()];
    let shared = vec![leaf(&pki.b, "shared", Leaf::default())];
    let other = vec![leaf(&pki.b, "other", Leaf::default())];
    let entries = [
        Candidate {
            store: 1,
            alias: "copy",
            chain: &shared,
        },
        Candidate {
            store: 0,
            alias: "original",
            chain: &shared,
        },
        Candidate {
            store: 0,
            alias: "other",
            chain: &other,
        },
    ];
    let ranked = rank(&entries, &[], &request(&names, None));
    let candidates: Vec<&str> = ranked
        .iter()
        .filter(|e| e.candidate)
        .map(|e| e.alias.as_str())
        .collect();
    assert_eq!(candidates.len(), 2, "{candidates:?}");
    let copy = ranked.iter().find(|e| e.alias == "copy").unwrap();
    assert!(!copy.candidate);
    assert_eq!(
        copy.rejections,
        vec![Rejection::SameAs {
            store: 0,
            alias: "original".into()
        }]
    );
    assert_eq!(
        copy.rejections[0].to_string(),
        "the same certificate as 'original' in store 1 (offered once)"
    );
}

#[test]
fn ranking_order() {
    let pki = pki();
    let names = [pki.a.subject.clone(), pki.b.subject.clone()];
    let days = |d: i64| Leaf {
        not_after: NOW + d * DAY,
        ..Leaf::default()
    };
    let chain_long = vec![leaf(&pki.ia, "chain", days(1000)), pki.ia.cert.clone()];
    let direct_short = vec![leaf(&pki.b, "short", days(10))];
    let direct_long = vec![leaf(&pki.b, "long", days(100))];
    let same: Vec<Vec<Vec<u8>>> = (0..3)
        .map(|i| vec![leaf(&pki.b, &format!("same{i}"), days(50))])
        .collect();
    // Input order deliberately differs from the expected order.
    let entries = [
        Candidate {
            store: 0,
            alias: "z-chain-long",
            chain: &chain_long,
        },
        Candidate {
            store: 1,
            alias: "b-same",
            chain: &same[0],
        },
        Candidate {
            store: 0,
            alias: "y-direct-short",
            chain: &direct_short,
        },
        Candidate {
            store: 1,
            alias: "a-same",
            chain: &same[1],
        },
        Candidate {
            store: 0,
            alias: "m-same-store0",
            chain: &same[2],
        },
        Candidate {
            store: 1,
            alias: "x-direct-long",
            chain: &direct_long,
        },
    ];
    let ranked = rank(&entries, &[], &request(&names, None));
    let order: Vec<&str> = ranked.iter().map(|e| e.alias.as_str()).collect();
    assert_eq!(
        order,
        [
            "x-direct-long", // direct, longest validity
            "m-same-store0", // direct, 50 days, first store
            "a-same",        // direct, 50 days, second store, alias order
            "b-same",
            "y-direct-short", // direct, 10 days
            "z-chain-long",   // chain match ranks last despite 1000 days
        ]
    );
    assert!(ranked.iter().all(|e| e.candidate));
    assert_eq!(
        ranked[5].matched,
        Some(Match::Chain {
            name: "CN=Root A".into(),
            depth: 1
        })
    );
    assert_eq!(
        ranked[0].matched,
        Some(Match::LeafIssuer {
            name: "CN=Root B".into()
        })
    );
    // With no names every entry is a direct (any-CA) match: validity decides.
    let ranked = rank(&entries, &[], &request(&[], None));
    assert_eq!(ranked[0].alias, "z-chain-long");
    assert_eq!(ranked[0].matched, Some(Match::AnyCa));
}

#[test]
fn chain_is_completed_from_the_pool() {
    let pki = pki();
    let names = [pki.a.subject.clone()];
    let only_leaf = vec![leaf(&pki.ia, "inter", Leaf::default())];
    let entries = [Candidate {
        store: 0,
        alias: "inter",
        chain: &only_leaf,
    }];
    let ranked = rank(&entries, &[], &request(&names, None));
    assert!(!ranked[0].candidate);
    assert_eq!(
        ranked[0].rejections,
        [Rejection::IssuerNotAccepted {
            chain_top: "CN=Issuing A1".into()
        }]
    );
    let pool = [pki.ia.cert.clone()];
    let ranked = rank(&entries, &pool, &request(&names, None));
    assert!(ranked[0].candidate, "{:?}", ranked[0].rejections);
    assert_eq!(ranked[0].chain.len(), 2);
}

#[test]
fn each_rejection() {
    let pki = pki();
    let names = [pki.a.subject.clone(), pki.b.subject.clone()];
    let p256_only = [SigScheme(0x0403)];
    let ed25519_only = [SigScheme(0x0807)];
    let b = |spec: Leaf| vec![leaf(&pki.b, "x", spec)];
    type Case<'a> = (Vec<Vec<u8>>, Option<&'a [SigScheme]>, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], None, "no-certificate"),
        (
            b(Leaf {
                ca: true,
                ..Leaf::default()
            }),
            None,
            "is-ca",
        ),
        (
            b(Leaf {
                not_after: NOW - DAY,
                not_before: NOW - 2 * DAY,
                ..Leaf::default()
            }),
            None,
            "expired",
        ),
        (
            b(Leaf {
                not_before: NOW + DAY,
                ..Leaf::default()
            }),
            None,
            "not-yet-valid",
        ),
        (
            b(Leaf {
                key_usage: Some(KeyUsages::KeyAgreement.into()),
                ..Leaf::default()
            }),
            None,
            "key-usage-lacks-digital-signature",
        ),
        (
            b(Leaf {
                eku: Some(vec![oids::KP_SERVER_AUTH]),
                ..Leaf::default()
            }),
            None,
            "eku-lacks-client-auth",
        ),
        (
            b(Leaf::default()),
            Some(&ed25519_only),
            "key-type-not-accepted",
        ),
        (
            vec![leaf(&pki.c, "x", Leaf::default())],
            None,
            "issuer-not-accepted",
        ),
    ];
    for (chain, schemes, reason) in &cases {
        let entries = [Candidate {
            store: 0,
            alias: "e",
            chain,
        }];
        let ranked = rank(&entries, &[], &request(&names, *schemes));
        let e = &ranked[0];
        assert!(!e.candidate, "{reason}");
        assert_eq!(e.rejections.len(), 1, "{reason}: {:?}", e.rejections);
        let json = serde_json::to_value(&e.rejections[0]).unwrap();
        assert_eq!(json["reason"], *reason, "{json}");
        let text = e.rejections[0].to_string();
        match &e.rejections[0] {
            Rejection::Expired { not_after } => {
                assert_eq!(text, format!("expired on {not_after}"))
            }
            Rejection::EkuLacksClientAuth { .. } => {
                assert_eq!(text, "extendedKeyUsage lacks clientAuth (serverAuth)")
            }
            Rejection::IssuerNotAccepted { chain_top } => {
                assert_eq!(chain_top, "CN=Root C");
                assert!(text.starts_with("issuer chain never reaches a named CA"));
            }
            Rejection::KeyTypeNotAccepted { key, offered } => {
                assert_eq!(key, "EC P-256");
                assert_eq!(offered, &["ed25519"]);
            }
            _ => {}
        }
    }
    // The same valid leaf is a candidate when the scheme fits, and anyExtendedKeyUsage
    // counts as clientAuth.
    let ok = b(Leaf::default());
    let any_eku = b(Leaf {
        eku: Some(vec![der::oid::ObjectIdentifier::new_unwrap("2.5.29.37.0")]),
        ..Leaf::default()
    });
    let entries = [
        Candidate {
            store: 0,
            alias: "ok",
            chain: &ok,
        },
        Candidate {
            store: 0,
            alias: "any",
            chain: &any_eku,
        },
    ];
    let ranked = rank(&entries, &[], &request(&names, Some(&p256_only)));
    assert!(ranked.iter().all(|e| e.candidate), "{ranked:?}");
}
