//! Name constraints (RFC 5280 §4.2.1.10) as path validation applies them: the names of a
//! certificate (dNSName, iPAddress, rfc822Name and directoryName SANs, the subject DN and its
//! emailAddress, and the leaf's CN as a DNS name when it has no dNSName SAN, as OpenSSL
//! does) against a CA's permitted and excluded subtrees.
//!
//! The subtree rules themselves (DNS, e-mail, IP) are `pki::constraints`'s, the same that
//! `ca issue` refuses by; this module adds what validation needs on top: collecting a
//! certificate's names (directoryName included) and the CN fallback. Constraint kinds not
//! evaluated (URI, otherName, …) fail closed when the certificate has a name of that kind.

use std::net::IpAddr;

use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::name::GeneralName;

use crate::pki::constraints::{dns_matches, email_matches, ip_matches};
use crate::pki::name::NameKey;
use crate::pki::san;

/// A name of a certificate that constraints apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertName {
    Dns(String),
    Ip(Vec<u8>),
    Email(String),
    /// A distinguished name: its RFC 5280 comparison key and display form.
    Dir(NameKey, String),
    /// Any other SAN kind, by its name.
    Other(&'static str, String),
}

impl CertName {
    pub fn from_general(g: &GeneralName) -> CertName {
        match g {
            GeneralName::DnsName(s) => CertName::Dns(s.as_str().to_string()),
            GeneralName::IpAddress(o) => CertName::Ip(o.as_bytes().to_vec()),
            GeneralName::Rfc822Name(s) => CertName::Email(s.as_str().to_string()),
            GeneralName::DirectoryName(n) => CertName::Dir(
                crate::pki::name::comparison_key(n),
                crate::pki::name::to_rfc4514(n),
            ),
            other => CertName::Other(kind(other), san::display(other)),
        }
    }

    pub fn display(&self) -> String {
        match self {
            CertName::Dns(s) => format!("DNS:{s}"),
            CertName::Ip(b) => match b.len() {
                4 => format!(
                    "IP:{}",
                    IpAddr::from(<[u8; 4]>::try_from(&b[..]).unwrap_or_default())
                ),
                16 => format!(
                    "IP:{}",
                    IpAddr::from(<[u8; 16]>::try_from(&b[..]).unwrap_or_default())
                ),
                _ => format!("IP:{}", crate::pki::name::hex_lower(b)),
            },
            CertName::Email(s) => format!("email:{s}"),
            CertName::Dir(_, s) => format!("DirName:{s}"),
            CertName::Other(_, s) => s.clone(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            CertName::Dns(_) => "DNS",
            CertName::Ip(_) => "IP",
            CertName::Email(_) => "email",
            CertName::Dir(..) => "DirName",
            CertName::Other(k, _) => k,
        }
    }
}

fn kind(g: &GeneralName) -> &'static str {
    match g {
        GeneralName::DnsName(_) => "DNS",
        GeneralName::IpAddress(_) => "IP",
        GeneralName::Rfc822Name(_) => "email",
        GeneralName::DirectoryName(_) => "DirName",
        GeneralName::UniformResourceIdentifier(_) => "URI",
        GeneralName::OtherName(_) => "otherName",
        GeneralName::RegisteredId(_) => "registeredID",
        GeneralName::EdiPartyName(_) => "ediPartyName",
    }
}

/// Why a name breaks a constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    NotPermitted {
        name: String,
    },
    Excluded {
        name: String,
        subtree: String,
    },
    /// The CA constrains names of `kind`, which are not evaluated here.
    Unsupported {
        kind: String,
    },
}

/// Checks every name against the constraints; returns how many names were checked.
pub fn check(nc: &NameConstraints, names: &[CertName]) -> Result<usize, Violation> {
    let permitted = nc.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded = nc.excluded_subtrees.as_deref().unwrap_or(&[]);
    let mut checked = 0;
    for name in names {
        let same_kind = |g: &&GeneralName| kind(g) == name.kind();
        let excl: Vec<&GeneralName> = excluded.iter().map(|s| &s.base).filter(same_kind).collect();
        let perm: Vec<&GeneralName> = permitted
            .iter()
            .map(|s| &s.base)
            .filter(same_kind)
            .collect();
        if excl.is_empty() && perm.is_empty() {
            continue;
        }
        if matches!(name, CertName::Other(..)) {
            return Err(Violation::Unsupported {
                kind: name.kind().to_string(),
            });
        }
        checked += 1;
        if let Some(sub) = excl.iter().find(|s| within(name, s)) {
            return Err(Violation::Excluded {
                name: name.display(),
                subtree: san::display(sub),
            });
        }
        if !perm.is_empty() && !perm.iter().any(|s| within(name, s)) {
            return Err(Violation::NotPermitted {
                name: name.display(),
            });
        }
    }
    Ok(checked)
}

/// Whether `name` lies in the subtree rooted at `base` (same kind).
fn within(name: &CertName, base: &GeneralName) -> bool {
    match (name, base) {
        (CertName::Dns(n), GeneralName::DnsName(b)) => dns_matches(n, b.as_str()),
        (CertName::Email(n), GeneralName::Rfc822Name(b)) => email_matches(n, b.as_str()),
        (CertName::Ip(n), GeneralName::IpAddress(b)) => ip_matches(n, b.as_bytes()),
        (CertName::Dir(key, _), GeneralName::DirectoryName(b)) => {
            key.starts_with(&crate::pki::name::comparison_key(b))
        }
        _ => false,
    }
}

/// Whether a CN looks like a host name (letters, digits, `-`, `*`, at least one dot), the
/// test OpenSSL applies before treating a CN as a DNS name for constraints.
pub fn cn_is_hostname(cn: &str) -> bool {
    cn.contains('.')
        && !cn.starts_with('.')
        && !cn.ends_with('.')
        && cn
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::{Ia5String, OctetString};
    use x509_cert::ext::pkix::constraints::name::GeneralSubtree;

    fn dns(s: &str) -> GeneralName {
        GeneralName::DnsName(Ia5String::new(s).unwrap())
    }

    fn subtrees(v: Vec<GeneralName>) -> Option<Vec<GeneralSubtree>> {
        Some(
            v.into_iter()
                .map(|base| GeneralSubtree {
                    base,
                    minimum: 0,
                    maximum: None,
                })
                .collect(),
        )
    }

    #[test]
    fn dns_subtrees() {
        assert!(dns_matches("example.com", "example.com"));
        assert!(dns_matches("a.b.Example.COM", "example.com"));
        assert!(!dns_matches("badexample.com", "example.com"));
        assert!(!dns_matches("example.com", ".example.com"));
        assert!(dns_matches("www.example.com", ".example.com"));
        assert!(dns_matches("anything", ""));
    }

    #[test]
    fn email_and_ip_subtrees() {
        assert!(email_matches("a@example.com", "example.com"));
        assert!(!email_matches("a@x.example.com", "example.com"));
        assert!(email_matches("a@x.example.com", ".example.com"));
        assert!(email_matches("a@Example.com", "a@example.com"));
        assert!(!email_matches("b@example.com", "a@example.com"));
        assert!(ip_matches(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_matches(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_matches(&[0; 16], &[10, 0, 0, 0, 255, 0, 0, 0]));
    }

    #[test]
    fn permitted_and_excluded() {
        let nc = NameConstraints {
            permitted_subtrees: subtrees(vec![
                dns("good.example"),
                GeneralName::IpAddress(OctetString::new(vec![10, 0, 0, 0, 255, 0, 0, 0]).unwrap()),
            ]),
            excluded_subtrees: subtrees(vec![dns("bad.good.example")]),
        };
        let ok = [
            CertName::Dns("www.good.example".into()),
            CertName::Ip(vec![10, 9, 9, 9]),
        ];
        assert_eq!(check(&nc, &ok), Ok(2));
        assert_eq!(
            check(&nc, &[CertName::Dns("evil.example".into())]),
            Err(Violation::NotPermitted {
                name: "DNS:evil.example".into()
            })
        );
        assert!(matches!(
            check(&nc, &[CertName::Dns("x.bad.good.example".into())]),
            Err(Violation::Excluded { .. })
        ));
        assert!(matches!(
            check(&nc, &[CertName::Ip(vec![192, 168, 0, 1])]),
            Err(Violation::NotPermitted { .. })
        ));
        // No email subtree: email names are unconstrained.
        assert_eq!(check(&nc, &[CertName::Email("a@b.c".into())]), Ok(0));
        // A URI constraint cannot be evaluated: fail closed when the cert has a URI.
        let uri = GeneralName::UniformResourceIdentifier(Ia5String::new("https://x").unwrap());
        let nc = NameConstraints {
            permitted_subtrees: subtrees(vec![uri.clone()]),
            excluded_subtrees: None,
        };
        assert!(matches!(
            check(&nc, &[CertName::from_general(&uri)]),
            Err(Violation::Unsupported { .. })
        ));
    }

    #[test]
    fn cn_hostname_test() {
        assert!(cn_is_hostname("www.example.com"));
        assert!(!cn_is_hostname("Test Root CA"));
        assert!(!cn_is_hostname("localhost"));
    }
}
