//! Decrypting private keys held in stores, whatever protected them (PBES2, PBES1, the
//! PKCS#12 PBE schemes, Sun's JKS and JCEKS protectors): a thin mapping onto [`crate::pbe`],
//! which owns the schemes and their bounds, to the errors store operations report.

use zeroize::Zeroizing;

use crate::pbe::{self, PbeError};

#[derive(Debug, thiserror::Error)]
pub enum KeyProtectError {
    #[error("wrong key password (or corrupted key)")]
    WrongPassword,
    #[error("unsupported key encryption {0}")]
    Unsupported(String),
    #[error("malformed encrypted key: {0}")]
    Malformed(String),
    /// Refused by a bound or the work budget, or a password the scheme cannot take.
    #[error(transparent)]
    Refused(PbeError),
}

impl From<PbeError> for KeyProtectError {
    fn from(e: PbeError) -> Self {
        match e {
            PbeError::Decrypt => KeyProtectError::WrongPassword,
            PbeError::Unsupported(s) => KeyProtectError::Unsupported(s),
            PbeError::Malformed(s) => KeyProtectError::Malformed(s),
            other => KeyProtectError::Refused(other),
        }
    }
}

/// Decrypts a stored private key to PKCS#8 DER, whatever protected it.
pub fn decrypt(
    data: &super::PrivateKeyData,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyProtectError> {
    match data {
        super::PrivateKeyData::Pkcs8(der) => Ok(der.clone()),
        super::PrivateKeyData::Encrypted(epki) => Ok(pbe::decrypt_epki(epki, password)?),
    }
}
