//! Password-based decryption of private keys in the legacy forms OpenSSL still writes:
//! PKCS#5 v1.5 PBES1 (`-v1 PBE-MD5-DES`, `PBE-SHA1-DES`), PKCS#12 PBE
//! (`-v1 PBE-SHA1-3DES`, `PBE-SHA1-2DES`) and the traditional PEM encryption
//! (`Proc-Type: 4,ENCRYPTED` with `DEK-Info`, key from EVP_BytesToKey with MD5).
//!
//! Hand-written because the `pkcs8`/`pkcs5` crates decrypt PBES2 only and `pem-rfc7468`
//! rejects the legacy headers (see deps.md). PBES2 itself is left to `pkcs5`.

use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use der::Decode;
use der::asn1::OctetString;
use sha1::Digest;
use spki::ObjectIdentifier as Oid;
use zeroize::Zeroizing;

pub const PBE_MD5_DES: Oid = Oid::new_unwrap("1.2.840.113549.1.5.3");
pub const PBE_SHA1_DES: Oid = Oid::new_unwrap("1.2.840.113549.1.5.10");
pub const PBE_SHA_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
pub const PBE_SHA_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
pub const PBE_SHA_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
pub const PBE_SHA_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");
pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PbeError {
    #[error("wrong password or corrupted key (decryption failed)")]
    Decrypt,
    #[error("unsupported key encryption {0}")]
    Unsupported(String),
    #[error("malformed encryption parameters: {0}")]
    BadParams(String),
}

/// PBEParameter ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER } (RFC 8018 A.3;
/// the same shape is PKCS#12's pkcs-12PbeParams and the JCEKS key protector's parameters).
/// The count is read as u64 so out-of-range values are reported as such, not as malformed.
#[derive(der::Sequence)]
pub struct PbeParams {
    pub salt: OctetString,
    pub iterations: u64,
}

/// Upper bound on iteration counts we will run, so a hostile file cannot hang us.
const MAX_ITERATIONS: u32 = 10_000_000;

#[derive(Clone, Copy)]
pub enum Cipher {
    DesCbc,
    DesEde3Cbc,
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Cipher::DesCbc => 8,
            Cipher::DesEde3Cbc | Cipher::Aes192Cbc => 24,
            Cipher::Aes128Cbc => 16,
            Cipher::Aes256Cbc => 32,
        }
    }
    fn iv_len(self) -> usize {
        match self {
            Cipher::DesCbc | Cipher::DesEde3Cbc => 8,
            _ => 16,
        }
    }
}

/// CBC decryption with PKCS#7 padding; a padding failure means a wrong key.
pub fn cbc_decrypt(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, PbeError>
    where
        cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
        C: cbc::cipher::BlockCipherDecrypt,
    {
        let dec = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| PbeError::BadParams("bad key or IV length".into()))?;
        dec.decrypt_padded_vec::<Pkcs7>(data)
            .map(Zeroizing::new)
            .map_err(|_| PbeError::Decrypt)
    }
    match cipher {
        Cipher::DesCbc => run::<des::Des>(key, iv, data),
        Cipher::DesEde3Cbc => run::<des::TdesEde3>(key, iv, data),
        Cipher::Aes128Cbc => run::<aes::Aes128>(key, iv, data),
        Cipher::Aes192Cbc => run::<aes::Aes192>(key, iv, data),
        Cipher::Aes256Cbc => run::<aes::Aes256>(key, iv, data),
    }
}

/// Decrypts `data` encrypted with the PBES1 or PKCS#12 PBE scheme `oid` with DER `params`.
pub fn decrypt_legacy(
    oid: &Oid,
    params: &[u8],
    password: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let p = PbeParams::from_der(params).map_err(|e| PbeError::BadParams(e.to_string()))?;
    if p.iterations == 0 || p.iterations > u64::from(MAX_ITERATIONS) {
        return Err(PbeError::BadParams(format!(
            "iteration count {} out of range",
            p.iterations
        )));
    }
    // In range (checked above), so the narrowing is exact.
    let iterations = p.iterations as u32;
    let salt = p.salt.as_bytes();
    match *oid {
        PBE_MD5_DES | PBE_SHA1_DES => {
            // PBKDF1 (RFC 8018 §5.1): T = H^c(P || S); key = T[0..8], IV = T[8..16].
            let dk = if *oid == PBE_MD5_DES {
                pbkdf1::<md5::Md5>(password, salt, iterations)
            } else {
                pbkdf1::<sha1::Sha1>(password, salt, iterations)
            };
            cbc_decrypt(Cipher::DesCbc, &dk[..8], &dk[8..16], data)
        }
        PBE_SHA_3DES | PBE_SHA_2DES => {
            let pw = std::str::from_utf8(password)
                .map_err(|_| PbeError::BadParams("password is not UTF-8".into()))?;
            let derive = |id, len| {
                pkcs12::kdf::derive_key_utf8::<sha1::Sha1>(pw, salt, id, iterations as i32, len)
                    .map(Zeroizing::new)
                    .map_err(|e| PbeError::BadParams(e.to_string()))
            };
            let mut key = derive(pkcs12::kdf::Pkcs12KeyType::EncryptionKey, 24)?;
            if *oid == PBE_SHA_2DES {
                // Two-key 3DES: K1 K2 K1.
                let k1: Vec<u8> = key[..8].to_vec();
                key[16..24].copy_from_slice(&k1);
            }
            let iv = derive(pkcs12::kdf::Pkcs12KeyType::Iv, 8)?;
            cbc_decrypt(Cipher::DesEde3Cbc, &key, &iv, data)
        }
        PBE_SHA_RC2_40 | PBE_SHA_RC2_128 => Err(PbeError::Unsupported(
            "RC2 (PKCS#12 PBE); re-encrypt the key with PBES2".into(),
        )),
        _ => Err(PbeError::Unsupported(super::oids::name(oid))),
    }
}

fn pbkdf1<D: Digest>(password: &[u8], salt: &[u8], iterations: u32) -> Zeroizing<Vec<u8>> {
    let mut h = D::new();
    h.update(password);
    h.update(salt);
    let mut t = Zeroizing::new(h.finalize().to_vec());
    for _ in 1..iterations {
        *t = D::digest(&t[..]).to_vec();
    }
    t
}

/// Decrypts a traditional OpenSSL PEM body given its `DEK-Info` header value.
pub fn decrypt_pem_legacy(
    dek_info: &str,
    password: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let (alg, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| PbeError::BadParams(format!("bad DEK-Info '{dek_info}'")))?;
    let cipher = match alg.trim().to_ascii_uppercase().as_str() {
        "DES-CBC" => Cipher::DesCbc,
        "DES-EDE3-CBC" => Cipher::DesEde3Cbc,
        "AES-128-CBC" => Cipher::Aes128Cbc,
        "AES-192-CBC" => Cipher::Aes192Cbc,
        "AES-256-CBC" => Cipher::Aes256Cbc,
        other => return Err(PbeError::Unsupported(format!("PEM encryption {other}"))),
    };
    let iv = hex_decode(iv_hex.trim())
        .filter(|iv| iv.len() == cipher.iv_len())
        .ok_or_else(|| PbeError::BadParams(format!("bad IV in DEK-Info '{dek_info}'")))?;
    let key = evp_bytes_to_key_md5(password, &iv[..8], cipher.key_len());
    cbc_decrypt(cipher, &key, &iv, data)
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration: D_i = MD5(D_{i-1} || P || S).
fn evp_bytes_to_key_md5(password: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = md5::Md5::new();
        h.update(&prev);
        h.update(password);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-128-cbc -pass pass:password -S 0102030405060708 -P -md md5`
        let key = evp_bytes_to_key_md5(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 16);
        assert_eq!(
            super::super::name::hex_lower(&key),
            "e7b0971e52ca5cc8d0539fb3412f6316"
        );
    }

    #[test]
    fn hostile_iteration_counts_are_refused() {
        use der::Encode;
        let p = PbeParams {
            salt: OctetString::new(vec![0u8; 8]).unwrap(),
            iterations: u64::from(u32::MAX),
        }
        .to_der()
        .unwrap();
        assert!(matches!(
            decrypt_legacy(&PBE_SHA_3DES, &p, b"x", &[0; 16]),
            Err(PbeError::BadParams(_))
        ));
    }
}

/// `EncryptedPrivateKeyInfo` with any algorithm (RFC 5958 §3): `pkcs8`'s own type accepts
/// only PKCS#5 schemes, not PKCS#12 PBE or Sun's key protector OIDs.
#[derive(der::Sequence)]
pub struct EncryptedKeyInfo {
    pub algorithm: spki::AlgorithmIdentifierOwned,
    pub data: OctetString,
}

/// The scheme OID of an `EncryptedPrivateKeyInfo`.
pub fn epki_scheme(epki: &[u8]) -> Result<Oid, PbeError> {
    EncryptedKeyInfo::from_der(epki)
        .map(|k| k.algorithm.oid)
        .map_err(|e| PbeError::BadParams(e.to_string()))
}

/// Decrypts an `EncryptedPrivateKeyInfo` (PBES2, PBES1 or PKCS#12 PBE) to PKCS#8 DER,
/// checking that the result is a `PrivateKeyInfo` (a wrong password that happens to leave
/// valid padding is still reported as [`PbeError::Decrypt`]).
pub fn decrypt_epki(epki: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    use der::Encode;
    let raw = EncryptedKeyInfo::from_der(epki).map_err(|e| PbeError::BadParams(e.to_string()))?;
    let plain = if raw.algorithm.oid == PBES2 {
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(epki)
            .map_err(|e| PbeError::BadParams(e.to_string()))?;
        match info.decrypt(password) {
            Ok(doc) => Zeroizing::new(doc.as_bytes().to_vec()),
            Err(pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::UnsupportedAlgorithm { oid })) => {
                return Err(PbeError::Unsupported(super::oids::name(&oid)));
            }
            Err(_) => return Err(PbeError::Decrypt),
        }
    } else {
        let params = raw
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok())
            .unwrap_or_default();
        decrypt_legacy(&raw.algorithm.oid, &params, password, raw.data.as_bytes())?
    };
    if pkcs8::PrivateKeyInfoRef::from_der(&plain).is_err() {
        return Err(PbeError::Decrypt);
    }
    Ok(plain)
}
