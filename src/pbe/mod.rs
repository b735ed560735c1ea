//! Password-based encryption of stored keys, for every format keychest reads: PBES1 and
//! PBES2 (PBKDF2 or scrypt) in encrypted PKCS#8 files, the PKCS#12 PBE schemes (3DES,
//! 2-key 3DES, RC2-128, RC2-40) and MAC, OpenSSL's traditional PEM encryption
//! (EVP_BytesToKey), and Sun's JKS and JCEKS key protectors. This module owns scheme
//! parsing, key derivation and the ciphers; the formats around them (PKCS#12 bags, Java
//! serialization, PEM headers) stay in their codecs.
//!
//! Every derivation is **bounded** ([`budget`]): its parameters are checked against fixed
//! limits, and its cost in work units is charged to a per-command budget, both before any
//! work is done, so a hostile file is refused in microseconds instead of hanging the
//! command or exhausting memory.
//!
//! Hand-written because no crate does this: `pkcs5` decrypts PBES1/PBES2 but without bounds
//! and without the PKCS#12 schemes or RC2; the JDK's protectors exist only in the JDK. The
//! primitives (PBKDF2, scrypt, the RFC 7292 KDF, the block ciphers) are RustCrypto crates.
//! This module depends on crates and on [`crate::asn1`] only.

pub mod budget;
mod cipher;
mod kdf;
pub mod mac;
pub mod pem_legacy;
pub mod scheme;
pub mod sun;

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

pub use cipher::Cipher;
pub use kdf::Digest;
pub use mac::MacParams;
pub use pem_legacy::decrypt_pem_legacy;
pub use scheme::{Pkcs12Pbe, Scheme};

use crate::asn1::{self, Reader, Tlv};

/// Errors of password-based decryption. Messages name the parameter at fault, never a secret.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PbeError {
    #[error("decryption failed (wrong password or corrupted data)")]
    Decrypt,
    #[error("unsupported {0}")]
    Unsupported(String),
    #[error("malformed algorithm parameters: {0}")]
    Malformed(String),
    #[error("the password cannot be used with PKCS#12 PBE (characters outside the BMP)")]
    BmpPassword,
    #[error("password must be printable ASCII for Java's PBEWithMD5AndTripleDES")]
    AsciiPassword,
    /// A parameter over its fixed per-derivation bound (refused before any work).
    #[error("{param} {value} is over the limit of {limit}")]
    OverLimit {
        param: String,
        value: u64,
        limit: u64,
    },
    /// The derivation would take the command over its work budget (refused before any work).
    #[error(
        "key derivation refused: {what} costs {cost} work units, but only {left} of the \
         command's budget of {total} are left (raise it with {env})",
        env = budget::ENV
    )]
    OverBudget {
        what: String,
        cost: u64,
        left: u64,
        total: u64,
    },
    #[error("{env} is not a number of work units: {0:?}", env = budget::ENV)]
    BadBudget(String),
}

fn malformed<E: std::fmt::Display>(e: E) -> PbeError {
    PbeError::Malformed(e.to_string())
}

/// The `encryptionAlgorithm` SEQUENCE and the `encryptedData` of the
/// `EncryptedPrivateKeyInfo` (RFC 5958 §3) whose outer element is `epki`, with nothing after
/// them: the one place that splits this structure (the caller checks the outer tag).
pub(crate) fn epki_parts<'a>(epki: &Tlv<'a>) -> asn1::DerResult<(Tlv<'a>, &'a [u8])> {
    let mut r = Reader::contents(epki);
    let alg = r.expect(asn1::SEQUENCE, "encryptionAlgorithm")?;
    let data = r.octets()?;
    r.finish("EncryptedPrivateKeyInfo")?;
    Ok((alg, data))
}

/// An `EncryptedPrivateKeyInfo` as [`epki_parts`], with its algorithm's OID first.
fn split_epki(epki: &[u8]) -> Result<(ObjectIdentifier, Tlv<'_>, &[u8]), PbeError> {
    let outer = asn1::single(epki, asn1::SEQUENCE, "EncryptedPrivateKeyInfo").map_err(malformed)?;
    let (alg, data) = epki_parts(&outer).map_err(malformed)?;
    let oid = Reader::contents(&alg).oid().map_err(malformed)?;
    Ok((oid, alg, data))
}

/// The algorithm OID of an `EncryptedPrivateKeyInfo`, whatever it is.
pub fn epki_oid(epki: &[u8]) -> Result<ObjectIdentifier, PbeError> {
    Ok(split_epki(epki)?.0)
}

/// Decrypts an `EncryptedPrivateKeyInfo` protected by any scheme keychest reads (PBES2,
/// PBES1, PKCS#12 PBE, Sun's JKS and JCEKS protectors) to PKCS#8 DER, checking that the
/// result is a `PrivateKeyInfo`: a wrong password that happens to leave valid padding is
/// still reported as [`PbeError::Decrypt`]. PKCS#12 schemes re-encode `password` as
/// BMPString, the JKS protector as UTF-16.
pub fn decrypt_epki(epki: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let (oid, alg, data) = split_epki(epki)?;
    let is_pki = |plain: &[u8]| {
        der::Decode::from_der(plain)
            .map(|_: pkcs8::PrivateKeyInfoRef<'_>| ())
            .is_ok()
    };
    if oid == sun::JKS_KEY_PROTECTOR_OID || oid == sun::PBE_MD5_3DES_OID {
        let plain = decrypt_sun(&alg, data, password)?;
        if !is_pki(&plain) {
            return Err(PbeError::Decrypt);
        }
        return Ok(plain);
    }
    // `decrypt_valid` returns only a plaintext that `is_pki` accepted.
    Scheme::parse(&alg)?.decrypt_valid(password, data, is_pki)
}

/// Sun's protectors: the `encryptionAlgorithm` and `encryptedData` of an
/// `EncryptedPrivateKeyInfo`.
fn decrypt_sun(alg: &Tlv<'_>, data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let mut a = Reader::contents(alg);
    if a.oid().map_err(malformed)? == sun::JKS_KEY_PROTECTOR_OID {
        return sun::jks_unprotect(data, password);
    }
    if a.is_empty() {
        return Err(PbeError::Malformed("missing PBE parameters".into()));
    }
    let params = a.any().map_err(malformed)?;
    let (salt, iterations) = sun::md5_3des_params_from_der(params.raw)?;
    sun::md5_3des_decrypt(password, &salt, iterations, data)
}

#[cfg(test)]
mod tests;
