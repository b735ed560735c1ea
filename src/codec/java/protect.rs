//! Key protection inside JKS and JCEKS stores, as the JDK frames it: private keys as an
//! `EncryptedPrivateKeyInfo` under Sun's JKS `KeyProtector` or the JCEKS
//! `PBEWithMD5AndTripleDES` protector, and JCEKS sealed secret keys
//! (`SealedObjectForKeyProtector` around a serialized `SecretKeySpec` or `KeyRep`).
//! The cryptography itself (key derivation, keystreams, bounds) is [`crate::pbe::sun`].
//!
//! Hand-written because these formats exist only in the JDK. All byte layouts were checked
//! against what JDK 17 `keytool` writes.

use zeroize::Zeroizing;

use super::error::JksError;
use super::ser::{
    self, ClassSpec, ENUM, FLAGS_ENUM, FLAGS_SERIALIZABLE, FieldSpec, Value, WriteValue,
};
use crate::asn1;
use crate::pbe::{self, PbeError, sun};

pub use crate::pbe::sun::{JCEKS_ITERATIONS, JKS_KEY_PROTECTOR_OID, PBE_MD5_3DES_OID};
use const_oid::ObjectIdentifier;

const PBE_ALGORITHM: &str = "PBEWithMD5AndTripleDES";

/// The codec's view of a decryption failure.
fn pbe_error(e: PbeError) -> JksError {
    match e {
        PbeError::Decrypt => JksError::WrongKeyPassword,
        PbeError::AsciiPassword => JksError::PasswordNotAscii,
        PbeError::Malformed(s) => JksError::MalformedProtectedKey(s),
        other => JksError::Pbe(other),
    }
}

/// Encrypts `plain` as JCEKS does, with PBEWithMD5AndTripleDES (random 8-byte salt,
/// [`JCEKS_ITERATIONS`]): the encrypted data, and the DER `PBEParameter` to store with it.
fn jceks_encrypt(key_password: &str, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), JksError> {
    let mut salt = [0u8; 8];
    rand::fill(&mut salt[..]);
    let data =
        sun::md5_3des_encrypt(key_password, &salt, JCEKS_ITERATIONS, plain).map_err(pbe_error)?;
    Ok((data, sun::md5_3des_params_to_der(&salt, JCEKS_ITERATIONS)))
}

// ---------------------------------------------------------------------------
// Private keys
// ---------------------------------------------------------------------------

/// The protection OID of a stored `EncryptedPrivateKeyInfo`.
pub fn protection_oid(protected_key: &[u8]) -> Result<ObjectIdentifier, JksError> {
    pbe::epki_oid(protected_key).map_err(pbe_error)
}

/// Recovers the PKCS#8 `PrivateKeyInfo` DER from a protected key as stored in a
/// JKS (Sun protector) or JCEKS (PBEWithMD5AndTripleDES) private key entry.
pub fn unprotect_private_key(
    protected_key: &[u8],
    key_password: &str,
) -> Result<Zeroizing<Vec<u8>>, JksError> {
    let oid = protection_oid(protected_key)?;
    if oid != JKS_KEY_PROTECTOR_OID && oid != PBE_MD5_3DES_OID {
        return Err(JksError::UnsupportedProtection {
            oid: oid.to_string(),
        });
    }
    // The 3DES protector has no integrity check: `decrypt_epki` reports a wrong password
    // that happens to give valid padding when the result is not a PrivateKeyInfo.
    pbe::decrypt_epki(protected_key, key_password).map_err(pbe_error)
}

/// Protects a PKCS#8 `PrivateKeyInfo` with Sun's JKS protector (random 20-byte salt).
pub fn protect_private_key_jks(pkcs8_der: &[u8], key_password: &str) -> Result<Vec<u8>, JksError> {
    check_pkcs8(pkcs8_der)?;
    let data = sun::jks_protect(pkcs8_der, key_password);
    let null = [asn1::NULL, 0];
    Ok(encode_protected(&JKS_KEY_PROTECTOR_OID, &null, &data))
}

/// Protects a PKCS#8 `PrivateKeyInfo` the way JCEKS does: PBEWithMD5AndTripleDES,
/// random 8-byte salt, 200000 iterations (what JDK 17 keytool writes).
pub fn protect_private_key_jceks(
    pkcs8_der: &[u8],
    key_password: &str,
) -> Result<Vec<u8>, JksError> {
    check_pkcs8(pkcs8_der)?;
    let (data, params) = jceks_encrypt(key_password, pkcs8_der)?;
    Ok(encode_protected(&PBE_MD5_3DES_OID, &params, &data))
}

/// Java only recovers PKCS#8 `PrivateKeyInfo`; protecting anything else (e.g. a
/// PKCS#1 key) would write a store whose key the JDK reports as corrupt.
fn check_pkcs8(der_bytes: &[u8]) -> Result<(), JksError> {
    use der::Decode;
    pkcs8::PrivateKeyInfoRef::from_der(der_bytes)
        .map(|_| ())
        .map_err(|e| JksError::NotPkcs8(e.to_string()))
}

/// `EncryptedPrivateKeyInfo { AlgorithmIdentifier { oid, params }, OCTET STRING data }`.
fn encode_protected(oid: &ObjectIdentifier, params: &[u8], data: &[u8]) -> Vec<u8> {
    let alg = asn1::seq(&[&asn1::oid(oid), params]);
    asn1::seq(&[&alg, &asn1::octets(data)])
}

// ---------------------------------------------------------------------------
// Sealed secret keys (JCEKS)
// ---------------------------------------------------------------------------

/// A JCEKS secret key: what `SecretKeySpec` / `KeyRep` carry.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKeyMaterial {
    /// JCA algorithm name, e.g. "AES", "HmacSHA256", "DESede".
    pub algorithm: String,
    /// Encoding format; the JDK only reads "RAW" secret keys back.
    pub format: String,
    pub key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SecretKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeyMaterial")
            .field("algorithm", &self.algorithm)
            .field("format", &self.format)
            .field("key", &format_args!("<{} bytes redacted>", self.key.len()))
            .finish()
    }
}

const STRING_SIG: &str = "Ljava/lang/String;";

// serialVersionUIDs and field layouts copied from JDK 17 keytool output.
static SEALED_OBJECT: ClassSpec = ClassSpec {
    name: "javax.crypto.SealedObject",
    suid: 0x3E36_3DA6_C3B7_5470,
    flags: FLAGS_SERIALIZABLE,
    fields: &[
        FieldSpec {
            type_code: b'[',
            name: "encodedParams",
            signature: "[B",
        },
        FieldSpec {
            type_code: b'[',
            name: "encryptedContent",
            signature: "[B",
        },
        FieldSpec {
            type_code: b'L',
            name: "paramsAlg",
            signature: STRING_SIG,
        },
        FieldSpec {
            type_code: b'L',
            name: "sealAlg",
            signature: STRING_SIG,
        },
    ],
    superclass: None,
};

static SEALED_FOR_KEY_PROTECTOR: ClassSpec = ClassSpec {
    name: "com.sun.crypto.provider.SealedObjectForKeyProtector",
    suid: 0xCD57_CA59_E730_BB53,
    flags: FLAGS_SERIALIZABLE,
    fields: &[],
    superclass: Some(&SEALED_OBJECT),
};

static SECRET_KEY_SPEC: ClassSpec = ClassSpec {
    name: "javax.crypto.spec.SecretKeySpec",
    suid: 0x5B47_0B66_E230_614D,
    flags: FLAGS_SERIALIZABLE,
    fields: &[
        FieldSpec {
            type_code: b'L',
            name: "algorithm",
            signature: STRING_SIG,
        },
        FieldSpec {
            type_code: b'[',
            name: "key",
            signature: "[B",
        },
    ],
    superclass: None,
};

static KEY_REP: ClassSpec = ClassSpec {
    name: "java.security.KeyRep",
    suid: 0xBDF9_4FB3_889A_A543,
    flags: FLAGS_SERIALIZABLE,
    fields: &[
        FieldSpec {
            type_code: b'L',
            name: "algorithm",
            signature: STRING_SIG,
        },
        FieldSpec {
            type_code: b'[',
            name: "encoded",
            signature: "[B",
        },
        FieldSpec {
            type_code: b'L',
            name: "format",
            signature: STRING_SIG,
        },
        FieldSpec {
            type_code: b'L',
            name: "type",
            signature: "Ljava/security/KeyRep$Type;",
        },
    ],
    superclass: None,
};

static KEY_REP_TYPE: ClassSpec = ClassSpec {
    name: "java.security.KeyRep$Type",
    suid: 0,
    flags: FLAGS_ENUM,
    fields: &[],
    superclass: Some(&ENUM),
};

fn not_sealed(reason: impl Into<String>) -> JksError {
    JksError::NotSealedKey(reason.into())
}

fn str_field(obj: &ser::Object, name: &str) -> Result<String, JksError> {
    match obj.field(name) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        _ => Err(not_sealed(format!(
            "{} has no string field {name}",
            obj.class.name
        ))),
    }
}

fn bytes_field<'o>(obj: &'o ser::Object, name: &str) -> Result<&'o [u8], JksError> {
    match obj.field(name) {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(not_sealed(format!(
            "{} has no byte[] field {name}",
            obj.class.name
        ))),
    }
}

fn as_object(v: Value, what: &str) -> Result<std::rc::Rc<ser::Object>, JksError> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(not_sealed(format!("{what} is not an object"))),
    }
}

/// Decrypts a JCEKS secret key entry (the serialized `SealedObject` as stored).
pub fn open_sealed_secret_key(
    sealed: &[u8],
    key_password: &str,
) -> Result<SecretKeyMaterial, JksError> {
    let (value, end) = ser::read_stream(sealed, 0)?;
    if end != sealed.len() {
        return Err(JksError::TrailingData { offset: end });
    }
    let obj = as_object(value, "the stream")?;
    if !obj.is_instance_of(SEALED_OBJECT.name) {
        return Err(not_sealed(format!("found a {}", obj.class.name)));
    }
    for field in ["sealAlg", "paramsAlg"] {
        let alg = str_field(&obj, field)?;
        if alg != PBE_ALGORITHM {
            return Err(JksError::UnsupportedProtection { oid: alg });
        }
    }
    let (salt, iterations) =
        sun::md5_3des_params_from_der(bytes_field(&obj, "encodedParams")?).map_err(pbe_error)?;
    let plain = sun::md5_3des_decrypt(
        key_password,
        &salt,
        iterations,
        bytes_field(&obj, "encryptedContent")?,
    )
    .map_err(pbe_error)?;
    // Without an integrity check, a wrong password can still unpad correctly.
    if !plain.starts_with(&[0xAC, 0xED, 0x00, 0x05]) {
        return Err(JksError::WrongKeyPassword);
    }
    let (inner, _) = ser::read_stream(&plain, 0)?;
    secret_key_from(as_object(inner, "the sealed content")?)
}

/// Interprets the unsealed object: a `SecretKeySpec`, or a `KeyRep` of type SECRET
/// (what DESede and PBE keys serialize as).
fn secret_key_from(obj: std::rc::Rc<ser::Object>) -> Result<SecretKeyMaterial, JksError> {
    let name = obj.class.name.as_str();
    if name == SECRET_KEY_SPEC.name {
        return Ok(SecretKeyMaterial {
            algorithm: str_field(&obj, "algorithm")?,
            format: "RAW".into(),
            key: Zeroizing::new(bytes_field(&obj, "key")?.to_vec()),
        });
    }
    if name == KEY_REP.name {
        match obj.field("type") {
            Some(Value::Enum(e)) if e.constant == "SECRET" => {}
            _ => return Err(not_sealed("the sealed KeyRep is not a secret key")),
        }
        return Ok(SecretKeyMaterial {
            algorithm: str_field(&obj, "algorithm")?,
            format: str_field(&obj, "format")?,
            key: Zeroizing::new(bytes_field(&obj, "encoded")?.to_vec()),
        });
    }
    Err(not_sealed(format!(
        "the sealed content is a {name}, not a secret key"
    )))
}

/// The JDK serializes DES/DESede and PBE keys through `KeyRep` (their key classes
/// have `writeReplace`) and everything else (AES, Hmac*) as `SecretKeySpec`; we
/// mirror that so our stores look like keytool's.
fn uses_key_rep(algorithm: &str) -> bool {
    let upper = algorithm.to_ascii_uppercase();
    matches!(upper.as_str(), "DES" | "DESEDE" | "TRIPLEDES")
        || upper.starts_with("PBE")
        || upper.starts_with("PBKDF2")
}

/// Seals a secret key for a JCEKS entry (PBEWithMD5AndTripleDES, random salt,
/// 200000 iterations), returning the serialized `SealedObject` to store.
pub fn seal_secret_key(
    material: &SecretKeyMaterial,
    key_password: &str,
) -> Result<Vec<u8>, JksError> {
    if material.format != "RAW" {
        return Err(JksError::UnsupportedSecretKeyFormat(
            material.format.clone(),
        ));
    }
    if material.algorithm.is_empty() || material.key.is_empty() {
        return Err(JksError::EmptySecretKey);
    }
    let key_value = if uses_key_rep(&material.algorithm) {
        WriteValue::Object(
            &KEY_REP,
            vec![
                WriteValue::Str(&material.algorithm),
                WriteValue::Bytes(&material.key),
                WriteValue::Str(&material.format),
                WriteValue::Enum(&KEY_REP_TYPE, "SECRET"),
            ],
        )
    } else {
        WriteValue::Object(
            &SECRET_KEY_SPEC,
            vec![
                WriteValue::Str(&material.algorithm),
                WriteValue::Bytes(&material.key),
            ],
        )
    };
    let plain = Zeroizing::new(ser::write_stream(&key_value)?);
    let (encrypted, params) = jceks_encrypt(key_password, &plain)?;
    ser::write_stream(&WriteValue::Object(
        &SEALED_FOR_KEY_PROTECTOR,
        vec![
            WriteValue::Bytes(&params),
            WriteValue::Bytes(&encrypted),
            WriteValue::Str(PBE_ALGORITHM),
            WriteValue::Str(PBE_ALGORITHM),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jks_protector_round_trip_and_wrong_password() {
        let pkcs8 = sample_pkcs8();
        let protected = protect_private_key_jks(&pkcs8, "secret").unwrap();
        assert_eq!(protection_oid(&protected).unwrap(), JKS_KEY_PROTECTOR_OID);
        assert_eq!(*unprotect_private_key(&protected, "secret").unwrap(), pkcs8);
        assert!(matches!(
            unprotect_private_key(&protected, "wrong"),
            Err(JksError::WrongKeyPassword)
        ));
    }

    #[test]
    fn jceks_protector_round_trip_and_wrong_password() {
        let pkcs8 = sample_pkcs8();
        let protected = protect_private_key_jceks(&pkcs8, "secret").unwrap();
        assert_eq!(protection_oid(&protected).unwrap(), PBE_MD5_3DES_OID);
        assert_eq!(*unprotect_private_key(&protected, "secret").unwrap(), pkcs8);
        assert!(matches!(
            unprotect_private_key(&protected, "wrong"),
            Err(JksError::WrongKeyPassword)
        ));
        assert!(matches!(
            protect_private_key_jceks(&pkcs8, "pässword"),
            Err(JksError::PasswordNotAscii)
        ));
        assert!(matches!(
            protect_private_key_jceks(&pkcs8[2..], "secret"),
            Err(JksError::NotPkcs8(_))
        ));
    }

    #[test]
    fn sealed_keys_round_trip_both_shapes() {
        for alg in ["AES", "DESede"] {
            let m = SecretKeyMaterial {
                algorithm: alg.into(),
                format: "RAW".into(),
                key: Zeroizing::new((0u8..24).collect()),
            };
            let sealed = seal_secret_key(&m, "pw").unwrap();
            assert_eq!(open_sealed_secret_key(&sealed, "pw").unwrap(), m);
            assert!(matches!(
                open_sealed_secret_key(&sealed, "nope"),
                Err(JksError::WrongKeyPassword)
            ));
        }
    }

    #[test]
    fn non_sealed_stream_is_rejected() {
        let m = SecretKeyMaterial {
            algorithm: "AES".into(),
            format: "RAW".into(),
            key: Zeroizing::new(vec![1; 16]),
        };
        let spec = ser::write_stream(&WriteValue::Object(
            &SECRET_KEY_SPEC,
            vec![WriteValue::Str(&m.algorithm), WriteValue::Bytes(&m.key)],
        ))
        .unwrap();
        let err = open_sealed_secret_key(&spec, "pw").unwrap_err();
        assert!(err.to_string().contains("not a sealed key object"), "{err}");
    }

    /// A minimal Ed25519 PrivateKeyInfo (RFC 8410 example layout).
    fn sample_pkcs8() -> Vec<u8> {
        let mut v = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        v.extend(0u8..32);
        v
    }
}
