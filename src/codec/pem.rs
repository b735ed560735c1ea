//! PEM stores: a file holding any mix of private keys and certificates (and text between
//! blocks, as in `ca-certificates.crt`). Keys are paired with their certificates by public
//! key and their chains built from the other certificates; the remaining certificates are
//! trusted entries named after their CN. Writing puts a key entry as key + chain, and each
//! trusted certificate after a `# subject` comment line.

use std::collections::{HashMap, HashSet};

use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::pem::{self, PemError};
use crate::pki::chain::{CertFacts, Pool};
use crate::pki::{keyfile, name};
use crate::store::alias::UniqueAliases;
use crate::store::{Entry, EntryBody, Keystore, PrivateKeyData};

#[derive(Debug, thiserror::Error)]
pub enum PemStoreError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("PEM block '{label}' at line {line}: {reason}")]
    BadBlock {
        label: String,
        line: usize,
        reason: String,
    },
    #[error("the PEM file holds no keys or certificates")]
    Empty,
    #[error(
        "private key at line {line} is encrypted with the legacy PEM scheme: a password is needed"
    )]
    NeedPassword { line: usize },
    /// The key error is part of the message, not a `source`, so that it prints once.
    #[error("private key at line {line}: {error}")]
    Key {
        line: usize,
        error: keyfile::KeyFileError,
    },
    #[error("entry '{alias}' is a secret key: PEM cannot hold secret keys")]
    SecretKey { alias: String },
    #[error("encrypting the key of '{alias}' failed: {reason}")]
    Encrypt { alias: String, reason: String },
}

const KEY_LABELS: &[&str] = &[
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
];

/// Whether the bytes are PEM text.
pub fn sniff(bytes: &[u8]) -> bool {
    pem::looks_like_pem(bytes)
}

struct FoundKey {
    data: PrivateKeyData,
    /// DER SubjectPublicKeyInfo, when the key could be read without a password.
    spki: Option<Vec<u8>>,
}

/// Decodes a PEM store. `password` decrypts legacy-encrypted PEM keys and lets encrypted
/// PKCS#8 keys be paired by public key; without it an encrypted PKCS#8 key stays encrypted
/// and is paired with the first certificate that is not a CA.
pub fn decode(bytes: &[u8], password: Option<&str>) -> Result<Keystore, PemStoreError> {
    Ok(decode_with_key_forms(bytes, password)?.0)
}

/// [`decode`], and how the file holds its keys ([`KeyForms`]), so that a rewrite writes each
/// key as it was.
pub fn decode_with_key_forms(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, KeyForms), PemStoreError> {
    let blocks = pem::parse_all(bytes)?;
    let mut certs: Vec<Vec<u8>> = Vec::new();
    let mut keys: Vec<FoundKey> = Vec::new();
    let mut forms = KeyForms::default();
    for block in blocks {
        if is_cert_label(&block.label) {
            certs.push(cert_der(block)?);
        } else if KEY_LABELS.contains(&block.label.as_str()) {
            let key = read_key(&block, password)?;
            forms.note(&block, &key.data);
            keys.push(key);
        }
    }
    if certs.is_empty() && keys.is_empty() {
        return Err(PemStoreError::Empty);
    }
    let mut used = vec![false; certs.len()];
    let mut store = Keystore::default();
    let mut aliases = UniqueAliases::default();
    if !keys.is_empty() {
        // Chains are built only for keys: a bundle of certificates alone needs no pool.
        let pool = Pool::new(certs.iter().filter_map(|c| CertFacts::of(c)).collect());
        // cert_der checked what CertFacts::of reads, so the pool's indices are the file's.
        debug_assert_eq!(pool.facts().len(), certs.len());
        let facts = pool.facts();
        for key in keys {
            let leaf = match &key.spki {
                Some(spki) => facts.iter().position(|f| f.spki.as_ref() == Some(spki)),
                None => first_non_ca(&certs, &used),
            };
            let mut chain = Vec::new();
            if let Some(li) = leaf {
                for i in pool.chain_of(li) {
                    used[i] = true;
                    chain.push(certs[i].clone());
                }
            }
            let base = chain
                .first()
                .map(|c| cert_label(c))
                .unwrap_or_else(|| "key".to_string());
            store.entries.push(Entry {
                alias: aliases.claim(&base),
                created_ms: None,
                body: EntryBody::PrivateKey {
                    key: key.data,
                    chain,
                },
            });
        }
    }
    store.entries.reserve(certs.len());
    for (cert, used) in certs.into_iter().zip(used) {
        if used {
            continue;
        }
        store.entries.push(Entry {
            alias: aliases.claim(&cert_label(&cert)),
            created_ms: None,
            body: EntryBody::TrustedCert { cert },
        });
    }
    Ok((store, forms))
}

/// Every certificate of a PEM file, in file order, each checked to be a certificate; other
/// blocks (keys, CRLs, …) are passed over unread. What `store import --cert` takes.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, PemStoreError> {
    pem::parse_all(bytes)?
        .into_iter()
        .filter(|b| is_cert_label(&b.label))
        .map(cert_der)
        .collect()
}

fn is_cert_label(label: &str) -> bool {
    matches!(
        label,
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE"
    )
}

/// The certificate of a certificate block, checked: a `TRUSTED CERTIFICATE` block's
/// OpenSSL trust settings after the certificate are cut off.
fn cert_der(block: pem::PemBlock) -> Result<Vec<u8>, PemStoreError> {
    let mut der = block.der;
    if let Some((_, total)) = crate::pki::signed::tlv_len(&der) {
        der.truncate(total);
    }
    let checked = x509_cert::Certificate::from_der(&der)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            crate::pki::signed::cert_issuer_subject(&der)
                .map(|_| ())
                .ok_or_else(|| "malformed certificate".to_string())
        });
    match checked {
        Ok(()) => Ok(der),
        Err(reason) => Err(PemStoreError::BadBlock {
            label: block.label,
            line: block.line,
            reason,
        }),
    }
}

/// How the keys of a PEM file are held, so that a rewrite writes each as it was.
#[derive(Debug, Clone, Default)]
pub struct KeyForms {
    /// The keys held unencrypted (by [`key_digest`]): written unencrypted again.
    pub plain: HashSet<[u8; 32]>,
    /// The keys held in OpenSSL's legacy encrypted form
    /// ([`pem::PemBlock::is_legacy_encrypted`]), opened with the store password, with their
    /// blocks: written as those blocks (same cipher, IV and password) rather than as PBES2.
    pub legacy: KeptKeyBlocks,
}

impl KeyForms {
    /// Records how `block` held `key` as read from it. A key kept encrypted (PKCS#8
    /// `ENCRYPTED PRIVATE KEY`) is in neither set.
    fn note(&mut self, block: &pem::PemBlock, key: &PrivateKeyData) {
        let PrivateKeyData::Pkcs8(der) = key else {
            return;
        };
        if block.is_legacy_encrypted() {
            let text = pem::encode_with_headers(&block.label, &block.headers, &block.der);
            self.legacy.insert(key_digest(der), text);
        } else {
            self.plain.insert(key_digest(der));
        }
    }
}

/// PEM blocks to write for keys instead of encoding them, by [`key_digest`].
pub type KeptKeyBlocks = HashMap<[u8; 32], String>;

/// SHA-256 of a PKCS#8 key: how a rewrite recognises a key it must write as it was.
pub fn key_digest(pkcs8_der: &[u8]) -> [u8; 32] {
    Sha256::digest(pkcs8_der).into()
}

/// Encrypts a PKCS#8 key as an `ENCRYPTED PRIVATE KEY` of a PEM store (PBES2, AES-256).
pub fn protect_key(
    pkcs8_der: &[u8],
    password: &str,
    alias: &str,
) -> Result<Vec<u8>, PemStoreError> {
    keyfile::encrypt_pkcs8(pkcs8_der, password).map_err(|e| PemStoreError::Encrypt {
        alias: alias.to_string(),
        reason: e.to_string(),
    })
}

fn first_non_ca(certs: &[Vec<u8>], used: &[bool]) -> Option<usize> {
    let is_ca = |der: &[u8]| {
        crate::pki::inspect::certificate(der)
            .ok()
            .and_then(|c| c.extensions.basic_constraints.map(|b| b.ca))
            .unwrap_or(false)
    };
    (0..certs.len())
        .find(|&i| !used[i] && !is_ca(&certs[i]))
        .or_else(|| (0..certs.len()).find(|&i| !used[i]))
}

fn read_key(block: &pem::PemBlock, password: Option<&str>) -> Result<FoundKey, PemStoreError> {
    let line = block.line;
    let key_err = |error| PemStoreError::Key { line, error };
    let mut pw = || match password {
        Some(pw) => Ok(Zeroizing::new(pw.to_string())),
        None => Err(keyfile::KeyFileError::NeedPassword),
    };
    if block.label == "ENCRYPTED PRIVATE KEY" {
        // Kept encrypted; decrypted only when a password is at hand, to pair by public key.
        let spki = match password {
            Some(_) => Some(
                spki_der(&keyfile::load_pem_block(block, &mut pw).map_err(key_err)?)
                    .map_err(key_err)?,
            ),
            None => None,
        };
        return Ok(FoundKey {
            data: PrivateKeyData::Encrypted(block.der.clone()),
            spki,
        });
    }
    // Legacy encrypted PEM needs the password now: the model holds PKCS#8 or EPKI only.
    let key = match keyfile::load_pem_block(block, &mut pw) {
        // A PKCS#8 key of a type keychest does not use (Ed448, …) is carried as it is; without
        // its public key it pairs like an encrypted key.
        Err(keyfile::KeyFileError::Key(crate::pki::key::KeyError::UnsupportedAlgorithm(_)))
            if block.label == "PRIVATE KEY" =>
        {
            return Ok(FoundKey {
                data: PrivateKeyData::Pkcs8(Zeroizing::new(block.der.clone())),
                spki: None,
            });
        }
        other => other,
    };
    let key = key.map_err(|e| match e {
        keyfile::KeyFileError::NeedPassword => PemStoreError::NeedPassword { line },
        other => key_err(other),
    })?;
    Ok(FoundKey {
        spki: Some(spki_der(&key).map_err(key_err)?),
        data: PrivateKeyData::Pkcs8(key.to_pkcs8_der().map_err(|e| key_err(e.into()))?),
    })
}

fn spki_der(key: &crate::pki::key::PrivateKey) -> Result<Vec<u8>, keyfile::KeyFileError> {
    let spki = key.public_key_info()?;
    spki.to_der().map_err(|e| {
        keyfile::KeyFileError::Key(crate::pki::key::KeyError::Malformed {
            what: "public",
            detail: e.to_string(),
        })
    })
}

/// A readable alias for a certificate: its CN (else its whole subject), lower-cased and
/// with spaces as dashes, as people name Java aliases.
pub fn cert_label(der: &[u8]) -> String {
    // Only the subject is decoded: this names every certificate of a bundle.
    let label = crate::pki::signed::cert_issuer_subject(der)
        .and_then(|(_, subject)| x509_cert::name::Name::from_der(subject).ok())
        .map(|subject| name::short_label(&subject))
        .unwrap_or_else(|| "cert".into());
    let cleaned: String = label
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .filter(|c| !c.is_control())
        .collect();
    if cleaned.is_empty() {
        "cert".into()
    } else {
        cleaned
    }
}

/// How a key entry is written.
pub struct PemWriteOptions<'a> {
    /// Encrypt keys (PBES2 AES-256) with this password; None writes unencrypted PKCS#8.
    pub key_password: Option<&'a str>,
    /// Keys written as these blocks, whatever `key_password` says ([`KeyForms::legacy`]).
    pub kept_keys: Option<&'a KeptKeyBlocks>,
}

/// Encodes a store as PEM text. Keys must be decrypted (`PrivateKeyData::Pkcs8`) unless
/// they are already an encrypted PKCS#8 that is written as is. Secret keys are refused.
pub fn encode(
    store: &Keystore,
    opts: &PemWriteOptions,
) -> Result<Zeroizing<String>, PemStoreError> {
    let mut out = Zeroizing::new(String::new());
    for entry in &store.entries {
        match &entry.body {
            EntryBody::PrivateKey { key, chain } => {
                let kept = match key {
                    PrivateKeyData::Pkcs8(der) => {
                        opts.kept_keys.and_then(|kept| kept.get(&key_digest(der)))
                    }
                    PrivateKeyData::Encrypted(_) => None,
                };
                let key_pem = match (key, opts.key_password, kept) {
                    (_, _, Some(block)) => block.clone(),
                    (PrivateKeyData::Pkcs8(der), None, None) => pem::encode("PRIVATE KEY", der),
                    (PrivateKeyData::Pkcs8(der), Some(pw), None) => pem::encode(
                        "ENCRYPTED PRIVATE KEY",
                        &protect_key(der, pw, &entry.alias)?,
                    ),
                    (PrivateKeyData::Encrypted(der), _, _) => {
                        pem::encode("ENCRYPTED PRIVATE KEY", der)
                    }
                };
                out.push_str(&key_pem);
                for cert in chain {
                    push_cert(&mut out, cert);
                }
            }
            EntryBody::TrustedCert { cert } => push_cert(&mut out, cert),
            EntryBody::SecretKey { .. } => {
                return Err(PemStoreError::SecretKey {
                    alias: entry.alias.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Writes the certificates only (a chain or bundle), each after a `# subject` line.
pub fn encode_certs(certs: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for c in certs {
        push_cert(&mut out, c);
    }
    out
}

fn push_cert(out: &mut String, cert: &[u8]) {
    if let Ok(c) = x509_cert::Certificate::from_der(cert) {
        let subject = name::to_rfc4514(c.tbs_certificate().subject());
        // One line, no control characters: the comment must not break the PEM framing.
        let clean: String = subject.chars().filter(|c| !c.is_control()).collect();
        out.push_str("# ");
        out.push_str(&clean);
        out.push('\n');
    }
    out.push_str(&pem::encode("CERTIFICATE", cert));
}
