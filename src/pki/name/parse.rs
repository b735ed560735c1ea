//! Building names from text: RFC 4514 (with RFC 2253's `;` and quoted values), OpenSSL's
//! slash form and OpenSSL's "oneline" form, each value encoded with the string type OpenSSL
//! would pick. Errors name the offending part.

use der::asn1::Any;
use der::{Decode, Encode, Tag};
use spki::ObjectIdentifier as Oid;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use super::{NameError, StringKind, attr_by_name, attr_by_oid, attribute_name};

/// One attribute as typed by the user, before encoding.
struct TypedValue {
    oid: Oid,
    kind: StringKind,
    value: ValueText,
}

enum ValueText {
    Text(String),
    /// `#04...`: the value's BER/DER given in hex (RFC 4514 §2.4).
    Der(Vec<u8>),
}

/// Parses a DN typed by a user: RFC 4514 (`CN=Test,O=Acme\, Inc.`, most specific first) or
/// OpenSSL's slash form (`/O=Acme/CN=Test`, most significant first).
pub fn parse_dn(input: &str) -> Result<Name, NameError> {
    let trimmed = trim_unescaped(input);
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    let rdns: Vec<Vec<TypedValue>> = if trimmed.starts_with('/') {
        parse_slash(trimmed)?
    } else {
        let mut rdns = parse_rfc4514(trimmed)?;
        rdns.reverse();
        rdns
    };
    build_name(rdns, input)
}

/// Trims surrounding whitespace but keeps a trailing one escaped by a backslash
/// (`CN=a\ `, as [`to_rfc4514`] prints a value ending in a space).
fn trim_unescaped(input: &str) -> &str {
    let start = input.trim_start();
    let end = start.trim_end();
    let backslashes = end.chars().rev().take_while(|&c| c == '\\').count();
    match start[end.len()..].chars().next() {
        Some(c) if backslashes % 2 == 1 => &start[..end.len() + c.len_utf8()],
        _ => end,
    }
}

fn build_name(rdns: Vec<Vec<TypedValue>>, input: &str) -> Result<Name, NameError> {
    let mut seq = Vec::with_capacity(rdns.len());
    for rdn in rdns {
        let mut atvs = Vec::with_capacity(rdn.len());
        for tv in rdn {
            atvs.push(encode_value(tv)?);
        }
        let rdn = RelativeDistinguishedName::try_from(atvs).map_err(|e| NameError::Malformed {
            part: "+".into(),
            reason: format!("invalid multi-valued RDN: {e}"),
        })?;
        seq.push(rdn);
    }
    let der = RdnSequence::from(seq)
        .to_der()
        .map_err(|e| NameError::Malformed {
            part: input.to_string(),
            reason: e.to_string(),
        })?;
    Name::from_der(&der).map_err(|e| NameError::Malformed {
        part: input.to_string(),
        reason: e.to_string(),
    })
}

fn encode_value(tv: TypedValue) -> Result<AttributeTypeAndValue, NameError> {
    let value = match tv.value {
        ValueText::Der(bytes) => Any::from_der(&bytes).map_err(|e| NameError::Malformed {
            part: format!("{}=#...", attribute_name(&tv.oid)),
            reason: format!("hex value is not valid DER: {e}"),
        })?,
        ValueText::Text(text) => {
            let part = || format!("{}={}", attribute_name(&tv.oid), text);
            if text.is_empty() {
                return Err(NameError::Malformed {
                    part: part(),
                    reason: "empty value".into(),
                });
            }
            if tv.oid == Oid::new_unwrap("2.5.4.6") && text.len() != 2 {
                return Err(NameError::Malformed {
                    part: part(),
                    reason: "a country (C) is a two-letter code".into(),
                });
            }
            let (tag, ok) = match tv.kind {
                StringKind::Utf8 => (Tag::Utf8String, true),
                StringKind::Printable => (Tag::PrintableString, text.chars().all(is_printable)),
                StringKind::Ia5 => (Tag::Ia5String, text.is_ascii()),
            };
            if !ok {
                return Err(NameError::Malformed {
                    part: part(),
                    reason: match tv.kind {
                        StringKind::Printable => {
                            "characters not allowed in a PrintableString".into()
                        }
                        _ => "only ASCII characters are allowed".into(),
                    },
                });
            }
            Any::new(tag, text.as_bytes()).map_err(|e| NameError::Malformed {
                part: part(),
                reason: e.to_string(),
            })?
        }
    };
    Ok(AttributeTypeAndValue { oid: tv.oid, value })
}

fn is_printable(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

fn parse_type(raw: &str, whole: &str) -> Result<(Oid, StringKind), NameError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(NameError::Malformed {
            part: whole.to_string(),
            reason: "missing attribute type before '='".into(),
        });
    }
    if let Some(a) = attr_by_name(t) {
        return Ok((a.oid, a.kind));
    }
    let dotted = t
        .strip_prefix("OID.")
        .or_else(|| t.strip_prefix("oid."))
        .unwrap_or(t);
    if dotted.starts_with(|c: char| c.is_ascii_digit()) {
        let oid = Oid::new(dotted).map_err(|_| NameError::Malformed {
            part: whole.to_string(),
            reason: format!("'{t}' is not a valid OID"),
        })?;
        let kind = attr_by_oid(&oid)
            .map(|a| a.kind)
            .unwrap_or(StringKind::Utf8);
        return Ok((oid, kind));
    }
    Err(NameError::UnknownAttribute(t.to_string()))
}

/// OpenSSL's form: `/type=value/type=value`, `\` escapes the next character.
fn parse_slash(input: &str) -> Result<Vec<Vec<TypedValue>>, NameError> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = input[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => {
                    cur.push('\\');
                    cur.push(n)
                }
                None => {
                    return Err(NameError::Malformed {
                        part: input.to_string(),
                        reason: "trailing backslash".into(),
                    });
                }
            },
            '/' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    let mut rdns = Vec::new();
    for part in parts {
        if part.is_empty() {
            continue;
        }
        let Some(eq) = find_unescaped(&part, '=') else {
            return Err(NameError::Malformed {
                part: part.clone(),
                reason: "expected type=value".into(),
            });
        };
        let (oid, kind) = parse_type(&part[..eq], &part)?;
        let value = unescape_simple(&part[eq + 1..]);
        rdns.push(vec![TypedValue {
            oid,
            kind,
            value: ValueText::Text(value),
        }]);
    }
    if rdns.is_empty() {
        return Err(NameError::Empty);
    }
    Ok(rdns)
}

/// Parses OpenSSL's "oneline" DN form, as `openssl s_client` prints the acceptable CA
/// names and `openssl x509 -subject` prints subjects: `C = US, O = "Acme, Inc.", CN = x`,
/// most significant first, `+` between the attributes of a multi-valued RDN.
pub fn parse_dn_oneline(input: &str) -> Result<Name, NameError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let mut pos = 0;
    let mut rdns: Vec<Vec<TypedValue>> = Vec::new();
    let mut rdn: Vec<TypedValue> = Vec::new();
    loop {
        let start = pos;
        while pos < chars.len() && chars[pos] != '=' {
            pos += 1;
        }
        let type_text: String = chars[start..pos].iter().collect();
        if pos >= chars.len() {
            return Err(NameError::Malformed {
                part: type_text.trim().to_string(),
                reason: "expected type = value".into(),
            });
        }
        let (oid, kind) = parse_type(&type_text, type_text.trim())?;
        pos += 1;
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
        let (value, next) = parse_value(&chars, pos, type_text.trim())?;
        pos = next;
        rdn.push(TypedValue { oid, kind, value });
        if pos >= chars.len() {
            rdns.push(std::mem::take(&mut rdn));
            break;
        }
        match chars[pos] {
            '+' => {}
            ',' => rdns.push(std::mem::take(&mut rdn)),
            c => {
                return Err(NameError::Malformed {
                    part: chars[start..=pos].iter().collect(),
                    reason: format!("unexpected '{c}'"),
                });
            }
        }
        pos += 1;
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
    }
    build_name(rdns, input)
}

fn find_unescaped(s: &str, target: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == target {
            return Some(i);
        }
    }
    None
}

fn unescape_simple(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// RFC 4514 (and RFC 2253's `;` separator and quoted values), most specific RDN first.
fn parse_rfc4514(input: &str) -> Result<Vec<Vec<TypedValue>>, NameError> {
    let bytes: Vec<char> = input.chars().collect();
    let mut pos = 0;
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    loop {
        // attribute type
        let start = pos;
        while pos < bytes.len() && bytes[pos] != '=' && bytes[pos] != ',' && bytes[pos] != '+' {
            pos += 1;
        }
        let type_text: String = bytes[start..pos].iter().collect();
        if pos >= bytes.len() || bytes[pos] != '=' {
            return Err(NameError::Malformed {
                part: type_text.trim().to_string(),
                reason: "expected type=value".into(),
            });
        }
        let (oid, kind) = parse_type(&type_text, type_text.trim())?;
        pos += 1; // '='
        while pos < bytes.len() && bytes[pos] == ' ' {
            pos += 1;
        }
        let (value, next) = parse_value(&bytes, pos, type_text.trim())?;
        pos = next;
        rdn.push(TypedValue { oid, kind, value });
        if pos >= bytes.len() {
            rdns.push(std::mem::take(&mut rdn));
            break;
        }
        match bytes[pos] {
            '+' => {}
            ',' | ';' => rdns.push(std::mem::take(&mut rdn)),
            c => {
                return Err(NameError::Malformed {
                    part: bytes[start..=pos].iter().collect(),
                    reason: format!("unexpected '{c}'"),
                });
            }
        }
        pos += 1;
        while pos < bytes.len() && bytes[pos] == ' ' {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Err(NameError::Malformed {
                part: input.to_string(),
                reason: "trailing separator".into(),
            });
        }
    }
    Ok(rdns)
}

/// Parses one value starting at `pos`; returns it and the position of the separator (or end).
fn parse_value(
    chars: &[char],
    mut pos: usize,
    type_name: &str,
) -> Result<(ValueText, usize), NameError> {
    let part = |v: &str| format!("{type_name}={v}");
    if pos < chars.len() && chars[pos] == '#' {
        let start = pos + 1;
        pos = start;
        while pos < chars.len() && chars[pos].is_ascii_hexdigit() {
            pos += 1;
        }
        let hex: String = chars[start..pos].iter().collect();
        let bytes = decode_hex(&hex).ok_or_else(|| NameError::Malformed {
            part: part(&format!("#{hex}")),
            reason: "odd number of hex digits".into(),
        })?;
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
        return Ok((ValueText::Der(bytes), pos));
    }
    if pos < chars.len() && chars[pos] == '"' {
        pos += 1;
        let mut out = String::new();
        loop {
            match chars.get(pos) {
                None => {
                    return Err(NameError::Malformed {
                        part: part(&format!("\"{out}")),
                        reason: "unterminated quoted value".into(),
                    });
                }
                Some('"') => {
                    pos += 1;
                    break;
                }
                Some('\\') => {
                    let c = chars
                        .get(pos + 1)
                        .copied()
                        .ok_or_else(|| NameError::Malformed {
                            part: part(&out),
                            reason: "trailing backslash".into(),
                        })?;
                    out.push(c);
                    pos += 2;
                }
                Some(c) => {
                    out.push(*c);
                    pos += 1;
                }
            }
        }
        while pos < chars.len() && chars[pos] == ' ' {
            pos += 1;
        }
        return Ok((ValueText::Text(out), pos));
    }
    let mut raw: Vec<u8> = Vec::new();
    let mut trailing_unescaped_spaces = 0usize;
    while pos < chars.len() {
        let c = chars[pos];
        match c {
            ',' | '+' | ';' => break,
            '\\' => {
                let n = chars
                    .get(pos + 1)
                    .copied()
                    .ok_or_else(|| NameError::Malformed {
                        part: part(&String::from_utf8_lossy(&raw)),
                        reason: "trailing backslash".into(),
                    })?;
                if n.is_ascii_hexdigit() {
                    let h2 = chars
                        .get(pos + 2)
                        .copied()
                        .filter(|c| c.is_ascii_hexdigit());
                    let Some(h2) = h2 else {
                        return Err(NameError::Malformed {
                            part: part(&String::from_utf8_lossy(&raw)),
                            reason: format!("bad escape '\\{n}'"),
                        });
                    };
                    let byte = u8::from_str_radix(&format!("{n}{h2}"), 16).unwrap_or(0);
                    raw.push(byte);
                    pos += 3;
                } else {
                    let mut buf = [0u8; 4];
                    raw.extend_from_slice(n.encode_utf8(&mut buf).as_bytes());
                    pos += 2;
                }
                trailing_unescaped_spaces = 0;
            }
            _ => {
                if c == ' ' {
                    trailing_unescaped_spaces += 1;
                } else {
                    trailing_unescaped_spaces = 0;
                }
                let mut buf = [0u8; 4];
                raw.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                pos += 1;
            }
        }
    }
    raw.truncate(raw.len() - trailing_unescaped_spaces);
    let text = String::from_utf8(raw).map_err(|_| NameError::Malformed {
        part: type_name.to_string(),
        reason: "hex escapes do not form valid UTF-8".into(),
    })?;
    Ok((ValueText::Text(text), pos))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::name::to_rfc4514;
    use der::Tagged;

    fn rt(dn: &str) -> String {
        to_rfc4514(&parse_dn(dn).unwrap())
    }

    #[test]
    fn escaped_trailing_space_is_kept() {
        assert_eq!(rt("CN=a\\ "), "CN=a\\ ");
        assert_eq!(rt("CN=\\ "), "CN=\\ ");
        assert_eq!(rt(" O=x\\\\ "), "O=x\\\\");
        assert_eq!(rt("/CN=a\\ "), "CN=a\\ ");
    }

    #[test]
    fn rfc4514_round_trip_keeps_order_and_escapes() {
        assert_eq!(
            rt("CN=Test,O=Acme\\, Inc.,C=US"),
            "CN=Test,O=Acme\\, Inc.,C=US"
        );
        assert_eq!(rt("CN=a+UID=b,O=x"), "CN=a+UID=b,O=x");
        assert_eq!(rt("CN=\\ lead,O=x"), "CN=\\ lead,O=x");
        assert_eq!(rt("CN=\\#hash"), "CN=\\#hash");
        assert!(
            parse_dn("CN=#hash").is_err(),
            "unescaped # starts a hex value"
        );
    }

    #[test]
    fn slash_form_is_most_significant_first() {
        let a = parse_dn("/C=US/O=Acme/CN=Test").unwrap();
        let b = parse_dn("CN=Test,O=Acme,C=US").unwrap();
        assert_eq!(a.to_der().unwrap(), b.to_der().unwrap());
        assert_eq!(rt("/O=A\\/B/CN=x"), "CN=x,O=A/B");
    }

    #[test]
    fn accepts_spaces_after_commas_as_java_prints() {
        assert_eq!(rt("CN=Test, O=Acme, C=US"), "CN=Test,O=Acme,C=US");
    }

    #[test]
    fn openssl_string_types() {
        let n = parse_dn("CN=x,C=US,emailAddress=a@b.c,DC=example").unwrap();
        let tags: Vec<Tag> = n.iter().map(|a| a.value.tag()).collect();
        assert_eq!(
            tags,
            vec![
                Tag::Ia5String,
                Tag::Ia5String,
                Tag::PrintableString,
                Tag::Utf8String
            ]
        );
    }

    #[test]
    fn hex_escapes_and_quotes() {
        assert_eq!(rt("CN=caf\\C3\\A9"), "CN=café");
        assert_eq!(rt("CN=\"a,b\""), "CN=a\\,b");
        assert_eq!(rt("2.5.4.3=x"), "CN=x");
        assert_eq!(rt("OID.2.5.4.10=y"), "O=y");
    }

    #[test]
    fn errors_name_the_offending_part() {
        assert_eq!(parse_dn("  "), Err(NameError::Empty));
        assert!(matches!(parse_dn("XX=1"), Err(NameError::UnknownAttribute(t)) if t == "XX"));
        let e = parse_dn("CN=a,O").unwrap_err().to_string();
        assert!(e.contains("'O'"), "{e}");
        let e = parse_dn("CN=a,C=USA").unwrap_err().to_string();
        assert!(e.contains("C=USA"), "{e}");
        assert!(parse_dn("CN=a,").is_err());
        assert!(parse_dn("CN=").is_err());
        assert!(parse_dn("CN=x\\").is_err());
        assert!(parse_dn("CN=\"open").is_err());
        assert!(parse_dn("1.2.x=5").is_err());
        assert!(parse_dn("C=U$,CN=x").is_err());
    }

    #[test]
    fn openssl_oneline_form_as_s_client_prints_it() {
        let n = parse_dn_oneline("C = US, O = \"Acme, Inc.\", CN = Acme Test CA").unwrap();
        assert_eq!(to_rfc4514(&n), "CN=Acme Test CA,O=Acme\\, Inc.,C=US");
        assert_eq!(
            n.to_der().unwrap(),
            parse_dn("CN=Acme Test CA,O=Acme\\, Inc.,C=US")
                .unwrap()
                .to_der()
                .unwrap()
        );
        assert!(parse_dn_oneline("CN").is_err());
    }
}
