//! Listing summaries of store entries (the `store list --json` schema, docs/json.md).
//! Built from certificates only: no key is decrypted to list a store.

use der::Decode;
use serde::Serialize;
use x509_cert::Certificate;

use super::{Entry, EntryBody, EntryKind, SecretEntryData};
use crate::pki::inspect::{self, PublicKeyInfo};
use crate::pki::name::{hex_lower, to_rfc4514};

#[derive(Debug, Serialize, Clone)]
pub struct ChainCert {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct KeySummary {
    /// "RSA", "EC", "Ed25519", … for private keys (from the leaf certificate's public key);
    /// the Java algorithm name ("AES", "HmacSHA256") for secret keys; null when unknown.
    pub algorithm: Option<String>,
    pub bits: Option<u32>,
    pub curve: Option<String>,
    /// The key is stored encrypted (decrypted only when an operation needs it).
    pub encrypted: bool,
}

#[derive(Debug, Serialize, Clone)]
pub struct EntrySummary {
    pub alias: String,
    pub kind: EntryKind,
    pub created: Option<String>,
    pub chain: Vec<ChainCert>,
    pub key: Option<KeySummary>,
}

pub fn chain_cert(der: &[u8]) -> Option<(ChainCert, PublicKeyInfo)> {
    let cert = Certificate::from_der(der).ok()?;
    let tbs = cert.tbs_certificate();
    Some((
        ChainCert {
            subject: to_rfc4514(tbs.subject()),
            issuer: to_rfc4514(tbs.issuer()),
            serial: hex_lower(tbs.serial_number().as_bytes()),
            not_before: inspect::rfc3339(&tbs.validity().not_before),
            not_after: inspect::rfc3339(&tbs.validity().not_after),
            sha256: crate::store::ops::sha256_hex(der),
        },
        inspect::public_key_info(tbs.subject_public_key_info()),
    ))
}

pub fn summarize(entry: &Entry) -> EntrySummary {
    let parsed: Vec<(ChainCert, PublicKeyInfo)> = entry
        .certificates()
        .iter()
        .filter_map(|c| chain_cert(c))
        .collect();
    let key = match &entry.body {
        EntryBody::PrivateKey { key, .. } => {
            let pk = parsed.first().map(|(_, k)| k);
            Some(KeySummary {
                algorithm: pk.map(|k| k.algorithm.clone()),
                bits: pk.and_then(|k| k.bits),
                curve: pk.and_then(|k| k.curve.clone()),
                encrypted: matches!(key, super::PrivateKeyData::Encrypted(_)),
            })
        }
        EntryBody::SecretKey { key } => Some(match key {
            SecretEntryData::Open(k) => KeySummary {
                algorithm: Some(k.algorithm.clone()),
                bits: Some((k.key.len() * 8) as u32),
                curve: None,
                encrypted: false,
            },
            SecretEntryData::Sealed { .. } => KeySummary {
                algorithm: None,
                bits: None,
                curve: None,
                encrypted: true,
            },
        }),
        EntryBody::TrustedCert { .. } => None,
    };
    EntrySummary {
        alias: entry.alias.clone(),
        kind: entry.kind(),
        created: entry.created_ms.map(|ms| inspect::unix_rfc3339(ms / 1000)),
        chain: parsed.into_iter().map(|(c, _)| c).collect(),
        key,
    }
}
