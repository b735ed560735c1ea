//! Certificate chains: which certificate issued which, and ordering a leaf's chain from a
//! pool of loose certificates, as stores (PEM, PKCS#12) and client-certificate selection
//! need. One rule everywhere: the issuer is a certificate whose subject equals the child's
//! issuer name (same bytes, else RFC 5280 §7.1 comparison); when several qualify, the one
//! whose subject key identifier is the child's authority key identifier wins, else the first
//! in pool order.
//!
//! Linear: a [`Pool`] indexes subjects by their exact bytes, and on the first lookup those
//! bytes miss, by their RFC 5280 comparison key (each subject parsed once, not per pair).

use std::cell::OnceCell;
use std::collections::HashMap;

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;

use super::name::{self, NameKey};
use super::{oids, signed};

/// Longest chain of issuers followed above a leaf.
const MAX_CHAIN: usize = 16;

/// What chain building needs of a certificate, parsed once. Only the issuer and subject
/// fields must parse; key identifiers and the public key are `None` when the rest of the
/// certificate does not.
#[derive(Clone, Debug)]
pub struct CertFacts {
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    /// The SubjectPublicKeyInfo DER.
    pub spki: Option<Vec<u8>>,
}

impl CertFacts {
    pub fn of(der: &[u8]) -> Option<CertFacts> {
        let (issuer, subject) = signed::cert_issuer_subject(der)?;
        let mut facts = CertFacts {
            subject: subject.to_vec(),
            issuer: issuer.to_vec(),
            ski: None,
            aki: None,
            spki: None,
        };
        let Ok(cert) = Certificate::from_der(der) else {
            return Some(facts);
        };
        let tbs = cert.tbs_certificate();
        let ext = |oid| {
            tbs.extensions()
                .and_then(|exts| exts.iter().find(|e| e.extn_id == oid))
                .map(|e| e.extn_value.as_bytes().to_vec())
        };
        facts.ski = ext(oids::EXT_SUBJECT_KEY_ID)
            .and_then(|v| SubjectKeyIdentifier::from_der(&v).ok())
            .map(|s| s.0.as_bytes().to_vec());
        facts.aki = ext(oids::EXT_AUTHORITY_KEY_ID)
            .and_then(|v| AuthorityKeyIdentifier::from_der(&v).ok())
            .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
        facts.spki = der::Encode::to_der(tbs.subject_public_key_info()).ok();
        Some(facts)
    }

    pub fn self_issued(&self) -> bool {
        names_match(&self.issuer, &self.subject)
    }

    /// Whether `parent` is a plausible issuer of `self` by the module's rule: names match;
    /// key identifiers only rank candidates (see [`Pool::issuer_of`]).
    pub fn issued_by(&self, parent: &CertFacts) -> bool {
        names_match(&self.issuer, &parent.subject)
    }
}

/// Whether two DER names are equal: same bytes, else RFC 5280 §7.1 comparison.
pub fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (Name::from_der(a), Name::from_der(b)) {
        (Ok(x), Ok(y)) => name::names_equal(&x, &y),
        _ => false,
    }
}

/// Certificates indexed by subject for chain building.
#[derive(Default)]
pub struct Pool {
    facts: Vec<CertFacts>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    /// Built on the first lookup that misses `by_subject`; reset by [`Pool::push`].
    by_key: OnceCell<HashMap<NameKey, Vec<usize>>>,
}

impl Pool {
    pub fn new(facts: Vec<CertFacts>) -> Pool {
        let mut pool = Pool::default();
        for f in facts {
            pool.push(f);
        }
        pool
    }

    /// Adds a certificate; returns its index.
    pub fn push(&mut self, facts: CertFacts) -> usize {
        let i = self.facts.len();
        self.by_subject
            .entry(facts.subject.clone())
            .or_default()
            .push(i);
        self.facts.push(facts);
        self.by_key = OnceCell::new();
        i
    }

    pub fn facts(&self) -> &[CertFacts] {
        &self.facts
    }

    /// Indices of the certificates whose subject equals `name`: by bytes, else by RFC 5280
    /// comparison key.
    fn subjects_equal_to(&self, name: &[u8]) -> &[usize] {
        if let Some(v) = self.by_subject.get(name) {
            return v;
        }
        let Some(key) = name::comparison_key_der(name) else {
            return &[];
        };
        let by_key = self.by_key.get_or_init(|| {
            let mut map: HashMap<NameKey, Vec<usize>> = HashMap::new();
            for (i, f) in self.facts.iter().enumerate() {
                if let Some(k) = name::comparison_key_der(&f.subject) {
                    map.entry(k).or_default().push(i);
                }
            }
            map
        });
        by_key.get(&key).map_or(&[], Vec::as_slice)
    }

    /// The issuer of `child` in the pool, skipping indices in `exclude` and certificates with
    /// `child`'s own public key: among the certificates whose subject is `child`'s issuer,
    /// the one whose SKI is `child`'s AKI, else the first.
    pub fn issuer_of(&self, child: &CertFacts, exclude: &[usize]) -> Option<usize> {
        let mut candidates = self
            .subjects_equal_to(&child.issuer)
            .iter()
            .copied()
            .filter(|i| {
                let cand = &self.facts[*i];
                !exclude.contains(i) && (cand.spki.is_none() || cand.spki != child.spki)
            });
        let first = candidates.next()?;
        let Some(aki) = &child.aki else {
            return Some(first);
        };
        std::iter::once(first)
            .chain(candidates)
            .find(|i| self.facts[*i].ski.as_ref() == Some(aki))
            .or(Some(first))
    }

    /// The issuers of `leaf`, nearest first, as pool indices: stops at a self-issued
    /// certificate, when no issuer is found, or after 16; never loops.
    pub fn chain_from(&self, leaf: &CertFacts) -> Vec<usize> {
        self.walk(leaf, Vec::new())
    }

    /// The chain of the pool's certificate `i`: `i` first, then its issuers as
    /// [`Pool::chain_from`] finds them (never `i` again).
    pub fn chain_of(&self, i: usize) -> Vec<usize> {
        self.walk(&self.facts[i], vec![i])
    }

    fn walk(&self, leaf: &CertFacts, mut chain: Vec<usize>) -> Vec<usize> {
        let start = chain.len();
        let mut current = leaf;
        while chain.len() - start < MAX_CHAIN && !current.self_issued() {
            let Some(i) = self.issuer_of(current, &chain) else {
                break;
            };
            chain.push(i);
            current = &self.facts[i];
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(cn: &str) -> Vec<u8> {
        der::Encode::to_der(&name::parse_dn(&format!("CN={cn}")).unwrap()).unwrap()
    }

    fn facts(subject: &str, issuer: &str, ski: Option<u8>, aki: Option<u8>) -> CertFacts {
        CertFacts {
            subject: name(subject),
            issuer: name(issuer),
            ski: ski.map(|k| vec![k]),
            aki: aki.map(|k| vec![k]),
            spki: Some(format!("{subject}{ski:?}").into_bytes()),
        }
    }

    #[test]
    fn chains_follow_names_with_key_ids_as_tie_breaker() {
        let pool = Pool::new(vec![
            facts("root", "root", Some(1), None),
            facts("inter", "root", Some(2), Some(1)),
            facts("inter", "root", Some(3), Some(1)),
            facts("other", "other", None, None),
        ]);
        let leaf = facts("leaf", "inter", None, Some(3));
        assert_eq!(pool.chain_from(&leaf), vec![2, 0]);
        // Without an AKI the first candidate wins; a mismatching AKI does not exclude it.
        let leaf = facts("leaf", "inter", None, None);
        assert_eq!(pool.chain_from(&leaf), vec![1, 0]);
        let leaf = facts("leaf", "inter", None, Some(9));
        assert_eq!(pool.chain_from(&leaf), vec![1, 0]);
    }

    #[test]
    fn names_compare_by_rfc_5280_not_bytes() {
        let mut root = facts("root", "root", None, None);
        // Same name, different case and spacing: a different encoding of the same name.
        root.subject = der::Encode::to_der(&name::parse_dn("CN=  ROOT ").unwrap()).unwrap();
        let pool = Pool::new(vec![root]);
        assert_eq!(pool.chain_from(&facts("leaf", "root", None, None)), vec![0]);
    }

    #[test]
    fn a_pool_of_thousands_of_unrelated_leaves_is_linear() {
        let n = 3000;
        let pool = Pool::new(
            (0..n)
                .map(|i| facts(&format!("leaf {i}"), &format!("missing ca {i}"), None, None))
                .collect(),
        );
        let t = std::time::Instant::now();
        for f in pool.facts() {
            assert!(pool.chain_from(f).is_empty());
        }
        // Pairwise name parsing took minutes for this in debug builds.
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            t.elapsed()
        );
    }
}
