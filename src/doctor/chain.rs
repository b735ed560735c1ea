//! Chain rules for what a key entry (or a chain file) presents: missing intermediates,
//! wrong order, unrelated extra certificates, a self-signed leaf, signatures that do not
//! verify, issuers not allowed to sign certificates, pathLenConstraint exceeded, and name
//! constraints violated. Issuers are found with `pki::chain`; a chain that stops short is
//! completed from every certificate seen in the run, to tell an omitted root (normal) from
//! a missing intermediate.

use x509_cert::ext::pkix::KeyUsages;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use super::model::{Cert, Group, GroupKind, Loaded, Pool};
use super::{Finding, Severity, shell_quote};
use crate::pki::chain::{CertFacts, chain_from_pool, issued_by};
use crate::pki::san;

pub fn check_group(f: &Loaded, g: &Group, lookup: &Pool<'_>, out: &mut Vec<Finding>) {
    if !matches!(g.kind, GroupKind::KeyEntry | GroupKind::Chain) {
        return;
    }
    let Some(leaf) = g.certs.first() else {
        return;
    };
    let alias = g.alias.as_deref();
    let file = shell_quote(&f.path.display().to_string());
    let find = |rule, sev, why: String| Finding::new(sev, rule, &f.path, why).alias(alias);
    let Some(leaf_facts) = &leaf.facts else {
        return;
    };
    if leaf.self_issued() && !leaf.is_ca() && leaf.self_signed() {
        if g.kind == GroupKind::KeyEntry {
            out.push(find(
                "chain.self-signed-leaf",
                Severity::Warning,
                format!(
                    "'{}' is self-signed: every client must pin it, and none can check revocation",
                    leaf.subject
                ),
            ).fix("keychest ca init ./ca --subject 'CN=My CA' && keychest ca issue ./ca NAME, then import the result"));
        }
        return;
    }

    // The issuance path within the entry: leaf first, then each issuer found.
    let rest: Vec<CertFacts> = g.certs[1..]
        .iter()
        .map(|c| c.facts.clone().unwrap_or_else(|| leaf_facts.clone()))
        .collect();
    let mut path = vec![0usize];
    path.extend(
        chain_from_pool(leaf_facts, &rest)
            .into_iter()
            .map(|i| i + 1),
    );

    if path.windows(2).any(|w| w[0] > w[1]) {
        out.push(find(
            "chain.wrong-order",
            Severity::Error,
            format!(
                "the chain of '{}' is out of order: each certificate must be followed by its issuer (RFC 8446 §4.4.2; older clients and Java fail otherwise)",
                leaf.subject
            ),
        ).fix(match alias {
            Some(a) => format!("keychest store export {file} --alias {} --out chain.pem --key-out key.pem --pass SRC && keychest store import {file} --key key.pem --chain chain.pem --alias {} --force --pass SRC", shell_quote(a), shell_quote(a)),
            None => format!("rewrite {file} leaf first, then each issuer in turn"),
        }));
    }
    for (i, c) in g.certs.iter().enumerate().skip(1) {
        if !path.contains(&i) && !g.certs[..i].iter().any(|d| d.der == c.der) {
            out.push(find(
                "chain.unrelated-cert",
                Severity::Warning,
                format!(
                    "'{}' is in the chain of '{}' but did not issue any certificate of it: it is sent for nothing and confuses some clients",
                    c.subject, leaf.subject
                ),
            ));
        }
    }
    for w in path.windows(2) {
        let (child, parent) = (&g.certs[w[0]], &g.certs[w[1]]);
        if !lookup.signed_by(child, parent) {
            out.push(find(
                "chain.bad-signature",
                Severity::Error,
                format!(
                    "the signature of '{}' does not verify with the key of its issuer '{}'",
                    child.subject, parent.subject
                ),
            ));
        }
        let ku_ok = parent
            .key_usage
            .as_ref()
            .is_none_or(|ku| ku.0.contains(KeyUsages::KeyCertSign));
        if !parent.is_ca() || !ku_ok {
            out.push(find(
                "chain.ca-without-keycertsign",
                Severity::Error,
                format!(
                    "'{}' issued '{}' but {} (RFC 5280 §4.2.1.3, §4.2.1.9)",
                    parent.subject,
                    child.subject,
                    if !parent.is_ca() {
                        "is not a CA (basicConstraints cA is not TRUE)"
                    } else {
                        "its keyUsage lacks keyCertSign"
                    }
                ),
            ));
        }
    }
    // pathLenConstraint: the non-self-issued intermediates below a CA.
    for (j, &pj) in path.iter().enumerate().skip(1) {
        let ca = &g.certs[pj];
        let Some(max) = ca.basic.as_ref().and_then(|b| b.path_len_constraint) else {
            continue;
        };
        let below = path[1..j]
            .iter()
            .filter(|&&k| !g.certs[k].self_issued())
            .count();
        if below > usize::from(max) {
            out.push(find(
                "chain.path-len-exceeded",
                Severity::Error,
                format!(
                    "'{}' allows {max} intermediate CA(s) below it (pathLenConstraint) but the chain has {below} (RFC 5280 §4.2.1.9)",
                    ca.subject
                ),
            ));
        }
    }
    for &pj in path.iter().skip(1) {
        if let Some(nc) = &g.certs[pj].name_constraints
            && let Some(why) = constraint_violation(
                nc.permitted_subtrees.as_deref().unwrap_or_default(),
                nc.excluded_subtrees.as_deref().unwrap_or_default(),
                leaf.sans.as_deref().unwrap_or_default(),
            )
        {
            out.push(find(
                "chain.name-constraints",
                Severity::Error,
                format!(
                    "'{}': {why}, outside the name constraints of '{}' (RFC 5280 §4.2.1.10)",
                    leaf.subject, g.certs[pj].subject
                ),
            ));
        }
    }

    // A chain that stops short: an omitted root is fine, a missing intermediate is not.
    let top = &g.certs[*path.last().unwrap_or(&0)];
    let Some(top_facts) = &top.facts else {
        return;
    };
    if top.self_issued() {
        return;
    }
    let issuers: Vec<&Cert> = lookup
        .subjects(&top_facts.issuer)
        .iter()
        .copied()
        .filter(|c| c.facts.as_ref().is_some_and(|p| issued_by(top_facts, p)))
        .collect();
    let missing = match issuers.iter().find(|c| !c.self_issued()) {
        Some(inter) if !issuers.iter().any(|c| c.self_issued()) => Some(format!(
            "'{}' is missing from the chain of '{}': clients without it cannot build a path",
            inter.subject, leaf.subject
        )),
        Some(_) => None,
        None if issuers.is_empty() && path.len() == 1 => Some(format!(
            "the chain of '{}' holds only the leaf and its issuer '{}' was found nowhere: clients that do not have that intermediate fail",
            leaf.subject,
            crate::pki::name::to_rfc4514(leaf.cert.tbs_certificate().issuer())
        )),
        None => None,
    };
    if let Some(why) = missing {
        out.push(
            find("chain.missing-intermediate", Severity::Error, why).fix(match alias {
                Some(a) => format!(
                    "keychest store import {file} --key KEY --chain FULLCHAIN.pem --alias {} --force --pass SRC",
                    shell_quote(a)
                ),
                None => format!("append the intermediate to {file} (cat INTERMEDIATE.crt >> {file})"),
            }),
        );
    }
}

/// Why `names` break the subtrees, or None when they fit (DNS names, IP addresses and
/// e-mail addresses; other name forms are not constrained here). Hand-written because the
/// x509 crates decode name constraints but do not evaluate them.
pub fn constraint_violation(
    permitted: &[GeneralSubtree],
    excluded: &[GeneralSubtree],
    names: &[GeneralName],
) -> Option<String> {
    for n in names {
        if excluded.iter().any(|s| matches(&s.base, n) == Some(true)) {
            return Some(format!("{} is excluded", san::display(n)));
        }
        let same_kind: Vec<bool> = permitted
            .iter()
            .filter_map(|s| matches(&s.base, n))
            .collect();
        if !same_kind.is_empty() && !same_kind.contains(&true) {
            return Some(format!("{} is not permitted", san::display(n)));
        }
    }
    None
}

/// Whether `name` lies in subtree `base`; None when they are of different kinds.
fn matches(base: &GeneralName, name: &GeneralName) -> Option<bool> {
    match (base, name) {
        (GeneralName::DnsName(b), GeneralName::DnsName(n)) => {
            Some(dns_within(b.as_str(), n.as_str()))
        }
        (GeneralName::Rfc822Name(b), GeneralName::Rfc822Name(n)) => {
            let (b, n) = (
                b.as_str().to_ascii_lowercase(),
                n.as_str().to_ascii_lowercase(),
            );
            Some(if b.contains('@') {
                b == n
            } else {
                let host = n.rsplit_once('@').map_or(n.as_str(), |(_, h)| h);
                match b.strip_prefix('.') {
                    Some(d) => host.ends_with(&format!(".{d}")),
                    None => host == b,
                }
            })
        }
        (GeneralName::IpAddress(b), GeneralName::IpAddress(n)) => {
            let (b, n) = (b.as_bytes(), n.as_bytes());
            Some(
                b.len() == n.len() * 2
                    && n.iter()
                        .zip(&b[..n.len()])
                        .zip(&b[n.len()..])
                        .all(|((a, base), mask)| a & mask == base & mask),
            )
        }
        (GeneralName::DnsName(_), _)
        | (GeneralName::Rfc822Name(_), _)
        | (GeneralName::IpAddress(_), _) => None,
        _ => None,
    }
}

/// RFC 5280 §4.2.1.10: a DNS name is within `base` when it is `base` or ends with
/// `.base`; OpenSSL's leading-dot form `.base` means subdomains only.
fn dns_within(base: &str, name: &str) -> bool {
    let (base, name) = (base.to_ascii_lowercase(), name.to_ascii_lowercase());
    if base.is_empty() {
        return true;
    }
    match base.strip_prefix('.') {
        Some(b) => name.ends_with(&format!(".{b}")),
        None => name == base || name.ends_with(&format!(".{base}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_constraints() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("example.com", "www.example.com"));
        assert!(!dns_within("example.com", "badexample.com"));
        assert!(!dns_within(".example.com", "example.com"));
        assert!(dns_within(".example.com", "a.example.com"));
    }
}
