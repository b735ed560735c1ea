//! Key protection inside JKS and JCEKS stores: Sun's proprietary JKS
//! `KeyProtector` (SHA-1 keystream), the JCEKS `PBEWithMD5AndTripleDES` protector
//! for private keys, and JCEKS sealed secret keys (`SealedObjectForKeyProtector`
//! around a serialized `SecretKeySpec` or `KeyRep`).
//!
//! Hand-written because these algorithms exist only in the JDK: no crate
//! implements Sun's key protector or its non-standard MD5/3DES PBE derivation.
//! All byte layouts here were checked against what JDK 17 `keytool` writes.

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use md5::Md5;
use sha1::{Digest, Sha1};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::java_ser::{
    self, ClassSpec, ENUM, FLAGS_ENUM, FLAGS_SERIALIZABLE, FieldSpec, Value, WriteValue,
};
use super::jks::JksError;

/// Sun JKS `KeyProtector` (`sun.security.provider.KeyProtector`).
pub const JKS_KEY_PROTECTOR_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");
/// `PBEWithMD5AndTripleDES` (`com.sun.crypto.provider.KeyProtector`, JCEKS).
pub const PBE_MD5_3DES_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.19.1");

/// JDK 17's default `jdk.jceks.iterationCount` (keytool writes 200000).
pub const JCEKS_ITERATIONS: u32 = 200_000;
/// The JDK refuses iteration counts above this when reading (and so do we:
/// it also bounds the work hostile input can cause).
const MAX_ITERATIONS: u64 = 5_000_000;
const PBE_ALGORITHM: &str = "PBEWithMD5AndTripleDES";
const JKS_SALT_LEN: usize = 20;
const SHA1_LEN: usize = 20;

type TdesCbcEnc = cbc::Encryptor<des::TdesEde3>;
type TdesCbcDec = cbc::Decryptor<des::TdesEde3>;

// ---------------------------------------------------------------------------
// DER structures
// ---------------------------------------------------------------------------

use crate::pki::pbe::{EncryptedKeyInfo as ProtectedKey, PbeParams as PbeParameter};

fn malformed(what: &str) -> impl Fn(der::Error) -> JksError + '_ {
    move |e| JksError::MalformedProtectedKey(format!("{what}: {e}"))
}

/// Validated PBE parameters: 8-byte salt, iteration count the JDK accepts.
fn pbe_params_from_der(der_bytes: &[u8]) -> Result<([u8; 8], u32), JksError> {
    let p = PbeParameter::from_der(der_bytes).map_err(malformed("PBE parameters"))?;
    let salt: [u8; 8] = p.salt.as_bytes().try_into().map_err(|_| {
        JksError::MalformedProtectedKey(format!(
            "PBE salt is {} bytes, expected 8",
            p.salt.as_bytes().len()
        ))
    })?;
    if p.iterations == 0 || p.iterations > MAX_ITERATIONS {
        return Err(JksError::IterationCount(p.iterations));
    }
    Ok((salt, p.iterations as u32))
}

fn pbe_params_to_der(salt: &[u8; 8], iterations: u32) -> Result<Vec<u8>, JksError> {
    let p = PbeParameter {
        salt: OctetString::new(salt.to_vec()).map_err(malformed("PBE salt"))?,
        iterations: u64::from(iterations),
    };
    p.to_der().map_err(malformed("PBE parameters"))
}

// ---------------------------------------------------------------------------
// Passwords and primitives
// ---------------------------------------------------------------------------

/// Java `char[]` as big-endian bytes: what the JKS protector and the store
/// digest hash.
pub(crate) fn utf16be(password: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect())
}

/// The JDK's `PBEKey` accepts only printable ASCII and keeps 7 bits per char.
fn pbe_password(password: &str) -> Result<Zeroizing<Vec<u8>>, JksError> {
    if password.chars().any(|c| !(' '..='~').contains(&c)) {
        return Err(JksError::PasswordNotAscii);
    }
    Ok(Zeroizing::new(password.as_bytes().to_vec()))
}

/// Sun's `PBEWithMD5AndTripleDES` key derivation (`PBES1Core.deriveCipherKey`):
/// each salt half is hashed `iterations` times with the password, giving
/// 2 × 16 bytes = 24-byte 3DES key + 8-byte IV. If the halves are equal, the JDK
/// "inverts" the first one, which in fact means reversing its byte order
/// (checked against JDK 17 output, see the test vectors below).
fn derive_3des(password: &[u8], salt: &[u8; 8], iterations: u32) -> Zeroizing<[u8; 32]> {
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
    out
}

fn pbe_encrypt(
    password: &str,
    salt: &[u8; 8],
    iterations: u32,
    plain: &[u8],
) -> Result<Vec<u8>, JksError> {
    let pw = pbe_password(password)?;
    let km = derive_3des(&pw, salt, iterations);
    let (key, iv) = km.split_at(24);
    let enc =
        TdesCbcEnc::new_from_slices(key, iv).map_err(|_| JksError::Internal("3DES key setup"))?;
    Ok(enc.encrypt_padded_vec::<Pkcs7>(plain))
}

/// Decrypts; bad padding means a wrong password (or corruption).
fn pbe_decrypt(
    password: &str,
    salt: &[u8; 8],
    iterations: u32,
    cipher: &[u8],
) -> Result<Zeroizing<Vec<u8>>, JksError> {
    let pw = pbe_password(password)?;
    let km = derive_3des(&pw, salt, iterations);
    let (key, iv) = km.split_at(24);
    let dec =
        TdesCbcDec::new_from_slices(key, iv).map_err(|_| JksError::Internal("3DES key setup"))?;
    dec.decrypt_padded_vec::<Pkcs7>(cipher)
        .map(Zeroizing::new)
        .map_err(|_| JksError::WrongKeyPassword)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::fill(&mut b[..]);
    b
}

/// The JKS protector's keystream: SHA-1 chained from the salt, keyed with the
/// password (`sun.security.provider.KeyProtector`).
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

// ---------------------------------------------------------------------------
// Private keys
// ---------------------------------------------------------------------------

/// The protection OID of a stored `EncryptedPrivateKeyInfo`.
pub fn protection_oid(protected_key: &[u8]) -> Result<ObjectIdentifier, JksError> {
    let pk = ProtectedKey::from_der(protected_key).map_err(malformed("EncryptedPrivateKeyInfo"))?;
    Ok(pk.algorithm.oid)
}

/// Recovers the PKCS#8 `PrivateKeyInfo` DER from a protected key as stored in a
/// JKS (Sun protector) or JCEKS (PBEWithMD5AndTripleDES) private key entry.
pub fn unprotect_private_key(
    protected_key: &[u8],
    key_password: &str,
) -> Result<Zeroizing<Vec<u8>>, JksError> {
    let pk = ProtectedKey::from_der(protected_key).map_err(malformed("EncryptedPrivateKeyInfo"))?;
    let data = pk.data.as_bytes();
    let plain = if pk.algorithm.oid == JKS_KEY_PROTECTOR_OID {
        unprotect_jks(data, key_password)?
    } else if pk.algorithm.oid == PBE_MD5_3DES_OID {
        let params = pk
            .algorithm
            .parameters
            .as_ref()
            .ok_or_else(|| JksError::MalformedProtectedKey("missing PBE parameters".into()))?;
        let params_der = params.to_der().map_err(malformed("PBE parameters"))?;
        let (salt, iterations) = pbe_params_from_der(&params_der)?;
        pbe_decrypt(key_password, &salt, iterations, data)?
    } else {
        return Err(JksError::UnsupportedProtection {
            oid: pk.algorithm.oid.to_string(),
        });
    };
    // The 3DES protector has no integrity check: a wrong password that happens to
    // give valid padding shows up as garbage that is not a PrivateKeyInfo.
    if pkcs8::PrivateKeyInfoRef::from_der(&plain).is_err() {
        return Err(JksError::WrongKeyPassword);
    }
    Ok(plain)
}

fn unprotect_jks(data: &[u8], key_password: &str) -> Result<Zeroizing<Vec<u8>>, JksError> {
    if data.len() < JKS_SALT_LEN + SHA1_LEN {
        return Err(JksError::MalformedProtectedKey(format!(
            "JKS-protected key is {} bytes, shorter than salt and check",
            data.len()
        )));
    }
    let (salt, rest) = data.split_at(JKS_SALT_LEN);
    let (encrypted, check) = rest.split_at(rest.len() - SHA1_LEN);
    let pw = utf16be(key_password);
    let plain = jks_xor(&pw, salt, encrypted);
    if jks_check(&pw, &plain)[..] != *check {
        return Err(JksError::WrongKeyPassword);
    }
    Ok(plain)
}

/// Protects a PKCS#8 `PrivateKeyInfo` with Sun's JKS protector (random 20-byte salt).
pub fn protect_private_key_jks(pkcs8_der: &[u8], key_password: &str) -> Result<Vec<u8>, JksError> {
    check_pkcs8(pkcs8_der)?;
    let pw = utf16be(key_password);
    let salt = random_bytes::<JKS_SALT_LEN>();
    let mut data = salt.to_vec();
    data.extend_from_slice(&jks_xor(&pw, &salt, pkcs8_der));
    data.extend_from_slice(&jks_check(&pw, pkcs8_der));
    let algorithm = AlgorithmIdentifierOwned {
        oid: JKS_KEY_PROTECTOR_OID,
        parameters: Some(Any::null()),
    };
    encode_protected(algorithm, data)
}

/// Protects a PKCS#8 `PrivateKeyInfo` the way JCEKS does: PBEWithMD5AndTripleDES,
/// random 8-byte salt, 200000 iterations (what JDK 17 keytool writes).
pub fn protect_private_key_jceks(
    pkcs8_der: &[u8],
    key_password: &str,
) -> Result<Vec<u8>, JksError> {
    check_pkcs8(pkcs8_der)?;
    let salt = random_bytes::<8>();
    let data = pbe_encrypt(key_password, &salt, JCEKS_ITERATIONS, pkcs8_der)?;
    let params = Any::from_der(&pbe_params_to_der(&salt, JCEKS_ITERATIONS)?)
        .map_err(malformed("PBE parameters"))?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: PBE_MD5_3DES_OID,
        parameters: Some(params),
    };
    encode_protected(algorithm, data)
}

/// Java only recovers PKCS#8 `PrivateKeyInfo`; protecting anything else (e.g. a
/// PKCS#1 key) would write a store whose key the JDK reports as corrupt.
fn check_pkcs8(der_bytes: &[u8]) -> Result<(), JksError> {
    pkcs8::PrivateKeyInfoRef::from_der(der_bytes)
        .map(|_| ())
        .map_err(|e| JksError::NotPkcs8(e.to_string()))
}

fn encode_protected(
    algorithm: AlgorithmIdentifierOwned,
    data: Vec<u8>,
) -> Result<Vec<u8>, JksError> {
    let pk = ProtectedKey {
        algorithm,
        data: OctetString::new(data).map_err(malformed("protected key"))?,
    };
    pk.to_der().map_err(malformed("EncryptedPrivateKeyInfo"))
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

fn str_field(obj: &java_ser::Object, name: &str) -> Result<String, JksError> {
    match obj.field(name) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        _ => Err(not_sealed(format!(
            "{} has no string field {name}",
            obj.class.name
        ))),
    }
}

fn bytes_field<'o>(obj: &'o java_ser::Object, name: &str) -> Result<&'o [u8], JksError> {
    match obj.field(name) {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(not_sealed(format!(
            "{} has no byte[] field {name}",
            obj.class.name
        ))),
    }
}

fn as_object(v: Value, what: &str) -> Result<std::rc::Rc<java_ser::Object>, JksError> {
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
    let (value, end) = java_ser::read_stream(sealed, 0)?;
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
    let (salt, iterations) = pbe_params_from_der(bytes_field(&obj, "encodedParams")?)?;
    let plain = pbe_decrypt(
        key_password,
        &salt,
        iterations,
        bytes_field(&obj, "encryptedContent")?,
    )?;
    // Without an integrity check, a wrong password can still unpad correctly.
    if !plain.starts_with(&[0xAC, 0xED, 0x00, 0x05]) {
        return Err(JksError::WrongKeyPassword);
    }
    let (inner, _) = java_ser::read_stream(&plain, 0)?;
    secret_key_from(as_object(inner, "the sealed content")?)
}

/// Interprets the unsealed object: a `SecretKeySpec`, or a `KeyRep` of type SECRET
/// (what DESede and PBE keys serialize as).
fn secret_key_from(obj: std::rc::Rc<java_ser::Object>) -> Result<SecretKeyMaterial, JksError> {
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
    let plain = Zeroizing::new(java_ser::write_stream(&key_value)?);
    let salt = random_bytes::<8>();
    let encrypted = pbe_encrypt(key_password, &salt, JCEKS_ITERATIONS, &plain)?;
    let params = pbe_params_to_der(&salt, JCEKS_ITERATIONS)?;
    java_ser::write_stream(&WriteValue::Object(
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

    /// Vectors from JDK 17: `Cipher.getInstance("PBEWithMD5AndTripleDES")`,
    /// password "pw", 3 iterations, plaintext "0123456789abcdef".
    #[test]
    fn pbe_matches_jdk_including_equal_salt_halves() {
        let plain = b"0123456789abcdef";
        let ct = |salt: [u8; 8]| hex(&pbe_encrypt("pw", &salt, 3, plain).unwrap());
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

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

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
        let spec = java_ser::write_stream(&WriteValue::Object(
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
