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
use crate::pki::name::{AcceptedName, to_rfc4514};
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
    let names: Vec<AcceptedName> = req.ca_names.iter().map(|d| AcceptedName::new(d)).collect();
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
mod tests;
