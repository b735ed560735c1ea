//! PEM armor (RFC 7468) as found in the wild: several blocks per file, text between blocks
//! (as in `ca-certificates.crt` or `openssl x509 -text` output), CRLF line endings, and the
//! legacy `Proc-Type`/`DEK-Info` headers of OpenSSL's traditional encrypted keys.
//!
//! Hand-written because `pem-rfc7468` is strict by design: it rejects headers and requires
//! a single block, which is right for writing and wrong for reading what users have.

use base64ct::{Base64, Encoding};

/// One `-----BEGIN label-----` … `-----END label-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    /// `Name: value` header lines (only legacy encrypted keys have them).
    pub headers: Vec<(String, String)>,
    pub der: Vec<u8>,
    /// 1-based line of the BEGIN line, for error messages.
    pub line: usize,
}

impl PemBlock {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `DEK-Info` header (cipher and IV) of a key in OpenSSL's legacy encrypted form.
    pub fn legacy_dek_info(&self) -> Option<&str> {
        self.header("DEK-Info")
    }

    /// Whether the block is a key in OpenSSL's legacy encrypted form (`Proc-Type:
    /// 4,ENCRYPTED` with `DEK-Info`). The one rule, that of the code that decrypts it: a
    /// `DEK-Info` header is present ([`PemBlock::legacy_dek_info`]).
    pub fn is_legacy_encrypted(&self) -> bool {
        self.legacy_dek_info().is_some()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PemError {
    #[error("PEM block '{label}' starting at line {line} has no END line (truncated file?)")]
    Unterminated { label: String, line: usize },
    #[error("PEM block '{label}' at line {line} has invalid base64")]
    BadBase64 { label: String, line: usize },
    #[error("PEM block at line {line}: END label '{end}' does not match BEGIN label '{begin}'")]
    LabelMismatch {
        begin: String,
        end: String,
        line: usize,
    },
}

/// Whether the bytes look like PEM text (a BEGIN line somewhere).
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Parses every PEM block in `text`, ignoring anything between blocks.
pub fn parse_all(bytes: &[u8]) -> Result<Vec<PemBlock>, PemError> {
    let text = String::from_utf8_lossy(bytes);
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((idx, line)) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|r| r.strip_suffix("-----"))
        else {
            continue;
        };
        let label = label.to_string();
        let begin_line = idx + 1;
        let mut headers = Vec::new();
        let mut body = String::new();
        let mut in_headers = true;
        let mut ended = false;
        for (_, l) in lines.by_ref() {
            let l = l.trim();
            if let Some(end) = l
                .strip_prefix("-----END ")
                .and_then(|r| r.strip_suffix("-----"))
            {
                if end != label {
                    return Err(PemError::LabelMismatch {
                        begin: label,
                        end: end.to_string(),
                        line: begin_line,
                    });
                }
                ended = true;
                break;
            }
            if in_headers {
                if let Some((name, value)) = l.split_once(':')
                    && !name.contains(' ')
                    && !name.is_empty()
                {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                    continue;
                }
                in_headers = false;
                if l.is_empty() {
                    continue;
                }
            }
            body.push_str(l);
        }
        if !ended {
            return Err(PemError::Unterminated {
                label,
                line: begin_line,
            });
        }
        let der = Base64::decode_vec(&body).map_err(|_| PemError::BadBase64 {
            label: label.clone(),
            line: begin_line,
        })?;
        blocks.push(PemBlock {
            label,
            headers,
            der,
            line: begin_line,
        });
    }
    Ok(blocks)
}

/// The DER of one object from a file that holds it as PEM or as DER: when `bytes` look like
/// PEM, the first block labelled `label` (`None` when there is none); otherwise the bytes
/// themselves, taken as DER. Callers word their own errors.
pub fn first_der(bytes: &[u8], label: &str) -> Result<Option<Vec<u8>>, PemError> {
    if !looks_like_pem(bytes) {
        return Ok(Some(bytes.to_vec()));
    }
    Ok(parse_all(bytes)?
        .into_iter()
        .find(|b| b.label == label)
        .map(|b| b.der))
}

/// Encodes one block with 64-column lines and a trailing newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    encode_with_headers(label, &[], der)
}

/// Encodes one block with RFC 1421 header lines (`Proc-Type`, `DEK-Info` of OpenSSL's
/// legacy encrypted keys) and the blank line after them, as OpenSSL writes such a block.
pub fn encode_with_headers(label: &str, headers: &[(String, String)], der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    }
    if !headers.is_empty() {
        out.push('\n');
    }
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_blocks_between_text_and_headers() {
        let der = vec![1u8, 2, 3, 4, 5];
        let mut text = String::from("subject=CN=x\r\n");
        text.push_str(&encode("CERTIFICATE", &der).replace('\n', "\r\n"));
        text.push_str("junk\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n-----END RSA PRIVATE KEY-----\n");
        let blocks = parse_all(text.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].der, der);
        assert_eq!(blocks[1].header("DEK-Info"), Some("AES-128-CBC,00"));
        assert_eq!(blocks[1].der, vec![1, 2, 3]);
        // Written again, the headered block reads back the same.
        let again = encode_with_headers(&blocks[1].label, &blocks[1].headers, &blocks[1].der);
        assert!(again.contains("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n"));
        assert_eq!(
            parse_all(again.as_bytes()).unwrap()[0],
            PemBlock {
                line: 1,
                ..blocks[1].clone()
            }
        );
    }

    #[test]
    fn first_der_takes_the_labelled_block_or_the_bytes() {
        let mut text = encode("X509 CRL", &[1, 2]);
        text.push_str(&encode("CERTIFICATE", &[3, 4]));
        text.push_str(&encode("CERTIFICATE", &[5, 6]));
        assert_eq!(
            first_der(text.as_bytes(), "CERTIFICATE"),
            Ok(Some(vec![3, 4]))
        );
        assert_eq!(first_der(text.as_bytes(), "X509 CRL"), Ok(Some(vec![1, 2])));
        assert_eq!(first_der(text.as_bytes(), "PRIVATE KEY"), Ok(None));
        assert_eq!(
            first_der(&[0x30, 0], "CERTIFICATE"),
            Ok(Some(vec![0x30, 0]))
        );
        let cut = &text[..text.len() - 10];
        assert!(matches!(
            first_der(cut.as_bytes(), "CERTIFICATE"),
            Err(PemError::Unterminated { .. })
        ));
    }

    #[test]
    fn legacy_encryption_is_told_by_dek_info() {
        let block = |headers: &[(&str, &str)]| PemBlock {
            label: "RSA PRIVATE KEY".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            der: vec![1, 2, 3],
            line: 1,
        };
        let both = block(&[("Proc-Type", "4,ENCRYPTED"), ("DEK-Info", "AES-128-CBC,00")]);
        assert!(both.is_legacy_encrypted());
        assert_eq!(both.legacy_dek_info(), Some("AES-128-CBC,00"));
        assert!(block(&[("dek-info", "AES-128-CBC,00")]).is_legacy_encrypted());
        assert!(!block(&[("Proc-Type", "4,ENCRYPTED")]).is_legacy_encrypted());
        assert!(!block(&[]).is_legacy_encrypted());
    }

    #[test]
    fn truncated_and_bad_blocks_are_errors() {
        let pem = encode("CERTIFICATE", &[9; 100]);
        let cut = &pem[..pem.len() / 2];
        assert!(matches!(
            parse_all(cut.as_bytes()),
            Err(PemError::Unterminated { .. })
        ));
        let bad = "-----BEGIN X-----\n!!!!\n-----END X-----\n";
        assert!(matches!(
            parse_all(bad.as_bytes()),
            Err(PemError::BadBase64 { .. })
        ));
        let mism = "-----BEGIN X-----\nAQID\n-----END Y-----\n";
        assert!(matches!(
            parse_all(mism.as_bytes()),
            Err(PemError::LabelMismatch { .. })
        ));
    }
}
