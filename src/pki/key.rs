//! Private keys: the key types keychest generates and signs with, their PKCS#8 encoding,
//! and signing (each key signs with the algorithm TLS and X.509 peers expect for it).

use std::fmt;
use std::str::FromStr;

use der::{Decode, Encode, asn1::OctetString};
use pkcs8::{EncodePrivateKey, PrivateKeyInfoRef};
use rsa::{
    pkcs1v15,
    pkcs8::{DecodePrivateKey, EncodePublicKey},
    traits::PublicKeyParts,
};
use signature::{SignatureEncoding, Signer};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use super::oids;

/// A key type the user can ask for (`--type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa(usize),
    P256,
    P384,
    P521,
    Ed25519,
}

impl KeyType {
    pub const NAMES: &'static [&'static str] = &[
        "ec:p256", "ec:p384", "ec:p521", "ed25519", "rsa:2048", "rsa:3072", "rsa:4096",
    ];

    /// Generation slow enough to deserve a spinner on a terminal.
    pub fn is_slow(self) -> bool {
        matches!(self, KeyType::Rsa(bits) if bits >= 3072)
    }
}

impl FromStr for KeyType {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "ec:p256" | "p256" | "ec" | "p-256" | "ec:p-256" | "prime256v1" => Ok(KeyType::P256),
            "ec:p384" | "p384" | "p-384" | "ec:p-384" | "secp384r1" => Ok(KeyType::P384),
            "ec:p521" | "p521" | "p-521" | "ec:p-521" | "secp521r1" => Ok(KeyType::P521),
            "ed25519" => Ok(KeyType::Ed25519),
            "rsa" | "rsa:2048" => Ok(KeyType::Rsa(2048)),
            "rsa:3072" => Ok(KeyType::Rsa(3072)),
            "rsa:4096" => Ok(KeyType::Rsa(4096)),
            _ => Err(KeyError::UnknownType(s.to_string())),
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa(bits) => write!(f, "rsa:{bits}"),
            KeyType::P256 => f.write_str("ec:p256"),
            KeyType::P384 => f.write_str("ec:p384"),
            KeyType::P521 => f.write_str("ec:p521"),
            KeyType::Ed25519 => f.write_str("ed25519"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "unknown key type '{0}' (expected one of: ec:p256, ec:p384, ec:p521, ed25519, rsa:2048, rsa:3072, rsa:4096)"
    )]
    UnknownType(String),
    #[error("unsupported key algorithm {0} (supported: RSA, EC P-256/P-384/P-521, Ed25519)")]
    UnsupportedAlgorithm(String),
    #[error("unsupported EC curve {0} (supported: P-256, P-384, P-521)")]
    UnsupportedCurve(String),
    #[error("malformed {what} private key: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("RSA key generation failed: {0}")]
    Generation(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A decrypted private key that keychest can sign with.
pub enum PrivateKey {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.describe())
    }
}

impl PrivateKey {
    /// Generates a new key from the operating system's CSPRNG.
    pub fn generate(kind: KeyType) -> Result<Self, KeyError> {
        let mut rng = rand::rng();
        Ok(match kind {
            KeyType::Rsa(bits) => PrivateKey::Rsa(Box::new(
                rsa::PrivateKey::new(&mut rng, bits)
                    .map_err(|e| KeyError::Generation(e.to_string()))?,
            )),
            KeyType::P256 => PrivateKey::P256(
                <p256::SecretKey as rsa::Generate>::generate_from_rng(&mut rng),
            ),
            KeyType::P384 => PrivateKey::P384(
                <p384::SecretKey as rsa::Generate>::generate_from_rng(&mut rng),
            ),
            KeyType::P521 => PrivateKey::P521(
                <p521::SecretKey as rsa::Generate>::generate_from_rng(&mut rng),
            ),
            KeyType::Ed25519 => PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
        })
    }

    /// Decodes an unencrypted PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::Malformed {
            what: "PKCS#8",
            detail: e.to_string(),
        })?;
        let oid = info.algorithm.oid;
        let malformed = |what: &'static str| {
            move |e: pkcs8::Error| KeyError::Malformed {
                what,
                detail: e.to_string(),
            }
        };
        if oid == oids::RSA_ENCRYPTION {
            let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(malformed("RSA"))?;
            Ok(PrivateKey::Rsa(Box::new(key)))
        } else if oid == oids::EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as().ok())
                .ok_or_else(|| KeyError::Malformed {
                    what: "EC",
                    detail: "missing named-curve parameters".into(),
                })?;
            if curve == oids::SECP256R1 {
                Ok(PrivateKey::P256(
                    p256::SecretKey::from_pkcs8_der(der).map_err(malformed("EC"))?,
                ))
            } else if curve == oids::SECP384R1 {
                Ok(PrivateKey::P384(
                    p384::SecretKey::from_pkcs8_der(der).map_err(malformed("EC"))?,
                ))
            } else if curve == oids::SECP521R1 {
                Ok(PrivateKey::P521(
                    p521::SecretKey::from_pkcs8_der(der).map_err(malformed("EC"))?,
                ))
            } else {
                Err(KeyError::UnsupportedCurve(oids::name(&curve)))
            }
        } else if oid == oids::ED25519 {
            // The private key is an OCTET STRING wrapping the 32-byte seed (RFC 8410 §7).
            let inner = OctetString::from_der(info.private_key.as_bytes()).map_err(|e| {
                KeyError::Malformed {
                    what: "Ed25519",
                    detail: e.to_string(),
                }
            })?;
            let seed: [u8; 32] = inner
                .as_bytes()
                .try_into()
                .map_err(|_| KeyError::Malformed {
                    what: "Ed25519",
                    detail: "seed is not 32 bytes".into(),
                })?;
            let seed = Zeroizing::new(seed);
            Ok(PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                &seed,
            )))
        } else {
            Err(KeyError::UnsupportedAlgorithm(oids::name(&oid)))
        }
    }

    /// The SubjectPublicKeyInfo (DER) of a PKCS#8 key of a type keychest only carries (not
    /// signs with), where it can be derived: Ed448. `None` for other types.
    pub fn carried_public_key(pkcs8_der: &[u8]) -> Option<Vec<u8>> {
        use pkcs8::{DecodePrivateKey, EncodePublicKey};
        let key = ed448_goldilocks::SigningKey::from_pkcs8_der(pkcs8_der).ok()?;
        let spki = key.verifying_key().to_public_key_der().ok()?;
        Some(spki.as_bytes().to_vec())
    }

    /// Encodes as an unencrypted PKCS#8 `PrivateKeyInfo` (version 1, as OpenSSL writes it).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let enc = |r: Result<pkcs8::SecretDocument, pkcs8::Error>| {
            r.map(|d| Zeroizing::new(d.as_bytes().to_vec()))
                .map_err(|e| KeyError::Malformed {
                    what: "PKCS#8",
                    detail: e.to_string(),
                })
        };
        match self {
            PrivateKey::Rsa(k) => enc(k.to_pkcs8_der()),
            PrivateKey::P256(k) => enc(k.to_pkcs8_der()),
            PrivateKey::P384(k) => enc(k.to_pkcs8_der()),
            PrivateKey::P521(k) => enc(k.to_pkcs8_der()),
            PrivateKey::Ed25519(k) => {
                let seed = Zeroizing::new(
                    OctetString::new(k.to_bytes().as_slice())
                        .and_then(|o| o.to_der())
                        .map_err(|e| KeyError::Malformed {
                            what: "Ed25519",
                            detail: e.to_string(),
                        })?,
                );
                let info = pkcs8::PrivateKeyInfoRef::new(
                    spki::AlgorithmIdentifierRef {
                        oid: oids::ED25519,
                        parameters: None,
                    },
                    der::asn1::OctetStringRef::new(&seed).map_err(|e| KeyError::Malformed {
                        what: "Ed25519",
                        detail: e.to_string(),
                    })?,
                );
                let der = info.to_der().map_err(|e| KeyError::Malformed {
                    what: "Ed25519",
                    detail: e.to_string(),
                })?;
                Ok(Zeroizing::new(der))
            }
        }
    }

    /// The SubjectPublicKeyInfo of this key.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, KeyError> {
        let der = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.public_key().to_public_key_der(),
            PrivateKey::P384(k) => k.public_key().to_public_key_der(),
            PrivateKey::P521(k) => k.public_key().to_public_key_der(),
            PrivateKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| KeyError::Malformed {
            what: "public",
            detail: e.to_string(),
        })?;
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(|e| KeyError::Malformed {
            what: "public",
            detail: e.to_string(),
        })
    }

    /// Human-readable algorithm and size, e.g. "RSA 3072" or "EC P-256".
    pub fn describe(&self) -> String {
        match self {
            PrivateKey::Rsa(k) => format!("RSA {}", k.size() * 8),
            PrivateKey::P256(_) => "EC P-256".into(),
            PrivateKey::P384(_) => "EC P-384".into(),
            PrivateKey::P521(_) => "EC P-521".into(),
            PrivateKey::Ed25519(_) => "Ed25519".into(),
        }
    }

    /// The signature algorithm this key signs certificates and requests with:
    /// sha256WithRSAEncryption, ecdsa-with-SHA256 (P-256), ecdsa-with-SHA384 (P-384),
    /// ecdsa-with-SHA512 (P-521), Ed25519.
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            PrivateKey::Rsa(_) => AlgorithmIdentifierOwned {
                oid: oids::SHA256_WITH_RSA,
                parameters: Some(der::asn1::Null.into()),
            },
            PrivateKey::P256(_) => AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA256,
                parameters: None,
            },
            PrivateKey::P384(_) => AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA384,
                parameters: None,
            },
            PrivateKey::P521(_) => AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA512,
                parameters: None,
            },
            PrivateKey::Ed25519(_) => AlgorithmIdentifierOwned {
                oid: oids::ED25519,
                parameters: None,
            },
        }
    }

    /// Signs `msg` with [`Self::signature_algorithm`]; ECDSA signatures are DER-encoded.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let err = |e: signature::Error| KeyError::Signing(e.to_string());
        Ok(match self {
            PrivateKey::Rsa(k) => pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone())
                .try_sign(msg)
                .map_err(err)?
                .to_vec(),
            PrivateKey::P256(k) => {
                let signer = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature = signer.try_sign(msg).map_err(err)?;
                sig.to_der().to_bytes().to_vec()
            }
            PrivateKey::P384(k) => {
                let signer = p384::ecdsa::SigningKey::from(k);
                let sig: p384::ecdsa::Signature = signer.try_sign(msg).map_err(err)?;
                sig.to_der().to_bytes().to_vec()
            }
            PrivateKey::P521(k) => {
                let signer = p521::ecdsa::SigningKey::from(k);
                let sig: p521::ecdsa::Signature = signer.try_sign(msg).map_err(err)?;
                sig.to_der().to_bytes().to_vec()
            }
            PrivateKey::Ed25519(k) => k.try_sign(msg).map_err(err)?.to_bytes().to_vec(),
        })
    }
}

/// Whether two DER SubjectPublicKeyInfos hold the same key: the same bytes, else the same
/// algorithm and key bits once parsed (an encoding difference such as explicit NULL
/// parameters does not count).
pub fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (
        spki::SubjectPublicKeyInfoRef::from_der(a),
        spki::SubjectPublicKeyInfoRef::from_der(b),
    ) {
        (Ok(x), Ok(y)) => {
            x.algorithm.oid == y.algorithm.oid && x.subject_public_key == y.subject_public_key
        }
        _ => false,
    }
}
