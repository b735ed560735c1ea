//! Client signing keys for the handshake. In TLS 1.2 the ECDSA code points name only the
//! hash (`ecdsa_secp256r1_sha256` means "ECDSA with SHA-256", any curve: RFC 8446 §4.2.3
//! binds the curve only from TLS 1.3 on), so a P-384 client key must be able to sign with
//! SHA-256 when that is all the server accepts.
//!
//! Hand-written because ring, rustls's signer, pairs each curve with one hash; the signing
//! itself is RustCrypto's (`p256`/`p384` prehash signing), this only adapts it to rustls.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::{Signer, SigningKey};
use sha2::Digest;
use signature::hazmat::PrehashSigner;

use crate::pki::key::PrivateKey;

/// The signing key rustls uses for the client certificate. In TLS 1.2 an EC key also signs
/// with the ECDSA schemes whose hash differs from its curve's.
pub fn load(
    provider: &CryptoProvider,
    pkcs8: &[u8],
    tls13: bool,
) -> Result<Arc<dyn SigningKey>, String> {
    let native = provider
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            pkcs8.to_vec(),
        )))
        .map_err(|e| e.to_string())?;
    if tls13 {
        return Ok(native);
    }
    match PrivateKey::from_pkcs8_der(pkcs8) {
        Ok(key @ (PrivateKey::P256(_) | PrivateKey::P384(_))) => Ok(Arc::new(AnyHashEcdsa {
            native,
            key: Arc::new(key),
        })),
        _ => Ok(native),
    }
}

/// Prefers the native signer; falls back to ECDSA with the hash the server asked for.
struct AnyHashEcdsa {
    native: Arc<dyn SigningKey>,
    key: Arc<PrivateKey>,
}

impl std::fmt::Debug for AnyHashEcdsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnyHashEcdsa")
    }
}

const ECDSA_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP521_SHA512,
];

impl SigningKey for AnyHashEcdsa {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        if let Some(s) = self.native.choose_scheme(offered) {
            return Some(s);
        }
        let scheme = offered
            .iter()
            .copied()
            .find(|s| ECDSA_SCHEMES.contains(s))?;
        Some(Box::new(PrehashEcdsa {
            key: self.key.clone(),
            scheme,
        }))
    }

    fn public_key(&self) -> Option<rustls::pki_types::SubjectPublicKeyInfoDer<'_>> {
        self.native.public_key()
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        self.native.algorithm()
    }
}

struct PrehashEcdsa {
    key: Arc<PrivateKey>,
    scheme: SignatureScheme,
}

impl std::fmt::Debug for PrehashEcdsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrehashEcdsa({:?})", self.scheme)
    }
}

impl Signer for PrehashEcdsa {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let digest = match self.scheme {
            SignatureScheme::ECDSA_NISTP256_SHA256 => sha2::Sha256::digest(message).to_vec(),
            SignatureScheme::ECDSA_NISTP384_SHA384 => sha2::Sha384::digest(message).to_vec(),
            _ => sha2::Sha512::digest(message).to_vec(),
        };
        let fail = |e: signature::Error| rustls::Error::General(format!("ECDSA signing: {e}"));
        match &*self.key {
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(k)
                    .sign_prehash(&digest)
                    .map_err(fail)?;
                Ok(sig.to_der().to_bytes().to_vec())
            }
            PrivateKey::P384(k) => {
                let sig: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(k)
                    .sign_prehash(&digest)
                    .map_err(fail)?;
                Ok(sig.to_der().to_bytes().to_vec())
            }
            _ => Err(rustls::Error::General("not an ECDSA key".into())),
        }
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::key::KeyType;

    #[test]
    fn p384_signs_sha256_in_tls12_only() {
        let key = PrivateKey::generate(KeyType::P384).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let provider = rustls::crypto::ring::default_provider();
        let offered = [SignatureScheme::ECDSA_NISTP256_SHA256];
        let tls12 = load(&provider, &pkcs8, false).unwrap();
        let signer = tls12.choose_scheme(&offered).expect("a TLS 1.2 signer");
        assert_eq!(signer.scheme(), SignatureScheme::ECDSA_NISTP256_SHA256);
        let sig = signer.sign(b"transcript").unwrap();
        // The signature verifies as ECDSA P-384 over a SHA-256 digest.
        let spki = key.public_key_info().unwrap();
        let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
            .unwrap();
        let sig = p384::ecdsa::Signature::from_der(&sig).unwrap();
        signature::hazmat::PrehashVerifier::verify_prehash(
            &vk,
            &sha2::Sha256::digest(b"transcript"),
            &sig,
        )
        .expect("valid signature");
        let tls13 = load(&provider, &pkcs8, true).unwrap();
        assert!(tls13.choose_scheme(&offered).is_none());
    }
}
