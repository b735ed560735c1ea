//! A minimal DER reader and writer for the PKCS#12 structures and the PBE parameters inside
//! them (`pbe` parses its `AlgorithmIdentifier`s with it, so it sits at the bottom layer and
//! depends on crates only).
//!
//! Hand-written rather than on `der` because PKCS#12 files in the wild carry non-canonical
//! encodings `der` rejects, and the codec needs byte offsets for its errors.
//!
//! The reader never allocates: every element borrows from the input, every length is checked
//! against the bytes that remain before anything is sliced, and there is no recursion (callers
//! walk the fixed PKCS#12 shape, so nesting is bounded by the code, not by the input). Offsets
//! are absolute within the buffer being read, for error messages.
//!
//! BER input (indefinite lengths, chunked OCTET STRINGs) is first rewritten to DER by
//! [`ber::to_der`], so this reader stays DER-only.

use const_oid::ObjectIdentifier as Oid;

pub mod ber;

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const BMP_STRING: u8 = 0x1e;
pub const UTF8_STRING: u8 = 0x0c;
/// `[0]` constructed (EXPLICIT wrappers).
pub const CTX0: u8 = 0xa0;
/// `[0]` primitive (IMPLICIT OCTET STRING).
pub const CTX0_PRIM: u8 = 0x80;

/// One decoded element: its tag, its contents, and where it starts.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    /// The whole element (header and contents).
    pub raw: &'a [u8],
    /// Offset of the element's first byte within the buffer being read.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerError {
    pub offset: usize,
    pub what: String,
}

impl std::fmt::Display for DerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

pub type DerResult<T> = Result<T, DerError>;

fn err<T>(offset: usize, what: impl Into<String>) -> DerResult<T> {
    Err(DerError {
        offset,
        what: what.into(),
    })
}

/// Reads consecutive elements from a byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over the contents of `tlv`, keeping absolute offsets.
    pub fn contents(tlv: &Tlv<'a>) -> Self {
        Reader {
            data: tlv.value,
            pos: 0,
            base: tlv.offset + (tlv.raw.len() - tlv.value.len()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self) -> DerResult<Tlv<'a>> {
        let start = self.pos;
        let at = self.offset();
        let rest = &self.data[start..];
        let Some(&tag) = rest.first() else {
            return err(at, "unexpected end of data");
        };
        if tag & 0x1f == 0x1f {
            return err(at, format!("unsupported high tag number (0x{tag:02x})"));
        }
        let Some(&l0) = rest.get(1) else {
            return err(at, "truncated length");
        };
        let (hdr, len) = if l0 < 0x80 {
            (2usize, l0 as usize)
        } else if l0 == 0x80 {
            return err(
                at,
                "indefinite length (BER) where DER is expected (inputs are normalised by `ber::to_der`)",
            );
        } else {
            let n = (l0 & 0x7f) as usize;
            if n > 4 {
                return err(at, "length field too long");
            }
            let Some(bytes) = rest.get(2..2 + n) else {
                return err(at, "truncated length");
            };
            let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (2 + n, len)
        };
        let Some(total) = hdr.checked_add(len).filter(|t| *t <= rest.len()) else {
            return err(
                at,
                format!(
                    "element of {len} bytes overruns the data ({} bytes left)",
                    rest.len().saturating_sub(hdr)
                ),
            );
        };
        self.pos = start + total;
        Ok(Tlv {
            tag,
            value: &rest[hdr..total],
            raw: &rest[..total],
            offset: at,
        })
    }

    /// The next element, which must carry `tag`.
    pub fn expect(&mut self, tag: u8, what: &str) -> DerResult<Tlv<'a>> {
        let at = self.offset();
        let t = self.any()?;
        if t.tag != tag {
            return err(
                at,
                format!(
                    "expected {what} (tag 0x{tag:02x}), found tag 0x{:02x}",
                    t.tag
                ),
            );
        }
        Ok(t)
    }

    /// The next element if it carries `tag`.
    pub fn optional(&mut self, tag: u8) -> DerResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.any().map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn oid(&mut self) -> DerResult<Oid> {
        let t = self.expect(OID, "OBJECT IDENTIFIER")?;
        Oid::from_bytes(t.value).or_else(|_| err(t.offset, "malformed OBJECT IDENTIFIER"))
    }

    /// A non-negative INTEGER that fits in a u64.
    pub fn uint(&mut self) -> DerResult<u64> {
        let t = self.expect(INTEGER, "INTEGER")?;
        uint_value(&t)
    }

    pub fn octets(&mut self) -> DerResult<&'a [u8]> {
        Ok(self.expect(OCTET_STRING, "OCTET STRING")?.value)
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self, what: &str) -> DerResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            err(self.offset(), format!("trailing data after {what}"))
        }
    }
}

pub fn uint_value(t: &Tlv<'_>) -> DerResult<u64> {
    let v = t.value;
    if v.is_empty() {
        return err(t.offset, "empty INTEGER");
    }
    if v[0] & 0x80 != 0 {
        return err(t.offset, "negative INTEGER");
    }
    let v = if v.len() > 1 && v[0] == 0 { &v[1..] } else { v };
    if v.len() > 8 {
        return err(t.offset, "INTEGER too large");
    }
    Ok(v.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// Reads a single element that must fill `data` exactly.
pub fn single<'a>(data: &'a [u8], tag: u8, what: &str) -> DerResult<Tlv<'a>> {
    let mut r = Reader::new(data);
    let t = r.expect(tag, what)?;
    r.finish(what)?;
    Ok(t)
}

// ---------------------------------------------------------------- writing

/// Appends the identifier and definite length of an element with `len` content bytes.
pub fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// The length of an element with `len` content bytes: header and contents.
pub fn encoded_len(len: usize) -> usize {
    let length_octets = if len < 0x80 {
        0
    } else {
        (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    };
    2 + length_octets + len
}

/// Encodes one element.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 10);
    push_header(&mut out, tag, value.len());
    out.extend_from_slice(value);
    out
}

/// A constructed element whose contents are the concatenation of `parts`.
pub fn cons(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 10);
    push_header(&mut out, tag, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// DER built from the inside out in one buffer: the innermost contents first, then each
/// enclosing header (and the fields before it) put in front, so a large payload (the 50 MB
/// certificate safe of a 100,000-certificate truststore) is not copied once per level.
pub struct Nested {
    buf: Vec<u8>,
    start: usize,
}

impl Nested {
    /// An empty element with `room` bytes free in front for headers and leading fields.
    pub fn with_room(room: usize) -> Nested {
        Nested {
            buf: vec![0; room],
            start: room,
        }
    }

    /// The buffer and the offset of the contents in it, to append to the contents or
    /// transform them in place (encryption).
    pub fn tail(&mut self) -> (&mut Vec<u8>, usize) {
        (&mut self.buf, self.start)
    }

    pub fn contents(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Puts `bytes` before the contents.
    pub fn prepend(&mut self, bytes: &[u8]) {
        if bytes.len() > self.start {
            // Out of room: move the contents back once, with room to spare.
            let room = bytes.len() + 4096;
            let mut grown = Vec::with_capacity(room + self.buf.len() - self.start);
            grown.resize(room, 0);
            grown.extend_from_slice(&self.buf[self.start..]);
            self.buf = grown;
            self.start = room;
        }
        self.start -= bytes.len();
        self.buf[self.start..self.start + bytes.len()].copy_from_slice(bytes);
    }

    /// Makes the contents an element: `tag`, the length, the contents.
    pub fn wrap(&mut self, tag: u8) {
        let mut header = Vec::with_capacity(10);
        push_header(&mut header, tag, self.buf.len() - self.start);
        self.prepend(&header);
    }

    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.drain(..self.start);
        self.buf
    }
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    cons(SEQUENCE, parts)
}

pub fn oid(o: &Oid) -> Vec<u8> {
    tlv(OID, o.as_bytes())
}

pub fn octets(v: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, v)
}

pub fn uint(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut val = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        val.push(0);
    }
    val.extend_from_slice(&bytes[skip..]);
    tlv(INTEGER, &val)
}

/// A BMPString as Java writes friendly names: UTF-16BE, with characters outside the Basic
/// Multilingual Plane as surrogate pairs (strict BMP readers see two code units; Java and
/// keychest read the character back).
pub fn bmp(text: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(text.len() * 2);
    for unit in text.encode_utf16() {
        v.extend_from_slice(&unit.to_be_bytes());
    }
    tlv(BMP_STRING, &v)
}

/// Decodes BMPString contents (UTF-16BE, surrogate pairs tolerated).
pub fn bmp_text(value: &[u8]) -> Option<String> {
    if !value.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = value
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_before_slicing() {
        // Claims 2^32-1 bytes of content in a 7-byte input.
        let mut r = Reader::new(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]);
        assert!(r.any().unwrap_err().what.contains("overruns"));
        assert!(Reader::new(&[0x30]).any().is_err());
        assert!(Reader::new(&[0x30, 0x80, 0, 0]).any().is_err());
        assert!(
            Reader::new(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1])
                .any()
                .is_err()
        );
        assert!(Reader::new(&[0x1f, 0x01, 0x00]).any().is_err());
    }

    #[test]
    fn writer_round_trips() {
        for len in [0usize, 1, 127, 128, 255, 256, 65535, 65536, 70000, 1 << 24] {
            let v = vec![7u8; len];
            let enc = tlv(OCTET_STRING, &v);
            assert_eq!(encoded_len(len), enc.len());
            let t = single(&enc, OCTET_STRING, "x").unwrap();
            assert_eq!(t.value, &v[..]);
        }
        for n in [0u64, 1, 127, 128, 255, 256, 10_000, u64::MAX] {
            let enc = uint(n);
            let t = single(&enc, INTEGER, "i").unwrap();
            assert_eq!(uint_value(&t).unwrap(), n);
        }
        assert_eq!(uint(3), vec![2, 1, 3]);
        assert_eq!(uint(128), vec![2, 2, 0, 128]);
        assert_eq!(bmp_text(&bmp("héllo")[2..]).unwrap(), "héllo");
        assert_eq!(bmp_text(&bmp("clé-😀")[2..]).unwrap(), "clé-😀");
    }

    #[test]
    fn nested_builds_what_the_one_shot_writers_build() {
        let payload = vec![5u8; 300];
        let expected = seq(&[&uint(3), &cons(CTX0, &[&octets(&payload)]), &[NULL, 0]]);
        // Enough room in front, and none (each prepend then grows the buffer).
        for room in [64, 0] {
            let mut n = Nested::with_room(room);
            let (buf, from) = n.tail();
            assert_eq!(from, room);
            buf.extend_from_slice(&payload);
            n.wrap(OCTET_STRING);
            n.wrap(CTX0);
            n.prepend(&uint(3));
            n.tail().0.extend_from_slice(&[NULL, 0]);
            n.wrap(SEQUENCE);
            assert_eq!(n.contents(), &expected[..]);
            assert_eq!(n.into_vec(), expected);
        }
    }
}
