//! The PKCS#12 integrity MAC (RFC 7292 §5): HMAC keyed by the appendix B KDF with the MAC's
//! own digest, as OpenSSL and Java do even for SHA-256. Parsing bounds its iteration count;
//! verifying charges the derivation to the command's budget.

use hmac::{KeyInit, Mac};
use pkcs12::kdf::Pkcs12KeyType;
use zeroize::Zeroizing;

use super::kdf::{self, Digest};
use super::scheme::{check_iterations, oid_name};
use super::{PbeError, budget, malformed};
use crate::asn1::{self, Reader, Tlv};

const PBMAC1: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

/// A parsed `MacData`.
#[derive(Clone, Debug)]
pub struct MacParams {
    pub digest: Digest,
    pub mac: Vec<u8>,
    pub salt: Vec<u8>,
    pub iterations: u32,
}

impl MacParams {
    pub fn parse(mac_data: &Tlv<'_>) -> Result<MacParams, PbeError> {
        let mut r = Reader::contents(mac_data);
        let di = r.expect(asn1::SEQUENCE, "DigestInfo").map_err(malformed)?;
        let mut d = Reader::contents(&di);
        let alg = d
            .expect(asn1::SEQUENCE, "digestAlgorithm")
            .map_err(malformed)?;
        let oid = Reader::contents(&alg).oid().map_err(malformed)?;
        if oid == PBMAC1 {
            return Err(PbeError::Unsupported("MAC PBMAC1 (RFC 9579)".into()));
        }
        let digest = Digest::from_oid(&oid)
            .ok_or_else(|| PbeError::Unsupported(format!("MAC digest {}", oid_name(&oid))))?;
        let mac = d.octets().map_err(malformed)?.to_vec();
        let salt = r.octets().map_err(malformed)?.to_vec();
        let iterations = if r.is_empty() {
            1
        } else {
            check_iterations("MAC", r.uint().map_err(malformed)?)?
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
    pub fn verify(&self, password: &str, content: &[u8]) -> Result<bool, PbeError> {
        let pw = kdf::bmp_password(password)?;
        if mac(self.digest, &pw, &self.salt, self.iterations, content)? == self.mac {
            return Ok(true);
        }
        Ok(password.is_empty()
            && mac(self.digest, &[], &self.salt, self.iterations, content)? == self.mac)
    }

    /// A new `MacData` over `content` (not charged to the budget: our own parameters).
    pub fn create(
        digest: Digest,
        iterations: u32,
        password: &str,
        content: &[u8],
    ) -> Result<Vec<u8>, PbeError> {
        let mut salt = [0u8; 20];
        rand::fill(&mut salt[..]);
        let pw = kdf::bmp_password(password)?;
        let m = budget::unmetered(|| mac(digest, &pw, &salt, iterations, content))?;
        let alg = asn1::seq(&[&asn1::oid(&digest.oid()), &[asn1::NULL, 0]]);
        let digest_info = asn1::seq(&[&alg, &asn1::octets(&m)]);
        Ok(asn1::seq(&[
            &digest_info,
            &asn1::octets(&salt),
            &asn1::uint(u64::from(iterations)),
        ]))
    }
}

fn mac(
    digest: Digest,
    pw: &[u8],
    salt: &[u8],
    iterations: u32,
    content: &[u8],
) -> Result<Vec<u8>, PbeError> {
    fn run<D>(key: &[u8], content: &[u8]) -> Vec<u8>
    where
        D: sha2::Digest
            + sha2::digest::FixedOutputReset
            + sha2::digest::block_api::BlockSizeUser
            + sha2::digest::block_api::EagerHash,
    {
        let mut m =
            <hmac::Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
        m.update(content);
        m.finalize().into_bytes().to_vec()
    }
    let len = digest.output_len();
    let key: Zeroizing<Vec<u8>> =
        kdf::pkcs12_kdf(digest, pw, salt, Pkcs12KeyType::Mac, iterations, len)?;
    Ok(match digest {
        Digest::Sha1 => run::<sha1::Sha1>(&key, content),
        Digest::Sha224 => run::<sha2::Sha224>(&key, content),
        Digest::Sha256 => run::<sha2::Sha256>(&key, content),
        Digest::Sha384 => run::<sha2::Sha384>(&key, content),
        Digest::Sha512 => run::<sha2::Sha512>(&key, content),
    })
}
