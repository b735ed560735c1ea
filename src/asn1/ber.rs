//! BER → DER normalisation of a whole input, so the DER readers above ([`super::Reader`],
//! and through it PKCS#12 and PKCS#7) read what Windows certificate export, NSS `pk12util`
//! and some CAs write: indefinite lengths and constructed (chunked) OCTET STRINGs.
//!
//! Why a normalising pass rather than a BER-aware reader: every reader of this crate borrows
//! element contents as one slice (`Tlv::value`), which an indefinite-length or chunked
//! element does not have; rewriting the input once keeps each reader simple and lets them
//! all stay DER-only. The pass is bounded: nesting depth ([`MAX_DEPTH`]) and input size
//! ([`MAX_INPUT`]); it recurses only up to that depth.
//!
//! What it changes, and nothing else: indefinite lengths become definite, a constructed
//! OCTET STRING (tag 0x24) becomes one primitive OCTET STRING holding its chunks' octets
//! concatenated (which is what PKCS#12's MAC covers), and long-form lengths become minimal.
//! Contents of primitive elements are copied as they are, so the octets inside an OCTET
//! STRING (a nested encoding) stay BER until their own reader normalises them.

use std::borrow::Cow;

use super::{DerError, DerResult, OCTET_STRING, tlv};

/// Deepest nesting accepted (PKCS#12 needs about 12).
pub const MAX_DEPTH: usize = 32;
/// Largest input normalised (the CLI caps its inputs lower).
pub const MAX_INPUT: usize = 256 << 20;

const CONSTRUCTED: u8 = 0x20;
const OCTET_STRING_CONSTRUCTED: u8 = OCTET_STRING | CONSTRUCTED;

fn err<T>(offset: usize, what: impl Into<String>) -> DerResult<T> {
    Err(DerError {
        offset,
        what: what.into(),
    })
}

/// The DER form of one element filling `data` (trailing bytes are an error), borrowed when
/// the input needs no change.
pub fn to_der(data: &[u8]) -> DerResult<Cow<'_, [u8]>> {
    if data.len() > MAX_INPUT {
        return err(0, format!("input larger than {MAX_INPUT} bytes"));
    }
    // Most inputs are DER already: a walk that copies nothing proves it (a 50 MB store is
    // not rewritten to find it unchanged). Anything else, malformed input included, takes
    // the normalising pass, which also names what is wrong.
    if already_der(data, 0, 0) == Some(data.len()) {
        return Ok(Cow::Borrowed(data));
    }
    let mut out = Vec::new();
    let mut changed = false;
    let end = element(data, 0, 0, &mut out, &mut changed)?;
    if end != data.len() {
        return err(end, "trailing data after the outer element");
    }
    Ok(if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(data)
    })
}

/// Header of the element at `pos`: (tag, header length, contents length or None when
/// indefinite).
fn header(data: &[u8], pos: usize) -> DerResult<(u8, usize, Option<usize>)> {
    let Some(&tag) = data.get(pos) else {
        return err(pos, "unexpected end of data");
    };
    if tag & 0x1f == 0x1f {
        return err(pos, format!("unsupported high tag number (0x{tag:02x})"));
    }
    let Some(&l0) = data.get(pos + 1) else {
        return err(pos, "truncated length");
    };
    if l0 < 0x80 {
        return Ok((tag, 2, Some(l0 as usize)));
    }
    if l0 == 0x80 {
        if tag & CONSTRUCTED == 0 {
            return err(pos, "indefinite length on a primitive element");
        }
        return Ok((tag, 2, None));
    }
    let n = (l0 & 0x7f) as usize;
    if n > 4 {
        return err(pos, "length field too long");
    }
    let Some(bytes) = data.get(pos + 2..pos + 2 + n) else {
        return err(pos, "truncated length");
    };
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Ok((tag, 2 + n, Some(len)))
}

/// Where the element at `pos` ends, when it and everything in it is DER as [`element`]
/// writes it (definite, minimal lengths; no constructed OCTET STRING); `None` otherwise.
fn already_der(data: &[u8], pos: usize, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (tag, hdr, len) = header(data, pos).ok()?;
    let len = len?;
    let start = pos + hdr;
    let end = start.checked_add(len).filter(|e| *e <= data.len())?;
    if super::encoded_len(len) != end - pos || tag == OCTET_STRING_CONSTRUCTED {
        return None;
    }
    if tag & CONSTRUCTED != 0 {
        let mut p = start;
        while p < end {
            p = already_der(data, p, depth + 1)?;
        }
        if p != end {
            return None;
        }
    }
    Some(end)
}

/// Normalises the element at `pos` into `out`; returns the position after it.
fn element(
    data: &[u8],
    pos: usize,
    depth: usize,
    out: &mut Vec<u8>,
    changed: &mut bool,
) -> DerResult<usize> {
    if depth > MAX_DEPTH {
        return err(pos, format!("nested more than {MAX_DEPTH} deep"));
    }
    let (tag, hdr, len) = header(data, pos)?;
    let start = pos + hdr;
    let definite_end = match len {
        Some(len) => {
            let Some(end) = start.checked_add(len).filter(|e| *e <= data.len()) else {
                return err(
                    pos,
                    format!(
                        "element of {len} bytes overruns the data ({} bytes left)",
                        data.len().saturating_sub(start)
                    ),
                );
            };
            Some(end)
        }
        None => None,
    };
    if tag & CONSTRUCTED == 0 {
        let end = definite_end.expect("primitive elements have definite lengths");
        let minimal = tlv(tag, &data[start..end]);
        if minimal.len() != end - pos {
            *changed = true;
        }
        out.extend_from_slice(&minimal);
        return Ok(end);
    }
    // Constructed: normalise the children into a buffer, then frame them.
    let mut inner = Vec::new();
    let mut p = start;
    let end = loop {
        match definite_end {
            Some(e) if p == e => break e,
            Some(e) if p > e => return err(pos, "a child overruns its parent"),
            None if data.get(p..p + 2) == Some(&[0, 0]) => break p + 2,
            None if p >= data.len() => {
                return err(pos, "indefinite length without end-of-contents");
            }
            _ => {}
        }
        if tag == OCTET_STRING_CONSTRUCTED {
            p = octet_chunks(data, p, depth + 1, &mut inner)?;
        } else {
            p = element(data, p, depth + 1, &mut inner, changed)?;
        }
    };
    if definite_end.is_none() || tag == OCTET_STRING_CONSTRUCTED {
        *changed = true;
    }
    let framed = if tag == OCTET_STRING_CONSTRUCTED {
        tlv(OCTET_STRING, &inner)
    } else {
        tlv(tag, &inner)
    };
    if framed.len() != end - pos {
        *changed = true;
    }
    out.extend_from_slice(&framed);
    Ok(end)
}

/// Appends the octets of one chunk of a constructed OCTET STRING (itself primitive or
/// constructed); returns the position after it.
fn octet_chunks(data: &[u8], pos: usize, depth: usize, out: &mut Vec<u8>) -> DerResult<usize> {
    if depth > MAX_DEPTH {
        return err(pos, format!("nested more than {MAX_DEPTH} deep"));
    }
    let (tag, hdr, len) = header(data, pos)?;
    let start = pos + hdr;
    match (tag, len) {
        (OCTET_STRING, Some(len)) => {
            let Some(end) = start.checked_add(len).filter(|e| *e <= data.len()) else {
                return err(pos, "OCTET STRING chunk overruns the data");
            };
            out.extend_from_slice(&data[start..end]);
            Ok(end)
        }
        (OCTET_STRING_CONSTRUCTED, _) => {
            let definite_end = match len {
                Some(len) => Some(
                    start
                        .checked_add(len)
                        .filter(|e| *e <= data.len())
                        .map_or_else(|| err(pos, "OCTET STRING chunk overruns the data"), Ok)?,
                ),
                None => None,
            };
            let mut p = start;
            loop {
                match definite_end {
                    Some(e) if p == e => return Ok(e),
                    Some(e) if p > e => return err(pos, "a chunk overruns its parent"),
                    None if data.get(p..p + 2) == Some(&[0, 0]) => return Ok(p + 2),
                    None if p >= data.len() => {
                        return err(pos, "indefinite length without end-of-contents");
                    }
                    _ => {}
                }
                p = octet_chunks(data, p, depth + 1, out)?;
            }
        }
        _ => err(
            pos,
            format!("constructed OCTET STRING holds tag 0x{tag:02x}, not an OCTET STRING"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_input_is_borrowed_unchanged() {
        let der = crate::asn1::seq(&[&crate::asn1::uint(3), &crate::asn1::octets(b"abc")]);
        assert!(matches!(to_der(&der).unwrap(), Cow::Borrowed(_)));
        // Long-form lengths, nested.
        let big = crate::asn1::seq(&[&crate::asn1::seq(&[&crate::asn1::octets(&[9; 70_000])])]);
        assert!(matches!(to_der(&big).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn der_with_one_ber_element_deep_inside_is_normalised() {
        // SEQUENCE { SEQUENCE { OCTET STRING with a non-minimal length } }
        let inner = [0x30, 0x06, 0x30, 0x04, 0x04, 0x81, 0x01, 0x07];
        assert_eq!(
            to_der(&inner).unwrap().as_ref(),
            &[0x30, 0x05, 0x30, 0x03, 0x04, 0x01, 0x07]
        );
        // A definite-length constructed OCTET STRING.
        let chunked = [0x24, 0x06, 0x04, 0x01, b'a', 0x04, 0x01, b'b'];
        assert_eq!(to_der(&chunked).unwrap().as_ref(), b"\x04\x02ab");
    }

    #[test]
    fn indefinite_lengths_and_chunked_octets_become_der() {
        // SEQUENCE (indefinite) { INTEGER 3, OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x03, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c',
            0x00, 0x00, 0x00, 0x00,
        ];
        let want = crate::asn1::seq(&[&crate::asn1::uint(3), &crate::asn1::octets(b"abc")]);
        assert_eq!(to_der(&ber).unwrap().as_ref(), &want[..]);
        // Non-minimal long-form length.
        assert_eq!(
            to_der(&[0x04, 0x81, 0x01, 0x07]).unwrap().as_ref(),
            &[0x04, 1, 7]
        );
    }

    #[test]
    fn depth_size_and_framing_are_bounded() {
        let mut deep = Vec::new();
        for _ in 0..(MAX_DEPTH + 2) {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..(MAX_DEPTH + 2) {
            deep.extend_from_slice(&[0, 0]);
        }
        assert!(to_der(&deep).unwrap_err().what.contains("nested"));
        // Missing end-of-contents, primitive indefinite, chunk of the wrong type, trailing data.
        assert!(to_der(&[0x30, 0x80, 0x02, 0x01, 0x03]).is_err());
        assert!(to_der(&[0x04, 0x80, 0x00, 0x00]).is_err());
        assert!(to_der(&[0x24, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00]).is_err());
        assert!(to_der(&[0x05, 0x00, 0x05, 0x00]).is_err());
        assert!(to_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
