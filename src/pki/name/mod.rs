//! Distinguished names: parsing user input (RFC 4514 and OpenSSL's `/O=Acme/CN=Test` form,
//! in [`parse`]), RFC 4514 display ([`display`]) and RFC 5280 §7.1 comparison ([`compare`]).
//! This file owns what they share: the error type, the table of attribute types and the
//! decoding of directory-string values.
//!
//! Hand-written because x509-cert's `FromStr` accepts only RFC 4514 with a fixed attribute
//! table and encodes every value as UTF8String; users need OpenSSL's slash form, attribute
//! names such as `emailAddress`, the string types OpenSSL picks (PrintableString for C), and
//! errors that name the offending part. Names read from certificates keep their DER bytes:
//! this module only builds names from text and renders and compares existing ones.

mod compare;
mod display;
mod parse;

#[cfg(test)]
pub use compare::comparison_keys_computed;
pub use compare::{AcceptedName, NameKey, comparison_key, comparison_key_der, names_equal};
pub use display::{escape_value, first_value, short_label, to_rfc4514};
pub use parse::{parse_dn, parse_dn_oneline};

use der::asn1::Any;
use der::{Tag, Tagged};
use spki::ObjectIdentifier as Oid;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("malformed DN: empty")]
    Empty,
    #[error("malformed DN at '{part}': {reason}")]
    Malformed { part: String, reason: String },
    #[error(
        "malformed DN: unknown attribute type '{0}' (use a name such as CN, O, OU, C, ST, L, DC, emailAddress, serialNumber, UID, or a dotted OID)"
    )]
    UnknownAttribute(String),
}

/// How a value of an attribute is encoded when keychest builds a name (OpenSSL's choices).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum StringKind {
    Utf8,
    Printable,
    Ia5,
}

struct AttrInfo {
    oid: Oid,
    /// The name we print (first) and the names we accept.
    names: &'static [&'static str],
    kind: StringKind,
}

const fn attr(oid: &str, names: &'static [&'static str], kind: StringKind) -> AttrInfo {
    AttrInfo {
        oid: Oid::new_unwrap(oid),
        names,
        kind,
    }
}

static ATTRS: &[AttrInfo] = &[
    attr("2.5.4.3", &["CN", "commonName"], StringKind::Utf8),
    attr("2.5.4.4", &["SN", "surname"], StringKind::Utf8),
    attr("2.5.4.5", &["serialNumber"], StringKind::Printable),
    attr("2.5.4.6", &["C", "countryName"], StringKind::Printable),
    attr("2.5.4.7", &["L", "localityName"], StringKind::Utf8),
    attr(
        "2.5.4.8",
        &["ST", "S", "stateOrProvinceName"],
        StringKind::Utf8,
    ),
    attr("2.5.4.9", &["STREET", "streetAddress"], StringKind::Utf8),
    attr("2.5.4.10", &["O", "organizationName"], StringKind::Utf8),
    attr(
        "2.5.4.11",
        &["OU", "organizationalUnitName"],
        StringKind::Utf8,
    ),
    attr("2.5.4.12", &["title"], StringKind::Utf8),
    attr("2.5.4.17", &["postalCode"], StringKind::Utf8),
    attr("2.5.4.42", &["GN", "givenName"], StringKind::Utf8),
    attr("2.5.4.43", &["initials"], StringKind::Utf8),
    attr("2.5.4.44", &["generationQualifier"], StringKind::Utf8),
    attr("2.5.4.46", &["dnQualifier"], StringKind::Printable),
    attr("2.5.4.65", &["pseudonym"], StringKind::Utf8),
    attr("2.5.4.97", &["organizationIdentifier"], StringKind::Utf8),
    attr(
        "0.9.2342.19200300.100.1.25",
        &["DC", "domainComponent"],
        StringKind::Ia5,
    ),
    attr(
        "0.9.2342.19200300.100.1.1",
        &["UID", "userId"],
        StringKind::Utf8,
    ),
    attr(
        "1.2.840.113549.1.9.1",
        &["emailAddress", "E", "EMAIL"],
        StringKind::Ia5,
    ),
];

fn attr_by_name(name: &str) -> Option<&'static AttrInfo> {
    ATTRS
        .iter()
        .find(|a| a.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

fn attr_by_oid(oid: &Oid) -> Option<&'static AttrInfo> {
    ATTRS.iter().find(|a| a.oid == *oid)
}

/// The short name used when printing an attribute type (dotted OID when unknown).
pub fn attribute_name(oid: &Oid) -> String {
    attr_by_oid(oid)
        .map(|a| a.names[0].to_string())
        .unwrap_or_else(|| oid.to_string())
}

/// The text of a directory string value, if it is one of the string types.
pub fn value_text(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            String::from_utf8(bytes.to_vec()).ok()
        }
        // T61String: treated as Latin-1, as most software does in practice.
        Tag::TeletexString => Some(bytes.iter().map(|&b| b as char).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

pub fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
