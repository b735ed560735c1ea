//! Matching a host name or IP address against a leaf's subjectAltName (RFC 6125): DNS names
//! compare case-insensitively, a wildcard stands for exactly the whole left-most label of a
//! name with at least three labels, and an IP address matches only an iPAddress entry. The
//! subject CN is not used, as browsers and rustls do not use it.

use std::net::IpAddr;

use x509_cert::ext::pkix::name::GeneralName;

/// Whether `host` matches one of `names`.
pub fn matches(host: &str, names: &[GeneralName]) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        let want = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        return names
            .iter()
            .any(|n| matches!(n, GeneralName::IpAddress(o) if o.as_bytes() == want));
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|n| match n {
        GeneralName::DnsName(d) => dns_matches(&host, d.as_str()),
        _ => false,
    })
}

fn dns_matches(host: &str, pattern: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => {
            rest.contains('.')
                && host
                    .split_once('.')
                    .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
        }
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::{Ia5String, OctetString};

    fn dns(s: &str) -> GeneralName {
        GeneralName::DnsName(Ia5String::new(s).unwrap())
    }

    #[test]
    fn dns_and_wildcards() {
        let names = [dns("Example.org"), dns("*.svc.example.org")];
        assert!(matches("example.org", &names));
        assert!(matches("EXAMPLE.org.", &names));
        assert!(matches("api.svc.example.org", &names));
        assert!(!matches("a.b.svc.example.org", &names));
        assert!(!matches("svc.example.org", &names));
        assert!(!matches("www.example.org", &names));
        assert!(!matches("x.com", &[dns("*.com")]));
    }

    #[test]
    fn ip_addresses_match_only_ip_entries() {
        let names = [
            dns("127.0.0.1"),
            GeneralName::IpAddress(
                OctetString::new(vec![0; 15].into_iter().chain([1]).collect::<Vec<u8>>()).unwrap(),
            ),
        ];
        assert!(!matches("127.0.0.1", &names));
        assert!(matches("::1", &names));
        assert!(matches("[::1]", &names));
    }
}
