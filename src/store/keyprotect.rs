//! Decrypting and encrypting private keys held in stores. Dispatches on the encryption
//! algorithm of an `EncryptedPrivateKeyInfo`: PBES2 and the PKCS#12 PBE schemes here, Sun's
//! JKS and JCEKS key protectors in the Java codec.

use zeroize::Zeroizing;

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

/// The OID of the scheme protecting an `EncryptedPrivateKeyInfo`.
pub fn scheme_oid(epki: &[u8]) -> Result<spki::ObjectIdentifier, KeyProtectError> {
    pbe::epki_scheme(epki).map_err(|e| KeyProtectError::Malformed(e.to_string()))
}

/// Decrypts a PBES2 or PKCS#12-PBE protected key to PKCS#8 DER. (Java protectors are
/// handled by `codec::jks`; callers dispatch on [`scheme_oid`].)
pub fn decrypt_pkcs12_style(
    epki: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyProtectError> {
    pbe::decrypt_epki(epki, password.as_bytes()).map_err(|e| match e {
        PbeError::Decrypt => KeyProtectError::WrongPassword,
        PbeError::Unsupported(s) => KeyProtectError::Unsupported(s),
        PbeError::BadParams(s) => KeyProtectError::Malformed(s),
    })
}

/// Decrypts a stored private key to PKCS#8 DER, whatever protected it.
pub fn decrypt(
    data: &super::PrivateKeyData,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyProtectError> {
    match data {
        super::PrivateKeyData::Pkcs8(der) => Ok(der.clone()),
        super::PrivateKeyData::Encrypted(epki) => {
            let oid = scheme_oid(epki)?;
            if oid == SUN_JKS_PROTECTOR || oid == SUN_JCEKS_PROTECTOR {
                return decrypt_java(epki, password);
            }
            decrypt_pkcs12_style(epki, password)
        }
    }
}

fn decrypt_java(epki: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, KeyProtectError> {
    use crate::codec::jks::{self, JksError};
    jks::unprotect_private_key(epki, password).map_err(|e| match e {
        JksError::WrongKeyPassword => KeyProtectError::WrongPassword,
        JksError::UnsupportedProtection { oid } => KeyProtectError::Unsupported(oid.to_string()),
        other => KeyProtectError::Malformed(other.to_string()),
    })
}
