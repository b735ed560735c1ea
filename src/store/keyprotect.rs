//! Decrypting and encrypting private keys held in stores. Dispatches on the encryption
//! algorithm of an `EncryptedPrivateKeyInfo`: PBES2 and the PKCS#12 PBE schemes here, Sun's
//! JKS and JCEKS key protectors in the Java codec.

use der::{Decode, Encode};
use pkcs8::EncryptedPrivateKeyInfoRef;
use zeroize::Zeroizing;

use crate::pki::oids;
use crate::pki::pbe::{self, PbeError};

/// Sun JKS key protector (1.3.6.1.4.1.42.2.17.1.1).
pub const SUN_JKS_PROTECTOR: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");
/// JCEKS key protector, PBEWithMD5AndTripleDES (1.3.6.1.4.1.42.2.19.1).
pub const SUN_JCEKS_PROTECTOR: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.19.1");

#[derive(Debug, thiserror::Error)]
pub enum KeyProtectError {
    #[error("wrong key password (or corrupted key)")]
    WrongPassword,
    #[error("unsupported key encryption {0}")]
    Unsupported(String),
    #[error("malformed encrypted key: {0}")]
    Malformed(String),
}

#[derive(der::Sequence)]
struct RawEncryptedKey {
    algorithm: spki::AlgorithmIdentifierOwned,
    data: der::asn1::OctetString,
}

/// The OID of the scheme protecting an `EncryptedPrivateKeyInfo`.
pub fn scheme_oid(epki: &[u8]) -> Result<spki::ObjectIdentifier, KeyProtectError> {
    RawEncryptedKey::from_der(epki)
        .map(|k| k.algorithm.oid)
        .map_err(|e| KeyProtectError::Malformed(e.to_string()))
}

/// Decrypts a PBES2 or PKCS#12-PBE protected key to PKCS#8 DER. (Java protectors are
/// handled by `codec::jks`; callers dispatch on [`scheme_oid`].)
pub fn decrypt_pkcs12_style(
    epki: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyProtectError> {
    let raw = RawEncryptedKey::from_der(epki).map_err(|e| KeyProtectError::Malformed(e.to_string()))?;
    let plain = if raw.algorithm.oid == pbe::PBES2 {
        let info = EncryptedPrivateKeyInfoRef::from_der(epki)
            .map_err(|e| KeyProtectError::Malformed(e.to_string()))?;
        match info.decrypt(password.as_bytes()) {
            Ok(doc) => Zeroizing::new(doc.as_bytes().to_vec()),
            Err(pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::UnsupportedAlgorithm { oid })) => {
                return Err(KeyProtectError::Unsupported(oids::name(&oid)));
            }
            Err(_) => return Err(KeyProtectError::WrongPassword),
        }
    } else {
        let params = raw
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok())
            .unwrap_or_default();
        pbe::decrypt_legacy(&raw.algorithm.oid, &params, password.as_bytes(), raw.data.as_bytes())
            .map_err(|e| match e {
                PbeError::Decrypt => KeyProtectError::WrongPassword,
                PbeError::Unsupported(s) => KeyProtectError::Unsupported(s),
                PbeError::BadParams(s) => KeyProtectError::Malformed(s),
            })?
    };
    if pkcs8::PrivateKeyInfoRef::from_der(&plain).is_err() {
        return Err(KeyProtectError::WrongPassword);
    }
    Ok(plain)
}
