//! Inspection: recognises what a file holds (certificates, requests, CRLs, keys, in PEM or
//! DER) and summarises each object as plain serializable data. Rendering (text or JSON) is
//! the CLI's job; the JSON field names here are the documented schema (docs/json.md).

use der::{Decode, Encode};
use serde::Serialize;
use sha2::Digest;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, KeyUsages, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::request::CertReq;

use super::keyfile::{self, KeyForm};
use super::name::{hex_lower, to_rfc4514};
use super::{oids, san, signed, verify};
use crate::pem;

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("the file is empty")]
    Empty,
    #[error(transparent)]
    Pem(#[from] pem::PemError),
    #[error("PEM block '{label}' at line {line}: {reason}")]
    BadBlock {
        label: String,
        line: usize,
        reason: String,
    },
    #[error("not a recognised certificate, request, CRL or key (DER parse failed: {0})")]
    Unrecognised(String),
    #[error("no certificate, request, CRL or key found in the PEM text")]
    NothingFound,
}

/// Everything `show` reports about one object.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Object {
    Certificate(CertSummary),
    Csr(CsrSummary),
    Crl(CrlSummary),
    PrivateKey(PrivateKeySummary),
    PublicKey(PublicKeySummary),
}

#[derive(Debug, Serialize, Clone)]
pub struct PublicKeyInfo {
    /// "RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", or the OID.
    pub algorithm: String,
    pub bits: Option<u32>,
    pub curve: Option<String>,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex.
    pub spki_sha256: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct Fingerprints {
    pub sha1: String,
    pub sha256: String,
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct Extensions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_alt_names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_key_usage: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_constraints: Option<BasicConstraintsInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crl_distribution_points: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_info_access: Option<Vec<AccessInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_constraints: Option<NameConstraintsInfo>,
    /// OIDs of the extensions marked critical.
    pub critical: Vec<String>,
    /// Extensions keychest does not decode: OID (and name when known).
    pub other: Vec<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct BasicConstraintsInfo {
    pub ca: bool,
    pub path_len: Option<u8>,
}

#[derive(Debug, Serialize, Clone)]
pub struct AccessInfo {
    /// "OCSP", "CA Issuers" or the OID.
    pub method: String,
    pub location: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct NameConstraintsInfo {
    pub permitted: Vec<String>,
    pub excluded: Vec<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// Lowercase hex, no colons.
    pub serial: String,
    pub version: u8,
    pub not_before: String,
    pub not_after: String,
    pub public_key: PublicKeyInfo,
    pub signature_algorithm: String,
    pub self_signed: bool,
    pub extensions: Extensions,
    pub fingerprints: Fingerprints,
}

#[derive(Debug, Serialize)]
pub struct CsrSummary {
    pub subject: String,
    pub public_key: PublicKeyInfo,
    pub signature_algorithm: String,
    pub signature_valid: bool,
    pub extensions: Extensions,
}

#[derive(Debug, Serialize)]
pub struct CrlSummary {
    pub issuer: String,
    pub this_update: String,
    pub next_update: Option<String>,
    pub crl_number: Option<String>,
    pub signature_algorithm: String,
    pub revoked: Vec<RevokedInfo>,
}

#[derive(Debug, Serialize)]
pub struct RevokedInfo {
    pub serial: String,
    pub date: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PrivateKeySummary {
    /// "PKCS#8", "encrypted PKCS#8 (...)", "PKCS#1 RSA", "SEC1 EC", ...
    pub form: String,
    pub encrypted: bool,
    /// Known when the key is not encrypted or was decrypted with the given password.
    pub public_key: Option<PublicKeyInfo>,
    /// The algorithm of a PKCS#8 key keychest does not use (Ed448, X25519, …): shown, and
    /// carried through conversions as opaque PKCS#8; its public key is derived for Ed448.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported_algorithm: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PublicKeySummary {
    pub public_key: PublicKeyInfo,
}

/// RFC 3339 UTC text of an X.509 time.
pub fn rfc3339(t: &x509_cert::time::Time) -> String {
    unix_rfc3339(t.to_unix_duration().as_secs() as i64)
}

pub fn unix_rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

pub fn fingerprints(der: &[u8]) -> Fingerprints {
    Fingerprints {
        sha1: hex_lower(&sha1::Sha1::digest(der)),
        sha256: hex_lower(&sha2::Sha256::digest(der)),
    }
}

/// Describes a SubjectPublicKeyInfo: algorithm, size or curve, fingerprint.
pub fn public_key_info(spki: &SubjectPublicKeyInfoOwned) -> PublicKeyInfo {
    let der = spki.to_der().unwrap_or_default();
    let oid = spki.algorithm.oid;
    let key_bits = spki.subject_public_key.raw_bytes();
    let (algorithm, bits, curve) = if oid == oids::RSA_ENCRYPTION || oid == oids::RSASSA_PSS {
        let bits = pkcs1::RsaPublicKeyRef::from_der(key_bits).ok().map(|k| {
            let n = k.modulus.as_bytes();
            let lead = n.iter().position(|&b| b != 0).unwrap_or(n.len());
            let n = &n[lead..];
            n.first()
                .map(|&b| (n.len() as u32 - 1) * 8 + (8 - b.leading_zeros()))
                .unwrap_or(0)
        });
        let name = if oid == oids::RSA_ENCRYPTION {
            "RSA"
        } else {
            "RSASSA-PSS"
        };
        (name.to_string(), bits, None)
    } else if oid == oids::EC_PUBLIC_KEY {
        let curve: Option<spki::ObjectIdentifier> = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as().ok());
        let bits = match curve {
            Some(oids::SECP256R1) => Some(256),
            Some(oids::SECP384R1) => Some(384),
            Some(oids::SECP521R1) => Some(521),
            _ => None,
        };
        ("EC".to_string(), bits, curve.map(|c| oids::name(&c)))
    } else if oid == oids::ED25519 {
        ("Ed25519".to_string(), Some(256), None)
    } else if oid == oids::ED448 {
        ("Ed448".to_string(), Some(456), None)
    } else {
        (oids::name(&oid), None, None)
    };
    PublicKeyInfo {
        algorithm,
        bits,
        curve,
        spki_sha256: hex_lower(&sha2::Sha256::digest(&der)),
    }
}

impl PublicKeyInfo {
    /// "RSA 2048", "EC P-256", "Ed25519".
    pub fn label(&self) -> String {
        match (&self.curve, self.bits) {
            (Some(c), _) => format!("{} {}", self.algorithm, c),
            (None, Some(b)) if self.algorithm.starts_with("RSA") => {
                format!("{} {}", self.algorithm, b)
            }
            _ => self.algorithm.clone(),
        }
    }
}

/// RFC 5280 names of the bits set in a keyUsage.
pub fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    let all = [
        (KeyUsages::DigitalSignature, "digitalSignature"),
        (KeyUsages::NonRepudiation, "nonRepudiation"),
        (KeyUsages::KeyEncipherment, "keyEncipherment"),
        (KeyUsages::DataEncipherment, "dataEncipherment"),
        (KeyUsages::KeyAgreement, "keyAgreement"),
        (KeyUsages::KeyCertSign, "keyCertSign"),
        (KeyUsages::CRLSign, "cRLSign"),
        (KeyUsages::EncipherOnly, "encipherOnly"),
        (KeyUsages::DecipherOnly, "decipherOnly"),
    ];
    all.iter()
        .filter(|(f, _)| ku.0.contains(*f))
        .map(|(_, n)| n.to_string())
        .collect()
}

fn general_names(names: &[GeneralName]) -> Vec<String> {
    names.iter().map(san::display).collect()
}

/// Decodes the extensions keychest knows; the rest are listed by OID.
pub fn extensions(exts: &[Extension]) -> Extensions {
    let mut out = Extensions::default();
    for ext in exts {
        if ext.critical {
            out.critical.push(extension_name(&ext.extn_id));
        }
        let v = ext.extn_value.as_bytes();
        let known = match ext.extn_id {
            oids::EXT_SUBJECT_ALT_NAME => SubjectAltName::from_der(v)
                .map(|s| out.subject_alt_names = Some(general_names(&s.0)))
                .is_ok(),
            oids::EXT_KEY_USAGE => KeyUsage::from_der(v)
                .map(|k| out.key_usage = Some(key_usage_names(&k)))
                .is_ok(),
            oids::EXT_EXTENDED_KEY_USAGE => ExtendedKeyUsage::from_der(v)
                .map(|e| out.extended_key_usage = Some(e.0.iter().map(oids::name).collect()))
                .is_ok(),
            oids::EXT_BASIC_CONSTRAINTS => BasicConstraints::from_der(v)
                .map(|b| {
                    out.basic_constraints = Some(BasicConstraintsInfo {
                        ca: b.ca,
                        path_len: b.path_len_constraint,
                    })
                })
                .is_ok(),
            oids::EXT_SUBJECT_KEY_ID => SubjectKeyIdentifier::from_der(v)
                .map(|s| out.subject_key_id = Some(hex_lower(s.0.as_bytes())))
                .is_ok(),
            oids::EXT_AUTHORITY_KEY_ID => AuthorityKeyIdentifier::from_der(v)
                .map(|a| out.authority_key_id = a.key_identifier.map(|k| hex_lower(k.as_bytes())))
                .is_ok(),
            oids::EXT_CRL_DISTRIBUTION_POINTS => CrlDistributionPoints::from_der(v)
                .map(|d| {
                    out.crl_distribution_points = Some(
                        d.0.iter()
                            .flat_map(|dp| match &dp.distribution_point {
                                Some(DistributionPointName::FullName(n)) => general_names(n),
                                Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                                    vec!["(relative name)".into()]
                                }
                                None => vec![],
                            })
                            .collect(),
                    )
                })
                .is_ok(),
            oids::EXT_AUTHORITY_INFO_ACCESS => AuthorityInfoAccessSyntax::from_der(v)
                .map(|a| {
                    out.authority_info_access = Some(
                        a.0.iter()
                            .map(|d| AccessInfo {
                                method: match d.access_method {
                                    oids::AD_OCSP => "OCSP".into(),
                                    oids::AD_CA_ISSUERS => "CA Issuers".into(),
                                    other => other.to_string(),
                                },
                                location: san::display(&d.access_location),
                            })
                            .collect(),
                    )
                })
                .is_ok(),
            oids::EXT_NAME_CONSTRAINTS => NameConstraints::from_der(v)
                .map(|n| {
                    let list = |t: &Option<
                        Vec<x509_cert::ext::pkix::constraints::name::GeneralSubtree>,
                    >| {
                        t.as_ref()
                            .map(|s| s.iter().map(|g| san::display(&g.base)).collect())
                            .unwrap_or_default()
                    };
                    out.name_constraints = Some(NameConstraintsInfo {
                        permitted: list(&n.permitted_subtrees),
                        excluded: list(&n.excluded_subtrees),
                    })
                })
                .is_ok(),
            _ => false,
        };
        if !known {
            out.other
                .push(match const_oid::db::DB.by_oid(&ext.extn_id) {
                    Some(n) => format!("{} ({n})", ext.extn_id),
                    None => ext.extn_id.to_string(),
                });
        }
    }
    out
}

/// Summarises a DER certificate.
pub fn certificate(der: &[u8]) -> Result<CertSummary, der::Error> {
    let cert = Certificate::from_der(der)?;
    Ok(cert_summary(&cert, der))
}

pub fn cert_summary(cert: &Certificate, der: &[u8]) -> CertSummary {
    let tbs = cert.tbs_certificate();
    let exts: &[Extension] = tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]);
    let self_signed = signed::cert_issuer_subject(der).is_some_and(|(i, s)| i == s)
        && verify::cert_signed_by(cert, der, tbs.subject_public_key_info()).is_ok();
    CertSummary {
        subject: to_rfc4514(tbs.subject()),
        issuer: to_rfc4514(tbs.issuer()),
        serial: hex_lower(tbs.serial_number().as_bytes()),
        version: match tbs.version() {
            x509_cert::certificate::Version::V1 => 1,
            x509_cert::certificate::Version::V2 => 2,
            x509_cert::certificate::Version::V3 => 3,
        },
        not_before: rfc3339(&tbs.validity().not_before),
        not_after: rfc3339(&tbs.validity().not_after),
        public_key: public_key_info(tbs.subject_public_key_info()),
        signature_algorithm: oids::name(&cert.signature_algorithm().oid),
        self_signed,
        extensions: extensions(exts),
        fingerprints: fingerprints(der),
    }
}

fn csr_summary(der: &[u8]) -> Result<CsrSummary, der::Error> {
    let req = CertReq::from_der(der)?;
    let signature_valid = super::csr::parse_and_verify(der).is_ok();
    let exts = super::csr::requested_extensions(&req).unwrap_or_default();
    Ok(CsrSummary {
        subject: to_rfc4514(&req.info.subject),
        public_key: public_key_info(&req.info.public_key),
        signature_algorithm: oids::name(&req.algorithm.oid),
        signature_valid,
        extensions: extensions(&exts),
    })
}

fn crl_summary(der: &[u8]) -> Result<CrlSummary, der::Error> {
    let crl: CertificateList = CertificateList::from_der(der)?;
    let tbs = &crl.tbs_cert_list;
    let crl_number = tbs.crl_extensions.as_ref().and_then(|exts| {
        exts.iter()
            .find(|e| e.extn_id == oids::EXT_CRL_NUMBER)
            .and_then(|e| der::asn1::UintRef::from_der(e.extn_value.as_bytes()).ok())
            .map(|n| hex_lower(n.as_bytes()))
    });
    let revoked = tbs
        .revoked_certificates
        .as_ref()
        .map(|list| {
            list.iter()
                .map(|r| RevokedInfo {
                    serial: hex_lower(r.serial_number.as_bytes()),
                    date: rfc3339(&r.revocation_date),
                    reason: r.crl_entry_extensions.as_ref().and_then(|exts| {
                        exts.iter()
                            .find(|e| e.extn_id == oids::EXT_CRL_REASON)
                            .and_then(|e| {
                                x509_cert::ext::pkix::CrlReason::from_der(e.extn_value.as_bytes())
                                    .ok()
                            })
                            .map(crl_reason_name)
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(CrlSummary {
        issuer: to_rfc4514(&tbs.issuer),
        this_update: rfc3339(&tbs.this_update),
        next_update: tbs.next_update.as_ref().map(rfc3339),
        crl_number,
        signature_algorithm: oids::name(&crl.signature_algorithm.oid),
        revoked,
    })
}

/// A private key found in a file; `password` is asked only if it is encrypted, and may
/// decline (return None) to leave the key undecrypted.
fn private_key_summary(
    bytes: &[u8],
    password: &mut dyn FnMut() -> Option<zeroize::Zeroizing<String>>,
) -> Result<PrivateKeySummary, keyfile::KeyFileError> {
    let form = keyfile::key_form(bytes)?;
    let encrypted = matches!(
        form,
        KeyForm::Pkcs8Encrypted { .. } | KeyForm::LegacyPemEncrypted { .. }
    );
    let pkcs8 = if encrypted {
        match password() {
            Some(pw) => Some(keyfile::load_pkcs8(bytes, &mut || Ok(pw.clone()))?),
            None => None,
        }
    } else {
        Some(keyfile::load_pkcs8(bytes, &mut || {
            Err(keyfile::KeyFileError::NeedPassword)
        })?)
    };
    let Some(pkcs8) = pkcs8 else {
        return Ok(PrivateKeySummary {
            form: form.to_string(),
            encrypted,
            public_key: None,
            unsupported_algorithm: None,
        });
    };
    let (public_key, unsupported_algorithm) = match super::key::PrivateKey::from_pkcs8_der(&pkcs8) {
        Ok(key) => (Some(public_key_info(&key.public_key_info()?)), None),
        // A key keychest only carries: its public key where it can be derived (Ed448).
        Err(super::key::KeyError::UnsupportedAlgorithm(name)) => (
            super::key::PrivateKey::carried_public_key(&pkcs8)
                .and_then(|der| SubjectPublicKeyInfoOwned::from_der(&der).ok())
                .map(|spki| public_key_info(&spki)),
            Some(name),
        ),
        Err(e) => return Err(keyfile::KeyFileError::Key(e)),
    };
    Ok(PrivateKeySummary {
        form: form.to_string(),
        encrypted,
        public_key,
        unsupported_algorithm,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error(transparent)]
    Inspect(#[from] InspectError),
    #[error(transparent)]
    Key(#[from] keyfile::KeyFileError),
}

/// Recognises and summarises every object in `bytes` (PEM with any number of blocks, or DER).
pub fn inspect(
    bytes: &[u8],
    password: &mut dyn FnMut() -> Option<zeroize::Zeroizing<String>>,
) -> Result<Vec<Object>, ShowError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InspectError::Empty.into());
    }
    if pem::looks_like_pem(bytes) {
        let blocks = pem::parse_all(bytes).map_err(InspectError::from)?;
        let mut objects = Vec::new();
        let mut key_seen = false;
        for block in &blocks {
            let bad = |reason: String| InspectError::BadBlock {
                label: block.label.clone(),
                line: block.line,
                reason,
            };
            match block.label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    // A TRUSTED CERTIFICATE has OpenSSL trust data after the certificate.
                    let der = match signed::tlv_len(&block.der) {
                        Some((_, total)) => &block.der[..total],
                        None => &block.der[..],
                    };
                    objects.push(Object::Certificate(
                        certificate(der).map_err(|e| bad(e.to_string()))?,
                    ));
                }
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => objects.push(Object::Csr(
                    csr_summary(&block.der).map_err(|e| bad(e.to_string()))?,
                )),
                "X509 CRL" => objects.push(Object::Crl(
                    crl_summary(&block.der).map_err(|e| bad(e.to_string()))?,
                )),
                "PUBLIC KEY" => {
                    let spki = SubjectPublicKeyInfoOwned::from_der(&block.der)
                        .map_err(|e| bad(e.to_string()))?;
                    objects.push(Object::PublicKey(PublicKeySummary {
                        public_key: public_key_info(&spki),
                    }));
                }
                "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
                    if !key_seen =>
                {
                    key_seen = true;
                    objects.push(Object::PrivateKey(private_key_summary(bytes, password)?));
                }
                _ => {}
            }
        }
        if objects.is_empty() {
            return Err(InspectError::NothingFound.into());
        }
        return Ok(objects);
    }
    // DER: try each structure, most common first.
    if let Ok(c) = certificate(bytes) {
        return Ok(vec![Object::Certificate(c)]);
    }
    if let Ok(c) = csr_summary(bytes) {
        return Ok(vec![Object::Csr(c)]);
    }
    if let Ok(c) = crl_summary(bytes) {
        return Ok(vec![Object::Crl(c)]);
    }
    if let Ok(spki) = SubjectPublicKeyInfoOwned::from_der(bytes) {
        return Ok(vec![Object::PublicKey(PublicKeySummary {
            public_key: public_key_info(&spki),
        })]);
    }
    match private_key_summary(bytes, password) {
        Ok(k) => Ok(vec![Object::PrivateKey(k)]),
        Err(keyfile::KeyFileError::NotAKey) => {
            let why = Certificate::from_der(bytes)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            Err(InspectError::Unrecognised(why).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// OpenSSL's short name of an extension (as in `openssl x509 -text` configuration), or the OID.
pub fn extension_name(oid: &spki::ObjectIdentifier) -> String {
    match *oid {
        oids::EXT_SUBJECT_ALT_NAME => "subjectAltName".into(),
        oids::EXT_KEY_USAGE => "keyUsage".into(),
        oids::EXT_EXTENDED_KEY_USAGE => "extendedKeyUsage".into(),
        oids::EXT_BASIC_CONSTRAINTS => "basicConstraints".into(),
        oids::EXT_SUBJECT_KEY_ID => "subjectKeyIdentifier".into(),
        oids::EXT_AUTHORITY_KEY_ID => "authorityKeyIdentifier".into(),
        oids::EXT_CRL_DISTRIBUTION_POINTS => "crlDistributionPoints".into(),
        oids::EXT_AUTHORITY_INFO_ACCESS => "authorityInfoAccess".into(),
        oids::EXT_NAME_CONSTRAINTS => "nameConstraints".into(),
        oids::EXT_CERTIFICATE_POLICIES => "certificatePolicies".into(),
        other => other.to_string(),
    }
}

/// RFC 5280 §5.3.1 name of a revocation reason.
pub fn crl_reason_name(r: x509_cert::ext::pkix::CrlReason) -> String {
    use x509_cert::ext::pkix::CrlReason as R;
    match r {
        R::Unspecified => "unspecified",
        R::KeyCompromise => "keyCompromise",
        R::CaCompromise => "cACompromise",
        R::AffiliationChanged => "affiliationChanged",
        R::Superseded => "superseded",
        R::CessationOfOperation => "cessationOfOperation",
        R::CertificateHold => "certificateHold",
        R::RemoveFromCRL => "removeFromCRL",
        R::PrivilegeWithdrawn => "privilegeWithdrawn",
        R::AaCompromise => "aACompromise",
    }
    .to_string()
}
