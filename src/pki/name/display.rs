//! RFC 4514 display of names: most specific RDN first, values escaped so that
//! [`super::parse_dn`] reads the text back to the same name, and so that no control
//! character from a certificate reaches a terminal or a log line raw.

use der::Encode;
use spki::ObjectIdentifier as Oid;
use x509_cert::name::Name;

use super::{attribute_name, hex_lower, value_text};

/// RFC 4514 text of a name: most specific RDN first, values escaped.
pub fn to_rfc4514(name: &Name) -> String {
    let mut rdns: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let atvs: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let value = match value_text(&atv.value) {
                    Some(text) => escape_value(&text),
                    None => match atv.value.to_der() {
                        Ok(der) => format!("#{}", hex_lower(&der)),
                        Err(_) => "#".into(),
                    },
                };
                format!("{}={}", attribute_name(&atv.oid), value)
            })
            .collect();
        rdns.push(atvs.join("+"));
    }
    rdns.reverse();
    rdns.join(",")
}

/// RFC 4514 escaping of one attribute value (what `parse_dn` reads back unchanged).
///
/// Besides RFC 4514's specials, every character that could change what a terminal shows is
/// written as `\XX` escapes of its UTF-8 bytes (RFC 4514 §2.4 allows any character so):
/// C0 and C1 controls (CR and LF included), DEL, and the bidirectional overrides and
/// isolates. A certificate whose CN holds `"x\n SHA-256: AA:…"` thus prints on one line and
/// cannot forge output.
pub fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c)
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == n => out.push_str("\\ "),
            '=' => out.push_str("\\="),
            c if needs_hex_escape(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Control characters (C0, DEL, C1) and the Unicode bidi controls that reorder the text
/// around them: LRE/RLE/PDF/LRO/RLO (U+202A–U+202E), LRI/RLI/FSI/PDI (U+2066–U+2069), and
/// the invisible marks LRM/RLM (U+200E, U+200F) and ALM (U+061C).
fn needs_hex_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The value of the first attribute of type `oid` (most significant first), as text.
pub fn first_value(name: &Name, oid: &Oid) -> Option<String> {
    name.iter()
        .find(|atv| atv.oid == *oid)
        .and_then(|atv| value_text(&atv.value))
}

/// The common name, or failing that the whole RFC 4514 text (for short labels).
pub fn short_label(name: &Name) -> String {
    first_value(name, &Oid::new_unwrap("2.5.4.3")).unwrap_or_else(|| to_rfc4514(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::name::parse_dn;
    use der::Encode;

    #[test]
    fn control_characters_are_hex_escaped() {
        assert_eq!(escape_value("a\nb"), "a\\0Ab");
        assert_eq!(escape_value("a\r\tb\0"), "a\\0D\\09b\\00");
        assert_eq!(escape_value("x\u{7f}"), "x\\7F");
        assert_eq!(escape_value("x\u{85}"), "x\\C2\\85");
        assert_eq!(escape_value("\u{202E}gpj.exe"), "\\E2\\80\\AEgpj.exe");
        assert_eq!(
            escape_value("a\u{2066}b\u{2069}"),
            "a\\E2\\81\\A6b\\E2\\81\\A9"
        );
        // Ordinary non-ASCII text stays readable.
        assert_eq!(escape_value("café 世界"), "café 世界");
    }

    #[test]
    fn a_forged_line_in_a_cn_stays_on_one_line_and_reads_back() {
        let cn = "evil.test\n SHA-256: AA:11:22\r\u{202E}\u{1b}[2J\u{9b}";
        // Build the name from hex escapes, so the test does not depend on escape_value.
        let hex: String = cn.bytes().map(|b| format!("\\{b:02X}")).collect();
        let name = parse_dn(&format!("CN={hex},O=Acme")).unwrap();
        let printed = to_rfc4514(&name);
        assert!(
            !printed.chars().any(needs_hex_escape),
            "raw control in {printed:?}"
        );
        assert_eq!(
            printed,
            "CN=evil.test\\0A SHA-256: AA:11:22\\0D\\E2\\80\\AE\\1B[2J\\C2\\9B,O=Acme"
        );
        let again = parse_dn(&printed).unwrap();
        assert_eq!(again.to_der().unwrap(), name.to_der().unwrap());
    }
}
