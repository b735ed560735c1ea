//! The cryptography of Sun's key protectors, which exist only in the JDK: the JKS
//! `KeyProtector` (a SHA-1 keystream keyed with the UTF-16 password, plus a SHA-1 check) and
//! `PBEWithMD5AndTripleDES` (JCEKS private keys and sealed secret keys), with its
//! non-standard MD5 key derivation. The containers around them (the
//! `EncryptedPrivateKeyInfo`, Java-serialized `SealedObject`s) belong to the Java codec.
//! All byte layouts were checked against what JDK 17 `keytool` writes.

use md5::Md5;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::budget::{self, blocks};
use super::cipher::Cipher;
use super::{PbeError, malformed};
use crate::asn1::{self, Reader};

/// Sun JKS `KeyProtector` (`sun.security.provider.KeyProtector`).
pub const JKS_KEY_PROTECTOR_OID: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");
/// `PBEWithMD5AndTripleDES` (`com.sun.crypto.provider.KeyProtector`, JCEKS).
pub const PBE_MD5_3DES_OID: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.19.1");
/// JDK 17's default `jdk.jceks.iterationCount` (keytool writes 200000).
pub const JCEKS_ITERATIONS: u32 = 200_000;

const JKS_SALT_LEN: usize = 20;
const SHA1_LEN: usize = 20;

/// Java `char[]` as big-endian bytes: what the JKS protector and the store digest hash.
pub fn utf16be(password: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect())
}

// ------------------------------------------------------------------ JKS KeyProtector

/// The JKS protector's keystream: SHA-1 chained from the salt, keyed with the password.
fn jks_xor(password: &[u8], salt: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    let mut digest = Sha1::new_with_prefix(password)
        .chain_update(salt)
        .finalize();
    for chunk in data.chunks(SHA1_LEN) {
        out.extend(chunk.iter().zip(digest.iter()).map(|(d, k)| d ^ k));
        digest = Sha1::new_with_prefix(password)
            .chain_update(digest)
            .finalize();
    }
    out
}

fn jks_check(password: &[u8], plain: &[u8]) -> [u8; SHA1_LEN] {
    Sha1::new_with_prefix(password)
        .chain_update(plain)
        .finalize()
        .into()
}

/// Work of the keystream and check over `len` bytes: the password is re-hashed per block.
fn jks_cost(password_len: usize, len: usize) -> u64 {
    let (pw, len) = (password_len as u64, len as u64);
    (len.div_ceil(SHA1_LEN as u64) + 1) * blocks(pw + SHA1_LEN as u64, 64) + blocks(pw + len, 64)
}

/// Recovers the plaintext of JKS-protected key data (`salt ‖ encrypted ‖ check`); a check
/// mismatch is [`PbeError::Decrypt`] (wrong password).
pub fn jks_unprotect(data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    if data.len() < JKS_SALT_LEN + SHA1_LEN {
        return Err(PbeError::Malformed(format!(
            "JKS-protected key is {} bytes, shorter than salt and check",
            data.len()
        )));
    }
    let pw = utf16be(password);
    budget::charge("the JKS key protector", jks_cost(pw.len(), data.len()))?;
    let (salt, rest) = data.split_at(JKS_SALT_LEN);
    let (encrypted, check) = rest.split_at(rest.len() - SHA1_LEN);
    let plain = jks_xor(&pw, salt, encrypted);
    if jks_check(&pw, &plain)[..] != *check {
        return Err(PbeError::Decrypt);
    }
    Ok(plain)
}

/// Protects `plain` with the JKS protector and a random 20-byte salt.
pub fn jks_protect(plain: &[u8], password: &str) -> Vec<u8> {
    let pw = utf16be(password);
    let mut salt = [0u8; JKS_SALT_LEN];
    rand::fill(&mut salt[..]);
    let mut data = salt.to_vec();
    data.extend_from_slice(&jks_xor(&pw, &salt, plain));
    data.extend_from_slice(&jks_check(&pw, plain));
    data
}

// ------------------------------------------------------------- PBEWithMD5AndTripleDES

/// Validated `PBEParameter` DER: an 8-byte salt, and an iteration count within what the JDK
/// accepts (1..=5,000,000, [`budget::MAX_SUN_ITERATIONS`]).
pub fn md5_3des_params_from_der(der: &[u8]) -> Result<([u8; 8], u32), PbeError> {
    let seq = asn1::single(der, asn1::SEQUENCE, "PBEParameter").map_err(malformed)?;
    let mut r = Reader::contents(&seq);
    let salt = r.octets().map_err(malformed)?;
    let iterations = r.uint().map_err(malformed)?;
    r.finish("PBEParameter").map_err(malformed)?;
    let salt: [u8; 8] = salt.try_into().map_err(|_| {
        PbeError::Malformed(format!("PBE salt is {} bytes, expected 8", salt.len()))
    })?;
    let iterations = budget::check(
        "PBEWithMD5AndTripleDES iteration count",
        iterations,
        budget::MAX_SUN_ITERATIONS,
    )?;
    Ok((salt, iterations as u32))
}

/// `PBEParameter` DER.
pub fn md5_3des_params_to_der(salt: &[u8; 8], iterations: u32) -> Vec<u8> {
    asn1::seq(&[&asn1::octets(salt), &asn1::uint(u64::from(iterations))])
}

/// The JDK's `PBEKey` accepts only printable ASCII and keeps 7 bits per char.
fn md5_3des_password(password: &str) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    if password.chars().any(|c| !(' '..='~').contains(&c)) {
        return Err(PbeError::AsciiPassword);
    }
    Ok(Zeroizing::new(password.as_bytes().to_vec()))
}

/// Sun's `PBEWithMD5AndTripleDES` key derivation (`PBES1Core.deriveCipherKey`): each salt
/// half is hashed `iterations` times with the password, giving 2 × 16 bytes = 24-byte 3DES
/// key + 8-byte IV. If the halves are equal, the JDK "inverts" the first one, which in fact
/// means reversing its byte order (checked against JDK 17 output, see the tests).
/// Cost: the password is re-hashed on every iteration, so its length counts.
fn derive_3des(
    password: &[u8],
    salt: &[u8; 8],
    iterations: u32,
) -> Result<Zeroizing<[u8; 32]>, PbeError> {
    let pw = password.len() as u64;
    let cost = 2 * (blocks(4 + pw, 64) + u64::from(iterations - 1) * blocks(16 + pw, 64));
    budget::charge(
        &format!("PBEWithMD5AndTripleDES ({iterations} iterations, {pw}-byte password)"),
        cost,
    )?;
    let mut salt = *salt;
    if salt[..4] == salt[4..] {
        salt[..4].reverse();
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (half, chunk) in salt.chunks(4).zip(out.chunks_mut(16)) {
        let mut state = Md5::new_with_prefix(half).chain_update(password).finalize();
        for _ in 1..iterations {
            state = Md5::new_with_prefix(state)
                .chain_update(password)
                .finalize();
        }
        chunk.copy_from_slice(&state);
    }
    Ok(out)
}

/// Encrypts with `PBEWithMD5AndTripleDES` (our own parameters: not charged).
pub fn md5_3des_encrypt(
    password: &str,
    salt: &[u8; 8],
    iterations: u32,
    plain: &[u8],
) -> Result<Vec<u8>, PbeError> {
    let pw = md5_3des_password(password)?;
    let km = budget::unmetered(|| derive_3des(&pw, salt, iterations))?;
    let (key, iv) = km.split_at(24);
    Cipher::DesEde3.encrypt(key, iv, plain)
}

/// Decrypts `PBEWithMD5AndTripleDES`; bad padding is [`PbeError::Decrypt`]. There is no
/// integrity check: callers check that the plaintext has the shape they expect.
pub fn md5_3des_decrypt(
    password: &str,
    salt: &[u8; 8],
    iterations: u32,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let pw = md5_3des_password(password)?;
    let km = derive_3des(&pw, salt, iterations)?;
    let (key, iv) = km.split_at(24);
    Cipher::DesEde3.decrypt(key, iv, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Vectors from JDK 17: `Cipher.getInstance("PBEWithMD5AndTripleDES")`,
    /// password "pw", 3 iterations, plaintext "0123456789abcdef".
    #[test]
    fn pbe_matches_jdk_including_equal_salt_halves() {
        let plain = b"0123456789abcdef";
        let ct = |salt: [u8; 8]| hex(&md5_3des_encrypt("pw", &salt, 3, plain).unwrap());
        assert_eq!(
            ct([9, 8, 7, 6, 5, 4, 3, 2]),
            "c8df5ed7ec15753dc0bd10f407563e11a94cfc55feff5055"
        );
        // Equal halves take the JDK's buggy "invert" branch.
        assert_eq!(
            ct([1, 2, 3, 4, 1, 2, 3, 4]),
            "9a9b6460f1f9e2d85b848a6417e3b05a9e837e08b0b91618"
        );
    }

    #[test]
    fn jks_protector_round_trip_and_wrong_password() {
        let data = jks_protect(b"some key bytes, longer than one SHA-1 block", "pw");
        assert_eq!(
            &jks_unprotect(&data, "pw").unwrap()[..],
            b"some key bytes, longer than one SHA-1 block"
        );
        assert_eq!(jks_unprotect(&data, "nope"), Err(PbeError::Decrypt));
    }

    #[test]
    fn hostile_jceks_parameters_are_refused_before_work() {
        let params = md5_3des_params_to_der(&[1; 8], 5_000_001);
        let e = md5_3des_params_from_der(&params).unwrap_err();
        assert!(
            e.to_string()
                .contains("PBEWithMD5AndTripleDES iteration count 5000001"),
            "{e}"
        );
        // A 10 kB password at the JDK's 200,000 iterations: ~63 M units, over the budget.
        let long = "x".repeat(10_000);
        budget::start_with(budget::DEFAULT_BUDGET);
        let before = budget::spent();
        let t = std::time::Instant::now();
        let e = md5_3des_decrypt(&long, &[1; 8], JCEKS_ITERATIONS, &[0; 16]).unwrap_err();
        assert!(matches!(e, PbeError::OverBudget { .. }), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_millis(100));
        assert_eq!(budget::spent(), before);
    }
}
