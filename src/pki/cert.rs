//! Certificate encoding and signing (RFC 5280 §4.1) and the extensions a CA puts in the
//! certificates it issues (§4.2.1).
//!
//! x509-cert 0.3 hides `TbsCertificate`'s fields, so the to-be-signed structure is our own
//! `der` type. The issuer, subject and subject public key are carried as raw DER: the issuer
//! is the CA certificate's subject byte for byte, and the public key is the request's SPKI
//! byte for byte — nothing is re-encoded from a parsed form.

use der::asn1::{AnyRef, BitString, OctetString, Uint};
use der::{Decode, Encode, Sequence};
use sha1::Digest;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoRef};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::time::{Time, Validity};

use super::key::{KeyError, PrivateKey};
use super::oids;

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("encoding the certificate failed")]
    Encode(#[from] der::Error),
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("time {0} is out of range for a certificate")]
    Time(i64),
}

/// TBSCertificate (RFC 5280 §4.1), v3 only, without the unique identifiers.
///
/// ```text
/// TBSCertificate  ::=  SEQUENCE  {
///      version         [0]  EXPLICIT Version DEFAULT v1,
///      serialNumber         CertificateSerialNumber,
///      signature            AlgorithmIdentifier,
///      issuer               Name,
///      validity             Validity,
///      subject              Name,
///      subjectPublicKeyInfo SubjectPublicKeyInfo,
///      extensions      [3]  EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Sequence)]
struct TbsCertificate<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: Uint,
    signature: AlgorithmIdentifierOwned,
    issuer: AnyRef<'a>,
    validity: Validity,
    subject: AnyRef<'a>,
    spki: AnyRef<'a>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`,
/// also the shape of a CertificateList (RFC 5280 §5.1).
#[derive(Sequence)]
pub(crate) struct SignedData<'a> {
    pub tbs: AnyRef<'a>,
    pub algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
}

/// What goes into a certificate. All names and the key are DER.
#[derive(Debug, Clone)]
pub struct CertParams<'a> {
    /// Positive serial number, big-endian, without a sign byte.
    pub serial: &'a [u8],
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub spki: &'a [u8],
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub extensions: Vec<Extension>,
}

/// X.509 time for Unix seconds: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub fn x509_time(secs: i64) -> Result<Time, CertError> {
    let d = u64::try_from(secs).map_err(|_| CertError::Time(secs))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(d))
        .map_err(|_| CertError::Time(secs))?;
    Ok(Time::from(dt))
}

fn any<'a>(what: &'static str, der: &'a [u8]) -> Result<AnyRef<'a>, CertError> {
    let any = AnyRef::from_der(der).map_err(|e| CertError::Malformed {
        what,
        detail: e.to_string(),
    })?;
    Ok(any)
}

/// Signs `tbs` (DER) with `key` and wraps it as signed data (certificate or CRL).
pub(crate) fn sign_tbs(tbs: &[u8], key: &PrivateKey) -> Result<Vec<u8>, CertError> {
    let signature = key.sign(tbs)?;
    let signed = SignedData {
        tbs: any("TBS", tbs)?,
        algorithm: key.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(signed.to_der()?)
}

/// Builds and signs a v3 certificate; returns its DER.
pub fn sign(params: &CertParams<'_>, key: &PrivateKey) -> Result<Vec<u8>, CertError> {
    let tbs = TbsCertificate {
        version: 2,
        serial: Uint::new(params.serial)?,
        signature: key.signature_algorithm(),
        issuer: any("issuer name", params.issuer)?,
        validity: Validity::new(x509_time(params.not_before)?, x509_time(params.not_after)?),
        subject: any("subject name", params.subject)?,
        spki: any("public key", params.spki)?,
        extensions: (!params.extensions.is_empty()).then(|| params.extensions.clone()),
    }
    .to_der()?;
    sign_tbs(&tbs, key)
}

fn ext(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension, CertError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// basicConstraints, always critical (RFC 5280 §4.2.1.9 requires it for CAs; we mark
/// leaves too, as the CA/Browser Forum profile allows).
pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Result<Extension, CertError> {
    ext(
        oids::EXT_BASIC_CONSTRAINTS,
        true,
        &BasicConstraints {
            ca,
            path_len_constraint: if ca { path_len } else { None },
        },
    )
}

/// keyUsage, critical (RFC 5280 §4.2.1.3: SHOULD be critical).
pub fn key_usage(usages: der::flagset::FlagSet<KeyUsages>) -> Result<Extension, CertError> {
    ext(oids::EXT_KEY_USAGE, true, &KeyUsage(usages))
}

/// extKeyUsage, not critical.
pub fn extended_key_usage(purposes: &[ObjectIdentifier]) -> Result<Extension, CertError> {
    ext(
        oids::EXT_EXTENDED_KEY_USAGE,
        false,
        &ExtendedKeyUsage(purposes.to_vec()),
    )
}

/// Key identifier of a SubjectPublicKeyInfo: SHA-1 of the subjectPublicKey BIT STRING's
/// bits (RFC 5280 §4.2.1.2, method 1), as OpenSSL and keytool compute it.
pub fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>, CertError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|e| CertError::Malformed {
        what: "public key",
        detail: e.to_string(),
    })?;
    Ok(sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec())
}

pub fn subject_key_id(key_id: &[u8]) -> Result<Extension, CertError> {
    ext(
        oids::EXT_SUBJECT_KEY_ID,
        false,
        &SubjectKeyIdentifier(OctetString::new(key_id)?),
    )
}

/// authorityKeyIdentifier with the issuer's key identifier only (RFC 5280 §4.2.1.1).
pub fn authority_key_id(issuer_key_id: &[u8]) -> Result<Extension, CertError> {
    ext(
        oids::EXT_AUTHORITY_KEY_ID,
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(issuer_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )
}

/// subjectAltName; critical when the subject is empty (RFC 5280 §4.2.1.6).
pub fn subject_alt_name(names: &[GeneralName], critical: bool) -> Result<Extension, CertError> {
    ext(
        oids::EXT_SUBJECT_ALT_NAME,
        critical,
        &SubjectAltName(names.to_vec()),
    )
}

/// The raw subjectPublicKeyInfo bytes of a DER certificate.
pub fn cert_spki(cert_der: &[u8]) -> Option<&[u8]> {
    let tbs = super::signed::tbs_bytes(cert_der)?;
    let elems = super::signed::sequence_elements(tbs)?;
    let off = usize::from(elems.first()?.first() == Some(&0xa0));
    elems.get(off + 5).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;

    #[test]
    fn self_signed_round_trip_verifies() {
        let key = PrivateKey::generate(super::super::key::KeyType::P256).unwrap();
        let spki = key.public_key_info().unwrap().to_der().unwrap();
        let name = super::super::name::parse_dn("CN=Test Root")
            .unwrap()
            .to_der()
            .unwrap();
        let kid = key_identifier(&spki).unwrap();
        let params = CertParams {
            serial: &[0x12, 0x34],
            issuer: &name,
            subject: &name,
            spki: &spki,
            not_before: 1_700_000_000,
            not_after: 2_600_000_000, // after 2049: GeneralizedTime
            extensions: vec![
                basic_constraints(true, None).unwrap(),
                key_usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).unwrap(),
                subject_key_id(&kid).unwrap(),
            ],
        };
        let der = sign(&params, &key).unwrap();
        let cert = Certificate::from_der(&der).unwrap();
        assert_eq!(cert_spki(&der).unwrap(), &spki[..]);
        let (iss, sub) = super::super::signed::cert_issuer_subject(&der).unwrap();
        assert_eq!(iss, &name[..]);
        assert_eq!(sub, &name[..]);
        let tbs = super::super::signed::tbs_bytes(&der).unwrap();
        super::super::verify::verify_signature(
            cert.tbs_certificate().subject_public_key_info(),
            cert.signature_algorithm(),
            tbs,
            cert.signature().as_bytes().unwrap(),
        )
        .unwrap();
    }
}
