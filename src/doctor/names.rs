//! Name rules: server certificates without subjectAltName (browsers ignore the CN), a CN
//! that is not among the SANs, wildcard misuse, and control characters in names, which
//! can hide text on a terminal or in a log.

use x509_cert::ext::pkix::name::GeneralName;

use super::model::{Cert, Group, Loaded};
use super::{Finding, Severity};
use crate::pki::{name, san};

pub fn check_group(f: &Loaded, g: &Group, out: &mut Vec<Finding>) {
    let alias = g.alias.as_deref();
    if let Some(a) = alias
        && has_control(a)
    {
        out.push(
            Finding::new(
                Severity::Error,
                "names.control-chars",
                &f.path,
                format!("the alias '{}' holds control characters", a.escape_debug()),
            )
            .alias(alias),
        );
    }
    for c in &g.certs {
        let find = |rule, sev, why: String| Finding::new(sev, rule, &f.path, why).alias(alias);
        if let Some(what) = control_in(c) {
            out.push(find(
                "names.control-chars",
                Severity::Error,
                format!(
                    "'{}': its {what} holds control characters (they can rewrite what a terminal or log shows)",
                    c.subject.escape_debug()
                ),
            ));
        }
        let dns: Vec<String> = c
            .sans
            .iter()
            .flatten()
            .filter_map(|n| match n {
                GeneralName::DnsName(d) => Some(d.to_string()),
                _ => None,
            })
            .collect();
        for d in &dns {
            if let Some(why) = wildcard_problem(d) {
                out.push(find(
                    "names.bad-wildcard",
                    Severity::Warning,
                    format!("'{}': SAN '{d}': {why}", c.subject),
                ));
            }
        }
        if !c.is_server() {
            continue;
        }
        let sans = c.sans.as_deref().unwrap_or_default();
        if sans.is_empty() {
            out.push(find(
                "names.no-san",
                Severity::Error,
                format!(
                    "server certificate '{}' has no subjectAltName: browsers and modern TLS clients ignore the CN",
                    c.subject
                ),
            ).fix(format!(
                "keychest ca sign CA_DIR --csr REQ.csr --san dns:{} (or reissue with SANs)",
                c.common_names().first().map(String::as_str).unwrap_or("NAME")
            )));
            continue;
        }
        for cn in c.common_names() {
            if !cn_in_sans(&cn, sans) {
                out.push(find(
                    "names.cn-not-in-san",
                    Severity::Warning,
                    format!(
                        "'{}': the CN '{cn}' is not among the subjectAltNames ({}); clients that still read the CN disagree with those that do not",
                        c.subject,
                        sans.iter().map(san::display).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
}

fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// Which name of the certificate holds control characters (subject, issuer or a SAN).
fn control_in(c: &Cert) -> Option<&'static str> {
    let tbs = c.cert.tbs_certificate();
    let in_name = |n: &x509_cert::name::Name| {
        n.iter()
            .filter_map(|atv| name::value_text(&atv.value))
            .any(|v: String| has_control(&v))
    };
    if in_name(tbs.subject()) {
        return Some("subject");
    }
    if in_name(tbs.issuer()) {
        return Some("issuer");
    }
    let san_text = |n: &GeneralName| match n {
        GeneralName::DnsName(d) => Some(d.to_string()),
        GeneralName::Rfc822Name(d) => Some(d.to_string()),
        GeneralName::UniformResourceIdentifier(d) => Some(d.to_string()),
        _ => None,
    };
    c.sans
        .iter()
        .flatten()
        .filter_map(san_text)
        .any(|s| has_control(&s))
        .then_some("subjectAltName")
}

/// Why a DNS name's wildcard is misused (RFC 6125 §6.4.3, CA/B BR §7.1.4.2.1), if it is.
pub fn wildcard_problem(dns: &str) -> Option<&'static str> {
    if !dns.contains('*') {
        return None;
    }
    let labels: Vec<&str> = dns.split('.').collect();
    if labels.iter().skip(1).any(|l| l.contains('*')) {
        return Some("a wildcard is only allowed in the leftmost label");
    }
    if labels[0] != "*" {
        return Some("a partial-label wildcard (like 'f*.example.org') is not matched by browsers");
    }
    if labels.len() < 3 {
        return Some("a wildcard directly under a top-level domain matches nothing in browsers");
    }
    None
}

/// Whether a CN is one of the SANs (a DNS name, case-insensitively, or an IP address).
fn cn_in_sans(cn: &str, sans: &[GeneralName]) -> bool {
    let cn_ip: Option<std::net::IpAddr> = cn.parse().ok();
    sans.iter().any(|n| match n {
        GeneralName::DnsName(d) => d.as_str().eq_ignore_ascii_case(cn),
        GeneralName::IpAddress(ip) => cn_ip.is_some_and(|a| match a {
            std::net::IpAddr::V4(v4) => ip.as_bytes() == v4.octets(),
            std::net::IpAddr::V6(v6) => ip.as_bytes() == v6.octets(),
        }),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert_eq!(wildcard_problem("example.org"), None);
        assert_eq!(wildcard_problem("*.example.org"), None);
        assert!(wildcard_problem("f*.example.org").is_some());
        assert!(wildcard_problem("www.*.example.org").is_some());
        assert!(wildcard_problem("*.org").is_some());
    }
}
