//! Certificate chains: which certificate issued which, and ordering a leaf's chain from a
//! pool of loose certificates, as stores (PEM, PKCS#12) and client-certificate selection
//! need, and path validation (`pki::path`) builds on. One rule everywhere: the issuer is a
//! certificate whose subject equals the child's issuer name (same bytes, else RFC 5280 §7.1
//! comparison) and whose subject key identifier does not contradict the child's authority key
//! identifier (when both are present they must be equal, as OpenSSL's `X509_check_issued`
//! requires); among several such, the one whose key identifier matches exactly wins, else the
//! first in pool order.
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
        match Certificate::from_der(der) {
            Ok(cert) => CertFacts::from_parsed(der, &cert),
            Err(_) => CertFacts::names_only(der),
        }
    }

    /// [`CertFacts::of`] for a certificate the caller has already parsed from `der`.
    pub fn from_parsed(der: &[u8], cert: &Certificate) -> Option<CertFacts> {
        let mut facts = CertFacts::names_only(der)?;
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

    /// The issuer and subject as they are in `der`, nothing else.
    fn names_only(der: &[u8]) -> Option<CertFacts> {
        let (issuer, subject) = signed::cert_issuer_subject(der)?;
        Some(CertFacts {
            subject: subject.to_vec(),
            issuer: issuer.to_vec(),
            ski: None,
            aki: None,
            spki: None,
        })
    }

    pub fn self_issued(&self) -> bool {
        names_match(&self.issuer, &self.subject)
    }

    /// Whether `parent` is a plausible issuer of `self` by the module's rule: names match
    /// and key identifiers, when both are present, agree.
    pub fn issued_by(&self, parent: &CertFacts) -> bool {
        self.key_ids_agree(parent) && names_match(&self.issuer, &parent.subject)
    }

    /// The child's AKI and the parent's SKI do not contradict each other.
    fn key_ids_agree(&self, parent: &CertFacts) -> bool {
        match (&self.aki, &parent.ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }
}

/// Whether two DER names are equal: same bytes, else RFC 5280 §7.1 comparison.
pub fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    // The bytes differ, so only the RFC 5280 keys can make the names equal
    // (`names_equal` would compare re-encodings of these same bytes first).
    match (Name::from_der(a), Name::from_der(b)) {
        (Ok(x), Ok(y)) => name::comparison_key(&x) == name::comparison_key(&y),
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
    /// `child`'s own public key: among the certificates whose subject is `child`'s issuer and
    /// whose SKI does not contradict `child`'s AKI, the one whose SKI is `child`'s AKI, else
    /// the first.
    pub fn issuer_of(&self, child: &CertFacts, exclude: &[usize]) -> Option<usize> {
        let mut candidates = self
            .subjects_equal_to(&child.issuer)
            .iter()
            .copied()
            .filter(|i| {
                let cand = &self.facts[*i];
                !exclude.contains(i)
                    && (cand.spki.is_none() || cand.spki != child.spki)
                    && child.key_ids_agree(cand)
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
    fn chains_follow_names_and_key_ids_never_contradict() {
        let pool = Pool::new(vec![
            facts("root", "root", Some(1), None),
            facts("inter", "root", Some(2), Some(1)),
            facts("inter", "root", Some(3), Some(1)),
            facts("other", "other", None, None),
        ]);
        let leaf = facts("leaf", "inter", None, Some(3));
        assert_eq!(pool.chain_from(&leaf), vec![2, 0]);
        // Without an AKI the first candidate wins; an AKI that names another key rules every
        // same-named candidate out.
        let leaf = facts("leaf", "inter", None, None);
        assert_eq!(pool.chain_from(&leaf), vec![1, 0]);
        let leaf = facts("leaf", "inter", None, Some(9));
        assert!(pool.chain_from(&leaf).is_empty());
        assert!(!leaf.issued_by(&pool.facts()[1]));
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
    fn a_pool_of_thousands_of_unrelated_leaves_parses_each_name_once() {
        let n = 3000;
        let pool = Pool::new(
            (0..n)
                .map(|i| facts(&format!("leaf {i}"), &format!("missing ca {i}"), None, None))
                .collect(),
        );
        let before = name::comparison_keys_computed();
        for f in pool.facts() {
            assert!(pool.chain_from(f).is_empty());
        }
        // Linear, counted rather than timed: the index parses each subject once and each
        // lookup parses the name it looks for once (pairwise parsing was n² = 9,000,000).
        let parsed = name::comparison_keys_computed() - before;
        assert!(
            parsed <= 2 * n,
            "{parsed} comparison keys for {n} certificates"
        );
    }
}
