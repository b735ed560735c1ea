//! Which certificates a server sent really issued its chain: walking from the leaf up, the
//! next link is a sent certificate whose subject is the current certificate's issuer and
//! whose key verifies the current certificate's signature. Only CA certificates
//! (basicConstraints CA:TRUE) are links. `trust fetch` offers only these.

use der::Decode;
use x509_cert::Certificate;

use crate::pki::chain::{CertFacts, names_match};
use crate::pki::{inspect, verify};
use crate::store::CertDer;

/// What the walk needs of a sent certificate, parsed once.
struct Sent {
    cert: Certificate,
    facts: CertFacts,
    ca: bool,
}

impl Sent {
    fn parse(der: &[u8]) -> Option<Sent> {
        let cert = Certificate::from_der(der).ok()?;
        Some(Sent {
            facts: CertFacts::from_parsed(der, &cert)?,
            ca: is_ca_cert(&cert, der),
            cert,
        })
    }
}

/// Indices (0-based, into `chain`) of the CAs that verifiably issued the chain, from the
/// leaf's issuer up; the last is the top-most.
pub fn verified_cas(chain: &[CertDer]) -> Vec<usize> {
    let sent: Vec<Option<Sent>> = chain.iter().map(|d| Sent::parse(d)).collect();
    let mut path = Vec::new();
    let mut current = 0;
    while path.len() < chain.len() {
        let next = (1..chain.len()).find(|&j| {
            j != current
                && !path.contains(&j)
                && sent[j].as_ref().is_some_and(|s| s.ca)
                && issued(&chain[current], sent[current].as_ref(), sent[j].as_ref())
        });
        let Some(j) = next else { break };
        path.push(j);
        if sent[j].as_ref().is_some_and(|s| s.facts.self_issued()) {
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
    Certificate::from_der(der).is_ok_and(|c| is_ca_cert(&c, der))
}

fn is_ca_cert(cert: &Certificate, der: &[u8]) -> bool {
    inspect::cert_summary(cert, der)
        .extensions
        .basic_constraints
        .as_ref()
        .is_some_and(|b| b.ca)
}

/// Whether `parent` issued `child` (DER `child_der`): names match and the signature
/// verifies.
fn issued(child_der: &[u8], child: Option<&Sent>, parent: Option<&Sent>) -> bool {
    let (Some(c), Some(p)) = (child, parent) else {
        return false;
    };
    names_match(&c.facts.issuer, &p.facts.subject)
        && verify::cert_signed_by(
            &c.cert,
            child_der,
            p.cert.tbs_certificate().subject_public_key_info(),
        )
        .is_ok()
}
