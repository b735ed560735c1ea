//! The format-neutral keystore model. Every store format is a codec between bytes and this
//! model; commands operate on it. Certificates are kept as DER; private keys stay encrypted
//! as they were read until an operation needs one ([`PrivateKeyData`]), so listing a large
//! store never pays for key decryption.

use std::fmt;

use zeroize::Zeroizing;

pub mod alias;
pub mod keyprotect;
pub mod ops;
pub mod summary;

/// A certificate, as DER bytes exactly as read.
pub type CertDer = Vec<u8>;

/// The store formats keychest knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pkcs12,
    Pem,
    Jks,
    Jceks,
    /// PKCS#7 certificate bundle (`.p7b`): certificates only.
    Pkcs7,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pkcs12 => "pkcs12",
            Format::Pem => "pem",
            Format::Jks => "jks",
            Format::Jceks => "jceks",
            Format::Pkcs7 => "pkcs7",
        })
    }
}

/// What a format can hold (KeyStore Explorer's capability table, in one place).
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Aliases are compared case-sensitively (Java lower-cases JKS/JCEKS aliases).
    pub case_sensitive_aliases: bool,
    pub secret_keys: bool,
    /// Each key entry may have its own password.
    pub per_entry_passwords: bool,
    /// The file is protected by a password (integrity and/or confidentiality).
    pub store_password: bool,
}

impl Format {
    pub fn caps(self) -> Caps {
        match self {
            Format::Pkcs12 => Caps {
                case_sensitive_aliases: true,
                secret_keys: true,
                per_entry_passwords: false,
                store_password: true,
            },
            Format::Pem | Format::Pkcs7 => Caps {
                case_sensitive_aliases: true,
                secret_keys: false,
                per_entry_passwords: false,
                store_password: false,
            },
            Format::Jks => Caps {
                case_sensitive_aliases: false,
                secret_keys: false,
                per_entry_passwords: true,
                store_password: true,
            },
            Format::Jceks => Caps {
                case_sensitive_aliases: false,
                secret_keys: true,
                per_entry_passwords: true,
                store_password: true,
            },
        }
    }
}

/// A private key as held in a store.
#[derive(Clone)]
pub enum PrivateKeyData {
    /// Unencrypted PKCS#8 `PrivateKeyInfo` DER.
    Pkcs8(Zeroizing<Vec<u8>>),
    /// `EncryptedPrivateKeyInfo` DER as stored: a PKCS#12 shrouded key bag (PBES2 or PKCS#12
    /// PBE) or a JKS/JCEKS protected key (Sun's protector OIDs). Decrypted on demand by
    /// [`keyprotect::decrypt`].
    Encrypted(Vec<u8>),
}

impl fmt::Debug for PrivateKeyData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivateKeyData::Pkcs8(_) => f.write_str("Pkcs8(..)"),
            PrivateKeyData::Encrypted(d) => write!(f, "Encrypted({} bytes)", d.len()),
        }
    }
}

/// A symmetric key (JCEKS secret-key entries, PKCS#12 secret bags as Java writes them).
#[derive(Clone)]
pub struct SecretKeyData {
    /// Java algorithm name: "AES", "HmacSHA256", "DESede", …
    pub algorithm: String,
    pub key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for SecretKeyData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, {} bytes)", self.algorithm, self.key.len())
    }
}

/// A secret key as held in a store: either open, or still sealed (JCEKS) / encrypted.
#[derive(Clone, Debug)]
pub enum SecretEntryData {
    Open(SecretKeyData),
    /// Format-specific sealed bytes (a JCEKS sealed object, or a PKCS#12 secret bag's
    /// encrypted content), opened with the key password by the owning codec.
    Sealed {
        format: Format,
        bytes: Vec<u8>,
    },
}

#[derive(Clone, Debug)]
pub enum EntryBody {
    /// A private key with its certificate chain, leaf first (may be empty: a key whose
    /// certificate is missing is kept, as keytool does).
    PrivateKey {
        key: PrivateKeyData,
        chain: Vec<CertDer>,
    },
    /// A trusted certificate (a CA or a pinned peer).
    TrustedCert {
        cert: CertDer,
    },
    SecretKey {
        key: SecretEntryData,
    },
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub alias: String,
    /// Creation time in milliseconds since the Unix epoch, when the format records it.
    pub created_ms: Option<i64>,
    pub body: EntryBody,
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        match self.body {
            EntryBody::PrivateKey { .. } => EntryKind::PrivateKey,
            EntryBody::TrustedCert { .. } => EntryKind::TrustedCert,
            EntryBody::SecretKey { .. } => EntryKind::SecretKey,
        }
    }

    /// The certificates of this entry, leaf first (one for a trusted entry, none for a
    /// secret key).
    pub fn certificates(&self) -> &[CertDer] {
        match &self.body {
            EntryBody::PrivateKey { chain, .. } => chain,
            EntryBody::TrustedCert { cert } => std::slice::from_ref(cert),
            EntryBody::SecretKey { .. } => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    PrivateKey,
    TrustedCert,
    SecretKey,
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::PrivateKey => "private-key",
            EntryKind::TrustedCert => "trusted-cert",
            EntryKind::SecretKey => "secret-key",
        })
    }
}

/// A keystore: entries in file order.
#[derive(Clone, Debug, Default)]
pub struct Keystore {
    pub entries: Vec<Entry>,
}

impl Keystore {
    /// The entry named `alias`, compared case-sensitively or as Java does ([`alias::AliasKey`]).
    pub fn find(&self, alias: &str, case_sensitive: bool) -> Option<usize> {
        let key = alias::AliasKey::new(alias, case_sensitive);
        self.entries
            .iter()
            .position(|e| alias::AliasKey::new(&e.alias, case_sensitive) == key)
    }
}
