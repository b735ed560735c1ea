//! PKCS#7 certificate bundles (`.p7b`/`.p7c`, RFC 2315 / RFC 5652 "degenerate" SignedData:
//! certificates only, no content, no signers), DER, BER or PEM (`-----BEGIN PKCS7-----`):
//! what CAs and Windows hand out and `keytool -importcert` accepts.
//!
//! Read into trusted-certificate entries (aliases from the subject CN, as for PEM bundles);
//! written from trusted certificates and key entries' chains only when nothing would be lost.
//! Hand-written on [`asn1`] (with its BER normalisation) because the structure is five
//! fixed fields and the `cms` crate would pull a second DER stack and reject BER input.

use const_oid::ObjectIdentifier as Oid;
use der::Decode;

use crate::asn1::{self, Reader};
use crate::codec::pem::cert_label;
use crate::pem;
use crate::store::alias::UniqueAliases;
use crate::store::{Entry, EntryBody, Keystore};

/// `id-signedData`.
const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// `id-data`.
const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// `[1] IMPLICIT` constructed: the CRL set.
const CTX1: u8 = 0xa1;
/// PEM labels of a PKCS#7 structure (OpenSSL writes the first; RFC 7468 allows both).
const PEM_LABELS: &[&str] = &["PKCS7", "CMS"];

#[derive(Debug, thiserror::Error)]
pub enum Pkcs7Error {
    #[error("not a PKCS#7 certificate bundle: {0}")]
    NotPkcs7(String),
    #[error("malformed PKCS#7 bundle: {0}")]
    Malformed(String),
    #[error("certificate {index} of the bundle is malformed: {reason}")]
    BadCertificate { index: usize, reason: String },
    #[error("the PKCS#7 bundle holds no certificates")]
    Empty,
    #[error(
        "entry '{alias}' holds a {what}, which a PKCS#7 bundle cannot hold (certificates only)"
    )]
    Unsupported { alias: String, what: &'static str },
    #[error(transparent)]
    Pem(#[from] pem::PemError),
}

/// Whether the bytes are a PKCS#7 SignedData: DER/BER `ContentInfo { signedData, … }`, or
/// PEM text whose blocks are all PKCS#7.
pub fn sniff(bytes: &[u8]) -> bool {
    sniff_known_pem(bytes, pem::looks_like_pem(bytes))
}

/// [`sniff`] when the caller already knows whether the bytes look like PEM
/// ([`pem::looks_like_pem`]), so that a file that is not PEM is not scanned twice for a BEGIN
/// line.
pub(crate) fn sniff_known_pem(bytes: &[u8], looks_like_pem: bool) -> bool {
    if looks_like_pem {
        // All blocks must be PKCS#7, so the first one decides before the whole text is read
        // (a 50 MB certificate bundle is not scanned for a label it does not have).
        return first_label_is_pkcs7(bytes)
            && pem::parse_all(bytes).is_ok_and(|blocks| {
                !blocks.is_empty()
                    && blocks
                        .iter()
                        .all(|b| PEM_LABELS.contains(&b.label.as_str()))
            });
    }
    // contentType comes first, so the head suffices, whatever the outer length's form.
    if bytes.first() != Some(&asn1::SEQUENCE) {
        return false;
    }
    let skip = match bytes.get(1) {
        Some(0..=0x80) => 2,
        Some(l0 @ 0x81..=0x84) => 2 + (l0 & 0x7f) as usize,
        _ => return false,
    };
    let head = bytes
        .get(skip..bytes.len().min(skip + 16))
        .unwrap_or_default();
    Reader::new(head).oid().is_ok_and(|o| o == SIGNED_DATA)
}

fn first_label_is_pkcs7(text: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let Some(at) = text.windows(BEGIN.len()).position(|w| w == BEGIN) else {
        return false;
    };
    let rest = &text[at + BEGIN.len()..];
    PEM_LABELS.iter().any(|label| {
        rest.strip_prefix(label.as_bytes())
            .is_some_and(|r| r.starts_with(b"-----"))
    })
}

/// Decodes a bundle into trusted-certificate entries, in file order. Signer infos and CRLs
/// are not read (the caller is told in `warnings`).
pub fn decode(bytes: &[u8]) -> Result<(Keystore, Vec<String>), Pkcs7Error> {
    let mut certs = Vec::new();
    let mut warnings = Vec::new();
    if pem::looks_like_pem(bytes) {
        for block in pem::parse_all(bytes)? {
            if PEM_LABELS.contains(&block.label.as_str()) {
                certificates(&block.der, &mut certs, &mut warnings)?;
            }
        }
    } else {
        certificates(bytes, &mut certs, &mut warnings)?;
    }
    if certs.is_empty() {
        return Err(Pkcs7Error::Empty);
    }
    let mut store = Keystore::default();
    let mut aliases = UniqueAliases::default();
    store.entries.reserve(certs.len());
    for cert in certs {
        store.entries.push(Entry {
            alias: aliases.claim(&cert_label(&cert)),
            created_ms: None,
            body: EntryBody::TrustedCert { cert },
        });
    }
    Ok((store, warnings))
}

/// Appends the certificates of one DER/BER `ContentInfo`.
fn certificates(
    bytes: &[u8],
    out: &mut Vec<Vec<u8>>,
    warnings: &mut Vec<String>,
) -> Result<(), Pkcs7Error> {
    let der = asn1::ber::to_der(bytes).map_err(|e| Pkcs7Error::NotPkcs7(e.to_string()))?;
    let bad = |e: asn1::DerError| Pkcs7Error::Malformed(e.to_string());
    let ci = asn1::single(&der, asn1::SEQUENCE, "ContentInfo").map_err(bad)?;
    let mut r = Reader::contents(&ci);
    let ctype = r.oid().map_err(bad)?;
    if ctype != SIGNED_DATA {
        return Err(Pkcs7Error::NotPkcs7(format!(
            "content type {}",
            crate::pki::oids::name(&ctype)
        )));
    }
    let wrap = r.expect(asn1::CTX0, "[0] content").map_err(bad)?;
    r.finish("ContentInfo").map_err(bad)?;
    let mut w = Reader::contents(&wrap);
    let sd = w.expect(asn1::SEQUENCE, "SignedData").map_err(bad)?;
    w.finish("content").map_err(bad)?;
    let mut s = Reader::contents(&sd);
    s.uint().map_err(bad)?;
    s.expect(asn1::SET, "digestAlgorithms").map_err(bad)?;
    let inner = s.expect(asn1::SEQUENCE, "encapContentInfo").map_err(bad)?;
    let mut i = Reader::contents(&inner);
    let inner_type = i.oid().map_err(bad)?;
    if inner_type != DATA || !i.is_empty() {
        warnings.push(
            "the PKCS#7 structure carries signed content; only its certificates are read".into(),
        );
    }
    if let Some(set) = s.optional(asn1::CTX0).map_err(bad)? {
        let mut c = Reader::contents(&set);
        while !c.is_empty() {
            let index = out.len() + 1;
            let t = c.any().map_err(bad)?;
            if t.tag != asn1::SEQUENCE {
                // Attribute certificates and the obsolete extended certificates.
                warnings.push(format!(
                    "certificate {index}: not an X.509 certificate (tag 0x{:02x}), left out",
                    t.tag
                ));
                continue;
            }
            x509_cert::Certificate::from_der(t.raw).map_err(|e| Pkcs7Error::BadCertificate {
                index,
                reason: e.to_string(),
            })?;
            out.push(t.raw.to_vec());
        }
    }
    if s.optional(CTX1).map_err(bad)?.is_some() {
        warnings.push("the PKCS#7 bundle's CRLs are not read".into());
    }
    let signers = s.expect(asn1::SET, "signerInfos").map_err(bad)?;
    s.finish("SignedData").map_err(bad)?;
    if !signers.value.is_empty() {
        warnings.push("the PKCS#7 structure is signed; the signature is not checked".into());
    }
    Ok(())
}

/// Encodes certificates as a degenerate SignedData (DER), in the order given, as
/// `openssl crl2pkcs7 -nocrl` does.
pub fn encode_certs(certs: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let signed_data = asn1::seq(&[
        &asn1::uint(1),
        &asn1::tlv(asn1::SET, &[]),
        &asn1::seq(&[&asn1::oid(&DATA)]),
        &asn1::cons(asn1::CTX0, &refs),
        &asn1::tlv(asn1::SET, &[]),
    ]);
    asn1::seq(&[
        &asn1::oid(&SIGNED_DATA),
        &asn1::tlv(asn1::CTX0, &signed_data),
    ])
}

/// Encodes a store as a bundle: trusted certificates and the chains of key entries. A private
/// or secret key cannot be held: that is an error naming the entry (nothing is dropped).
pub fn encode(store: &Keystore) -> Result<Vec<u8>, Pkcs7Error> {
    let mut certs: Vec<Vec<u8>> = Vec::new();
    for e in &store.entries {
        match &e.body {
            EntryBody::TrustedCert { cert } => certs.push(cert.clone()),
            EntryBody::PrivateKey { .. } => {
                return Err(Pkcs7Error::Unsupported {
                    alias: e.alias.clone(),
                    what: "private key",
                });
            }
            EntryBody::SecretKey { .. } => {
                return Err(Pkcs7Error::Unsupported {
                    alias: e.alias.clone(),
                    what: "secret key",
                });
            }
        }
    }
    Ok(encode_certs(&certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bundle_round_trips_to_the_empty_error() {
        let der = encode_certs(&[]);
        assert!(sniff(&der));
        assert!(matches!(decode(&der), Err(Pkcs7Error::Empty)));
    }

    #[test]
    fn other_content_types_are_not_bundles() {
        let data = asn1::seq(&[
            &asn1::oid(&DATA),
            &asn1::tlv(asn1::CTX0, &asn1::octets(b"x")),
        ]);
        assert!(!sniff(&data));
        assert!(matches!(decode(&data), Err(Pkcs7Error::NotPkcs7(_))));
    }

    #[test]
    fn pem_is_a_bundle_only_when_every_block_is_pkcs7() {
        let p7 = crate::pem::encode("PKCS7", &encode_certs(&[]));
        let cert = crate::pem::encode("CERTIFICATE", &[0x30, 0]);
        assert!(sniff(format!("text first\n{p7}").as_bytes()));
        assert!(sniff(format!("{p7}{p7}").as_bytes()));
        assert!(!sniff(format!("{cert}{p7}").as_bytes()));
        assert!(!sniff(format!("{p7}{cert}").as_bytes()));
        assert!(!sniff(b"-----BEGIN PKCS7X-----\n"));
    }
}
