//! PKCS#10 certification requests (RFC 2986): building and signing one, and verifying the
//! signature of one received from elsewhere.

use der::asn1::{BitString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use super::key::{KeyError, PrivateKey};
use super::oids;
use super::verify::{VerifyError, verify_signature};

#[derive(Debug, thiserror::Error)]
pub enum CsrError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("encoding the request failed")]
    Encode(#[from] der::Error),
    #[error("malformed certificate request: {0}")]
    Malformed(String),
    #[error("the request's signature does not verify: {0}")]
    BadSignature(VerifyError),
}

/// Builds and signs a request for `subject` with optional SANs (sent in an
/// extensionRequest attribute, as `openssl req -addext subjectAltName=...` does).
pub fn build(key: &PrivateKey, subject: Name, sans: &[GeneralName]) -> Result<Vec<u8>, CsrError> {
    let mut attributes: SetOfVec<Attribute> = SetOfVec::new();
    if !sans.is_empty() {
        let san = SubjectAltName(sans.to_vec());
        let ext = Extension {
            extn_id: oids::EXT_SUBJECT_ALT_NAME,
            critical: false,
            extn_value: der::asn1::OctetString::new(san.to_der()?)?,
        };
        attributes.insert(Attribute::try_from(ExtensionReq(vec![ext]))?)?;
    }
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key: key.public_key_info()?,
        attributes,
    };
    let tbs = info.to_der()?;
    let signature = key.sign(&tbs)?;
    let req = CertReq {
        info,
        algorithm: key.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(req.to_der()?)
}

/// Parses a DER request and checks its self-signature.
pub fn parse_and_verify(der: &[u8]) -> Result<CertReq, CsrError> {
    let req = CertReq::from_der(der).map_err(|e| CsrError::Malformed(e.to_string()))?;
    let tbs = super::signed::tbs_bytes(der)
        .ok_or_else(|| CsrError::Malformed("truncated request".into()))?;
    verify_with_tbs(&req, tbs)?;
    Ok(req)
}

/// Checks the request's self-signature (proof of possession of the key).
pub fn verify(req: &CertReq) -> Result<(), CsrError> {
    let tbs = req.info.to_der()?;
    verify_with_tbs(req, &tbs)
}

fn verify_with_tbs(req: &CertReq, tbs: &[u8]) -> Result<(), CsrError> {
    let sig = req
        .signature
        .as_bytes()
        .ok_or_else(|| CsrError::Malformed("signature has unused bits".into()))?;
    verify_signature(&req.info.public_key, &req.algorithm, tbs, sig).map_err(CsrError::BadSignature)
}

/// The extensions requested in the CSR's extensionRequest attribute.
pub fn requested_extensions(req: &CertReq) -> Result<Vec<Extension>, CsrError> {
    let mut out = Vec::new();
    for attr in req.info.attributes.iter() {
        if attr.oid != oids::EXTENSION_REQUEST {
            continue;
        }
        for value in attr.values.iter() {
            let exts: Vec<Extension> = value
                .decode_as()
                .map_err(|e| CsrError::Malformed(format!("extensionRequest: {e}")))?;
            out.extend(exts);
        }
    }
    Ok(out)
}
