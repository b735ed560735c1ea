//! Name constraints (RFC 5280 §4.2.1.10): the user's forms (`.test`, `localhost`,
//! `127.0.0.0/8`, `@example.test`), the critical extension's DER, reading it back from a
//! certificate, and checking a certificate's names against every CA of a chain.
//!
//! Only dNSName, iPAddress and rfc822Name subtrees are written or checked: they are what a
//! TLS test PKI names. Other kinds found in a certificate are shown but not enforced here.
//! Matching follows RFC 5280 and the reading browsers, OpenSSL and Go share: `example.test`
//! covers that name and every name below it; a leading dot (`.test`) covers only names
//! below it.

use std::net::IpAddr;

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use super::{name, oids, san};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConstraintError {
    #[error("invalid name constraint '{item}': {reason}")]
    Invalid { item: String, reason: String },
    #[error("malformed nameConstraints extension: {0}")]
    Malformed(String),
    #[error(
        "{name} is not allowed by the name constraints of CA '{ca}': {why} (see 'keychest show' on the CA)"
    )]
    Violation {
        name: String,
        ca: String,
        why: String,
    },
}

fn invalid(item: &str, reason: &str) -> ConstraintError {
    ConstraintError::Invalid {
        item: item.to_string(),
        reason: reason.to_string(),
    }
}

/// A CA's name constraints, as general names (IP subtrees are address + mask).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    pub permitted: Vec<GeneralName>,
    pub excluded: Vec<GeneralName>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.permitted.is_empty() && self.excluded.is_empty()
    }

    /// Parses `--permit` and `--exclude` items (see [`parse`]).
    pub fn from_forms(permit: &[String], exclude: &[String]) -> Result<Self, ConstraintError> {
        let all = |items: &[String]| -> Result<Vec<GeneralName>, ConstraintError> {
            items
                .iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(parse)
                .collect()
        };
        Ok(Constraints {
            permitted: all(permit)?,
            excluded: all(exclude)?,
        })
    }

    /// The critical nameConstraints extension.
    pub fn extension(&self) -> Result<Extension, ConstraintError> {
        let subtrees = |names: &[GeneralName]| {
            (!names.is_empty()).then(|| {
                names
                    .iter()
                    .map(|n| GeneralSubtree {
                        base: n.clone(),
                        minimum: 0,
                        maximum: None,
                    })
                    .collect()
            })
        };
        let nc = NameConstraints {
            permitted_subtrees: subtrees(&self.permitted),
            excluded_subtrees: subtrees(&self.excluded),
        };
        let enc = |e: der::Error| ConstraintError::Malformed(e.to_string());
        Ok(Extension {
            extn_id: oids::EXT_NAME_CONSTRAINTS,
            // RFC 5280 §4.2.1.10: conforming CAs MUST mark this extension as critical.
            critical: true,
            extn_value: OctetString::new(nc.to_der().map_err(enc)?).map_err(enc)?,
        })
    }

    /// The display forms (`DNS:.test`, `IP:127.0.0.0/8`, `email:@example.test`).
    pub fn display(names: &[GeneralName]) -> Vec<String> {
        names.iter().map(display).collect()
    }
}

fn ia5(item: &str, v: &str) -> Result<Ia5String, ConstraintError> {
    Ia5String::new(v).map_err(|_| invalid(item, "only ASCII is allowed (use punycode for IDNs)"))
}

fn dns_ok(name: &str) -> bool {
    let rest = name.strip_prefix('.').unwrap_or(name);
    !rest.is_empty()
        && rest.len() <= 253
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn ip_range(item: &str, text: &str) -> Result<GeneralName, ConstraintError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| invalid(item, "not an IP address or CIDR range"))?;
    let mut bytes = match addr {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    };
    let bits = bytes.len() * 8;
    let prefix: usize = match prefix {
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| *p <= bits)
            .ok_or_else(|| invalid(item, &format!("prefix length must be 0..={bits}")))?,
        None => bits,
    };
    let mask: Vec<u8> = (0..bytes.len())
        .map(|i| {
            let on = prefix.saturating_sub(i * 8).min(8);
            (0xffu16 << (8 - on)) as u8
        })
        .collect();
    if bytes.iter().zip(&mask).any(|(b, m)| b & !m != 0) {
        return Err(invalid(
            item,
            "address has bits set outside the prefix (write the network address)",
        ));
    }
    bytes.extend_from_slice(&mask);
    Ok(GeneralName::IpAddress(
        OctetString::new(bytes).map_err(|e| invalid(item, &e.to_string()))?,
    ))
}

fn email(item: &str, v: &str) -> Result<GeneralName, ConstraintError> {
    // `@example.test` (every mailbox at that host), `.example.test` (below it), or one mailbox.
    let form = v.strip_prefix('@').unwrap_or(v);
    let host = form.rsplit_once('@');
    let ok = match host {
        Some((local, h)) => !local.is_empty() && !local.contains('@') && dns_ok(h),
        None => dns_ok(form),
    };
    if !ok {
        return Err(invalid(item, "not an e-mail address or domain"));
    }
    Ok(GeneralName::Rfc822Name(ia5(item, form)?))
}

/// Parses one constraint: `dns:NAME`, `ip:ADDR[/PREFIX]`, `email:DOMAIN|@DOMAIN|ADDRESS`,
/// or the bare forms: a CIDR range or address (IP), `@domain` or `user@domain` (e-mail),
/// anything else a DNS name (`.test` = below test; `host.test` = it and below).
pub fn parse(item: &str) -> Result<GeneralName, ConstraintError> {
    if let Some((kind, v)) = item.split_once(':')
        && ["dns", "ip", "email"].contains(&kind.to_ascii_lowercase().as_str())
    {
        return match kind.to_ascii_lowercase().as_str() {
            "dns" if dns_ok(v) => Ok(GeneralName::DnsName(ia5(item, &v.to_ascii_lowercase())?)),
            "dns" => Err(invalid(item, "not a DNS name or .suffix")),
            "ip" => ip_range(item, v),
            _ => email(item, v),
        };
    }
    let addr_part = item.split('/').next().unwrap_or(item);
    if addr_part
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
    {
        ip_range(item, item)
    } else if item.contains('@') {
        email(item, item)
    } else if dns_ok(item) {
        Ok(GeneralName::DnsName(ia5(item, &item.to_ascii_lowercase())?))
    } else {
        Err(invalid(
            item,
            "expected a DNS name or .suffix, an IP range (127.0.0.0/8), or an e-mail domain (@example.test)",
        ))
    }
}

/// Display form of a constraint: CIDR for IP ranges.
pub fn display(n: &GeneralName) -> String {
    match n {
        GeneralName::IpAddress(o) if matches!(o.as_bytes().len(), 8 | 32) => {
            let b = o.as_bytes();
            let (a, m) = b.split_at(b.len() / 2);
            let ones: u32 = m.iter().map(|x| x.count_ones()).sum();
            format!("IP:{}/{ones}", san::ip_text(a))
        }
        other => san::display(other),
    }
}

/// The subtrees a local test PKI serves: `localhost` and below, `.localhost`, `.test`,
/// `.internal` (names reserved for private use, RFC 6761 and ICANN 2024), loopback
/// addresses, plus each of `hosts` (a DNS name, or an IP address as a single-address range).
pub fn local_defaults(hosts: &[GeneralName]) -> Constraints {
    let mut permitted: Vec<GeneralName> = ["localhost", ".localhost", ".test", ".internal"]
        .iter()
        .filter_map(|d| Ia5String::new(d).ok().map(GeneralName::DnsName))
        .collect();
    for ip in ["127.0.0.0/8", "::1/128"] {
        if let Ok(g) = parse(ip) {
            permitted.push(g);
        }
    }
    for h in hosts {
        let g = match h {
            GeneralName::DnsName(d) => {
                // A wildcard's subtree is its parent: `*.dev.test` needs `.dev.test`.
                let s = d.as_str().to_ascii_lowercase();
                let s = s.strip_prefix('*').unwrap_or(&s).to_string();
                Ia5String::new(&s).ok().map(GeneralName::DnsName)
            }
            // A single-address range: the address, then an all-ones mask.
            GeneralName::IpAddress(o) if matches!(o.as_bytes().len(), 4 | 16) => {
                let mut range = o.as_bytes().to_vec();
                range.resize(range.len() * 2, 0xff);
                OctetString::new(range).ok().map(GeneralName::IpAddress)
            }
            _ => None,
        };
        if let Some(g) = g
            && !permitted.iter().any(|p| covers(p, &g))
        {
            permitted.push(g);
        }
    }
    Constraints {
        permitted,
        excluded: Vec::new(),
    }
}

/// Whether subtree `outer` already contains subtree `inner` (same kind).
fn covers(outer: &GeneralName, inner: &GeneralName) -> bool {
    match (outer, inner) {
        (GeneralName::DnsName(o), GeneralName::DnsName(i)) => {
            let i = i.as_str();
            dns_matches(i.strip_prefix('.').unwrap_or(i), o.as_str())
                && (!o.as_str().starts_with('.') || i.len() > o.as_str().len())
        }
        (GeneralName::IpAddress(o), GeneralName::IpAddress(i)) => {
            let (ib, ob) = (i.as_bytes(), o.as_bytes());
            ib.len() == ob.len()
                && ip_matches(&ib[..ib.len() / 2], ob)
                && ib[ib.len() / 2..]
                    .iter()
                    .zip(&ob[ob.len() / 2..])
                    .all(|(im, om)| im & om == *om)
        }
        _ => outer == inner,
    }
}

/// Reads the nameConstraints of a DER certificate, if it has them.
pub fn of_certificate(cert_der: &[u8]) -> Result<Option<Constraints>, ConstraintError> {
    let cert =
        Certificate::from_der(cert_der).map_err(|e| ConstraintError::Malformed(e.to_string()))?;
    let Some(ext) = cert
        .tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id == oids::EXT_NAME_CONSTRAINTS))
    else {
        return Ok(None);
    };
    let nc = NameConstraints::from_der(ext.extn_value.as_bytes())
        .map_err(|e| ConstraintError::Malformed(e.to_string()))?;
    Ok(Some(Constraints::from(nc)))
}

/// A parsed nameConstraints extension as its subtrees' base names (minimum and maximum
/// are dropped: RFC 5280 §4.2.1.10 has minimum 0 and maximum absent).
impl From<NameConstraints> for Constraints {
    fn from(nc: NameConstraints) -> Constraints {
        let bases = |t: Option<Vec<GeneralSubtree>>| {
            t.unwrap_or_default()
                .into_iter()
                .map(|s| s.base)
                .collect::<Vec<_>>()
        };
        Constraints {
            permitted: bases(nc.permitted_subtrees),
            excluded: bases(nc.excluded_subtrees),
        }
    }
}

/// RFC 5280 dNSName matching; a leading dot in the constraint means "strictly below".
/// The one subtree rule for DNS names (`ca issue` refusals and `pki::path` validation).
pub fn dns_matches(name: &str, constraint: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let c = constraint.trim_end_matches('.').to_ascii_lowercase();
    if c.is_empty() {
        return true;
    }
    if let Some(below) = c.strip_prefix('.') {
        return name.len() > below.len() + 1 && name.ends_with(&c);
    }
    name == c || (name.len() > c.len() && name.ends_with(&format!(".{c}")))
}

/// Whether a wildcard name `*.S` could stand for a name inside the DNS subtree `constraint`
/// (for excluded subtrees a wildcard that might match is a violation).
fn wildcard_may_match(name: &str, constraint: &str) -> bool {
    let Some(parent) = name.strip_prefix("*.") else {
        return false;
    };
    let c = constraint.trim_start_matches('.');
    dns_matches(name, constraint) || dns_matches(c, &format!(".{parent}"))
}

/// An iPAddress constraint is address + mask (8 bytes for IPv4, 32 for IPv6).
pub fn ip_matches(addr: &[u8], range: &[u8]) -> bool {
    if range.len() != addr.len() * 2 {
        return false;
    }
    let (net, mask) = range.split_at(addr.len());
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

/// `user@host`: that mailbox; `host`: any mailbox at host; `.host`: any mailbox below host.
pub fn email_matches(addr: &str, constraint: &str) -> bool {
    let Some((_, host)) = addr.rsplit_once('@') else {
        return false;
    };
    if constraint.contains('@') {
        // One mailbox: the local part is case-sensitive, the host is not.
        let (cl, ch) = constraint.rsplit_once('@').unwrap_or_default();
        let (al, _) = addr.rsplit_once('@').unwrap_or_default();
        return al == cl && host.eq_ignore_ascii_case(ch);
    }
    if constraint.starts_with('.') {
        return dns_matches(host, constraint);
    }
    host.eq_ignore_ascii_case(constraint)
}

/// Whether `name` lies in the subtree `base`; `None` when they are of different kinds.
fn matches(name: &GeneralName, base: &GeneralName, excluded: bool) -> Option<bool> {
    match (name, base) {
        (GeneralName::DnsName(n), GeneralName::DnsName(c)) => Some(
            dns_matches(n.as_str(), c.as_str())
                || (excluded && wildcard_may_match(n.as_str(), c.as_str())),
        ),
        (GeneralName::IpAddress(n), GeneralName::IpAddress(c)) => {
            Some(ip_matches(n.as_bytes(), c.as_bytes()))
        }
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(c)) => {
            Some(email_matches(n.as_str(), c.as_str()))
        }
        _ => None,
    }
}

fn kind_name(n: &GeneralName) -> &'static str {
    match n {
        GeneralName::DnsName(_) => "DNS names",
        GeneralName::IpAddress(_) => "IP addresses",
        GeneralName::Rfc822Name(_) => "e-mail addresses",
        _ => "names of this kind",
    }
}

impl Constraints {
    /// Checks one name; `ca` names the CA for the error.
    pub fn check(&self, n: &GeneralName, ca: &str) -> Result<(), ConstraintError> {
        let violation = |why: String| ConstraintError::Violation {
            name: san::display(n),
            ca: ca.to_string(),
            why,
        };
        if let Some(e) = self
            .excluded
            .iter()
            .find(|e| matches(n, e, true) == Some(true))
        {
            return Err(violation(format!("excluded by {}", display(e))));
        }
        let same_kind: Vec<&GeneralName> = self
            .permitted
            .iter()
            .filter(|p| matches(n, p, false).is_some())
            .collect();
        if !same_kind.is_empty() && !same_kind.iter().any(|p| matches(n, p, false) == Some(true)) {
            return Err(violation(format!(
                "permitted {} are {}",
                kind_name(n),
                same_kind
                    .iter()
                    .map(|p| display(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(())
    }
}

/// Checks `names` (a new certificate's SANs) against the constraints of every CA in
/// `chain` (DER certificates: the issuing CA, its intermediates, the root), naming the
/// first constraint a name breaks.
pub fn check_chain(
    names: &[GeneralName],
    chain: &[impl AsRef<[u8]>],
) -> Result<(), ConstraintError> {
    for der in chain.iter().map(AsRef::as_ref) {
        let Some(c) = of_certificate(der)? else {
            continue;
        };
        let subject = Certificate::from_der(der)
            .map(|c| name::to_rfc4514(c.tbs_certificate().subject()))
            .unwrap_or_default();
        for n in names {
            c.check(n, &subject)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(permit: &[&str], exclude: &[&str]) -> Constraints {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Constraints::from_forms(&v(permit), &v(exclude)).unwrap()
    }

    fn ok(c: &Constraints, name: &str) -> bool {
        c.check(&san::classify(name).unwrap(), "CN=t").is_ok()
    }

    #[test]
    fn parses_user_forms() {
        let shown: Vec<String> = [
            ".test",
            "Host.Example",
            "127.0.0.0/8",
            "::1/128",
            "10.1.2.3",
            "@example.test",
            "ops@example.test",
            "email:.example.test",
            "dns:localhost",
            "ip:fd00::/8",
        ]
        .iter()
        .map(|f| display(&parse(f).unwrap()))
        .collect();
        assert_eq!(
            shown,
            [
                "DNS:.test",
                "DNS:host.example",
                "IP:127.0.0.0/8",
                "IP:::1/128",
                "IP:10.1.2.3/32",
                "email:example.test",
                "email:ops@example.test",
                "email:.example.test",
                "DNS:localhost",
                "IP:fd00::/8"
            ]
        );
        for bad in [
            "127.0.0.1/8",
            "10.0.0.0/33",
            "a..b",
            "x@",
            "dns:",
            "ip:x",
            "é.test",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dns_subtrees_follow_rfc5280_and_the_leading_dot() {
        let k = c(&["localhost", ".test"], &[]);
        for good in [
            "localhost",
            "a.localhost",
            "x.test",
            "a.b.test",
            "*.x.test",
            "LOCALHOST",
        ] {
            assert!(ok(&k, good), "{good}");
        }
        for bad in [
            "test",
            "example.com",
            "notlocalhost",
            "xtest",
            "localhost.com",
        ] {
            assert!(!ok(&k, bad), "{bad}");
        }
        // A constraint on DNS names only leaves other kinds free.
        assert!(ok(&k, "10.0.0.1"));
    }

    #[test]
    fn ip_and_email_subtrees() {
        let k = c(
            &[
                "127.0.0.0/8",
                "::1/128",
                "@example.test",
                "email:.mail.test",
            ],
            &[],
        );
        assert!(ok(&k, "127.9.9.9"));
        assert!(ok(&k, "::1"));
        assert!(!ok(&k, "128.0.0.1"));
        assert!(!ok(&k, "::2"));
        assert!(ok(&k, "a@example.test"));
        assert!(ok(&k, "a@x.mail.test"));
        assert!(!ok(&k, "a@mail.test"));
        assert!(!ok(&k, "a@sub.example.test"));
    }

    #[test]
    fn excluded_wins_and_wildcards_that_may_match_are_excluded() {
        let k = c(&[".test"], &["secret.test"]);
        assert!(ok(&k, "a.test"));
        assert!(!ok(&k, "secret.test"));
        assert!(!ok(&k, "x.secret.test"));
        assert!(!ok(&k, "*.test"));
        let e = k
            .check(&san::classify("secret.test").unwrap(), "CN=Root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("excluded by DNS:secret.test") && e.contains("CN=Root"),
            "{e}"
        );
    }

    #[test]
    fn violation_names_the_permitted_subtrees() {
        let k = c(&[".test", "10.0.0.0/8"], &[]);
        let e = k
            .check(&san::classify("example.com").unwrap(), "CN=Root")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("DNS:example.com") && e.contains("permitted DNS names are DNS:.test"),
            "{e}"
        );
    }

    #[test]
    fn extension_round_trips_through_a_certificate_decoder() {
        let k = c(&[".test", "127.0.0.0/8"], &["@bad.test"]);
        let ext = k.extension().unwrap();
        assert!(ext.critical);
        let nc = NameConstraints::from_der(ext.extn_value.as_bytes()).unwrap();
        assert_eq!(nc.permitted_subtrees.unwrap().len(), 2);
        assert_eq!(nc.excluded_subtrees.unwrap().len(), 1);
    }

    #[test]
    fn local_defaults_add_hosts_outside_the_defaults_only() {
        let hosts: Vec<GeneralName> = [
            "localhost",
            "api.example",
            "*.dev.example",
            "10.0.0.5",
            "127.0.0.1",
            "x.test",
        ]
        .iter()
        .map(|h| san::classify(h).unwrap())
        .collect();
        let d = local_defaults(&hosts);
        assert_eq!(
            Constraints::display(&d.permitted),
            [
                "DNS:localhost",
                "DNS:.localhost",
                "DNS:.test",
                "DNS:.internal",
                "IP:127.0.0.0/8",
                "IP:::1/128",
                "DNS:api.example",
                "DNS:.dev.example",
                "IP:10.0.0.5/32"
            ]
        );
        for h in &hosts {
            d.check(h, "CN=t").unwrap();
        }
    }
}
