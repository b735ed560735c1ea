//! Live checks (`--connect HOST:PORT`): one handshake through `probe` (as `connect` does,
//! without trust anchors so that any chain is recorded), then the served chain goes
//! through the same validity, chain and name rules as a file, plus two live rules: the
//! leaf must name the host, and when the server asks for a client certificate, at least
//! one key entry among the files checked must chain to a CA it accepts.

use std::path::Path;
use std::time::Duration;

use x509_cert::ext::pkix::name::GeneralName;

use super::model::{Cert, Group, GroupKind, Loaded, Pool};
use super::{Finding, Options, Severity};
use crate::pki::name::AcceptedName;
use crate::probe::{self, ProbeOptions, ServerTrust};

/// A server to check.
#[derive(Debug, Clone)]
pub struct LiveTarget {
    pub host: String,
    pub port: u16,
}

pub fn check(
    t: &LiveTarget,
    files: &[Loaded],
    lookup: &Pool<'_>,
    opts: &Options<'_>,
    out: &mut Vec<Finding>,
) {
    let label = format!("{}:{}", t.host, t.port);
    let at = Path::new(&label);
    let record = match probe::handshake(ProbeOptions {
        host: &t.host,
        port: t.port,
        server_name: &t.host,
        timeout: Duration::from_secs(10),
        trust: ServerTrust::Report(vec![]),
        chooser: None,
        verdict_grace: None,
    }) {
        Ok(r) => r,
        Err(e) => {
            out.push(Finding::new(
                Severity::Error,
                "live.unreachable",
                at,
                e.to_string(),
            ));
            return;
        }
    };
    if record.server_chain.is_empty() {
        out.push(Finding::new(
            Severity::Error,
            "live.unreachable",
            at,
            format!(
                "no certificate received: {}",
                record
                    .failure
                    .as_deref()
                    .unwrap_or("the handshake stopped early")
            ),
        ));
        return;
    }
    let certs: Vec<std::sync::Arc<Cert>> = record
        .server_chain
        .iter()
        .filter_map(|d| Cert::parse(d).map(std::sync::Arc::new))
        .collect();
    let served = Loaded::detached(
        at,
        Group {
            alias: None,
            kind: GroupKind::Chain,
            certs,
            key: None,
        },
    );
    let g = &served.groups[0];
    super::validity::check_group(&served, g, opts, out);
    super::chain::check_group(&served, g, lookup, out);
    super::names::check_group(&served, g, out);
    if let Some(leaf) = g.certs.first()
        && !names_host(leaf, &t.host)
    {
        out.push(Finding::new(
            Severity::Error,
            "live.hostname-mismatch",
            at,
            format!(
                "the server's certificate '{}' does not name {} in its subjectAltName",
                leaf.subject, t.host
            ),
        ));
    }
    if let Some(req) = &record.certificate_request
        && !req.ca_names.is_empty()
    {
        // Each accepted name's key once; each certificate's names keyed at most once.
        let accepted: Vec<AcceptedName> =
            req.ca_names.iter().map(|d| AcceptedName::new(d)).collect();
        let offered = files.iter().flat_map(|f| &f.groups).any(|g| {
            g.kind == GroupKind::KeyEntry
                && g.certs.iter().any(|c| {
                    c.facts.as_ref().is_some_and(|f| {
                        let (mut issuer, mut subject) = (None, None);
                        accepted.iter().any(|n| {
                            n.matches(&f.issuer, &mut issuer) || n.matches(&f.subject, &mut subject)
                        })
                    })
                })
        });
        if !offered {
            let names: Vec<String> = req
                .ca_names
                .iter()
                .map(|n| {
                    der::Decode::from_der(n)
                        .map(|n: x509_cert::name::Name| crate::pki::name::to_rfc4514(&n))
                        .unwrap_or_else(|_| "(unparsable name)".into())
                })
                .collect();
            out.push(
                Finding::new(
                    Severity::Error,
                    "live.no-identity",
                    at,
                    format!(
                        "the server asks for a client certificate from {}; no key entry checked chains to one, so none would be offered",
                        names.join("; ")
                    ),
                )
                .fix(format!("keychest select {label} --store STORE --pass SRC (shows why each entry is refused)")),
            );
        }
    }
}

/// RFC 6125 matching of the host against the leaf's SANs (DNS with a leftmost wildcard,
/// or an IP address).
fn names_host(leaf: &Cert, host: &str) -> bool {
    let ip: Option<std::net::IpAddr> = host.trim_matches(['[', ']']).parse().ok();
    leaf.sans.iter().flatten().any(|n| match (n, ip) {
        (GeneralName::IpAddress(a), Some(std::net::IpAddr::V4(v4))) => a.as_bytes() == v4.octets(),
        (GeneralName::IpAddress(a), Some(std::net::IpAddr::V6(v6))) => a.as_bytes() == v6.octets(),
        (GeneralName::DnsName(d), None) => dns_matches(d.as_str(), host),
        _ => false,
    })
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    let h = h.trim_end_matches('.');
    match p.strip_prefix("*.") {
        Some(rest) => h
            .split_once('.')
            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
        None => p == h,
    }
}

#[cfg(test)]
mod tests {
    use super::dns_matches;

    #[test]
    fn host_matching() {
        assert!(dns_matches("example.org", "EXAMPLE.org"));
        assert!(dns_matches("*.example.org", "www.example.org"));
        assert!(!dns_matches("*.example.org", "a.b.example.org"));
        assert!(!dns_matches("*.example.org", "example.org"));
    }
}
