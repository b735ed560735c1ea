//! Path building: from the target up to a trust anchor through the untrusted pool, whatever
//! order the certificates were given in. Candidates for an issuer are those whose subject
//! matches (bytes, then RFC 5280 §7.1) and whose key identifier does not contradict the
//! child's authorityKeyIdentifier; they are tried with a verifying signature first, then an
//! exact AKI/SKI match, then anchors before untrusted certificates, backtracking when a
//! branch dead-ends. The search is bounded (depth and signature checks), so a hostile pool
//! cannot make it run long.

use std::collections::HashMap;

use super::pool::PoolCert;
use crate::pki::verify;

/// Longest path (certificates, anchor included) the builder will consider.
pub const MAX_DEPTH: usize = 10;
/// Most signature verifications one build may run.
const MAX_SIGNATURE_CHECKS: usize = 256;

/// How the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The last certificate of the path is a trust anchor.
    Anchored,
    /// The last certificate is not self-issued and nothing in the pool issued it.
    IssuerNotFound,
    /// The last certificate is self-issued but not an anchor.
    UntrustedRoot,
    /// The depth or work limit was reached.
    TooLong,
}

/// The path found: indices into the pool, target first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub path: Vec<usize>,
    pub end: End,
}

/// Signature results, computed once per (child, issuer) pair.
#[derive(Default)]
pub struct Signatures {
    done: HashMap<(usize, usize), Result<(), String>>,
}

impl Signatures {
    /// Whether `pool[issuer]`'s key verifies `pool[child]`'s signature.
    pub fn check(&mut self, pool: &[PoolCert], child: usize, issuer: usize) -> Result<(), String> {
        self.done
            .entry((child, issuer))
            .or_insert_with(|| verify_cert(&pool[child], &pool[issuer]))
            .clone()
    }

    fn count(&self) -> usize {
        self.done.len()
    }
}

fn verify_cert(child: &PoolCert, issuer: &PoolCert) -> Result<(), String> {
    verify::cert_signed_by(
        &child.cert,
        &child.der,
        issuer.cert.tbs_certificate().subject_public_key_info(),
    )
}

/// Builds the best path for `pool[0]`: a path to an anchor whose signatures all verify if
/// there is one; else one that reaches an anchor with a bad signature; else the longest.
pub fn build(pool: &[PoolCert], sigs: &mut Signatures) -> Built {
    let mut search = Search {
        pool,
        sigs,
        best: None,
    };
    let mut path = vec![0];
    if let Some(found) = search.extend(&mut path) {
        return found;
    }
    search.best.unwrap_or(Built {
        path: vec![0],
        end: End::IssuerNotFound,
    })
}

struct Search<'a, 'b> {
    pool: &'a [PoolCert],
    sigs: &'b mut Signatures,
    best: Option<Built>,
}

impl Search<'_, '_> {
    /// Depth-first: returns a fully verified anchored path as soon as one is found.
    fn extend(&mut self, path: &mut Vec<usize>) -> Option<Built> {
        let cur = *path.last()?;
        if self.pool[cur].anchor {
            let all_verify = path
                .windows(2)
                .all(|w| self.sigs.check(self.pool, w[0], w[1]).is_ok());
            let built = Built {
                path: path.clone(),
                end: End::Anchored,
            };
            if all_verify {
                return Some(built);
            }
            self.remember(built);
            return None;
        }
        if path.len() >= MAX_DEPTH || self.sigs.count() >= MAX_SIGNATURE_CHECKS {
            self.remember(Built {
                path: path.clone(),
                end: End::TooLong,
            });
            return None;
        }
        let candidates = self.candidates(path, cur);
        if candidates.is_empty() {
            let end = if self.pool[cur].facts.self_issued() {
                End::UntrustedRoot
            } else {
                End::IssuerNotFound
            };
            self.remember(Built {
                path: path.clone(),
                end,
            });
            return None;
        }
        for c in candidates {
            path.push(c);
            let found = self.extend(path);
            path.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Possible issuers of `pool[cur]`, best first. A certificate already on the path is
    /// never a candidate (no loops); a self-issued one is its own issuer only as an anchor.
    fn candidates(&mut self, path: &[usize], cur: usize) -> Vec<usize> {
        let child = &self.pool[cur];
        let mut found: Vec<(bool, bool, bool, usize)> = Vec::new();
        for (i, cand) in self.pool.iter().enumerate() {
            if path.contains(&i) || !child.facts.issued_by(&cand.facts) {
                continue;
            }
            let aki_exact = matches!(
                (&child.facts.aki, &cand.facts.ski),
                (Some(a), Some(s)) if a == s
            );
            let verifies = self.sigs.count() < MAX_SIGNATURE_CHECKS
                && self.sigs.check(self.pool, cur, i).is_ok();
            found.push((verifies, aki_exact, cand.anchor, i));
        }
        // Best first: verifying, exact key id, anchor; then input order.
        found.sort_by(|a, b| (b.0, b.1, b.2).cmp(&(a.0, a.1, a.2)).then(a.3.cmp(&b.3)));
        found.into_iter().map(|f| f.3).collect()
    }

    fn remember(&mut self, built: Built) {
        let rank = |b: &Built| (b.end == End::Anchored, b.path.len());
        if self.best.as_ref().is_none_or(|b| rank(&built) > rank(b)) {
            self.best = Some(built);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pool::build_pool;
    use super::super::testkit::{self, Ca, key};
    use super::*;
    use crate::pki::cert;
    use crate::pki::chain::CertFacts;
    use crate::pki::key::PrivateKey;

    /// A certificate for `subject` with `key`, signed by `issuer` (self-signed when None).
    fn make(subject: &str, key: &PrivateKey, issuer: Option<&Ca>, ski: Option<&[u8]>) -> Vec<u8> {
        make_aki(
            subject,
            key,
            issuer,
            ski,
            issuer.and_then(|i| CertFacts::of(&i.der).unwrap().ski),
        )
    }

    fn make_aki(
        subject: &str,
        key: &PrivateKey,
        issuer: Option<&Ca>,
        ski: Option<&[u8]>,
        aki: Option<Vec<u8>>,
    ) -> Vec<u8> {
        let mut extensions = vec![cert::basic_constraints(true, None).unwrap()];
        if let Some(s) = ski {
            extensions.push(cert::subject_key_id(s).unwrap());
        }
        if let Some(a) = aki {
            extensions.push(cert::authority_key_id(&a).unwrap());
        }
        testkit::sign(subject, key, issuer, extensions)
    }

    fn subjects(pool: &[PoolCert], b: &Built) -> Vec<String> {
        b.path.iter().map(|i| pool[*i].subject.clone()).collect()
    }

    #[test]
    fn builds_through_a_pool_in_any_order() {
        let rk = key();
        let root = Ca {
            der: make("CN=Root", &rk, None, Some(&[1; 20])),
            key: rk,
        };
        let ik = key();
        let int = Ca {
            der: make("CN=Int", &ik, Some(&root), Some(&[2; 20])),
            key: ik,
        };
        let ik2 = key();
        let int2 = Ca {
            der: make("CN=Int2", &ik2, Some(&int), Some(&[3; 20])),
            key: ik2,
        };
        let leaf = make("CN=leaf", &key(), Some(&int2), None);
        for chain in [
            vec![int.der.clone(), int2.der.clone()],
            vec![int2.der.clone(), int.der.clone()],
            vec![int2.der.clone(), root.der.clone(), int.der.clone()],
        ] {
            let pool = build_pool(&leaf, &chain, std::slice::from_ref(&root.der)).unwrap();
            let b = build(&pool, &mut Signatures::default());
            assert_eq!(b.end, End::Anchored);
            assert_eq!(
                subjects(&pool, &b),
                ["CN=leaf", "CN=Int2", "CN=Int", "CN=Root"]
            );
            assert!(pool[*b.path.last().unwrap()].anchor);
        }
        // Without the middle intermediate: the issuer of Int2 is missing.
        let pool = build_pool(
            &leaf,
            std::slice::from_ref(&int2.der),
            std::slice::from_ref(&root.der),
        )
        .unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_eq!(b.end, End::IssuerNotFound);
        assert_eq!(subjects(&pool, &b), ["CN=leaf", "CN=Int2"]);
        // The root given as chain only: the path ends at an untrusted root.
        let pool = build_pool(
            &leaf,
            &[int2.der.clone(), int.der.clone(), root.der.clone()],
            &[int_unrelated()],
        )
        .unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_eq!(b.end, End::UntrustedRoot);
        assert_eq!(b.path.len(), 4);
    }

    fn int_unrelated() -> Vec<u8> {
        make("CN=Other Root", &key(), None, None)
    }

    #[test]
    fn same_name_issuers_are_told_apart_by_key_identifier_and_signature() {
        // Two roots named alike with different keys (a rollover): the leaf names the new
        // one by AKI; the old one comes first in the trust list.
        let old_k = key();
        let old = Ca {
            der: make("CN=Root", &old_k, None, Some(&[0xaa; 20])),
            key: old_k,
        };
        let new_k = key();
        let new = Ca {
            der: make("CN=Root", &new_k, None, Some(&[0xbb; 20])),
            key: new_k,
        };
        let leaf = make("CN=leaf", &key(), Some(&new), None);
        let pool = build_pool(&leaf, &[], &[old.der.clone(), new.der.clone()]).unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_eq!(b.end, End::Anchored);
        assert_eq!(pool[b.path[1]].der, new.der);

        // Without key identifiers the AKI cannot decide: the signature does.
        let old_k = key();
        let old = Ca {
            der: make("CN=Root", &old_k, None, None),
            key: old_k,
        };
        let new_k = key();
        let new = Ca {
            der: make("CN=Root", &new_k, None, None),
            key: new_k,
        };
        let leaf = make_aki("CN=leaf", &key(), Some(&new), None, None);
        let pool = build_pool(&leaf, &[], &[old.der.clone(), new.der.clone()]).unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_eq!(b.end, End::Anchored);
        assert_eq!(pool[b.path[1]].der, new.der);

        // An AKI that names another key rules a same-named issuer out.
        let k = key();
        let with_ski = Ca {
            der: make("CN=Root", &k, None, Some(&[0xcc; 20])),
            key: k,
        };
        let leaf = make_aki("CN=leaf", &key(), Some(&with_ski), None, Some(vec![9; 20]));
        let pool = build_pool(&leaf, &[], std::slice::from_ref(&with_ski.der)).unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_eq!(b.end, End::IssuerNotFound);
    }

    #[test]
    fn a_bad_signature_still_yields_the_anchored_path() {
        let rk = key();
        let root = Ca {
            der: make("CN=Root", &rk, None, None),
            key: rk,
        };
        // Signed by an impostor key under the root's name.
        let impostor = Ca {
            der: root.der.clone(),
            key: key(),
        };
        let leaf = make_aki("CN=leaf", &key(), Some(&impostor), None, None);
        let pool = build_pool(&leaf, &[], std::slice::from_ref(&root.der)).unwrap();
        let mut sigs = Signatures::default();
        let b = build(&pool, &mut sigs);
        assert_eq!(b.end, End::Anchored);
        assert!(sigs.check(&pool, 0, 1).is_err());
    }

    #[test]
    fn cross_signed_loops_end() {
        // A and B issue each other; neither is an anchor.
        let ak = key();
        let bk = key();
        let a0 = Ca {
            der: make("CN=A", &ak, None, None),
            key: ak,
        };
        let b_by_a = make("CN=B", &bk, Some(&a0), None);
        let b0 = Ca {
            der: b_by_a.clone(),
            key: bk,
        };
        let a_by_b = make("CN=A", &a0.key, Some(&b0), None);
        let leaf = make("CN=leaf", &key(), Some(&a0), None);
        let pool = build_pool(&leaf, &[a_by_b, b_by_a], &[int_unrelated()]).unwrap();
        let b = build(&pool, &mut Signatures::default());
        assert_ne!(b.end, End::Anchored);
        assert!(b.path.len() <= MAX_DEPTH);
    }
}
