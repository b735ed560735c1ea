//! Chain rules for what a key entry (or a chain file) presents: missing intermediates,
//! wrong order, unrelated extra certificates, a self-signed leaf, signatures that do not
//! verify, issuers not allowed to sign certificates, pathLenConstraint exceeded, and name
//! constraints violated (checked by `pki::constraints`). Issuers are found with
//! `pki::chain`; a chain that stops short is completed from every certificate seen in the
//! run, to tell an omitted root (normal) from a missing intermediate.

use x509_cert::ext::pkix::KeyUsages;

use super::model::{Cert, Group, GroupKind, Loaded, Pool};
use super::{Finding, Severity, shell_quote};
use crate::pki::chain::{self, CertFacts};
use crate::pki::constraints::ConstraintError;

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

    // The issuance path within the entry: leaf first, then each issuer found. A certificate
    // whose names do not parse stands in as a copy of the leaf, which the pool never picks
    // (same public key), so pool indices stay the entry's.
    let rest: Vec<CertFacts> = g.certs[1..]
        .iter()
        .map(|c| c.facts.clone().unwrap_or_else(|| leaf_facts.clone()))
        .collect();
    let mut path = vec![0usize];
    path.extend(
        chain::Pool::new(rest)
            .chain_from(leaf_facts)
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
        let ca = &g.certs[pj];
        let Some(constraints) = &ca.name_constraints else {
            continue;
        };
        let broken = leaf
            .sans
            .iter()
            .flatten()
            .find_map(|n| constraints.check(n, &ca.subject).err());
        if let Some(ConstraintError::Violation { name, why, .. }) = broken {
            out.push(find(
                "chain.name-constraints",
                Severity::Error,
                format!(
                    "'{}': {name} is outside the name constraints of '{}' ({why}; RFC 5280 §4.2.1.10)",
                    leaf.subject, ca.subject
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
        .filter(|c| c.facts.as_ref().is_some_and(|p| top_facts.issued_by(p)))
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
