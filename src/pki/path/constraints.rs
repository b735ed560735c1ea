//! Name constraints (RFC 5280 §4.2.1.10) as path validation applies them: the names of a
//! certificate (dNSName, iPAddress, rfc822Name and directoryName SANs, the subject DN and its
//! emailAddress, and the leaf's CN as a DNS name when it has no dNSName SAN, as OpenSSL
//! does) against a CA's permitted and excluded subtrees.
//!
//! Kept here, small, while `pki::constraints` (the parse/encode/check module for issuance)
//! is being written; the two may later be merged. Constraint kinds not evaluated here (URI,
//! otherName, …) fail closed when the certificate has a name of that kind.

use std::net::IpAddr;

use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::name::GeneralName;

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
        (CertName::Dns(n), GeneralName::DnsName(b)) => dns_within(n, b.as_str()),
        (CertName::Email(n), GeneralName::Rfc822Name(b)) => email_within(n, b.as_str()),
        (CertName::Ip(n), GeneralName::IpAddress(b)) => ip_within(n, b.as_bytes()),
        (CertName::Dir(key, _), GeneralName::DirectoryName(b)) => {
            key.starts_with(&crate::pki::name::comparison_key(b))
        }
        _ => false,
    }
}

/// `example.com` covers itself and every name below it; `.example.com` only names below it
/// (the OpenSSL and common CA reading); the empty constraint covers everything.
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let base = base.trim_end_matches('.').to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if let Some(rest) = base.strip_prefix('.') {
        return name.len() > rest.len() + 1 && name.ends_with(&base);
    }
    name == base || name.ends_with(&format!(".{base}"))
}

/// `user@host`: that mailbox; `host`: any mailbox at host; `.host`: any mailbox below host.
fn email_within(name: &str, base: &str) -> bool {
    let Some((local, domain)) = name.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    if let Some((blocal, bdomain)) = base.rsplit_once('@') {
        return local == blocal && domain == bdomain.to_ascii_lowercase();
    }
    let base = base.to_ascii_lowercase();
    if base.starts_with('.') {
        domain.ends_with(&base)
    } else {
        domain == base
    }
}

/// An iPAddress constraint is address + mask (8 bytes for IPv4, 32 for IPv6).
fn ip_within(name: &[u8], base: &[u8]) -> bool {
    if base.len() != name.len() * 2 {
        return false;
    }
    let (addr, mask) = base.split_at(name.len());
    name.iter()
        .zip(addr)
        .zip(mask)
        .all(|((n, a), m)| n & m == a & m)
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
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("a.b.Example.COM", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("www.example.com", ".example.com"));
        assert!(dns_within("anything", ""));
    }

    #[test]
    fn email_and_ip_subtrees() {
        assert!(email_within("a@example.com", "example.com"));
        assert!(!email_within("a@x.example.com", "example.com"));
        assert!(email_within("a@x.example.com", ".example.com"));
        assert!(email_within("a@Example.com", "a@example.com"));
        assert!(!email_within("b@example.com", "a@example.com"));
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[0; 16], &[10, 0, 0, 0, 255, 0, 0, 0]));
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
