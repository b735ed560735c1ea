//! Signature verification over X.509 structures: certificates, CSRs and CRLs are all
//! "signed data" (TBS bytes, algorithm, signature) checked against a SubjectPublicKeyInfo.

use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;
use signature::Verifier;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::oids;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("signature algorithm {0} is not supported")]
    UnsupportedAlgorithm(String),
    #[error("signature algorithm {alg} does not fit a {key} key")]
    KeyMismatch { alg: String, key: String },
    #[error("malformed public key: {0}")]
    BadKey(String),
    #[error("malformed RSA-PSS parameters: {0}")]
    BadPssParams(String),
    #[error("the signature does not verify")]
    BadSignature,
}

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: &spki::ObjectIdentifier) -> Option<Hash> {
        Some(match *oid {
            oids::SHA1 => Hash::Sha1,
            oids::SHA256 => Hash::Sha256,
            oids::SHA384 => Hash::Sha384,
            oids::SHA512 => Hash::Sha512,
            _ => return None,
        })
    }

    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(msg).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(msg).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1); only the hash and salt length matter for verifying.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    _mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    _trailer: Option<u32>,
}

/// Verifies the signature of a signed DER object (`SEQUENCE { tbs, algorithm, BIT STRING }`:
/// a certificate, CRL or CSR) with `spki`; `what` names the object when it is malformed.
pub fn verify_signed(
    der: &[u8],
    alg: &AlgorithmIdentifierOwned,
    sig: &der::asn1::BitString,
    spki: &SubjectPublicKeyInfoOwned,
    what: &str,
) -> Result<(), String> {
    let tbs = super::signed::tbs_bytes(der).ok_or_else(|| format!("malformed {what}"))?;
    let sig = sig
        .as_bytes()
        .ok_or("the signature BIT STRING has unused bits")?;
    verify_signature(spki, alg, tbs, sig).map_err(|e| e.to_string())
}

/// [`verify_signed`] for a certificate parsed from `der`, with the key `spki`.
pub fn cert_signed_by(
    cert: &x509_cert::Certificate,
    der: &[u8],
    spki: &SubjectPublicKeyInfoOwned,
) -> Result<(), String> {
    verify_signed(
        der,
        cert.signature_algorithm(),
        cert.signature(),
        spki,
        "certificate",
    )
}

/// Verifies `sig` over `msg` made with `alg` by the holder of `spki`.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), VerifyError> {
    let spki_der = spki
        .to_der()
        .map_err(|e| VerifyError::BadKey(e.to_string()))?;
    let key_oid = spki.algorithm.oid;
    let mismatch = || VerifyError::KeyMismatch {
        alg: oids::name(&alg.oid),
        key: oids::name(&key_oid),
    };
    let rsa_hash = match alg.oid {
        oids::SHA1_WITH_RSA => Some(Hash::Sha1),
        oids::SHA256_WITH_RSA => Some(Hash::Sha256),
        oids::SHA384_WITH_RSA => Some(Hash::Sha384),
        oids::SHA512_WITH_RSA => Some(Hash::Sha512),
        _ => None,
    };
    let ecdsa_hash = match alg.oid {
        oids::ECDSA_WITH_SHA1 => Some(Hash::Sha1),
        oids::ECDSA_WITH_SHA256 => Some(Hash::Sha256),
        oids::ECDSA_WITH_SHA384 => Some(Hash::Sha384),
        oids::ECDSA_WITH_SHA512 => Some(Hash::Sha512),
        _ => None,
    };
    if let Some(hash) = rsa_hash {
        if key_oid != oids::RSA_ENCRYPTION {
            return Err(mismatch());
        }
        let key = rsa_public(&spki_der)?;
        let scheme = match hash {
            Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        return key
            .verify(scheme, &hash.digest(msg), sig)
            .map_err(|_| VerifyError::BadSignature);
    }
    if alg.oid == oids::RSASSA_PSS {
        if key_oid != oids::RSA_ENCRYPTION && key_oid != oids::RSASSA_PSS {
            return Err(mismatch());
        }
        return verify_pss(&spki_der, alg, msg, sig);
    }
    if let Some(hash) = ecdsa_hash {
        if key_oid != oids::EC_PUBLIC_KEY {
            return Err(mismatch());
        }
        let prehash = hash.digest(msg);
        let curve: Option<spki::ObjectIdentifier> = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as().ok());
        let bad = |e: spki::Error| VerifyError::BadKey(e.to_string());
        let ok = match curve {
            Some(oids::SECP256R1) => {
                let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(bad)?;
                let s = p256::ecdsa::DerSignature::from_bytes(sig)
                    .map_err(|_| VerifyError::BadSignature)?;
                vk.verify_prehash(&prehash, &s).is_ok()
            }
            Some(oids::SECP384R1) => {
                let vk = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(bad)?;
                let s = p384::ecdsa::DerSignature::from_bytes(sig)
                    .map_err(|_| VerifyError::BadSignature)?;
                vk.verify_prehash(&prehash, &s).is_ok()
            }
            Some(oids::SECP521R1) => {
                let vk = p521::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(bad)?;
                let s =
                    p521::ecdsa::Signature::from_der(sig).map_err(|_| VerifyError::BadSignature)?;
                vk.verify_prehash(&prehash, &s).is_ok()
            }
            Some(other) => {
                return Err(VerifyError::UnsupportedAlgorithm(format!(
                    "ECDSA on curve {}",
                    oids::name(&other)
                )));
            }
            None => return Err(VerifyError::BadKey("EC key without a named curve".into())),
        };
        return if ok {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        };
    }
    if alg.oid == oids::ED25519 {
        if key_oid != oids::ED25519 {
            return Err(mismatch());
        }
        let vk = ed25519_dalek::VerifyingKey::from_public_key_der(&spki_der)
            .map_err(|e| VerifyError::BadKey(e.to_string()))?;
        let s = ed25519_dalek::Signature::from_slice(sig).map_err(|_| VerifyError::BadSignature)?;
        return vk.verify(msg, &s).map_err(|_| VerifyError::BadSignature);
    }
    Err(VerifyError::UnsupportedAlgorithm(oids::name(&alg.oid)))
}

fn rsa_public(spki_der: &[u8]) -> Result<rsa::PublicKey, VerifyError> {
    rsa::PublicKey::from_public_key_der(spki_der).or_else(|_| {
        // An id-RSASSA-PSS key carries the same RSAPublicKey in its BIT STRING.
        let info = SubjectPublicKeyInfoOwned::from_der(spki_der)
            .map_err(|e| VerifyError::BadKey(e.to_string()))?;
        use rsa::pkcs1::DecodeRsaPublicKey;
        rsa::PublicKey::from_pkcs1_der(info.subject_public_key.raw_bytes())
            .map_err(|e| VerifyError::BadKey(e.to_string()))
    })
}

fn verify_pss(
    spki_der: &[u8],
    alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), VerifyError> {
    let params: PssParams = match &alg.parameters {
        Some(p) => p
            .decode_as::<PssParams>()
            .map_err(|e| VerifyError::BadPssParams(e.to_string()))?,
        None => PssParams {
            hash: None,
            _mask_gen: None,
            salt_len: None,
            _trailer: None,
        },
    };
    let hash = match &params.hash {
        None => Hash::Sha1,
        Some(h) => Hash::from_oid(&h.oid)
            .ok_or_else(|| VerifyError::UnsupportedAlgorithm(oids::name(&h.oid)))?,
    };
    let salt = params.salt_len.map(|s| s as usize);
    let key = rsa_public(spki_der)?;
    let hashed = hash.digest(msg);
    fn pss<D: Digest>(salt: Option<usize>) -> rsa::pss::Pss<D> {
        rsa::pss::Pss {
            blinded: false,
            digest: D::new(),
            salt_len: salt,
        }
    }
    let r = match hash {
        Hash::Sha1 => key.verify(pss::<sha1::Sha1>(salt.or(Some(20))), &hashed, sig),
        Hash::Sha256 => key.verify(pss::<sha2::Sha256>(salt.or(Some(20))), &hashed, sig),
        Hash::Sha384 => key.verify(pss::<sha2::Sha384>(salt.or(Some(20))), &hashed, sig),
        Hash::Sha512 => key.verify(pss::<sha2::Sha512>(salt.or(Some(20))), &hashed, sig),
    };
    r.map_err(|_| VerifyError::BadSignature)
}
