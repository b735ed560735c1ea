//! The key derivation functions, each with its cost in work units ([`super::budget`]) and
//! each charging that cost before it runs: PBKDF1, PBKDF2, scrypt, the RFC 7292 appendix B
//! KDF. The primitives are RustCrypto's; the digests are named by [`Digest`].

use const_oid::ObjectIdentifier as Oid;
use pkcs12::kdf::Pkcs12KeyType;
use zeroize::Zeroizing;

use super::PbeError;
use super::budget::{self, blocks};

const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const HMAC_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
const HMAC_SHA224: Oid = Oid::new_unwrap("1.2.840.113549.2.8");
const HMAC_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.2.9");
const HMAC_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.2.10");
const HMAC_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.2.11");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

const ALL: [Digest; 5] = [
    Digest::Sha1,
    Digest::Sha224,
    Digest::Sha256,
    Digest::Sha384,
    Digest::Sha512,
];

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
    pub fn oid(self) -> Oid {
        match self {
            Digest::Sha1 => SHA1,
            Digest::Sha224 => SHA224,
            Digest::Sha256 => SHA256,
            Digest::Sha384 => SHA384,
            Digest::Sha512 => SHA512,
        }
    }
    pub fn from_oid(oid: &Oid) -> Option<Self> {
        ALL.into_iter().find(|d| d.oid() == *oid)
    }
    pub fn hmac_oid(self) -> Oid {
        match self {
            Digest::Sha1 => HMAC_SHA1,
            Digest::Sha224 => HMAC_SHA224,
            Digest::Sha256 => HMAC_SHA256,
            Digest::Sha384 => HMAC_SHA384,
            Digest::Sha512 => HMAC_SHA512,
        }
    }
    pub fn from_hmac_oid(oid: &Oid) -> Option<Self> {
        ALL.into_iter().find(|d| d.hmac_oid() == *oid)
    }
    pub fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }
    /// Input block size in bytes (the RFC 7292 KDF's `v`).
    fn block_len(self) -> u64 {
        match self {
            Digest::Sha384 | Digest::Sha512 => 128,
            _ => 64,
        }
    }
    /// Work units of one compression.
    fn block_cost(self) -> u64 {
        self.block_len() / 64
    }
}

/// PBKDF2-HMAC (RFC 8018 §5.2) into `out`. Cost: per output block and iteration, 4 units
/// per compression of the digest: the inner and outer HMAC compressions, and about as much
/// again for finalising and re-cloning the keyed states (measured: an iteration of
/// PBKDF2-HMAC-SHA1 takes as long as four RFC 7292 KDF iterations).
pub fn pbkdf2(
    prf: Digest,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), PbeError> {
    let out_blocks = (out.len() as u64).div_ceil(prf.output_len() as u64);
    let key_setup = blocks(password.len() as u64, prf.block_len()) + 2;
    let first = blocks(prf.block_len() + salt.len() as u64 + 4, prf.block_len());
    let cost = prf.block_cost() * (key_setup + out_blocks * (first + 4 * u64::from(iterations)));
    budget::charge(
        &format!("PBKDF2-HMAC-{} ({iterations} iterations)", prf.name()),
        cost,
    )?;
    let n = iterations;
    match prf {
        Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, n, out),
        Digest::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, n, out),
        Digest::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, n, out),
        Digest::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, n, out),
        Digest::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, n, out),
    }
    Ok(())
}

/// scrypt (RFC 7914) into `out`, with `n = 2^log_n`. Cost: 4·N·r Salsa20/8 cores per lane,
/// p lanes. The caller has checked the memory bound.
pub fn scrypt(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<(), PbeError> {
    let cost = 4u64
        .saturating_mul(1u64 << log_n)
        .saturating_mul(u64::from(r))
        .saturating_mul(u64::from(p));
    budget::charge(&format!("scrypt (N=2^{log_n}, r={r}, p={p})"), cost)?;
    let params = scrypt::Params::new(log_n, r, p)
        .map_err(|_| PbeError::Malformed(format!("scrypt parameters N=2^{log_n} r={r} p={p}")))?;
    scrypt::scrypt(password, salt, &params, out)
        .map_err(|_| PbeError::Malformed(format!("scrypt output length {}", out.len())))
}

/// PBKDF1 (RFC 8018 §5.1): T = H^c(P || S). Used by PBES1 with MD5 or SHA-1.
pub fn pbkdf1(
    md5: bool,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let cost = blocks((password.len() + salt.len()) as u64, 64) + u64::from(iterations) - 1;
    budget::charge(&format!("PBKDF1 ({iterations} iterations)"), cost)?;
    fn run<D: sha1::Digest>(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        let mut t = D::new_with_prefix(password).chain_update(salt).finalize();
        for _ in 1..iterations {
            t = D::digest(&t[..]);
        }
        t.to_vec()
    }
    Ok(Zeroizing::new(if md5 {
        run::<md5::Md5>(password, salt, iterations)
    } else {
        run::<sha1::Sha1>(password, salt, iterations)
    }))
}

/// The RFC 7292 appendix B KDF with `digest`, over a BMPString password (see
/// [`bmp_password`]). Cost: per output block, one hash over D‖S‖P (the password counted)
/// and `iterations − 1` more of one block each.
pub fn pkcs12_kdf(
    digest: Digest,
    bmp_password: &[u8],
    salt: &[u8],
    id: Pkcs12KeyType,
    iterations: u32,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let v = digest.block_len();
    let i_len = (salt.len() as u64).div_ceil(v) * v + (bmp_password.len() as u64).div_ceil(v) * v;
    let rounds = (len as u64).div_ceil(digest.output_len() as u64);
    let cost = digest.block_cost()
        * rounds
        * (blocks(v + i_len, v) + u64::from(iterations) - 1 + i_len / v);
    budget::charge(
        &format!(
            "PKCS#12 KDF with {} ({iterations} iterations)",
            digest.name()
        ),
        cost,
    )?;
    // `iterations` is bounded (≤ 10,000,000) by every caller's parse, so it fits an i32.
    let n = iterations as i32;
    let (pw, s) = (bmp_password, salt);
    Ok(Zeroizing::new(match digest {
        Digest::Sha1 => pkcs12::kdf::derive_key::<sha1::Sha1>(pw, s, id, n, len),
        Digest::Sha224 => pkcs12::kdf::derive_key::<sha2::Sha224>(pw, s, id, n, len),
        Digest::Sha256 => pkcs12::kdf::derive_key::<sha2::Sha256>(pw, s, id, n, len),
        Digest::Sha384 => pkcs12::kdf::derive_key::<sha2::Sha384>(pw, s, id, n, len),
        Digest::Sha512 => pkcs12::kdf::derive_key::<sha2::Sha512>(pw, s, id, n, len),
    }))
}

/// The password as the PKCS#12 KDF wants it: UTF-16BE with a two-byte NUL terminator.
pub fn bmp_password(password: &str) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for c in password.chars() {
        let c = u32::from(c);
        if c > 0xffff {
            return Err(PbeError::BmpPassword);
        }
        out.extend_from_slice(&(c as u16).to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    Ok(out)
}
