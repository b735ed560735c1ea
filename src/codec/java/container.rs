//! JKS and JCEKS keystores: the byte-level container format (magic, entries,
//! keyed SHA-1 integrity digest); the key protection inside it is `protect`. Plain data in and out; the rest of the program maps it to its model.
//!
//! Hand-written because no usable crate exists: the `jks` crate reads JKS only,
//! is unmaintained, and nothing handles JCEKS (whose secret keys are Java-serialized
//! `SealedObject`s). The layout follows what JDK 17 `keytool` writes, checked
//! against real files (see `fixtures/jks/`).
//!
//! File layout (all integers big-endian):
//! ```text
//! magic u32 (FEEDFEED JKS | CECECECE JCEKS), version u32 (2), count u32
//! entry: tag u32, alias writeUTF, created i64 (ms since epoch), then by tag
//!   1 private key: len u32 + EncryptedPrivateKeyInfo, n u32, n × cert
//!   2 trusted cert: cert
//!   3 secret key (JCEKS only): one Java serialization stream (SealedObject)
//! cert: type writeUTF ("X.509"; absent in version 1), len u32 + DER
//! digest: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || everything above)
//! ```
//! Aliases are kept exactly as stored; Java lower-cases them, and callers must
//! do so (and warn) before encoding if they want keytool to find them.

use sha1::{Digest, Sha1};

use super::error::JksError;
use super::protect::{self, JKS_KEY_PROTECTOR_OID, PBE_MD5_3DES_OID};
use super::ser::{self, Value};
use crate::pbe::sun::utf16be;
use crate::store::alias::AliasKey;

const JKS_MAGIC: u32 = 0xFEED_FEED;
const JCEKS_MAGIC: u32 = 0xCECE_CECE;
const VERSION_1: u32 = 1;
const VERSION_2: u32 = 2;
const TAG_PRIVATE_KEY: u32 = 1;
const TAG_TRUSTED_CERT: u32 = 2;
const TAG_SECRET_KEY: u32 = 3;
const CERT_TYPE: &str = "X.509";
/// Salt of the store digest, fixed by Sun (`getPreKeyedHash`).
const DIGEST_WHITENER: &[u8] = b"Mighty Aphrodite";
const DIGEST_LEN: usize = 20;
const HEADER_LEN: usize = 12;
/// Smallest possible entry (tag, empty alias, date, 8-byte body): bounds the
/// entry count before anything is allocated.
const MIN_ENTRY_LEN: usize = 4 + 2 + 8 + 8;
/// Smallest possible certificate record in a chain (version 2: type + length).
const MIN_CERT_LEN: usize = 2 + 4;

/// Which of the two Sun formats a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JavaStoreKind {
    Jks,
    Jceks,
}

/// A decoded store: entries in file order, aliases exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaKeystore {
    pub kind: JavaStoreKind,
    pub entries: Vec<JavaEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaEntry {
    pub alias: String,
    /// Creation date, Java milliseconds since the epoch.
    pub created_ms: i64,
    pub body: JavaEntryBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JavaEntryBody {
    /// `EncryptedPrivateKeyInfo` DER as stored (still protected) and the X.509
    /// certificate chain as DER, leaf first.
    PrivateKey {
        protected_key: Vec<u8>,
        chain: Vec<Vec<u8>>,
    },
    /// An X.509 certificate DER.
    TrustedCert { cert: Vec<u8> },
    /// JCEKS only: the raw Java-serialized `SealedObject` bytes.
    SecretKey { sealed: Vec<u8> },
}

/// Whether the store digest was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrityStatus {
    Verified,
    /// No password given: parsed without checking, like `keytool -list` without one.
    NotChecked,
}

/// Recognizes a JKS or JCEKS store by its magic number.
pub fn sniff(bytes: &[u8]) -> Option<JavaStoreKind> {
    match bytes.get(..4)? {
        [0xFE, 0xED, 0xFE, 0xED] => Some(JavaStoreKind::Jks),
        [0xCE, 0xCE, 0xCE, 0xCE] => Some(JavaStoreKind::Jceks),
        _ => None,
    }
}

/// Keyed store digest (`JavaKeyStore.getPreKeyedHash`).
fn store_digest(password: &str, body: &[u8]) -> [u8; DIGEST_LEN] {
    Sha1::new_with_prefix(utf16be(password))
        .chain_update(DIGEST_WHITENER)
        .chain_update(body)
        .finalize()
        .into()
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Bounds-checked big-endian reader; every read checks the remaining length first.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], JksError> {
        if n > self.remaining() {
            return Err(JksError::Truncated {
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let s = self.buf.get(self.pos..self.pos + n).unwrap_or_default();
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], JksError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, JksError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, JksError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// `DataInput.readUTF`.
    fn utf(&mut self) -> Result<String, JksError> {
        let len = usize::from(u16::from_be_bytes(self.array()?));
        let at = self.pos;
        let bytes = self.take(len)?;
        ser::decode_modified_utf8(bytes).map_err(|i| JksError::BadModifiedUtf8 { offset: at + i })
    }

    /// A u32 length followed by that many bytes (checked before copying).
    fn length_prefixed(&mut self) -> Result<Vec<u8>, JksError> {
        let len = self.u32()? as usize;
        Ok(self.take(len)?.to_vec())
    }

    /// A count that must fit the remaining bytes at `min_item` bytes per item.
    fn count(&mut self, what: &'static str, min_item: usize) -> Result<usize, JksError> {
        let offset = self.pos;
        let count = self.u32()?;
        if (count as usize).saturating_mul(min_item) > self.remaining() {
            return Err(JksError::CountTooLarge {
                what,
                count,
                offset,
            });
        }
        Ok(count as usize)
    }
}

/// Parses a JKS/JCEKS store. With a password, the keyed digest is verified
/// first (a mismatch is [`JksError::Integrity`]); without one it is not checked.
pub fn decode(
    bytes: &[u8],
    store_password: Option<&str>,
) -> Result<(JavaKeystore, IntegrityStatus), JksError> {
    let mut header = Cursor { buf: bytes, pos: 0 };
    let magic = header.u32()?;
    let kind = match magic {
        JKS_MAGIC => JavaStoreKind::Jks,
        JCEKS_MAGIC => JavaStoreKind::Jceks,
        _ => return Err(JksError::BadMagic { magic }),
    };
    let version = header.u32()?;
    if version != VERSION_1 && version != VERSION_2 {
        return Err(JksError::UnsupportedVersion { version });
    }
    if bytes.len() < HEADER_LEN + DIGEST_LEN {
        return Err(JksError::Truncated {
            offset: bytes.len(),
            needed: HEADER_LEN + DIGEST_LEN - bytes.len(),
            available: 0,
        });
    }
    let (body, digest) = bytes.split_at(bytes.len() - DIGEST_LEN);
    let status = match store_password {
        Some(pw) if store_digest(pw, body)[..] != *digest => return Err(JksError::Integrity),
        Some(_) => IntegrityStatus::Verified,
        None => IntegrityStatus::NotChecked,
    };
    let mut cur = Cursor { buf: body, pos: 8 };
    let count = cur.count("entry", MIN_ENTRY_LEN)?;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        entries.push(decode_entry(&mut cur, kind, version)?);
    }
    if cur.remaining() != 0 {
        return Err(JksError::TrailingData { offset: cur.pos });
    }
    Ok((JavaKeystore { kind, entries }, status))
}

fn decode_entry(
    cur: &mut Cursor<'_>,
    kind: JavaStoreKind,
    version: u32,
) -> Result<JavaEntry, JksError> {
    let offset = cur.pos;
    let tag = cur.u32()?;
    let known = matches!(tag, TAG_PRIVATE_KEY | TAG_TRUSTED_CERT)
        || (tag == TAG_SECRET_KEY && kind == JavaStoreKind::Jceks);
    if !known {
        return Err(JksError::UnknownTag { tag, offset });
    }
    let alias = cur.utf()?;
    let in_entry = |e: JksError| JksError::InEntry {
        alias: alias.clone(),
        cause: Box::new(e),
    };
    let created_ms = cur.i64().map_err(in_entry)?;
    let body = match tag {
        TAG_PRIVATE_KEY => decode_private_key(cur, version),
        TAG_TRUSTED_CERT => {
            decode_cert(cur, version).map(|cert| JavaEntryBody::TrustedCert { cert })
        }
        _ => decode_sealed(cur).map(|sealed| JavaEntryBody::SecretKey { sealed }),
    }
    .map_err(in_entry)?;
    Ok(JavaEntry {
        alias,
        created_ms,
        body,
    })
}

fn decode_private_key(cur: &mut Cursor<'_>, version: u32) -> Result<JavaEntryBody, JksError> {
    let protected_key = cur.length_prefixed()?;
    let n = cur.count("certificate", MIN_CERT_LEN)?;
    let mut chain = Vec::with_capacity(n);
    for _ in 0..n {
        chain.push(decode_cert(cur, version)?);
    }
    Ok(JavaEntryBody::PrivateKey {
        protected_key,
        chain,
    })
}

fn decode_cert(cur: &mut Cursor<'_>, version: u32) -> Result<Vec<u8>, JksError> {
    if version == VERSION_2 {
        let offset = cur.pos;
        let cert_type = cur.utf()?;
        if cert_type != CERT_TYPE {
            return Err(JksError::UnsupportedCertType { cert_type, offset });
        }
    }
    cur.length_prefixed()
}

/// A JCEKS secret key entry is a serialization stream with no length prefix:
/// parsing it is the only way to find where it ends.
fn decode_sealed(cur: &mut Cursor<'_>) -> Result<Vec<u8>, JksError> {
    let start = cur.pos;
    let (value, end) = ser::read_stream(cur.buf, start)?;
    check_sealed_object(&value)?;
    let len = end.saturating_sub(start);
    Ok(cur.take(len)?.to_vec())
}

fn check_sealed_object(value: &Value) -> Result<(), JksError> {
    match value {
        Value::Object(o) if o.is_instance_of("javax.crypto.SealedObject") => Ok(()),
        Value::Object(o) => Err(JksError::NotSealedKey(format!("found a {}", o.class.name))),
        _ => Err(JksError::NotSealedKey(
            "the stream does not hold an object".into(),
        )),
    }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Writes a version-2 store with certificate type "X.509" and the keyed digest.
/// Entries are written in the given order; aliases as given (see module docs).
pub fn encode(store: &JavaKeystore, store_password: &str) -> Result<Vec<u8>, JksError> {
    check_aliases(&store.entries)?;
    let magic = match store.kind {
        JavaStoreKind::Jks => JKS_MAGIC,
        JavaStoreKind::Jceks => JCEKS_MAGIC,
    };
    let mut out = Vec::new();
    out.extend_from_slice(&magic.to_be_bytes());
    out.extend_from_slice(&VERSION_2.to_be_bytes());
    put_u32(&mut out, store.entries.len(), "entry count")?;
    for entry in &store.entries {
        encode_entry(&mut out, store.kind, entry)?;
    }
    let digest = store_digest(store_password, &out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// Java keys entries by lower-cased alias, so aliases equal up to case would
/// silently replace each other when the JDK loads the store.
fn check_aliases(entries: &[JavaEntry]) -> Result<(), JksError> {
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        if !seen.insert(AliasKey::folded(&e.alias)) {
            return Err(JksError::DuplicateAlias {
                alias: e.alias.clone(),
            });
        }
    }
    Ok(())
}

fn put_u32(out: &mut Vec<u8>, n: usize, what: &'static str) -> Result<(), JksError> {
    let n = u32::try_from(n).map_err(|_| JksError::TooLarge { what })?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8], what: &'static str) -> Result<(), JksError> {
    put_u32(out, bytes.len(), what)?;
    out.extend_from_slice(bytes);
    Ok(())
}

fn put_alias(out: &mut Vec<u8>, alias: &str) -> Result<(), JksError> {
    let bytes = ser::encode_modified_utf8(alias);
    let len = u16::try_from(bytes.len()).map_err(|_| JksError::AliasTooLong {
        alias: alias.chars().take(40).collect(),
        len: bytes.len(),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&bytes);
    Ok(())
}

fn put_cert(out: &mut Vec<u8>, der: &[u8]) -> Result<(), JksError> {
    put_alias(out, CERT_TYPE)?;
    put_bytes(out, der, "certificate")
}

fn encode_entry(out: &mut Vec<u8>, kind: JavaStoreKind, entry: &JavaEntry) -> Result<(), JksError> {
    let alias = &entry.alias;
    let tag = match &entry.body {
        JavaEntryBody::PrivateKey { .. } => TAG_PRIVATE_KEY,
        JavaEntryBody::TrustedCert { .. } => TAG_TRUSTED_CERT,
        JavaEntryBody::SecretKey { .. } => TAG_SECRET_KEY,
    };
    out.extend_from_slice(&tag.to_be_bytes());
    put_alias(out, alias)?;
    out.extend_from_slice(&entry.created_ms.to_be_bytes());
    match &entry.body {
        JavaEntryBody::PrivateKey {
            protected_key,
            chain,
        } => {
            check_protection(kind, alias, protected_key)?;
            if chain.is_empty() {
                return Err(JksError::EmptyChain {
                    alias: alias.clone(),
                });
            }
            put_bytes(out, protected_key, "protected key")?;
            put_u32(out, chain.len(), "certificate chain")?;
            chain.iter().try_for_each(|c| put_cert(out, c))
        }
        JavaEntryBody::TrustedCert { cert } => put_cert(out, cert),
        JavaEntryBody::SecretKey { sealed } => {
            if kind != JavaStoreKind::Jceks {
                return Err(JksError::SecretKeyInJks {
                    alias: alias.clone(),
                });
            }
            check_sealed_bytes(sealed).map_err(|e| JksError::InEntry {
                alias: alias.clone(),
                cause: Box::new(e),
            })?;
            out.extend_from_slice(sealed);
            Ok(())
        }
    }
}

/// JKS reads only Sun-protector keys and JCEKS only PBEWithMD5AndTripleDES ones;
/// anything else would be written fine but be unrecoverable in Java.
fn check_protection(
    kind: JavaStoreKind,
    alias: &str,
    protected_key: &[u8],
) -> Result<(), JksError> {
    let oid = protect::protection_oid(protected_key).map_err(|e| JksError::InEntry {
        alias: alias.to_owned(),
        cause: Box::new(e),
    })?;
    let expected = match kind {
        JavaStoreKind::Jks => JKS_KEY_PROTECTOR_OID,
        JavaStoreKind::Jceks => PBE_MD5_3DES_OID,
    };
    if oid != expected {
        return Err(JksError::ProtectionMismatch {
            alias: alias.to_owned(),
            kind: match kind {
                JavaStoreKind::Jks => "Jks",
                JavaStoreKind::Jceks => "Jceks",
            },
            found: oid.to_string(),
        });
    }
    Ok(())
}

/// The sealed bytes must be exactly one stream holding a `SealedObject`, or the
/// JDK would mis-parse every entry after it.
fn check_sealed_bytes(sealed: &[u8]) -> Result<(), JksError> {
    let (value, end) = ser::read_stream(sealed, 0)?;
    if end != sealed.len() {
        return Err(JksError::TrailingData { offset: end });
    }
    check_sealed_object(&value)
}

#[cfg(test)]
#[path = "container_tests.rs"]
mod tests;
