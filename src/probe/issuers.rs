//! Which certificates a server sent really issued its chain: walking from the leaf up, the
//! next link is a sent certificate whose subject is the current certificate's issuer and
//! whose key verifies the current certificate's signature. Only CA certificates
//! (basicConstraints CA:TRUE) are links. `trust fetch` offers only these.

use der::Decode;
use x509_cert::Certificate;

use crate::pki::chain::{CertFacts, names_match};
use crate::pki::{inspect, signed, verify};
use crate::store::CertDer;

/// Indices (0-based, into `chain`) of the CAs that verifiably issued the chain, from the
/// leaf's issuer up; the last is the top-most.
pub fn verified_cas(chain: &[CertDer]) -> Vec<usize> {
    let mut path = Vec::new();
    let mut current = 0;
    while path.len() < chain.len() {
        let next = (0..chain.len()).find(|&j| {
            j != current && !path.contains(&j) && j != 0 && is_ca(&chain[j]) && {
                issued(&chain[current], &chain[j])
            }
        });
        let Some(j) = next else { break };
        path.push(j);
        if CertFacts::of(&chain[j]).is_some_and(|f| f.self_issued()) {
            break;
        }
        current = j;
    }
    path
}

/// Why certificate `index` (0-based) is not one of [`verified_cas`].
pub fn why_not(chain: &[CertDer], index: usize) -> String {
    if index == 0 {
        return "it is the server's own certificate, not a CA that issued it".into();
    }
    if !is_ca(&chain[index]) {
        return "it is not a CA certificate (no basicConstraints CA:TRUE)".into();
    }
    "it did not issue the server's chain (no signature from the leaf up verifies with its key)"
        .into()
}

/// Whether the certificate says basicConstraints CA:TRUE.
pub fn is_ca(der: &[u8]) -> bool {
    inspect::certificate(der).is_ok_and(|c| {
        c.extensions
            .basic_constraints
            .as_ref()
            .is_some_and(|b| b.ca)
    })
}

/// Whether `parent` issued `child`: names match and the signature verifies.
fn issued(child: &[u8], parent: &[u8]) -> bool {
    let (Some(c), Some(p)) = (CertFacts::of(child), CertFacts::of(parent)) else {
        return false;
    };
    if !names_match(&c.issuer, &p.subject) {
        return false;
    }
    let (Ok(child_cert), Ok(parent_cert)) =
        (Certificate::from_der(child), Certificate::from_der(parent))
    else {
        return false;
    };
    let (Some(tbs), Some(sig)) = (signed::tbs_bytes(child), child_cert.signature().as_bytes())
    else {
        return false;
    };
    verify::verify_signature(
        parent_cert.tbs_certificate().subject_public_key_info(),
        child_cert.signature_algorithm(),
        tbs,
        sig,
    )
    .is_ok()
}
