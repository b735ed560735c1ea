//! Subject alternative names: parsing `dns:`, `ip:`, `email:`, `uri:` items (or bare names,
//! classified the way mkcert does), and rendering general names for display.

use std::net::IpAddr;

use der::asn1::{Ia5String, OctetString};
use x509_cert::ext::pkix::name::GeneralName;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SanError {
    #[error("invalid SAN '{item}': {reason}")]
    Invalid { item: String, reason: String },
}

fn invalid(item: &str, reason: &str) -> SanError {
    SanError::Invalid {
        item: item.to_string(),
        reason: reason.to_string(),
    }
}

fn ia5(item: &str, value: &str) -> Result<Ia5String, SanError> {
    Ia5String::new(value)
        .map_err(|_| invalid(item, "only ASCII is allowed (use punycode for IDNs)"))
}

fn dns(item: &str, name: &str) -> Result<GeneralName, SanError> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let rest = name.strip_prefix("*.").unwrap_or(name);
    if name.is_empty() || name.len() > 253 || !rest.split('.').all(label_ok) {
        return Err(invalid(item, "not a valid DNS name"));
    }
    Ok(GeneralName::DnsName(ia5(item, name)?))
}

/// Whether a name a CSR asks for is one a CA may certify: a DNS name must be a valid
/// (possibly wildcard) host name, and no text name may hold a control character. Returns
/// what is wrong, without echoing the name (it may be built to corrupt a terminal).
pub fn check_requested(name: &GeneralName) -> Result<(), &'static str> {
    let has_control = |s: &str| s.chars().any(|c| c.is_control());
    match name {
        GeneralName::DnsName(d) if has_control(d.as_str()) => {
            Err("a DNS name holds a control character")
        }
        GeneralName::DnsName(d) => dns(d.as_str(), d.as_str())
            .map(|_| ())
            .map_err(|_| "a DNS name is not a valid host name"),
        GeneralName::Rfc822Name(e) if has_control(e.as_str()) => {
            Err("an e-mail address holds a control character")
        }
        GeneralName::UniformResourceIdentifier(u) if has_control(u.as_str()) => {
            Err("a URI holds a control character")
        }
        _ => Ok(()),
    }
}

fn email(item: &str, addr: &str) -> Result<GeneralName, SanError> {
    match addr.split_once('@') {
        Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => {
            Ok(GeneralName::Rfc822Name(ia5(item, addr)?))
        }
        _ => Err(invalid(item, "not an e-mail address")),
    }
}

fn ip(item: &str, text: &str) -> Result<GeneralName, SanError> {
    let addr: IpAddr = text
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| invalid(item, "not an IP address"))?;
    let bytes = match addr {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    };
    Ok(GeneralName::IpAddress(
        OctetString::new(bytes).map_err(|_| invalid(item, "not an IP address"))?,
    ))
}

fn uri(item: &str, text: &str) -> Result<GeneralName, SanError> {
    match text.split_once(':') {
        Some((scheme, rest))
            if !scheme.is_empty()
                && !rest.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Ok(GeneralName::UniformResourceIdentifier(ia5(item, text)?))
        }
        _ => Err(invalid(item, "not a URI (expected scheme:...)")),
    }
}

/// Parses one `type:value` item (`dns:`, `ip:`, `email:`, `uri:`).
pub fn parse_item(item: &str) -> Result<GeneralName, SanError> {
    let (kind, value) = item
        .split_once(':')
        .ok_or_else(|| invalid(item, "expected dns:, ip:, email: or uri:"))?;
    match kind.to_ascii_lowercase().as_str() {
        "dns" => dns(item, value),
        "ip" => ip(item, value),
        "email" => email(item, value),
        "uri" => uri(item, value),
        _ => Err(invalid(item, "expected dns:, ip:, email: or uri:")),
    }
}

/// Parses a comma-separated `--san` list.
pub fn parse_list(list: &str) -> Result<Vec<GeneralName>, SanError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_item)
        .collect()
}

/// Classifies a bare name as mkcert does: IP address, e-mail (has '@'), URI (has "://"),
/// else DNS name (wildcards allowed).
pub fn classify(name: &str) -> Result<GeneralName, SanError> {
    if name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
    {
        ip(name, name)
    } else if name.contains("://") {
        uri(name, name)
    } else if name.contains('@') {
        email(name, name)
    } else {
        dns(name, name)
    }
}

/// Display form, as OpenSSL prints it: `DNS:x`, `IP Address:1.2.3.4`, `email:a@b`, `URI:u`.
pub fn display(name: &GeneralName) -> String {
    match name {
        GeneralName::DnsName(s) => format!("DNS:{}", s.as_str()),
        GeneralName::Rfc822Name(s) => format!("email:{}", s.as_str()),
        GeneralName::UniformResourceIdentifier(s) => format!("URI:{}", s.as_str()),
        GeneralName::IpAddress(o) => format!("IP Address:{}", ip_text(o.as_bytes())),
        GeneralName::DirectoryName(n) => format!("DirName:{}", super::name::to_rfc4514(n)),
        GeneralName::RegisteredId(oid) => format!("Registered ID:{oid}"),
        GeneralName::OtherName(o) => format!("othername:{}", o.type_id),
        GeneralName::EdiPartyName(_) => "EdiPartyName".into(),
    }
}

pub(crate) fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(bytes).unwrap_or_default()).to_string(),
        16 => IpAddr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default()).to_string(),
        // Name constraints carry address + mask.
        8 | 32 => {
            let (a, m) = bytes.split_at(bytes.len() / 2);
            format!("{}/{}", ip_text(a), ip_text(m))
        }
        _ => super::name::hex_lower(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        let l = parse_list(
            "dns:example.org, ip:127.0.0.1,ip:::1,email:a@b.c,uri:spiffe://x/y,dns:*.x.org",
        )
        .unwrap();
        let shown: Vec<String> = l.iter().map(display).collect();
        assert_eq!(
            shown,
            vec![
                "DNS:example.org",
                "IP Address:127.0.0.1",
                "IP Address:::1",
                "email:a@b.c",
                "URI:spiffe://x/y",
                "DNS:*.x.org"
            ]
        );
    }

    #[test]
    fn rejects_bad_items() {
        for bad in [
            "dns:",
            "dns:a..b",
            "ip:300.1.1.1",
            "email:nope",
            "uri:nocolon",
            "x:y",
            "plain",
        ] {
            assert!(parse_item(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn classifies_bare_names() {
        assert!(matches!(
            classify("10.0.0.1"),
            Ok(GeneralName::IpAddress(_))
        ));
        assert!(matches!(classify("::1"), Ok(GeneralName::IpAddress(_))));
        assert!(matches!(
            classify("me@x.org"),
            Ok(GeneralName::Rfc822Name(_))
        ));
        assert!(matches!(
            classify("https://x.org/"),
            Ok(GeneralName::UniformResourceIdentifier(_))
        ));
        assert!(matches!(classify("*.x.org"), Ok(GeneralName::DnsName(_))));
    }
}
