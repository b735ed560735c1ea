//! Ranking the key entries of some stores against a server's CertificateRequest.
//!
//! An entry is offered when its chain (completed from every certificate in the given stores)
//! has a certificate whose subject or issuer is one of the acceptable CA names (any entry
//! when the list is empty), its leaf is not a CA, is valid now, allows digitalSignature and
//! clientAuth, and its key can sign with one of the server's signature schemes. Candidates
//! rank by: leaf issuer named directly first, then most remaining validity, then store
//! order, then alias.

use der::Decode;
use serde::Serialize;
use x509_cert::Certificate;

use super::schemes::{SigScheme, key_can_use};
use crate::pki::chain::{self, CertFacts};
use crate::pki::inspect::{self, CertSummary};
use crate::pki::name::to_rfc4514;
use crate::store::CertDer;

/// One private-key entry to consider.
pub struct Candidate<'a> {
    /// Index of the store (order of `--store` options).
    pub store: usize,
    pub alias: &'a str,
    /// The entry's chain, leaf first (possibly incomplete or empty).
    pub chain: &'a [CertDer],
}

/// What the server asked for.
pub struct Request<'a> {
    /// Acceptable CA names (DER); empty means any CA.
    pub ca_names: &'a [Vec<u8>],
    /// Signature schemes the server accepts, when known.
    pub schemes: Option<&'a [SigScheme]>,
    /// Whether the schemes came from a TLS 1.3 CertificateRequest (curve-bound ECDSA).
    pub tls13: bool,
    /// Now, seconds since the Unix epoch.
    pub now: i64,
}

/// Why an entry is not offered, with the data to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Rejection {
    NoCertificate,
    IsCa,
    Expired {
        not_after: String,
    },
    NotYetValid {
        not_before: String,
    },
    KeyUsageLacksDigitalSignature {
        key_usage: Vec<String>,
    },
    EkuLacksClientAuth {
        extended_key_usage: Vec<String>,
    },
    KeyTypeNotAccepted {
        key: String,
        offered: Vec<String>,
    },
    IssuerNotAccepted {
        chain_top: String,
    },
    /// The same certificate is a candidate already, in `store` (0-based) under `alias`.
    SameAs {
        store: usize,
        alias: String,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::NoCertificate => f.write_str("the key has no certificate"),
            Rejection::IsCa => f.write_str(
                "it is a CA certificate (basicConstraints CA:TRUE), not a client certificate",
            ),
            Rejection::Expired { not_after } => write!(f, "expired on {not_after}"),
            Rejection::NotYetValid { not_before } => write!(f, "not valid before {not_before}"),
            Rejection::KeyUsageLacksDigitalSignature { key_usage } => {
                write!(
                    f,
                    "keyUsage lacks digitalSignature ({})",
                    key_usage.join(", ")
                )
            }
            Rejection::EkuLacksClientAuth { extended_key_usage } => {
                write!(
                    f,
                    "extendedKeyUsage lacks clientAuth ({})",
                    extended_key_usage.join(", ")
                )
            }
            Rejection::KeyTypeNotAccepted { key, offered } => {
                write!(
                    f,
                    "key type {key} not accepted (server accepts: {})",
                    offered.join(", ")
                )
            }
            Rejection::IssuerNotAccepted { chain_top } => write!(
                f,
                "issuer chain never reaches a named CA (chain ends at {chain_top})"
            ),
            Rejection::SameAs { store, alias } => write!(
                f,
                "the same certificate as '{alias}' in store {} (offered once)",
                store + 1
            ),
        }
    }
}

/// How an entry matched the CA names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "via", rename_all = "kebab-case")]
pub enum Match {
    /// The server sent no names: any CA.
    AnyCa,
    /// The leaf's issuer is a named CA.
    LeafIssuer { name: String },
    /// A certificate higher up the chain has a named subject or issuer.
    Chain { name: String, depth: usize },
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub store: usize,
    pub alias: String,
    pub candidate: bool,
    #[serde(rename = "match")]
    pub matched: Option<Match>,
    pub rejections: Vec<Rejection>,
    pub leaf: Option<CertSummary>,
    /// The chain as completed from the stores, leaf first (DER).
    #[serde(skip)]
    pub chain: Vec<CertDer>,
}

impl Evaluation {
    pub fn key_label(&self) -> String {
        self.leaf
            .as_ref()
            .map(|l| l.public_key.label())
            .unwrap_or_default()
    }
}

/// Evaluates every entry and returns them with the candidates first, best first; the
/// rejected ones follow in input order.
pub fn rank(entries: &[Candidate], pool: &[CertDer], req: &Request) -> Vec<Evaluation> {
    // The pool is parsed only if some chain needs completing (most stores hold full chains).
    let pool_facts: std::cell::OnceCell<(Vec<usize>, chain::Pool)> = std::cell::OnceCell::new();
    let pool = Pool {
        certs: pool,
        facts: &pool_facts,
    };
    let names: Vec<AcceptedName> = req
        .ca_names
        .iter()
        .map(|der| AcceptedName {
            der,
            key: crate::pki::name::comparison_key_der(der),
        })
        .collect();
    let (mut candidates, rejected): (Vec<Evaluation>, Vec<Evaluation>) = entries
        .iter()
        .map(|c| evaluate(c, &pool, &names, req))
        .partition(|e| e.candidate);
    candidates.sort_by_key(|e| {
        let direct = matches!(
            e.matched,
            Some(Match::LeafIssuer { .. }) | Some(Match::AnyCa)
        );
        // RFC 3339 UTC strings of one shape sort like the times they name.
        let not_after = e
            .leaf
            .as_ref()
            .map(|l| l.not_after.clone())
            .unwrap_or_default();
        (
            !direct,
            std::cmp::Reverse(not_after),
            e.store,
            e.alias.clone(),
        )
    });
    // One identity held by several stores (or aliases) is one candidate: the best-ranked
    // copy stays, the others say which copy they repeat.
    // Leaf certificate → its best-ranked copy, so this stays linear in the candidates.
    let mut unique: Vec<Evaluation> = Vec::with_capacity(candidates.len());
    let mut first_copy: std::collections::HashMap<CertDer, (usize, String)> =
        std::collections::HashMap::new();
    let mut repeats = Vec::new();
    for mut e in candidates {
        let Some(leaf) = e.chain.first().cloned() else {
            unique.push(e);
            continue;
        };
        match first_copy.get(&leaf) {
            Some((store, alias)) => {
                e.rejections.push(Rejection::SameAs {
                    store: *store,
                    alias: alias.clone(),
                });
                e.candidate = false;
                repeats.push(e);
            }
            None => {
                first_copy.insert(leaf, (e.store, e.alias.clone()));
                unique.push(e);
            }
        }
    }
    unique.extend(repeats);
    unique.extend(rejected);
    unique
}

/// The certificates of every store, for completing chains; parsed on first use.
struct Pool<'a> {
    certs: &'a [CertDer],
    facts: &'a std::cell::OnceCell<(Vec<usize>, chain::Pool)>,
}

impl Pool<'_> {
    fn facts(&self) -> &(Vec<usize>, chain::Pool) {
        self.facts.get_or_init(|| {
            let (indices, facts): (Vec<usize>, Vec<CertFacts>) = self
                .certs
                .iter()
                .enumerate()
                .filter_map(|(i, c)| CertFacts::of(c).map(|f| (i, f)))
                .unzip();
            (indices, chain::Pool::new(facts))
        })
    }
}

/// An acceptable CA name with its comparison key, computed once.
struct AcceptedName<'a> {
    der: &'a [u8],
    key: Option<crate::pki::name::NameKey>,
}

impl AcceptedName<'_> {
    /// Byte equality first (the common case: the server sends the CA's subject bytes),
    /// then RFC 5280 comparison with the candidate's key, computed at most once by the caller.
    fn matches(&self, der: &[u8], key: &mut Option<Option<crate::pki::name::NameKey>>) -> bool {
        if self.der == der {
            return true;
        }
        let Some(mine) = &self.key else { return false };
        key.get_or_insert_with(|| crate::pki::name::comparison_key_der(der))
            .as_ref()
            .is_some_and(|k| k == mine)
    }
}

fn evaluate(c: &Candidate, pool: &Pool, names: &[AcceptedName], req: &Request) -> Evaluation {
    let mut eval = Evaluation {
        store: c.store,
        alias: c.alias.to_string(),
        candidate: false,
        matched: None,
        rejections: vec![],
        leaf: None,
        chain: c.chain.to_vec(),
    };
    let Some(leaf_der) = c.chain.first() else {
        eval.rejections.push(Rejection::NoCertificate);
        return eval;
    };
    let Ok(cert) = Certificate::from_der(leaf_der) else {
        eval.rejections.push(Rejection::NoCertificate);
        return eval;
    };
    let leaf = inspect::cert_summary(&cert, leaf_der);
    // Complete the chain from the stores' certificates.
    if let Some(last) = eval.chain.last().and_then(|d| CertFacts::of(d))
        && !last.self_issued()
    {
        let (indices, facts) = pool.facts();
        for i in facts.chain_from(&last) {
            let der = &pool.certs[indices[i]];
            if !eval.chain.contains(der) {
                eval.chain.push(der.clone());
            }
        }
    }
    let ext = &leaf.extensions;
    if ext.basic_constraints.as_ref().is_some_and(|b| b.ca) {
        eval.rejections.push(Rejection::IsCa);
    }
    let validity = cert.tbs_certificate().validity();
    let nb = validity.not_before.to_unix_duration().as_secs() as i64;
    let na = validity.not_after.to_unix_duration().as_secs() as i64;
    if req.now > na {
        eval.rejections.push(Rejection::Expired {
            not_after: leaf.not_after.clone(),
        });
    } else if req.now < nb {
        eval.rejections.push(Rejection::NotYetValid {
            not_before: leaf.not_before.clone(),
        });
    }
    if let Some(ku) = &ext.key_usage
        && !ku.iter().any(|k| k == "digitalSignature")
    {
        eval.rejections
            .push(Rejection::KeyUsageLacksDigitalSignature {
                key_usage: ku.clone(),
            });
    }
    if let Some(eku) = &ext.extended_key_usage
        && !eku
            .iter()
            .any(|k| k == "clientAuth" || k == "anyExtendedKeyUsage")
    {
        eval.rejections.push(Rejection::EkuLacksClientAuth {
            extended_key_usage: eku.clone(),
        });
    }
    if let Some(schemes) = req.schemes {
        let pk = &leaf.public_key;
        if !schemes
            .iter()
            .any(|s| key_can_use(&pk.algorithm, pk.curve.as_deref(), *s, req.tls13))
        {
            eval.rejections.push(Rejection::KeyTypeNotAccepted {
                key: pk.label(),
                offered: schemes.iter().map(|s| s.name()).collect(),
            });
        }
    }
    eval.matched = match_names(&eval.chain, names);
    if eval.matched.is_none() {
        let top = eval
            .chain
            .last()
            .and_then(|d| Certificate::from_der(d).ok())
            .map(|c| to_rfc4514(c.tbs_certificate().issuer()))
            .unwrap_or_default();
        eval.rejections
            .push(Rejection::IssuerNotAccepted { chain_top: top });
    }
    eval.candidate = eval.rejections.is_empty();
    eval.leaf = Some(leaf);
    eval
}

fn match_names(chain: &[CertDer], names: &[AcceptedName]) -> Option<Match> {
    if names.is_empty() {
        return Some(Match::AnyCa);
    }
    let show = |der: &[u8]| {
        x509_cert::name::Name::from_der(der)
            .map(|n| to_rfc4514(&n))
            .unwrap_or_default()
    };
    for (depth, der) in chain.iter().enumerate() {
        let Some((issuer, subject)) = crate::pki::signed::cert_issuer_subject(der) else {
            continue;
        };
        let mut issuer_key = None;
        if let Some(n) = names.iter().find(|n| n.matches(issuer, &mut issuer_key)) {
            return Some(if depth == 0 {
                Match::LeafIssuer { name: show(n.der) }
            } else {
                Match::Chain {
                    name: show(n.der),
                    depth,
                }
            });
        }
        let mut subject_key = None;
        if depth > 0
            && let Some(n) = names.iter().find(|n| n.matches(subject, &mut subject_key))
        {
            return Some(Match::Chain {
                name: show(n.der),
                depth,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
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
}
