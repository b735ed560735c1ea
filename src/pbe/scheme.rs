//! PBE scheme parameters as found in an `AlgorithmIdentifier`: parsing (with every
//! per-derivation bound checked), encoding, description, and encryption/decryption.
//! Schemes: PBES2 with PBKDF2 (HMAC-SHA1/224/256/384/512) or scrypt and AES/3DES/DES-CBC,
//! PBES1 (MD5 or SHA-1 with DES), and the PKCS#12 PBE schemes (3DES, 2-key 3DES, RC2).

use const_oid::ObjectIdentifier as Oid;
use pkcs12::kdf::Pkcs12KeyType;
use zeroize::Zeroizing;

use super::budget;
use super::cipher::Cipher;
use super::kdf::{self, Digest};
use super::{PbeError, malformed};
use crate::asn1::{self, Reader, Tlv};

pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
pub const SCRYPT: Oid = Oid::new_unwrap("1.3.6.1.4.1.11591.4.11");
pub const PBE_MD5_DES: Oid = Oid::new_unwrap("1.2.840.113549.1.5.3");
pub const PBE_SHA1_DES: Oid = Oid::new_unwrap("1.2.840.113549.1.5.10");
pub const PBE_SHA_RC4_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.1");
pub const PBE_SHA_RC4_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.2");
pub const PBE_SHA_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
pub const PBE_SHA_2DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.4");
pub const PBE_SHA_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
pub const PBE_SHA_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");

const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");
const DES_CBC: Oid = Oid::new_unwrap("1.3.14.3.2.7");

fn pbes2_cipher_oid(c: Cipher) -> Option<Oid> {
    Some(match c {
        Cipher::Aes128 => AES128_CBC,
        Cipher::Aes192 => AES192_CBC,
        Cipher::Aes256 => AES256_CBC,
        Cipher::DesEde3 => DES_EDE3_CBC,
        Cipher::Des => DES_CBC,
        Cipher::Rc2(_) => return None,
    })
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
    pub fn oid(self) -> Oid {
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
    fn from_oid(oid: &Oid) -> Option<Self> {
        [
            Pkcs12Pbe::Des3,
            Pkcs12Pbe::Des2,
            Pkcs12Pbe::Rc2_128,
            Pkcs12Pbe::Rc2_40,
        ]
        .into_iter()
        .find(|k| k.oid() == *oid)
    }
}

/// A password-based encryption scheme with its parameters, bounds already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// PBES2 with PBKDF2.
    Pbes2 {
        prf: Digest,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Cipher,
        iv: Vec<u8>,
    },
    /// PBES2 with scrypt (RFC 7914 §7): N = 2^log_n.
    Pbes2Scrypt {
        salt: Vec<u8>,
        log_n: u8,
        r: u32,
        p: u32,
        cipher: Cipher,
        iv: Vec<u8>,
    },
    /// PBES1 (RFC 8018 §6.1) with DES: PBKDF1 with MD5 or SHA-1.
    Pbes1 {
        md5: bool,
        salt: Vec<u8>,
        iterations: u32,
    },
    Pkcs12 {
        kind: Pkcs12Pbe,
        salt: Vec<u8>,
        iterations: u32,
    },
}

/// Checks a `kdf` iteration count against [`budget::MAX_ITERATIONS`].
pub(crate) fn check_iterations(kdf: &str, n: u64) -> Result<u32, PbeError> {
    budget::check(&format!("{kdf} iteration count"), n, budget::MAX_ITERATIONS)
        // In range (checked), so the narrowing is exact.
        .map(|n| n as u32)
}

impl Scheme {
    /// Parses an `AlgorithmIdentifier` (the whole element), checking every bound.
    pub fn parse(alg: &Tlv<'_>) -> Result<Scheme, PbeError> {
        let mut r = Reader::contents(alg);
        let oid = r.oid().map_err(malformed)?;
        if oid == PBES2 {
            let params = r
                .expect(asn1::SEQUENCE, "PBES2-params")
                .map_err(malformed)?;
            return parse_pbes2(&params);
        }
        if oid == PBE_MD5_DES || oid == PBE_SHA1_DES {
            let (salt, iterations) = pbe_params(&mut r, "PBEParameter", "PBKDF1")?;
            if salt.len() != 8 {
                return Err(PbeError::Malformed(format!(
                    "PBES1 salt of {} bytes",
                    salt.len()
                )));
            }
            return Ok(Scheme::Pbes1 {
                md5: oid == PBE_MD5_DES,
                salt,
                iterations,
            });
        }
        let Some(kind) = Pkcs12Pbe::from_oid(&oid) else {
            let what = if oid == PBE_SHA_RC4_128 || oid == PBE_SHA_RC4_40 {
                "encryption RC4 (PKCS#12 PBE)".to_string()
            } else {
                format!("encryption {}", oid_name(&oid))
            };
            return Err(PbeError::Unsupported(what));
        };
        let (salt, iterations) = pbe_params(&mut r, "pkcs-12PbeParams", "PKCS#12 KDF")?;
        Ok(Scheme::Pkcs12 {
            kind,
            salt,
            iterations,
        })
    }

    /// A fresh PBES2 scheme: PBKDF2 with `prf`, random 16-byte salt and IV.
    pub fn new_pbes2(prf: Digest, cipher: Cipher, iterations: u32) -> Scheme {
        let mut salt = vec![0u8; 16];
        let mut iv = vec![0u8; cipher.iv_len()];
        rand::fill(&mut salt[..]);
        rand::fill(&mut iv[..]);
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
        let mut salt = vec![0u8; 20];
        rand::fill(&mut salt[..]);
        Scheme::Pkcs12 {
            kind,
            salt,
            iterations,
        }
    }

    /// The `AlgorithmIdentifier` DER.
    pub fn to_der(&self) -> Vec<u8> {
        let pbe_params = |salt: &[u8], iterations: u32| {
            asn1::seq(&[&asn1::octets(salt), &asn1::uint(u64::from(iterations))])
        };
        let pbes2 = |kdf: Vec<u8>, cipher: &Cipher, iv: &[u8]| {
            let c_oid = pbes2_cipher_oid(*cipher)
                .expect("PBES2 schemes are parsed or built with a PBES2 cipher");
            let enc = asn1::seq(&[&asn1::oid(&c_oid), &asn1::octets(iv)]);
            asn1::seq(&[&asn1::oid(&PBES2), &asn1::seq(&[&kdf, &enc])])
        };
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
                pbes2(asn1::seq(&[&asn1::oid(&PBKDF2), &kdf_params]), cipher, iv)
            }
            Scheme::Pbes2Scrypt {
                salt,
                log_n,
                r,
                p,
                cipher,
                iv,
            } => {
                let kdf_params = asn1::seq(&[
                    &asn1::octets(salt),
                    &asn1::uint(1u64 << log_n),
                    &asn1::uint(u64::from(*r)),
                    &asn1::uint(u64::from(*p)),
                ]);
                pbes2(asn1::seq(&[&asn1::oid(&SCRYPT), &kdf_params]), cipher, iv)
            }
            Scheme::Pbes1 {
                md5,
                salt,
                iterations,
            } => {
                let oid = if *md5 { PBE_MD5_DES } else { PBE_SHA1_DES };
                asn1::seq(&[&asn1::oid(&oid), &pbe_params(salt, *iterations)])
            }
            Scheme::Pkcs12 {
                kind,
                salt,
                iterations,
            } => asn1::seq(&[&asn1::oid(&kind.oid()), &pbe_params(salt, *iterations)]),
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
            Scheme::Pbes2Scrypt {
                log_n,
                r,
                p,
                cipher,
                ..
            } => format!("PBES2 {}, scrypt N=2^{log_n} r={r} p={p}", cipher.name()),
            Scheme::Pbes1 {
                md5, iterations, ..
            } => format!(
                "PBES1 DES-CBC, PBKDF1-{}, {iterations} iterations",
                if *md5 { "MD5" } else { "SHA1" }
            ),
            Scheme::Pkcs12 {
                kind, iterations, ..
            } => format!("{} (PKCS#12 PBE), {iterations} iterations", kind.name()),
        }
    }

    /// Decrypts `data`; the derivation is charged to the command's budget first.
    pub fn decrypt(&self, password: &str, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, PbeError> {
        let (key, iv, cipher) = self.key_iv(password, false)?;
        cipher.decrypt(&key, &iv, data)
    }

    /// Decrypts `data` to plaintext that `valid` accepts. An empty password has two
    /// encodings for the PKCS#12 KDF: the BMPString terminator alone (what OpenSSL writes
    /// for `-passout pass:`) and no bytes at all (the NULL password, as pyca/cryptography
    /// writes for `password=None`); both are tried, as OpenSSL does. A wrong form that
    /// happens to leave valid padding is caught by `valid`.
    pub fn decrypt_valid(
        &self,
        password: &str,
        data: &[u8],
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<Zeroizing<Vec<u8>>, PbeError> {
        let first = self.decrypt(password, data);
        if let Ok(plain) = &first
            && valid(plain)
        {
            return first;
        }
        if password.is_empty() && matches!(self, Scheme::Pkcs12 { .. }) {
            let (key, iv, cipher) = self.key_iv(password, true)?;
            if let Ok(plain) = cipher.decrypt(&key, &iv, data)
                && valid(&plain)
            {
                return Ok(plain);
            }
        }
        match first {
            Ok(_) => Err(PbeError::Decrypt),
            Err(e) => Err(e),
        }
    }

    /// Encrypts `data` (keychest's own parameters: not charged to the budget).
    pub fn encrypt(&self, password: &str, data: &[u8]) -> Result<Vec<u8>, PbeError> {
        let (key, iv, cipher) = budget::unmetered(|| self.key_iv(password, false))?;
        cipher.encrypt(&key, &iv, data)
    }

    /// Encrypts `buf[from..]` in place ([`Scheme::encrypt`] without copying a large
    /// plaintext).
    pub fn encrypt_in_place(
        &self,
        password: &str,
        buf: &mut Vec<u8>,
        from: usize,
    ) -> Result<(), PbeError> {
        let (key, iv, cipher) = budget::unmetered(|| self.key_iv(password, false))?;
        cipher.encrypt_in_place(&key, &iv, buf, from)
    }

    /// The key, IV and cipher for `password`; `null_password` gives the PKCS#12 KDF no
    /// bytes at all instead of the BMPString of `password` (see [`Scheme::decrypt_valid`]).
    fn key_iv(&self, password: &str, null_password: bool) -> Result<KeyIv, PbeError> {
        match self {
            Scheme::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                kdf::pbkdf2(*prf, password.as_bytes(), salt, *iterations, &mut key)?;
                Ok((key, iv.clone(), *cipher))
            }
            Scheme::Pbes2Scrypt {
                salt,
                log_n,
                r,
                p,
                cipher,
                iv,
            } => {
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                kdf::scrypt(password.as_bytes(), salt, *log_n, *r, *p, &mut key)?;
                Ok((key, iv.clone(), *cipher))
            }
            Scheme::Pbes1 {
                md5,
                salt,
                iterations,
            } => {
                // PBKDF1: key = T[0..8], IV = T[8..16].
                let dk = kdf::pbkdf1(*md5, password.as_bytes(), salt, *iterations)?;
                Ok((
                    Zeroizing::new(dk[..8].to_vec()),
                    dk[8..16].to_vec(),
                    Cipher::Des,
                ))
            }
            Scheme::Pkcs12 {
                kind,
                salt,
                iterations,
            } => {
                let pw = if null_password {
                    Zeroizing::new(Vec::new())
                } else {
                    kdf::bmp_password(password)?
                };
                let derive =
                    |id, len| kdf::pkcs12_kdf(Digest::Sha1, &pw, salt, id, *iterations, len);
                let (key_len, cipher) = match kind {
                    // Two-key 3DES derives K1 K2 and uses K1 K2 K1.
                    Pkcs12Pbe::Des2 => (16, Cipher::DesEde3),
                    Pkcs12Pbe::Des3 => (24, Cipher::DesEde3),
                    Pkcs12Pbe::Rc2_128 => (16, Cipher::Rc2(128)),
                    Pkcs12Pbe::Rc2_40 => (5, Cipher::Rc2(40)),
                };
                let mut key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
                if *kind == Pkcs12Pbe::Des2 {
                    let k1 = key[..8].to_vec();
                    key.extend_from_slice(&k1);
                }
                let iv = derive(Pkcs12KeyType::Iv, 8)?.to_vec();
                Ok((key, iv, cipher))
            }
        }
    }
}

/// Derived key, IV and cipher.
type KeyIv = (Zeroizing<Vec<u8>>, Vec<u8>, Cipher);

/// An OID's name from `const-oid`'s database, else its dotted form.
pub(super) fn oid_name(oid: &Oid) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map_or_else(|| oid.to_string(), str::to_string)
}

/// `SEQUENCE { salt OCTET STRING, iterationCount INTEGER }` with the count bounded.
fn pbe_params(r: &mut Reader<'_>, what: &str, kdf: &str) -> Result<(Vec<u8>, u32), PbeError> {
    let params = r.expect(asn1::SEQUENCE, what).map_err(malformed)?;
    let mut p = Reader::contents(&params);
    let salt = p.octets().map_err(malformed)?.to_vec();
    let iterations = check_iterations(kdf, p.uint().map_err(malformed)?)?;
    Ok((salt, iterations))
}

fn parse_pbes2(params: &Tlv<'_>) -> Result<Scheme, PbeError> {
    let mut p = Reader::contents(params);
    let kdf = p
        .expect(asn1::SEQUENCE, "keyDerivationFunc")
        .map_err(malformed)?;
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
        Cipher::Des,
    ]
    .into_iter()
    .find(|c| pbes2_cipher_oid(*c) == Some(c_oid))
    .ok_or_else(|| PbeError::Unsupported(format!("PBES2 cipher {}", oid_name(&c_oid))))?;
    let iv = e.octets().map_err(malformed)?.to_vec();
    if iv.len() != cipher.iv_len() {
        return Err(PbeError::Malformed(format!(
            "IV of {} bytes for {}",
            iv.len(),
            cipher.name()
        )));
    }
    let mut k = Reader::contents(&kdf);
    let kdf_oid = k.oid().map_err(malformed)?;
    let kp = k
        .expect(asn1::SEQUENCE, "key derivation parameters")
        .map_err(malformed)?;
    let mut kp = Reader::contents(&kp);
    let salt = kp.octets().map_err(malformed)?.to_vec();
    let check_key_len = |kl: Option<u64>| match kl {
        Some(kl) if kl != cipher.key_len() as u64 => Err(PbeError::Malformed(format!(
            "key length {kl} does not fit {}",
            cipher.name()
        ))),
        _ => Ok(()),
    };
    if kdf_oid == SCRYPT {
        let n = kp.uint().map_err(malformed)?;
        let r = kp.uint().map_err(malformed)?;
        let par = kp.uint().map_err(malformed)?;
        let key_len = if kp.is_empty() {
            None
        } else {
            Some(kp.uint().map_err(malformed)?)
        };
        check_key_len(key_len)?;
        let (log_n, r, p) = scrypt_bounds(n, r, par)?;
        return Ok(Scheme::Pbes2Scrypt {
            salt,
            log_n,
            r,
            p,
            cipher,
            iv,
        });
    }
    if kdf_oid != PBKDF2 {
        return Err(PbeError::Unsupported(format!(
            "PBES2 key derivation {}",
            oid_name(&kdf_oid)
        )));
    }
    let iterations = check_iterations("PBKDF2", kp.uint().map_err(malformed)?)?;
    let key_len = if kp.peek_tag() == Some(asn1::INTEGER) {
        Some(kp.uint().map_err(malformed)?)
    } else {
        None
    };
    check_key_len(key_len)?;
    let prf = if kp.is_empty() {
        Digest::Sha1
    } else {
        let prf = kp.expect(asn1::SEQUENCE, "PBKDF2 prf").map_err(malformed)?;
        let prf_oid = Reader::contents(&prf).oid().map_err(malformed)?;
        Digest::from_hmac_oid(&prf_oid)
            .ok_or_else(|| PbeError::Unsupported(format!("PBKDF2 PRF {}", oid_name(&prf_oid))))?
    };
    Ok(Scheme::Pbes2 {
        prf,
        salt,
        iterations,
        cipher,
        iv,
    })
}

/// scrypt's N must be a power of two above 1, r and p positive, and 128·N·r·p bytes within
/// [`budget::MAX_SCRYPT_MEMORY`] — all checked before anything is allocated.
fn scrypt_bounds(n: u64, r: u64, p: u64) -> Result<(u8, u32, u32), PbeError> {
    if n < 2 || !n.is_power_of_two() {
        return Err(PbeError::Malformed(format!(
            "scrypt N={n} is not a power of two above 1"
        )));
    }
    if r == 0 || p == 0 {
        return Err(PbeError::Malformed(format!("scrypt r={r} p={p}")));
    }
    let memory = 128u128 * u128::from(n) * u128::from(r) * u128::from(p);
    if memory > u128::from(budget::MAX_SCRYPT_MEMORY) {
        return Err(PbeError::OverLimit {
            param: format!("scrypt memory in bytes (128·N·r·p with N={n}, r={r}, p={p})"),
            value: u64::try_from(memory).unwrap_or(u64::MAX),
            limit: budget::MAX_SCRYPT_MEMORY,
        });
    }
    // Within 256 MiB, so r and p fit u32 and N's exponent fits u8.
    Ok((n.trailing_zeros() as u8, r as u32, p as u32))
}
