//! Servers as the network commands (`select`, `connect`, `trust`) name and trust them:
//! `HOST:PORT` parsing, the SNI really sent, and the trust anchors a server is verified
//! with (`--truststore` or the platform's), failing closed when there are none.

use std::path::Path;

use anyhow::{Context, bail};

use super::exit::{self, ExitError};
use super::pass::PassArg;
use super::render::escape;
use super::stores::{integrity_warning, load_store};
use crate::probe::{self, anchors};
use crate::store::Format;

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

/// "SNI name" or "no SNI (IP address)", as the ClientHello really carries it.
pub fn sni_text(server_name: &str) -> String {
    match probe::sni_for(server_name) {
        Some(name) => format!("SNI {}", escape(name)),
        None => "no SNI (IP address)".into(),
    }
}

/// Trust anchors from `--truststore` (every certificate in any store format) or the
/// platform. Skipped certificates and store integrity problems are warned about here.
pub fn trust_anchors(
    path: Option<&Path>,
    pass: Option<&String>,
) -> anyhow::Result<anchors::Anchors> {
    let found = match path {
        None => anchors::system(),
        Some(path) => {
            let loaded = load_store(
                path,
                &PassArg {
                    pass: pass.cloned(),
                },
            )?;
            if loaded.format == Format::Pkcs12 && !loaded.info.integrity_checked {
                eprintln!(
                    "warning: {}: PKCS#12 without integrity check (no MAC): anyone who can write the file decides what is trusted",
                    path.display()
                );
            } else if let Some(w) = integrity_warning(path, &loaded) {
                eprintln!("warning: {w}");
            }
            let certs = loaded
                .store
                .entries
                .iter()
                .flat_map(|e| e.certificates().to_vec())
                .collect();
            anchors::usable(certs, &path.display().to_string())
        }
    };
    for w in &found.warnings {
        eprintln!("warning: {}", escape(w));
    }
    Ok(found)
}

/// The exit-7 error for "nothing to verify the server with".
pub fn no_anchors_error(target: &str, truststore: Option<&Path>) -> anyhow::Error {
    let origin = match truststore {
        Some(p) => format!("{} holds no usable certificate", p.display()),
        None => "no system trust anchors were found (SSL_CERT_FILE, SSL_CERT_DIR and the usual bundle locations)".into(),
    };
    ExitError {
        code: exit::HANDSHAKE_FAILED,
        message: format!(
            "cannot verify {target}: {origin}; give --truststore FILE holding the CA that issued the server's certificate, or --insecure to connect without verifying it"
        ),
    }
    .into()
}
