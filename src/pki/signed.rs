//! Raw access to "signed data" DER (certificate, CSR, CRL): the to-be-signed bytes exactly as
//! they appear in the file. Signatures are checked over these bytes, never over a
//! re-encoding, so a structure that is valid BER but not canonical DER still verifies, and
//! a CA's subject can be copied into an issuer field byte for byte.

/// Header length and total length of the DER TLV at the start of `bytes`.
pub fn tlv_len(bytes: &[u8]) -> Option<(usize, usize)> {
    let first_len = *bytes.get(1)?;
    let (hdr, len) = if first_len < 0x80 {
        (2usize, first_len as usize)
    } else {
        let n = (first_len & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *bytes.get(2 + i)? as usize;
        }
        (2 + n, len)
    };
    let total = hdr.checked_add(len)?;
    (total <= bytes.len()).then_some((hdr, total))
}

/// The raw bytes of the first element inside the outer SEQUENCE of `der` (the TBS part).
/// The outer SEQUENCE's contents must be well-formed elements, all inside its length.
pub fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    sequence_elements(der)?.first().copied()
}

/// The raw elements of a SEQUENCE's contents, in order.
pub fn sequence_elements(der: &[u8]) -> Option<Vec<&[u8]>> {
    let (hdr, total) = tlv_len(der)?;
    let mut rest = der.get(hdr..total)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, t) = tlv_len(rest)?;
        out.push(&rest[..t]);
        rest = &rest[t..];
    }
    Some(out)
}

/// The raw issuer and subject Name bytes of a DER certificate.
pub fn cert_issuer_subject(cert_der: &[u8]) -> Option<(&[u8], &[u8])> {
    let tbs = tbs_bytes(cert_der)?;
    let elems = sequence_elements(tbs)?;
    // [0] version is optional: skip it when present.
    let off = usize::from(elems.first()?.first() == Some(&0xa0));
    Some((elems.get(off + 2)?, elems.get(off + 4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_truncated_and_overlong() {
        assert_eq!(tlv_len(&[0x30]), None);
        assert_eq!(tlv_len(&[0x30, 0x05, 1, 2]), None);
        assert_eq!(tlv_len(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(tlv_len(&[0x30, 0x02, 1, 2]), Some((2, 4)));
        assert_eq!(tbs_bytes(&[0x30, 0x04, 0x02, 0x01, 0x05, 0x00]), None);
        assert_eq!(
            tbs_bytes(&[0x30, 0x05, 0x02, 0x01, 0x05, 0x05, 0x00]),
            Some(&[0x02, 0x01, 0x05][..])
        );
    }
}
