//! The `--ca-names FILE` input: the CA names a server accepts, given as certificates
//! (PEM or DER: their subjects), as DNs one per line (RFC 4514 with or without spaces after
//! commas, as Java prints them; or OpenSSL's `C = US, O = Acme` form), or as the
//! "Acceptable client certificate CA names" block copied from `openssl s_client` output.
//! A file that yields no name (empty, only comments, only a CSR) is an error, not "any CA":
//! only s_client's explicit "No client certificate CA names sent" means any CA.

use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::pem;
use crate::pki::name;

#[derive(Debug, thiserror::Error)]
pub enum CaNamesError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error(transparent)]
    Pem(#[from] pem::PemError),
    #[error("certificate {index}: {reason}")]
    Cert { index: usize, reason: String },
    #[error("no CA name found (give certificates, DNs one per line, or openssl s_client output)")]
    NoNames,
}

const S_CLIENT_HEADER: &str = "Acceptable client certificate CA names";

/// Parses the file into DER-encoded names (empty: the server accepts any CA, which only
/// s_client's "No client certificate CA names sent" says).
pub fn parse(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CaNamesError> {
    let names = parse_names(bytes)?;
    if names.is_empty() && !String::from_utf8_lossy(bytes).contains(S_CLIENT_NONE) {
        return Err(CaNamesError::NoNames);
    }
    Ok(names)
}

const S_CLIENT_NONE: &str = "No client certificate CA names sent";

fn parse_names(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CaNamesError> {
    if pem::looks_like_pem(bytes) && !String::from_utf8_lossy(bytes).contains(S_CLIENT_HEADER) {
        let mut out = Vec::new();
        for (i, block) in pem::parse_all(bytes)?.iter().enumerate() {
            if block.label.contains("CERTIFICATE") && !block.label.contains("REQUEST") {
                out.push(subject_of(&block.der, i + 1)?);
            }
        }
        return Ok(out);
    }
    if bytes.first() == Some(&0x30) {
        return Ok(vec![subject_of(bytes, 1)?]);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| CaNamesError::Line {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        reason: "not UTF-8 text, a certificate or a PEM file".into(),
    })?;
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let selected: Vec<(usize, &str)> =
        match lines.iter().position(|(_, l)| l.contains(S_CLIENT_HEADER)) {
            Some(start) => lines[start + 1..]
                .iter()
                .take_while(|(_, l)| !is_s_client_end(l))
                .copied()
                .collect(),
            None => lines,
        };
    let mut out = Vec::new();
    for (n, raw) in selected {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(S_CLIENT_NONE) {
            continue;
        }
        let parsed = if line.contains(" = ") {
            name::parse_dn_oneline(line)
        } else {
            name::parse_dn(line)
        };
        let parsed = parsed.map_err(|e| CaNamesError::Line {
            line: n,
            reason: e.to_string(),
        })?;
        out.push(parsed.to_der().map_err(|e| CaNamesError::Line {
            line: n,
            reason: e.to_string(),
        })?);
    }
    Ok(out)
}

fn is_s_client_end(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("Client Certificate Types")
        || l.starts_with("Requested Signature Algorithms")
        || l.starts_with("Shared Requested")
        || l.starts_with("---")
}

fn subject_of(der: &[u8], index: usize) -> Result<Vec<u8>, CaNamesError> {
    let cert = Certificate::from_der(der).map_err(|e| CaNamesError::Cert {
        index,
        reason: e.to_string(),
    })?;
    let _ = cert;
    crate::pki::signed::cert_issuer_subject(der)
        .map(|(_, s)| s.to_vec())
        .ok_or_else(|| CaNamesError::Cert {
            index,
            reason: "truncated certificate".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(names: &[Vec<u8>]) -> Vec<String> {
        names
            .iter()
            .map(|d| name::to_rfc4514(&x509_cert::name::Name::from_der(d).unwrap()))
            .collect()
    }

    #[test]
    fn s_client_block_is_extracted() {
        let out = "CONNECTED(00000003)\n---\nAcceptable client certificate CA names\nC = US, O = \"Acme, Inc.\", CN = Acme Test CA\nCN = localhost\nClient Certificate Types: RSA sign\nRequested Signature Algorithms: ECDSA+SHA256\n";
        assert_eq!(
            texts(&parse(out.as_bytes()).unwrap()),
            vec!["CN=Acme Test CA,O=Acme\\, Inc.,C=US", "CN=localhost"]
        );
        let none =
            "Acceptable client certificate CA names\nNo client certificate CA names sent\n---\n";
        assert!(parse(none.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn dn_lines_with_and_without_spaces() {
        let t = "# trusted\nCN=Root CA, O=Acme, C=US\n\nCN=Other,O=X\n";
        assert_eq!(
            texts(&parse(t.as_bytes()).unwrap()),
            vec!["CN=Root CA,O=Acme,C=US", "CN=Other,O=X"]
        );
        assert!(matches!(parse(b""), Err(CaNamesError::NoNames)));
        assert!(matches!(
            parse(b"  \n\n# only\n"),
            Err(CaNamesError::NoNames)
        ));
        let csr = b"-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n";
        assert!(matches!(parse(csr), Err(CaNamesError::NoNames)));
    }

    #[test]
    fn garbage_names_the_line() {
        let e = parse(b"CN=ok\nthis is not a DN\n").unwrap_err().to_string();
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(parse(&[0x30, 0x03, 1, 2, 3]).is_err());
        assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
    }
}
