//! The PKCS#12 cryptography: PBES2 (PBKDF2 + AES/3DES-CBC), the PKCS#12 PBE schemes (3DES,
//! two-key 3DES, RC2-40, RC2-128) and the PKCS#12 MAC (RFC 7292 appendix B key derivation
//! with the MAC's own digest, as OpenSSL and Java do even for SHA-256).

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyIvInit};
use const_oid::ObjectIdentifier as Oid;
use hmac::{KeyInit, Mac};
use pkcs12::kdf::Pkcs12KeyType;
use zeroize::Zeroizing;

use super::asn1::{self, Reader, Tlv};

pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
pub const PBMAC1: Oid = Oid::new_unwrap("1.2.840.113549.1.5.14");
pub const PBE_SHA_RC4_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.1");
pub const PBE_SHA_RC4_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.2");
pub const PBE_SHA_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
pub const PBE_SHA_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
pub const PBE_SHA_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
pub const PBE_SHA_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");

const HMAC_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
const HMAC_SHA224: Oid = Oid::new_unwrap("1.2.840.113549.2.8");
const HMAC_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.2.9");
const HMAC_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.2.10");
const HMAC_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.2.11");
const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");

const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Upper bound on any iteration count we will run, so a hostile file cannot hang us.
pub const MAX_ITERATIONS: u64 = 10_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("unsupported {0}")]
    Unsupported(String),
    #[error("malformed algorithm parameters: {0}")]
    Malformed(String),
    #[error("decryption failed (wrong password or corrupted data)")]
    Decrypt,
    #[error("the password cannot be used with PKCS#12 PBE (characters outside the BMP)")]
    Password,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    pub fn name(self) -> &'static str {
        match self {
            Digest::Sha1 => "SHA-1",
            Digest::Sha224 => "SHA-224",
            Digest::Sha256 => "SHA-256",
            Digest::Sha384 => "SHA-384",
            Digest::Sha512 => "SHA-512",
        }
    }
    fn oid(self) -> Oid {
        match self {
            Digest::Sha1 => SHA1,
            Digest::Sha224 => SHA224,
            Digest::Sha256 => SHA256,
            Digest::Sha384 => SHA384,
            Digest::Sha512 => SHA512,
        }
    }
    fn from_oid(oid: &Oid) -> Option<Self> {
        [
            Digest::Sha1,
            Digest::Sha224,
            Digest::Sha256,
            Digest::Sha384,
            Digest::Sha512,
        ]
        .into_iter()
        .find(|d| d.oid() == *oid)
    }
    fn hmac_oid(self) -> Oid {
        match self {
            Digest::Sha1 => HMAC_SHA1,
            Digest::Sha224 => HMAC_SHA224,
            Digest::Sha256 => HMAC_SHA256,
            Digest::Sha384 => HMAC_SHA384,
            Digest::Sha512 => HMAC_SHA512,
        }
    }
    fn from_hmac_oid(oid: &Oid) -> Option<Self> {
        [
            Digest::Sha1,
            Digest::Sha224,
            Digest::Sha256,
            Digest::Sha384,
            Digest::Sha512,
        ]
        .into_iter()
        .find(|d| d.hmac_oid() == *oid)
    }
    fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

impl Cipher {
    fn key_len(self) -> usize {
        match self {
            Cipher::Aes128 => 16,
            Cipher::Aes192 | Cipher::DesEde3 => 24,
            Cipher::Aes256 => 32,
        }
    }
    fn iv_len(self) -> usize {
        match self {
            Cipher::DesEde3 => 8,
            _ => 16,
        }
    }
    fn oid(self) -> Oid {
        match self {
            Cipher::Aes128 => AES128_CBC,
            Cipher::Aes192 => AES192_CBC,
            Cipher::Aes256 => AES256_CBC,
            Cipher::DesEde3 => DES_EDE3_CBC,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Cipher::Aes128 => "AES-128-CBC",
            Cipher::Aes192 => "AES-192-CBC",
            Cipher::Aes256 => "AES-256-CBC",
            Cipher::DesEde3 => "3DES-CBC",
        }
    }
}

/// The PKCS#12 PBE schemes (RFC 7292 appendix C).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pkcs12Pbe {
    Des3,
    Des2,
    Rc2_128,
    Rc2_40,
}

impl Pkcs12Pbe {
    fn oid(self) -> Oid {
        match self {
            Pkcs12Pbe::Des3 => PBE_SHA_3DES,
            Pkcs12Pbe::Des2 => PBE_SHA_2DES,
            Pkcs12Pbe::Rc2_128 => PBE_SHA_RC2_128,
            Pkcs12Pbe::Rc2_40 => PBE_SHA_RC2_40,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Pkcs12Pbe::Des3 => "3DES",
            Pkcs12Pbe::Des2 => "2-key 3DES",
            Pkcs12Pbe::Rc2_128 => "RC2-128",
            Pkcs12Pbe::Rc2_40 => "RC2-40",
        }
    }
}

/// A password-based encryption scheme with its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    Pbes2 {
        prf: Digest,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Cipher,
        iv: Vec<u8>,
    },
    Pkcs12 {
        kind: Pkcs12Pbe,
        salt: Vec<u8>,
        iterations: u32,
    },
}

fn malformed<E: std::fmt::Display>(e: E) -> CryptoError {
    CryptoError::Malformed(e.to_string())
}

fn check_iterations(n: u64) -> Result<u32, CryptoError> {
    if n == 0 || n > MAX_ITERATIONS {
        return Err(CryptoError::Malformed(format!(
            "iteration count {n} out of range (1..={MAX_ITERATIONS})"
        )));
    }
    Ok(n as u32)
}

impl Scheme {
    /// Parses an `AlgorithmIdentifier` (the whole element).
    pub fn parse(alg: &Tlv<'_>) -> Result<Scheme, CryptoError> {
        let mut r = Reader::contents(alg);
        let oid = r.oid().map_err(malformed)?;
        if oid == PBES2 {
            let params = r
                .expect(asn1::SEQUENCE, "PBES2-params")
                .map_err(malformed)?;
            let mut p = Reader::contents(&params);
            // keyDerivationFunc
            let kdf = p
                .expect(asn1::SEQUENCE, "keyDerivationFunc")
                .map_err(malformed)?;
            let mut k = Reader::contents(&kdf);
            let kdf_oid = k.oid().map_err(malformed)?;
            if kdf_oid != PBKDF2 {
                return Err(CryptoError::Unsupported(format!(
                    "PBES2 key derivation {}",
                    crate::pki::oids::name(&kdf_oid)
                )));
            }
            let kp = k
                .expect(asn1::SEQUENCE, "PBKDF2-params")
                .map_err(malformed)?;
            let mut kp = Reader::contents(&kp);
            let salt = kp.octets().map_err(malformed)?.to_vec();
            let iterations = check_iterations(kp.uint().map_err(malformed)?)?;
            let key_len = if kp.peek_tag() == Some(asn1::INTEGER) {
                Some(kp.uint().map_err(malformed)?)
            } else {
                None
            };
            let prf = if kp.is_empty() {
                Digest::Sha1
            } else {
                let prf = kp.expect(asn1::SEQUENCE, "PBKDF2 prf").map_err(malformed)?;
                let prf_oid = Reader::contents(&prf).oid().map_err(malformed)?;
                Digest::from_hmac_oid(&prf_oid).ok_or_else(|| {
                    CryptoError::Unsupported(format!(
                        "PBKDF2 PRF {}",
                        crate::pki::oids::name(&prf_oid)
                    ))
                })?
            };
            // encryptionScheme
            let es = p
                .expect(asn1::SEQUENCE, "encryptionScheme")
                .map_err(malformed)?;
            let mut e = Reader::contents(&es);
            let c_oid = e.oid().map_err(malformed)?;
            let cipher = [
                Cipher::Aes128,
                Cipher::Aes192,
                Cipher::Aes256,
                Cipher::DesEde3,
            ]
            .into_iter()
            .find(|c| c.oid() == c_oid)
            .ok_or_else(|| {
                CryptoError::Unsupported(format!("PBES2 cipher {}", crate::pki::oids::name(&c_oid)))
            })?;
            let iv = e.octets().map_err(malformed)?.to_vec();
            if iv.len() != cipher.iv_len() {
                return Err(CryptoError::Malformed(format!(
                    "IV of {} bytes for {}",
                    iv.len(),
                    cipher.name()
                )));
            }
            if let Some(kl) = key_len
                && kl != cipher.key_len() as u64
            {
                return Err(CryptoError::Malformed(format!(
                    "PBKDF2 key length {kl} does not fit {}",
                    cipher.name()
                )));
            }
            Ok(Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            })
        } else {
            let kind = [
                Pkcs12Pbe::Des3,
                Pkcs12Pbe::Des2,
                Pkcs12Pbe::Rc2_128,
                Pkcs12Pbe::Rc2_40,
            ]
            .into_iter()
            .find(|k| k.oid() == oid);
            let Some(kind) = kind else {
                let what = if oid == PBE_SHA_RC4_128 || oid == PBE_SHA_RC4_40 {
                    "encryption RC4 (PKCS#12 PBE)".to_string()
                } else {
                    format!("encryption {}", crate::pki::oids::name(&oid))
                };
                return Err(CryptoError::Unsupported(what));
            };
            let params = r
                .expect(asn1::SEQUENCE, "pkcs-12PbeParams")
                .map_err(malformed)?;
            let mut p = Reader::contents(&params);
            let salt = p.octets().map_err(malformed)?.to_vec();
            let iterations = check_iterations(p.uint().map_err(malformed)?)?;
            Ok(Scheme::Pkcs12 {
                kind,
                salt,
                iterations,
            })
        }
    }

    /// A fresh PBES2 scheme: PBKDF2 with `prf`, random 16-byte salt and IV.
    pub fn new_pbes2(prf: Digest, cipher: Cipher, iterations: u32) -> Scheme {
        use rand::Rng;
        let mut rng = rand::rng();
        let mut salt = vec![0u8; 16];
        let mut iv = vec![0u8; cipher.iv_len()];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        Scheme::Pbes2 {
            prf,
            salt,
            iterations,
            cipher,
            iv,
        }
    }

    /// A fresh PKCS#12 PBE scheme with a random 20-byte salt (as Java writes).
    pub fn new_pkcs12(kind: Pkcs12Pbe, iterations: u32) -> Scheme {
        use rand::Rng;
        let mut salt = vec![0u8; 20];
        rand::rng().fill_bytes(&mut salt);
        Scheme::Pkcs12 {
            kind,
            salt,
            iterations,
        }
    }

    /// The `AlgorithmIdentifier` DER.
    pub fn to_der(&self) -> Vec<u8> {
        match self {
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                // keyLength is written as Java does (OpenSSL omits it; both read either).
                let prf_alg = asn1::seq(&[&asn1::oid(&prf.hmac_oid()), &[asn1::NULL, 0]]);
                let kdf_params = asn1::seq(&[
                    &asn1::octets(salt),
                    &asn1::uint(u64::from(*iterations)),
                    &asn1::uint(cipher.key_len() as u64),
                    &prf_alg,
                ]);
                let kdf = asn1::seq(&[&asn1::oid(&PBKDF2), &kdf_params]);
                let enc = asn1::seq(&[&asn1::oid(&cipher.oid()), &asn1::octets(iv)]);
                asn1::seq(&[&asn1::oid(&PBES2), &asn1::seq(&[&kdf, &enc])])
            }
            Scheme::Pkcs12 {
                kind,
                salt,
                iterations,
            } => asn1::seq(&[
                &asn1::oid(&kind.oid()),
                &asn1::seq(&[&asn1::octets(salt), &asn1::uint(u64::from(*iterations))]),
            ]),
        }
    }

    /// For reports: "PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, 10000 iterations".
    pub fn describe(&self) -> String {
        match self {
            Scheme::Pbes2 {
                prf,
                iterations,
                cipher,
                ..
            } => format!(
                "PBES2 {}, PBKDF2-HMAC-{}, {iterations} iterations",
                cipher.name(),
                prf.name().replace('-', "")
            ),
            Scheme::Pkcs12 {
                kind, iterations, ..
            } => format!("{} (PKCS#12 PBE), {iterations} iterations", kind.name()),
        }
    }

    pub fn decrypt(&self, password: &str, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (key, iv, cipher) = self.key_iv(password)?;
        match cipher {
            Kind::Block(c) => cbc_run(c, &key, &iv, data, false),
            Kind::Rc2(bits) => rc2_run(&key, bits, &iv, data, false),
        }
    }

    pub fn encrypt(&self, password: &str, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (key, iv, cipher) = self.key_iv(password)?;
        let out = match cipher {
            Kind::Block(c) => cbc_run(c, &key, &iv, data, true)?,
            Kind::Rc2(bits) => rc2_run(&key, bits, &iv, data, true)?,
        };
        Ok(out.to_vec())
    }

    fn key_iv(&self, password: &str) -> Result<KeyIv, CryptoError> {
        match self {
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                let pw = password.as_bytes();
                match prf {
                    Digest::Sha1 => {
                        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, *iterations, &mut key)
                    }
                    Digest::Sha224 => {
                        pbkdf2::pbkdf2_hmac::<sha2::Sha224>(pw, salt, *iterations, &mut key)
                    }
                    Digest::Sha256 => {
                        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, *iterations, &mut key)
                    }
                    Digest::Sha384 => {
                        pbkdf2::pbkdf2_hmac::<sha2::Sha384>(pw, salt, *iterations, &mut key)
                    }
                    Digest::Sha512 => {
                        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, *iterations, &mut key)
                    }
                }
                Ok((key, iv.clone(), Kind::Block(*cipher)))
            }
            Scheme::Pkcs12 {
                kind,
                salt,
                iterations,
            } => {
                let pw = bmp_password(password)?;
                let derive = |id, len| {
                    Zeroizing::new(pkcs12::kdf::derive_key::<sha1::Sha1>(
                        &pw,
                        salt,
                        id,
                        *iterations as i32,
                        len,
                    ))
                };
                let (key_len, kind2) = match kind {
                    Pkcs12Pbe::Des3 | Pkcs12Pbe::Des2 => (24, Kind::Block(Cipher::DesEde3)),
                    Pkcs12Pbe::Rc2_128 => (16, Kind::Rc2(128)),
                    Pkcs12Pbe::Rc2_40 => (5, Kind::Rc2(40)),
                };
                let key_len = if *kind == Pkcs12Pbe::Des2 {
                    16
                } else {
                    key_len
                };
                let mut key = derive(Pkcs12KeyType::EncryptionKey, key_len);
                if *kind == Pkcs12Pbe::Des2 {
                    // Two-key 3DES: K1 K2 K1.
                    let k1 = key[..8].to_vec();
                    key.extend_from_slice(&k1);
                }
                let iv = derive(Pkcs12KeyType::Iv, 8).to_vec();
                Ok((key, iv, kind2))
            }
        }
    }
}

/// Derived key, IV and cipher.
type KeyIv = (Zeroizing<Vec<u8>>, Vec<u8>, Kind);

#[derive(Clone, Copy)]
enum Kind {
    Block(Cipher),
    Rc2(usize),
}

/// The password as the PKCS#12 KDF wants it: UTF-16BE with a two-byte NUL terminator.
pub fn bmp_password(password: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for c in password.chars() {
        let c = u32::from(c);
        if c > 0xffff {
            return Err(CryptoError::Password);
        }
        out.extend_from_slice(&(c as u16).to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    Ok(out)
}

fn cbc_run(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    encrypt: bool,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    fn run<C>(key: &[u8], iv: &[u8], data: &[u8], encrypt: bool) -> Result<Vec<u8>, CryptoError>
    where
        C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::BlockCipherEncrypt + KeyInit,
    {
        if encrypt {
            let e = cbc::Encryptor::<C>::new_from_slices(key, iv)
                .map_err(|_| CryptoError::Malformed("bad key or IV length".into()))?;
            Ok(e.encrypt_padded_vec::<Pkcs7>(data))
        } else {
            let d = cbc::Decryptor::<C>::new_from_slices(key, iv)
                .map_err(|_| CryptoError::Malformed("bad key or IV length".into()))?;
            d.decrypt_padded_vec::<Pkcs7>(data)
                .map_err(|_| CryptoError::Decrypt)
        }
    }
    let out = match cipher {
        Cipher::Aes128 => run::<aes::Aes128>(key, iv, data, encrypt),
        Cipher::Aes192 => run::<aes::Aes192>(key, iv, data, encrypt),
        Cipher::Aes256 => run::<aes::Aes256>(key, iv, data, encrypt),
        Cipher::DesEde3 => run::<des::TdesEde3>(key, iv, data, encrypt),
    }?;
    Ok(Zeroizing::new(out))
}

fn rc2_run(
    key: &[u8],
    bits: usize,
    iv: &[u8],
    data: &[u8],
    encrypt: bool,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let bad_iv = |_| CryptoError::Malformed("bad IV length".into());
    let c = rc2::Rc2::new_with_eff_key_len(key, bits);
    let out = if encrypt {
        cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
            .map_err(bad_iv)?
            .encrypt_padded_vec::<Pkcs7>(data)
    } else {
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(|_| CryptoError::Decrypt)?
    };
    Ok(Zeroizing::new(out))
}

// ---------------------------------------------------------------- MAC

/// A parsed `MacData`.
#[derive(Clone, Debug)]
pub struct MacParams {
    pub digest: Digest,
    pub mac: Vec<u8>,
    pub salt: Vec<u8>,
    pub iterations: u32,
}

impl MacParams {
    pub fn parse(mac_data: &Tlv<'_>) -> Result<MacParams, CryptoError> {
        let mut r = Reader::contents(mac_data);
        let di = r.expect(asn1::SEQUENCE, "DigestInfo").map_err(malformed)?;
        let mut d = Reader::contents(&di);
        let alg = d
            .expect(asn1::SEQUENCE, "digestAlgorithm")
            .map_err(malformed)?;
        let oid = Reader::contents(&alg).oid().map_err(malformed)?;
        if oid == PBMAC1 {
            return Err(CryptoError::Unsupported("MAC PBMAC1 (RFC 9579)".into()));
        }
        let digest = Digest::from_oid(&oid).ok_or_else(|| {
            CryptoError::Unsupported(format!("MAC digest {}", crate::pki::oids::name(&oid)))
        })?;
        let mac = d.octets().map_err(malformed)?.to_vec();
        let salt = r.octets().map_err(malformed)?.to_vec();
        let iterations = if r.is_empty() {
            1
        } else {
            check_iterations(r.uint().map_err(malformed)?)?
        };
        Ok(MacParams {
            digest,
            mac,
            salt,
            iterations,
        })
    }

    /// Checks the MAC over `content`. With an empty password both encodings in use are tried
    /// (the two-byte NUL terminator, and nothing at all), as OpenSSL does.
    pub fn verify(&self, password: &str, content: &[u8]) -> Result<bool, CryptoError> {
        let pw = bmp_password(password)?;
        if mac(self.digest, &pw, &self.salt, self.iterations, content) == self.mac {
            return Ok(true);
        }
        Ok(password.is_empty()
            && mac(self.digest, &[], &self.salt, self.iterations, content) == self.mac)
    }

    /// A new `MacData` over `content`.
    pub fn create(
        digest: Digest,
        iterations: u32,
        password: &str,
        content: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        use rand::Rng;
        let mut salt = [0u8; 20];
        rand::rng().fill_bytes(&mut salt);
        let pw = bmp_password(password)?;
        let m = mac(digest, &pw, &salt, iterations, content);
        let alg = asn1::seq(&[&asn1::oid(&digest.oid()), &[asn1::NULL, 0]]);
        let digest_info = asn1::seq(&[&alg, &asn1::octets(&m)]);
        Ok(asn1::seq(&[
            &digest_info,
            &asn1::octets(&salt),
            &asn1::uint(u64::from(iterations)),
        ]))
    }
}

fn mac(digest: Digest, pw: &[u8], salt: &[u8], iterations: u32, content: &[u8]) -> Vec<u8> {
    fn run<D>(pw: &[u8], salt: &[u8], iterations: u32, content: &[u8], len: usize) -> Vec<u8>
    where
        D: sha2::Digest
            + sha2::digest::FixedOutputReset
            + sha2::digest::block_api::BlockSizeUser
            + sha2::digest::block_api::EagerHash,
    {
        let key = Zeroizing::new(pkcs12::kdf::derive_key::<D>(
            pw,
            salt,
            Pkcs12KeyType::Mac,
            iterations as i32,
            len,
        ));
        let mut m =
            <hmac::Hmac<D> as KeyInit>::new_from_slice(&key).expect("HMAC takes any key length");
        m.update(content);
        m.finalize().into_bytes().to_vec()
    }
    let len = digest.output_len();
    match digest {
        Digest::Sha1 => run::<sha1::Sha1>(pw, salt, iterations, content, len),
        Digest::Sha224 => run::<sha2::Sha224>(pw, salt, iterations, content, len),
        Digest::Sha256 => run::<sha2::Sha256>(pw, salt, iterations, content, len),
        Digest::Sha384 => run::<sha2::Sha384>(pw, salt, iterations, content, len),
        Digest::Sha512 => run::<sha2::Sha512>(pw, salt, iterations, content, len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_round_trip() {
        let schemes = [
            Scheme::new_pbes2(Digest::Sha1, Cipher::Aes128, 5),
            Scheme::new_pbes2(Digest::Sha256, Cipher::Aes192, 5),
            Scheme::new_pbes2(Digest::Sha384, Cipher::Aes256, 5),
            Scheme::new_pbes2(Digest::Sha512, Cipher::DesEde3, 5),
            Scheme::new_pkcs12(Pkcs12Pbe::Des3, 5),
            Scheme::new_pkcs12(Pkcs12Pbe::Des2, 5),
            Scheme::new_pkcs12(Pkcs12Pbe::Rc2_40, 5),
            Scheme::new_pkcs12(Pkcs12Pbe::Rc2_128, 5),
        ];
        for s in schemes {
            let der = s.to_der();
            let t = asn1::single(&der, asn1::SEQUENCE, "alg").unwrap();
            let parsed = Scheme::parse(&t).unwrap();
            assert_eq!(parsed, s);
            let ct = s.encrypt("pässword", b"hello world, hello world").unwrap();
            assert_eq!(
                &parsed.decrypt("pässword", &ct).unwrap()[..],
                b"hello world, hello world"
            );
            assert!(
                parsed.decrypt("wrong", &ct).map(|p| p.to_vec())
                    != Ok(b"hello world, hello world".to_vec())
            );
        }
    }

    #[test]
    fn hostile_iterations_are_refused() {
        let big = asn1::uint(2_147_483_648);
        let params = asn1::seq(&[&asn1::octets(&[1; 8]), &big]);
        let alg = asn1::seq(&[&asn1::oid(&PBE_SHA_3DES), &params]);
        let t = asn1::single(&alg, asn1::SEQUENCE, "alg").unwrap();
        assert!(matches!(Scheme::parse(&t), Err(CryptoError::Malformed(_))));
    }
}
