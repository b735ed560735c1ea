//! Validity rules: expired, not yet valid (or only a clock skew away from valid), expiring
//! soon, a certificate that outlives its issuer, and TLS server certificates valid longer
//! than the 398 days Apple and Chrome accept.

use super::model::{Cert, Group, GroupKind, Loaded};
use super::{Finding, Options, Severity};
use crate::pki::inspect::unix_rfc3339;

const DAY: i64 = 86_400;
/// Apple (and Chrome) reject TLS server certificates valid longer than this, issued from
/// 2020-09-01 on.
pub const MAX_SERVER_DAYS: i64 = 398;
/// A notBefore at most this far in the future is a clock-skew problem, not a certificate
/// meant for later.
pub const SKEW: i64 = DAY;
const APPLE_RULE_START: i64 = 1_598_918_400; // 2020-09-01T00:00:00Z

pub fn check_group(f: &Loaded, g: &Group, opts: &Options<'_>, out: &mut Vec<Finding>) {
    let alias = g.alias.as_deref();
    let renew = |c: &Cert| renew_fix(f, g, c);
    for c in &g.certs {
        let at = |rule, sev, why: String| {
            let mut x = Finding::new(sev, rule, &f.path, why).alias(alias);
            if let Some(fix) = renew(c) {
                x = x.fix(fix);
            }
            x
        };
        if opts.now > c.not_after {
            out.push(at(
                "validity.expired",
                Severity::Error,
                format!("'{}' expired on {}", c.subject, unix_rfc3339(c.not_after)),
            ));
        } else if c.not_before > opts.now + SKEW {
            out.push(at(
                "validity.not-yet-valid",
                Severity::Error,
                format!(
                    "'{}' is not valid until {}",
                    c.subject,
                    unix_rfc3339(c.not_before)
                ),
            ));
        } else if c.not_before > opts.now {
            out.push(Finding::new(
                Severity::Warning,
                "validity.clock-skew",
                &f.path,
                format!(
                    "'{}' becomes valid only in {} minutes ({}): issued by a clock that runs ahead, or without backdating; clients whose clocks lag reject it",
                    c.subject,
                    (c.not_before - opts.now + 59) / 60,
                    unix_rfc3339(c.not_before)
                ),
            ).alias(alias));
        } else if c.not_after - opts.now <= opts.expiring {
            out.push(at(
                "validity.expiring",
                Severity::Warning,
                format!(
                    "'{}' expires in {} days ({})",
                    c.subject,
                    (c.not_after - opts.now) / DAY,
                    unix_rfc3339(c.not_after)
                ),
            ));
        }
        if c.is_server()
            && c.not_before >= APPLE_RULE_START
            && (c.not_after - c.not_before) / DAY > MAX_SERVER_DAYS
        {
            out.push(at(
                "validity.too-long",
                Severity::Warning,
                format!(
                    "server certificate '{}' is valid {} days: Apple and Chrome reject TLS server certificates valid longer than {MAX_SERVER_DAYS} days",
                    c.subject,
                    (c.not_after - c.not_before) / DAY
                ),
            ));
        }
    }
    // A certificate that outlives its issuer: it stops working when the issuer expires.
    if matches!(g.kind, GroupKind::KeyEntry | GroupKind::Chain) {
        for w in g.certs.windows(2) {
            let (child, parent) = (&w[0], &w[1]);
            let linked = match (&child.facts, &parent.facts) {
                (Some(c), Some(p)) => c.issued_by(p),
                _ => false,
            };
            if linked && child.not_after > parent.not_after {
                out.push(
                    Finding::new(
                        Severity::Warning,
                        "validity.outlives-issuer",
                        &f.path,
                        format!(
                            "'{}' is valid until {} but its issuer '{}' only until {}: the chain fails from then on",
                            child.subject,
                            unix_rfc3339(child.not_after),
                            parent.subject,
                            unix_rfc3339(parent.not_after)
                        ),
                    )
                    .alias(alias),
                );
            }
        }
    }
}

/// The command that replaces an expiring certificate, when doctor can tell which: a new
/// key and certificate from a keychest CA, imported in place of the old entry.
fn renew_fix(f: &Loaded, g: &Group, c: &Cert) -> Option<String> {
    let leaf = std::ptr::eq(&**g.certs.first()?, c);
    if !leaf || g.kind != GroupKind::KeyEntry {
        return None;
    }
    let name = c
        .sans
        .iter()
        .flatten()
        .find_map(|n| match n {
            x509_cert::ext::pkix::name::GeneralName::DnsName(d) => Some(d.to_string()),
            _ => None,
        })
        .or_else(|| c.common_names().into_iter().next())
        .unwrap_or_else(|| "NAME".into());
    let name = super::shell_quote(&name);
    Some(match &g.alias {
        Some(a) => format!(
            "keychest ca issue CA_DIR {name} --out-dir new && keychest store import {} --key new/KEY --chain new/CRT --alias {} --force --pass SRC",
            super::shell_quote(&f.path.display().to_string()),
            super::shell_quote(a)
        ),
        None => {
            format!("keychest ca issue CA_DIR {name} (a new key and certificate with its chain)")
        }
    })
}
