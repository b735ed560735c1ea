//! Private key files in every form OpenSSL writes: PKCS#8 (plain and encrypted with PBES2,
//! PBES1 or PKCS#12 PBE), PKCS#1 RSA, SEC1 EC (with or without a separate EC PARAMETERS
//! block), traditional encrypted PEM, each as PEM or DER. Also writes PKCS#8, encrypted with
//! PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) when a password is given.

use der::Decode;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use spki::ObjectIdentifier as Oid;
use zeroize::Zeroizing;

use super::key::{KeyError, PrivateKey};
use super::oids;
use crate::pbe::{self, PbeError};
use crate::pem::{self, PemBlock, PemError};

/// PBKDF2 iterations for keys keychest encrypts: well above OpenSSL's 2048 default, and
/// fast enough (~15 ms) that a CLI never feels it.
pub const PBKDF2_ITERATIONS: u32 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error(
        "no private key found (expected a PEM PRIVATE KEY / RSA PRIVATE KEY / EC PRIVATE KEY block or DER PKCS#8, PKCS#1 or SEC1)"
    )]
    NotAKey,
    #[error("the file holds {0} private keys; expected one")]
    SeveralKeys(usize),
    #[error("the key is encrypted: a password is needed")]
    NeedPassword,
    #[error("wrong password or corrupted key")]
    WrongPassword,
    #[error(transparent)]
    Pbe(#[from] PbeError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{0}")]
    PasswordSource(String),
    #[error("encrypting the key failed: {0}")]
    Encrypt(String),
}

/// How a key was stored, for `show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyForm {
    Pkcs8,
    Pkcs8Encrypted { scheme: String },
    Pkcs1Rsa,
    Sec1Ec,
    LegacyPemEncrypted { cipher: String },
}

impl std::fmt::Display for KeyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyForm::Pkcs8 => f.write_str("PKCS#8"),
            KeyForm::Pkcs8Encrypted { scheme } => write!(f, "encrypted PKCS#8 ({scheme})"),
            KeyForm::Pkcs1Rsa => f.write_str("PKCS#1 RSA"),
            KeyForm::Sec1Ec => f.write_str("SEC1 EC"),
            KeyForm::LegacyPemEncrypted { cipher } => {
                write!(f, "traditional encrypted PEM ({cipher})")
            }
        }
    }
}

/// The form of the key found in `bytes` and whether it needs a password, without decrypting.
pub fn key_form(bytes: &[u8]) -> Result<KeyForm, KeyFileError> {
    let raw = find_key(bytes)?;
    Ok(raw.form())
}

/// A key as found in a file, still encrypted if it was.
enum RawKey {
    Pkcs8(Zeroizing<Vec<u8>>),
    Pkcs8Encrypted(Vec<u8>),
    Pkcs1(Zeroizing<Vec<u8>>),
    Sec1 {
        der: Zeroizing<Vec<u8>>,
        curve: Option<Oid>,
    },
    LegacyPem {
        label: String,
        dek_info: String,
        data: Vec<u8>,
        curve: Option<Oid>,
    },
}

impl RawKey {
    fn form(&self) -> KeyForm {
        match self {
            RawKey::Pkcs8(_) => KeyForm::Pkcs8,
            RawKey::Pkcs8Encrypted(der) => KeyForm::Pkcs8Encrypted {
                scheme: encrypted_scheme_name(der),
            },
            RawKey::Pkcs1(_) => KeyForm::Pkcs1Rsa,
            RawKey::Sec1 { .. } => KeyForm::Sec1Ec,
            RawKey::LegacyPem { dek_info, .. } => KeyForm::LegacyPemEncrypted {
                cipher: dek_info.split(',').next().unwrap_or("").to_string(),
            },
        }
    }

    fn is_encrypted(&self) -> bool {
        matches!(self, RawKey::Pkcs8Encrypted(_) | RawKey::LegacyPem { .. })
    }
}

fn encrypted_scheme_name(der: &[u8]) -> String {
    match EncryptedPrivateKeyInfoRef::from_der(der) {
        Ok(info) => match &info.encryption_algorithm {
            pkcs5::EncryptionScheme::Pbes2(p) => {
                let kdf = match &p.kdf {
                    pkcs5::pbes2::Kdf::Pbkdf2(k) => format!(
                        "PBKDF2-{}, {} iterations",
                        prf_name(k.prf),
                        k.iteration_count
                    ),
                    pkcs5::pbes2::Kdf::Scrypt(_) => "scrypt".to_string(),
                    _ => "unknown KDF".to_string(),
                };
                format!("PBES2 {}, {}", oids::name(&p.encryption.oid()), kdf)
            }
            pkcs5::EncryptionScheme::Pbes1(a) => format!("PBES1 {}", oids::name(&a.oid())),
            _ => "unknown".to_string(),
        },
        Err(_) => match legacy_scheme(der) {
            Some(oid) => oids::name(&oid),
            None => "unknown".into(),
        },
    }
}

/// Identifies a key in PEM or DER without decrypting it.
fn find_key(bytes: &[u8]) -> Result<RawKey, KeyFileError> {
    if pem::looks_like_pem(bytes) {
        let blocks = pem::parse_all(bytes)?;
        let curve = blocks
            .iter()
            .find(|b| b.label == "EC PARAMETERS")
            .and_then(|b| Oid::from_der(&b.der).ok());
        let keys: Vec<&PemBlock> = blocks
            .iter()
            .filter(|b| {
                matches!(
                    b.label.as_str(),
                    "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
                )
            })
            .collect();
        let block = match keys.as_slice() {
            [] => return Err(KeyFileError::NotAKey),
            [one] => *one,
            many => return Err(KeyFileError::SeveralKeys(many.len())),
        };
        return Ok(raw_from_block(block, curve));
    }
    classify_der(bytes).ok_or(KeyFileError::NotAKey)
}

fn raw_from_block(block: &PemBlock, curve: Option<Oid>) -> RawKey {
    if let Some(dek) = block.legacy_dek_info() {
        return RawKey::LegacyPem {
            label: block.label.clone(),
            dek_info: dek.to_string(),
            data: block.der.clone(),
            curve,
        };
    }
    let der = Zeroizing::new(block.der.clone());
    match block.label.as_str() {
        "PRIVATE KEY" => RawKey::Pkcs8(der),
        "ENCRYPTED PRIVATE KEY" => RawKey::Pkcs8Encrypted(der.to_vec()),
        "RSA PRIVATE KEY" => RawKey::Pkcs1(der),
        _ => RawKey::Sec1 { der, curve },
    }
}

/// Loads the private key of one PEM block (from a file holding other objects too).
pub fn load_pem_block(
    block: &PemBlock,
    password: &mut dyn FnMut() -> Result<Zeroizing<String>, KeyFileError>,
) -> Result<PrivateKey, KeyFileError> {
    let pkcs8 = decrypt_to_pkcs8(raw_from_block(block, None), password)?;
    Ok(PrivateKey::from_pkcs8_der(&pkcs8)?)
}

/// Recognises a DER private key by trying each structure.
fn classify_der(der: &[u8]) -> Option<RawKey> {
    if PrivateKeyInfoRef::from_der(der).is_ok() {
        return Some(RawKey::Pkcs8(Zeroizing::new(der.to_vec())));
    }
    if EncryptedPrivateKeyInfoRef::from_der(der).is_ok() || legacy_scheme(der).is_some() {
        return Some(RawKey::Pkcs8Encrypted(der.to_vec()));
    }
    if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
        return Some(RawKey::Pkcs1(Zeroizing::new(der.to_vec())));
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() {
        return Some(RawKey::Sec1 {
            der: Zeroizing::new(der.to_vec()),
            curve: None,
        });
    }
    None
}

/// EncryptedPrivateKeyInfo whose algorithm `pkcs5` cannot parse (PKCS#12 PBE schemes):
/// returns the scheme OID.
fn legacy_scheme(der: &[u8]) -> Option<Oid> {
    pbe::epki_oid(der).ok()
}

/// Whether the key in `bytes` is encrypted (so a password will be needed).
pub fn is_encrypted(bytes: &[u8]) -> Result<bool, KeyFileError> {
    Ok(find_key(bytes)?.is_encrypted())
}

/// Loads the one private key in `bytes`. `password` is called only if the key is encrypted.
pub fn load_private_key(
    bytes: &[u8],
    password: &mut dyn FnMut() -> Result<Zeroizing<String>, KeyFileError>,
) -> Result<PrivateKey, KeyFileError> {
    let pkcs8 = decrypt_to_pkcs8(find_key(bytes)?, password)?;
    Ok(PrivateKey::from_pkcs8_der(&pkcs8)?)
}

/// The unencrypted PKCS#8 `PrivateKeyInfo` of any key form, decrypting with `password` when
/// needed; for keys keychest carries without using (Ed448, …).
pub fn load_pkcs8(
    bytes: &[u8],
    password: &mut dyn FnMut() -> Result<Zeroizing<String>, KeyFileError>,
) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    decrypt_to_pkcs8(find_key(bytes)?, password)
}

fn decrypt_to_pkcs8(
    raw: RawKey,
    password: &mut dyn FnMut() -> Result<Zeroizing<String>, KeyFileError>,
) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    match raw {
        RawKey::Pkcs8(der) => Ok(der),
        RawKey::Pkcs1(der) => pkcs1_to_pkcs8(&der),
        RawKey::Sec1 { der, curve } => sec1_to_pkcs8(&der, curve),
        RawKey::Pkcs8Encrypted(der) => {
            let pw = password()?;
            pbe::decrypt_epki(&der, &pw).map_err(wrong_password)
        }
        RawKey::LegacyPem {
            label,
            dek_info,
            data,
            curve,
        } => {
            let pw = password()?;
            let plain =
                pbe::decrypt_pem_legacy(&dek_info, pw.as_bytes(), &data).map_err(wrong_password)?;
            let result = match label.as_str() {
                "RSA PRIVATE KEY" => pkcs1_to_pkcs8(&plain),
                "EC PRIVATE KEY" => sec1_to_pkcs8(&plain, curve),
                _ => Ok(plain),
            };
            // Garbage after a lucky padding byte means a wrong password, not a bad file.
            result.map_err(|_| KeyFileError::WrongPassword)
        }
    }
}

fn wrong_password(e: PbeError) -> KeyFileError {
    match e {
        PbeError::Decrypt => KeyFileError::WrongPassword,
        other => KeyFileError::Pbe(other),
    }
}

fn pkcs1_to_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|e| KeyError::Malformed {
        what: "PKCS#1 RSA",
        detail: e.to_string(),
    })?;
    Ok(PrivateKey::Rsa(Box::new(key)).to_pkcs8_der()?)
}

fn sec1_to_pkcs8(der: &[u8], curve_hint: Option<Oid>) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    let malformed = |detail: String| KeyError::Malformed {
        what: "SEC1 EC",
        detail,
    };
    let parsed = sec1::EcPrivateKey::from_der(der).map_err(|e| malformed(e.to_string()))?;
    let curve = parsed
        .parameters
        .and_then(|p| p.named_curve())
        .or(curve_hint)
        .or(match parsed.private_key.len() {
            32 => Some(oids::SECP256R1),
            48 => Some(oids::SECP384R1),
            66 => Some(oids::SECP521R1),
            _ => None,
        })
        .ok_or_else(|| malformed("no curve parameters".into()))?;
    let key = if curve == oids::SECP256R1 {
        PrivateKey::P256(
            p256::SecretKey::from_slice(parsed.private_key)
                .map_err(|e| malformed(e.to_string()))?,
        )
    } else if curve == oids::SECP384R1 {
        PrivateKey::P384(
            p384::SecretKey::from_slice(parsed.private_key)
                .map_err(|e| malformed(e.to_string()))?,
        )
    } else if curve == oids::SECP521R1 {
        PrivateKey::P521(
            p521::SecretKey::from_slice(parsed.private_key)
                .map_err(|e| malformed(e.to_string()))?,
        )
    } else {
        return Err(KeyError::UnsupportedCurve(oids::name(&curve)).into());
    };
    Ok(key.to_pkcs8_der()?)
}

/// PEM text of a key as unencrypted PKCS#8, or encrypted PKCS#8 when `password` is given.
pub fn to_pkcs8_pem(
    key: &PrivateKey,
    password: Option<&str>,
) -> Result<Zeroizing<String>, KeyFileError> {
    let der = key.to_pkcs8_der()?;
    match password {
        None => Ok(Zeroizing::new(pem::encode("PRIVATE KEY", &der))),
        Some(pw) => {
            let enc = encrypt_pkcs8(&der, pw)?;
            Ok(Zeroizing::new(pem::encode("ENCRYPTED PRIVATE KEY", &enc)))
        }
    }
}

/// Encrypts a PKCS#8 `PrivateKeyInfo` with PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC.
pub fn encrypt_pkcs8(pkcs8_der: &[u8], password: &str) -> Result<Vec<u8>, KeyFileError> {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    let params =
        pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
            .map_err(|e| KeyFileError::Encrypt(e.to_string()))?;
    let info =
        PrivateKeyInfoRef::from_der(pkcs8_der).map_err(|e| KeyFileError::Encrypt(e.to_string()))?;
    let doc = info
        .encrypt_with_params(params, password.as_bytes())
        .map_err(|e| KeyFileError::Encrypt(e.to_string()))?;
    Ok(doc.as_bytes().to_vec())
}

fn prf_name(prf: pkcs5::pbes2::Pbkdf2Prf) -> &'static str {
    use pkcs5::pbes2::Pbkdf2Prf as P;
    match prf {
        P::HmacWithSha1 => "HMAC-SHA1",
        P::HmacWithSha224 => "HMAC-SHA224",
        P::HmacWithSha256 => "HMAC-SHA256",
        P::HmacWithSha384 => "HMAC-SHA384",
        P::HmacWithSha512 => "HMAC-SHA512",
        _ => "HMAC",
    }
}
