//! The checks run over a built path, each producing one [`Step`] per certificate (or per
//! path): signature, validity period, CA-ness (basicConstraints, keyCertSign), path length,
//! critical extensions, name constraints, purpose (EKU and keyUsage), host name and
//! revocation. Every check runs even after a failure, so the report explains everything
//! that is wrong at once.

use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{KeyUsages, NameConstraints};

use super::Purpose;
use super::build::Signatures;
use super::constraints::{self, CertName, Violation};
use super::host;
use super::pool::PoolCert;
use super::report::{Check, Failure, Outcome, Step};
use super::revocation::{self, Crl};
use crate::pki::inspect::key_usage_names;
use crate::pki::inspect::unix_rfc3339;
use crate::pki::{oids, san};

/// Extensions whose meaning keychest enforces (or, for certificatePolicies, that cannot
/// fail a path without a required explicit policy): they may be critical.
const UNDERSTOOD: [der::oid::ObjectIdentifier; 9] = [
    oids::EXT_BASIC_CONSTRAINTS,
    oids::EXT_KEY_USAGE,
    oids::EXT_EXTENDED_KEY_USAGE,
    oids::EXT_SUBJECT_ALT_NAME,
    oids::EXT_NAME_CONSTRAINTS,
    oids::EXT_SUBJECT_KEY_ID,
    oids::EXT_AUTHORITY_KEY_ID,
    oids::EXT_CERTIFICATE_POLICIES,
    oids::EXT_CRL_DISTRIBUTION_POINTS,
];

/// What the checks look at.
pub struct Ctx<'a> {
    pub pool: &'a [PoolCert],
    /// Pool indices, target first.
    pub path: &'a [usize],
    pub at: i64,
    pub purpose: Option<Purpose>,
    pub host: Option<&'a str>,
    /// None: no `--crl` given.
    pub crls: Option<&'a [Crl]>,
}

impl Ctx<'_> {
    fn cert(&self, pos: usize) -> &PoolCert {
        &self.pool[self.path[pos]]
    }
}

fn step(check: Check, cert: Option<usize>, outcome: Outcome) -> Step {
    Step {
        check,
        cert,
        outcome,
    }
}

fn pass(detail: impl Into<String>) -> Outcome {
    Outcome::Pass {
        detail: detail.into(),
    }
}

fn fail(failure: Failure) -> Outcome {
    Outcome::Fail { failure }
}

fn outcome(r: Result<String, Failure>) -> Outcome {
    match r {
        Ok(d) => pass(d),
        Err(f) => fail(f),
    }
}

/// Runs every check over the path.
pub fn run(ctx: &Ctx, sigs: &mut Signatures, steps: &mut Vec<Step>) {
    let n = ctx.path.len();
    for pos in 0..n.saturating_sub(1) {
        let (child, issuer) = (ctx.cert(pos), ctx.cert(pos + 1));
        let o = match sigs.check(ctx.pool, ctx.path[pos], ctx.path[pos + 1]) {
            Ok(()) => pass(format!(
                "signed by {} ({})",
                issuer.subject,
                oids::name(&child.cert.signature_algorithm().oid)
            )),
            Err(error) => fail(Failure::BadSignature {
                subject: child.subject.clone(),
                issuer: issuer.subject.clone(),
                error,
            }),
        };
        steps.push(step(Check::Signature, Some(pos), o));
    }
    for pos in 0..n {
        steps.push(step(Check::Validity, Some(pos), validity(ctx, pos)));
    }
    for pos in 1..n {
        steps.push(step(
            Check::BasicConstraints,
            Some(pos),
            outcome(is_ca(ctx.cert(pos))),
        ));
        steps.push(step(
            Check::KeyUsage,
            Some(pos),
            outcome(cert_sign(ctx.cert(pos))),
        ));
        steps.push(step(
            Check::PathLength,
            Some(pos),
            outcome(path_len(ctx, pos)),
        ));
    }
    for pos in 0..n {
        steps.push(step(
            Check::CriticalExtensions,
            Some(pos),
            outcome(critical(ctx.cert(pos))),
        ));
    }
    for pos in 1..n {
        if let Some(o) = name_constraints(ctx, pos) {
            steps.push(step(Check::NameConstraints, Some(pos), o));
        }
    }
    match ctx.purpose {
        None => steps.push(step(
            Check::Purpose,
            None,
            Outcome::Skipped {
                why: "no --purpose given".into(),
            },
        )),
        Some(p) => {
            for pos in 0..n {
                let c = ctx.cert(pos);
                if c.anchor && pos > 0 {
                    continue;
                }
                steps.push(step(
                    Check::Purpose,
                    Some(pos),
                    outcome(purpose(c, p, pos == 0)),
                ));
            }
        }
    }
    if let Some(h) = ctx.host {
        steps.push(step(
            Check::Hostname,
            Some(0),
            outcome(hostname(ctx.cert(0), h)),
        ));
    }
    match ctx.crls {
        None => steps.push(step(
            Check::Revocation,
            None,
            Outcome::Skipped {
                why: "no --crl given".into(),
            },
        )),
        Some(crls) => {
            for pos in 0..n.saturating_sub(1) {
                let (c, issuer) = (ctx.cert(pos), ctx.cert(pos + 1));
                if c.anchor {
                    break;
                }
                let o = revocation::check(c, issuer, crls, ctx.at, pos == 0);
                steps.push(step(Check::Revocation, Some(pos), o));
            }
        }
    }
}

fn validity(ctx: &Ctx, pos: usize) -> Outcome {
    let c = ctx.cert(pos);
    let (nb, na) = c.validity();
    if ctx.at < nb {
        fail(Failure::NotYetValid {
            subject: c.subject.clone(),
            not_before: unix_rfc3339(nb),
        })
    } else if ctx.at > na {
        fail(Failure::Expired {
            subject: c.subject.clone(),
            not_after: unix_rfc3339(na),
        })
    } else {
        pass(format!(
            "valid from {} until {}",
            unix_rfc3339(nb),
            unix_rfc3339(na)
        ))
    }
}

/// An issuer must be a CA: basicConstraints CA:TRUE; a version 1 certificate (no
/// extensions) is accepted only as a trust anchor, as old roots are.
fn is_ca(c: &PoolCert) -> Result<String, Failure> {
    match c.basic_constraints()? {
        Some(bc) if bc.ca => Ok("CA:TRUE".into()),
        None if c.anchor && c.cert.tbs_certificate().version() == Version::V1 => {
            Ok("version 1 trust anchor (no extensions)".into())
        }
        _ => Err(Failure::NotCa {
            subject: c.subject.clone(),
        }),
    }
}

fn cert_sign(c: &PoolCert) -> Result<String, Failure> {
    match c.key_usage()? {
        None => Ok("no keyUsage extension (any use)".into()),
        Some(ku) if ku.0.contains(KeyUsages::KeyCertSign) => Ok("keyCertSign".into()),
        Some(ku) => Err(Failure::KeyCertSignMissing {
            subject: c.subject.clone(),
            key_usage: key_usage_names(&ku),
        }),
    }
}

/// pathLenConstraint counts the non-self-issued intermediates below the CA (RFC 5280
/// §4.2.1.9); the target does not count.
fn path_len(ctx: &Ctx, pos: usize) -> Result<String, Failure> {
    let c = ctx.cert(pos);
    let below = (1..pos)
        .filter(|&j| !ctx.cert(j).facts.self_issued())
        .count();
    match c.basic_constraints()?.and_then(|b| b.path_len_constraint) {
        None => Ok(format!("no limit; {below} intermediate(s) below")),
        Some(limit) if below <= limit as usize => {
            Ok(format!("pathlen:{limit}; {below} intermediate(s) below"))
        }
        Some(limit) => Err(Failure::PathLenExceeded {
            subject: c.subject.clone(),
            path_len: limit,
            intermediates_below: below,
        }),
    }
}

fn critical(c: &PoolCert) -> Result<String, Failure> {
    let crit: Vec<_> = c.extensions().iter().filter(|e| e.critical).collect();
    if let Some(e) = crit.iter().find(|e| !UNDERSTOOD.contains(&e.extn_id)) {
        return Err(Failure::UnknownCriticalExtension {
            subject: c.subject.clone(),
            extension: crate::pki::inspect::extension_name(&e.extn_id),
        });
    }
    Ok(match crit.len() {
        0 => "none critical".into(),
        k => format!("{k} critical, all processed"),
    })
}

/// The names of `pos` that constraints apply to.
fn constrained_names(ctx: &Ctx, pos: usize) -> Result<Vec<CertName>, Failure> {
    let c = ctx.cert(pos);
    let sans = c.alt_names()?;
    let mut names: Vec<CertName> = sans.iter().map(CertName::from_general).collect();
    let subject = c.cert.tbs_certificate().subject();
    if !c.subject_is_empty() {
        names.push(CertName::Dir(
            crate::pki::name::comparison_key(subject),
            c.subject.clone(),
        ));
        for atv in subject.iter() {
            if atv.oid == const_oid::db::rfc3280::EMAIL_ADDRESS
                && let Some(v) = crate::pki::name::value_text(&atv.value)
            {
                names.push(CertName::Email(v));
            }
        }
    }
    let has_dns = sans.iter().any(|g| matches!(g, GeneralName::DnsName(_)));
    if pos == 0 && !has_dns {
        for atv in subject.iter() {
            if atv.oid == const_oid::db::rfc4519::CN
                && let Some(v) = crate::pki::name::value_text(&atv.value)
                && constraints::cn_is_hostname(&v)
            {
                names.push(CertName::Dns(v));
            }
        }
    }
    Ok(names)
}

/// The constraints of the CA at `pos` over every certificate below it (self-issued
/// intermediates excepted, RFC 5280 §6.1.3 (b)). None when the CA has no constraints.
fn name_constraints(ctx: &Ctx, pos: usize) -> Option<Outcome> {
    let ca = ctx.cert(pos);
    let nc = match ca.decode_ext::<NameConstraints>(oids::EXT_NAME_CONSTRAINTS) {
        Err(f) => return Some(fail(f)),
        Ok(None) => return None,
        Ok(Some(nc)) => nc,
    };
    let mut checked = 0;
    for below in 0..pos {
        let c = ctx.cert(below);
        if below > 0 && c.facts.self_issued() {
            continue;
        }
        let names = match constrained_names(ctx, below) {
            Ok(n) => n,
            Err(f) => return Some(fail(f)),
        };
        let subject = c.subject.clone();
        let constrained_by = ca.subject.clone();
        match constraints::check(&nc, &names) {
            Ok(k) => checked += k,
            Err(Violation::NotPermitted { name }) => {
                return Some(fail(Failure::NameNotPermitted {
                    subject,
                    name,
                    constrained_by,
                }));
            }
            Err(Violation::Excluded { name, subtree }) => {
                return Some(fail(Failure::NameExcluded {
                    subject,
                    name,
                    constrained_by,
                    subtree,
                }));
            }
            Err(Violation::Unsupported { kind }) => {
                return Some(fail(Failure::UnsupportedNameConstraint {
                    subject,
                    kind,
                    constrained_by,
                }));
            }
        }
    }
    Some(pass(format!(
        "{checked} constrained name(s) below it within its subtrees"
    )))
}

/// EKU (when present) must name the purpose — anyExtendedKeyUsage does not count, as in
/// OpenSSL and webpki; the leaf's keyUsage (when present) must allow a usage the purpose
/// needs (OpenSSL's table).
fn purpose(c: &PoolCert, p: Purpose, leaf: bool) -> Result<String, Failure> {
    let (oid, name) = match p {
        Purpose::Server => (oids::KP_SERVER_AUTH, "serverAuth"),
        Purpose::Client => (oids::KP_CLIENT_AUTH, "clientAuth"),
    };
    let mut detail = Vec::new();
    match c.extended_key_usage()? {
        None => detail.push("no extendedKeyUsage (any purpose)".to_string()),
        Some(eku) if eku.0.contains(&oid) => detail.push(format!("extendedKeyUsage has {name}")),
        Some(eku) => {
            return Err(Failure::EkuLacksPurpose {
                subject: c.subject.clone(),
                purpose: name.into(),
                extended_key_usage: eku.0.iter().map(oids::name).collect(),
            });
        }
    }
    if leaf {
        let needs: &[(KeyUsages, &str)] = match p {
            Purpose::Server => &[
                (KeyUsages::DigitalSignature, "digitalSignature"),
                (KeyUsages::KeyEncipherment, "keyEncipherment"),
                (KeyUsages::KeyAgreement, "keyAgreement"),
            ],
            Purpose::Client => &[
                (KeyUsages::DigitalSignature, "digitalSignature"),
                (KeyUsages::KeyAgreement, "keyAgreement"),
            ],
        };
        if let Some(ku) = c.key_usage()? {
            if !needs.iter().any(|(f, _)| ku.0.contains(*f)) {
                return Err(Failure::KeyUsageLacksPurpose {
                    subject: c.subject.clone(),
                    purpose: name.into(),
                    key_usage: key_usage_names(&ku),
                    needs_one_of: needs.iter().map(|(_, n)| n.to_string()).collect(),
                });
            }
            detail.push(format!("keyUsage {}", key_usage_names(&ku).join(", ")));
        }
    }
    Ok(detail.join("; "))
}

fn hostname(leaf: &PoolCert, h: &str) -> Result<String, Failure> {
    let sans = leaf.alt_names()?;
    if host::matches(h, &sans) {
        return Ok(format!("{h} matches the subjectAltName"));
    }
    Err(Failure::HostnameMismatch {
        host: h.to_string(),
        names: sans
            .iter()
            .filter(|g| matches!(g, GeneralName::DnsName(_) | GeneralName::IpAddress(_)))
            .map(san::display)
            .collect(),
    })
}
