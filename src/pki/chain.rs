//! Certificate chains: which certificate issued which (issuer bytes or RFC 5280 name
//! equality, with key identifiers as tie-breaker), and ordering a leaf's chain from a pool
//! of loose certificates, as stores and TLS peers need.

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;

use super::{name, oids, signed};

/// What chain building needs of a certificate, parsed once.
#[derive(Clone, Debug)]
pub struct CertFacts {
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub spki: Vec<u8>,
}

impl CertFacts {
    pub fn of(der: &[u8]) -> Option<CertFacts> {
        let (issuer, subject) = signed::cert_issuer_subject(der)?;
        let cert = Certificate::from_der(der).ok()?;
        let tbs = cert.tbs_certificate();
        let ext = |oid| {
            tbs.extensions()
                .and_then(|exts| exts.iter().find(|e| e.extn_id == oid))
                .map(|e| e.extn_value.as_bytes().to_vec())
        };
        let ski = ext(oids::EXT_SUBJECT_KEY_ID)
            .and_then(|v| SubjectKeyIdentifier::from_der(&v).ok())
            .map(|s| s.0.as_bytes().to_vec());
        let aki = ext(oids::EXT_AUTHORITY_KEY_ID)
            .and_then(|v| AuthorityKeyIdentifier::from_der(&v).ok())
            .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
        use der::Encode;
        Some(CertFacts {
            subject: subject.to_vec(),
            issuer: issuer.to_vec(),
            ski,
            aki,
            spki: tbs.subject_public_key_info().to_der().ok()?,
        })
    }

    pub fn self_issued(&self) -> bool {
        names_match(&self.issuer, &self.subject)
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

/// Whether `parent` plausibly issued `child`: names match, and key identifiers (when both
/// are present) agree.
pub fn issued_by(child: &CertFacts, parent: &CertFacts) -> bool {
    if !names_match(&child.issuer, &parent.subject) {
        return false;
    }
    match (&child.aki, &parent.ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// Orders the issuers of `leaf` found in `pool`: returns pool indices, nearest issuer first,
/// stopping at a self-issued certificate or when no issuer is found; never loops.
pub fn chain_from_pool(leaf: &CertFacts, pool: &[CertFacts]) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut current = leaf;
    if current.self_issued() {
        return chain;
    }
    while chain.len() < 16 {
        let next = pool.iter().enumerate().find(|(i, cand)| {
            !chain.contains(i) && cand.spki != current.spki && issued_by(current, cand)
        });
        match next {
            Some((i, cand)) => {
                chain.push(i);
                if cand.self_issued() {
                    break;
                }
                current = cand;
            }
            None => break,
        }
    }
    chain
}
