//! Servers as the network commands (`select`, `connect`, `trust`) name and trust them:
//! `HOST:PORT` parsing and the system's trust anchors.

use anyhow::{Context, bail};

use crate::codec;

/// `HOST:PORT`, `[v6]:PORT`, or `HOST` (port 443).
pub fn parse_target(target: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (h, p) = rest.split_once(']').context("unclosed '[' in address")?;
        (h.to_string(), p.strip_prefix(':'))
    } else {
        match target.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p)),
            _ => (target.to_string(), None),
        }
    };
    if host.is_empty() {
        bail!("'{target}': missing host");
    }
    let port = match port {
        Some(p) => p
            .parse()
            .with_context(|| format!("'{target}': '{p}' is not a port number"))?,
        None => 443,
    };
    Ok((host, port))
}

/// The system's trust anchors (Debian's bundle), or none.
pub fn system_roots() -> Vec<Vec<u8>> {
    let Ok(bytes) =
        crate::fsio::read_input(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt"))
    else {
        return vec![];
    };
    codec::pem::decode(&bytes, None)
        .map(|ks| {
            ks.entries
                .iter()
                .flat_map(|e| e.certificates().to_vec())
                .collect()
        })
        .unwrap_or_default()
}
