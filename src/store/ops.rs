//! Operations on the model that every format shares: adding certificates and keys (with
//! duplicate detection), merging stores, renaming and deleting entries, and the alias rules
//! of each format. Pure data in, data out: the CLI reports what happened.

use std::collections::HashMap;

use sha2::Digest;

use super::alias::AliasKey;
use super::{CertDer, Entry, EntryBody, Format, Keystore, PrivateKeyData};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpError {
    #[error("alias '{0}' already exists (use --force to replace it)")]
    AliasExists(String),
    #[error("no entry with alias '{0}'")]
    NoSuchAlias(String),
    #[error("alias must not be empty")]
    EmptyAlias,
    #[error("{format} stores cannot hold secret keys (entry '{alias}')")]
    SecretKeysUnsupported { format: Format, alias: String },
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    /// (alias it would have had, alias of the existing entry holding the same certificate)
    pub skipped_duplicates: Vec<(String, String)>,
    /// (as given, as stored) for aliases a Java format lower-cased.
    pub case_changed: Vec<(String, String)>,
}

pub fn sha256_hex(der: &[u8]) -> String {
    crate::pki::name::hex_lower(&sha2::Sha256::digest(der))
}

/// The alias as the format stores it: Java formats lower-case aliases.
pub fn normalize_alias(alias: &str, format: Format) -> String {
    AliasKey::of(alias, format).into_string()
}

/// Where each alias of a store is, as its format compares aliases ([`AliasKey`]): built once
/// per operation, so that placing each entry is a lookup rather than a search of the store
/// (bulk imports and merges stay linear). An alias held by several entries maps to the
/// first, as [`Keystore::find`] finds it.
struct AliasIndex {
    case_sensitive: bool,
    at: HashMap<AliasKey, usize>,
}

impl AliasIndex {
    fn new(store: &Keystore, format: Format) -> AliasIndex {
        let case_sensitive = format.caps().case_sensitive_aliases;
        let mut at = HashMap::with_capacity(store.entries.len());
        for (i, e) in store.entries.iter().enumerate() {
            at.entry(AliasKey::new(&e.alias, case_sensitive))
                .or_insert(i);
        }
        AliasIndex { case_sensitive, at }
    }
}

/// Puts `entry` in the store under its alias (as the format stores it): replaced with
/// `force`, else an error if the alias is taken. `index` is the store's, and kept so.
/// Returns the alias as stored.
fn place(
    store: &mut Keystore,
    index: &mut AliasIndex,
    entry: Entry,
    force: bool,
    report: &mut ImportReport,
) -> Result<String, OpError> {
    // The key is the alias as the format stores it (Java formats lower-case it).
    let key = AliasKey::new(&entry.alias, index.case_sensitive);
    let alias = key.as_str().to_string();
    if alias.is_empty() {
        return Err(OpError::EmptyAlias);
    }
    if alias != entry.alias {
        report
            .case_changed
            .push((entry.alias.clone(), alias.clone()));
    }
    let entry = Entry {
        alias: alias.clone(),
        ..entry
    };
    match index.at.get(&key) {
        // The replacement has the same key: the index stays right.
        Some(&i) if force => {
            store.entries[i] = entry;
            report.replaced.push(alias.clone());
        }
        Some(_) => return Err(OpError::AliasExists(alias)),
        None => {
            index.at.insert(key, store.entries.len());
            store.entries.push(entry);
            report.added.push(alias.clone());
        }
    }
    Ok(alias)
}

/// Adds certificates as trusted entries in one go. Certificates already in the store (same
/// SHA-256, in any entry) are skipped. `alias` names a single certificate; with several, it
/// is the base of `alias`, `alias-2`, …; without it aliases come from `label`.
pub fn add_trusted(
    store: &mut Keystore,
    format: Format,
    certs: Vec<CertDer>,
    alias: Option<&str>,
    label: &dyn Fn(&[u8]) -> String,
    force: bool,
) -> Result<ImportReport, OpError> {
    let mut report = ImportReport::default();
    let count = certs.len();
    // Only trusted entries make a certificate a duplicate: one that is merely in a key
    // entry's chain is not trusted, so it must still be addable as a trusted entry.
    let mut seen: HashMap<[u8; 32], String> = HashMap::with_capacity(store.entries.len() + count);
    for e in &store.entries {
        if let EntryBody::TrustedCert { cert } = &e.body {
            seen.entry(sha256(cert)).or_insert_with(|| e.alias.clone());
        }
    }
    let mut taken =
        super::alias::UniqueAliases::new(store.entries.iter().map(|e| e.alias.as_str()));
    let mut index = AliasIndex::new(store, format);
    store.entries.reserve(count);
    let now = now_ms();
    for (n, cert) in certs.into_iter().enumerate() {
        let base = match alias {
            Some(a) if count == 1 || n == 0 => a.to_string(),
            Some(a) => format!("{a}-{}", n + 1),
            None => label(&cert),
        };
        let fp = sha256(&cert);
        if let Some(existing) = seen.get(&fp) {
            report.skipped_duplicates.push((base, existing.clone()));
            continue;
        }
        let name = if alias.is_none() && !force {
            taken.claim(&normalize_alias(&base, format))
        } else {
            taken.take(&base);
            base
        };
        let stored = place(
            store,
            &mut index,
            Entry {
                alias: name,
                created_ms: Some(now),
                body: EntryBody::TrustedCert { cert },
            },
            force,
            &mut report,
        )?;
        seen.insert(fp, stored);
    }
    Ok(report)
}

fn sha256(der: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(der).into()
}

/// Adds a key entry (key + chain, leaf first).
pub fn add_key(
    store: &mut Keystore,
    format: Format,
    alias: &str,
    key: PrivateKeyData,
    chain: Vec<CertDer>,
    force: bool,
) -> Result<ImportReport, OpError> {
    let mut report = ImportReport::default();
    let mut index = AliasIndex::new(store, format);
    place(
        store,
        &mut index,
        Entry {
            alias: alias.to_string(),
            created_ms: Some(now_ms()),
            body: EntryBody::PrivateKey { key, chain },
        },
        force,
        &mut report,
    )?;
    Ok(report)
}

/// Merges every entry of `other` into `store`.
pub fn merge(
    store: &mut Keystore,
    format: Format,
    other: Keystore,
    force: bool,
) -> Result<ImportReport, OpError> {
    let mut report = ImportReport::default();
    let mut index = AliasIndex::new(store, format);
    for entry in other.entries {
        if matches!(entry.body, EntryBody::SecretKey { .. }) && !format.caps().secret_keys {
            return Err(OpError::SecretKeysUnsupported {
                format,
                alias: entry.alias,
            });
        }
        place(store, &mut index, entry, force, &mut report)?;
    }
    Ok(report)
}

pub fn delete(store: &mut Keystore, format: Format, alias: &str) -> Result<Entry, OpError> {
    let i = store
        .find(alias, format.caps().case_sensitive_aliases)
        .ok_or_else(|| OpError::NoSuchAlias(alias.to_string()))?;
    Ok(store.entries.remove(i))
}

/// Renames an entry; returns the alias as stored (Java formats lower-case it).
pub fn rename(
    store: &mut Keystore,
    format: Format,
    old: &str,
    new: &str,
) -> Result<String, OpError> {
    let cs = format.caps().case_sensitive_aliases;
    let i = store
        .find(old, cs)
        .ok_or_else(|| OpError::NoSuchAlias(old.to_string()))?;
    let new = normalize_alias(new, format);
    if new.is_empty() {
        return Err(OpError::EmptyAlias);
    }
    if let Some(j) = store.find(&new, cs)
        && j != i
    {
        return Err(OpError::AliasExists(new));
    }
    store.entries[i].alias = new.clone();
    Ok(new)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(c: &[u8]) -> String {
        format!("c{}", c[0])
    }

    #[test]
    fn trusted_import_skips_duplicates_and_makes_unique_aliases() {
        let mut s = Keystore::default();
        let mut add = |certs: Vec<CertDer>, alias: Option<&str>, force: bool| {
            add_trusted(&mut s, Format::Pkcs12, certs, alias, &label, force)
        };
        let r = add(vec![vec![1], vec![2], vec![1]], None, false).unwrap();
        assert_eq!(r.added, vec!["c1", "c2"]);
        assert_eq!(
            r.skipped_duplicates,
            vec![("c1".to_string(), "c1".to_string())]
        );
        let r = add(vec![vec![3]], Some("c1"), false);
        assert_eq!(r, Err(OpError::AliasExists("c1".into())));
        let r = add(vec![vec![3]], Some("c1"), true).unwrap();
        assert_eq!(r.replaced, vec!["c1"]);
    }

    #[test]
    fn merge_finds_entries_it_added_and_replaced() {
        let cert = |alias: &str, c: u8| Entry {
            alias: alias.into(),
            created_ms: None,
            body: EntryBody::TrustedCert { cert: vec![c] },
        };
        let mut s = Keystore {
            entries: vec![cert("x", 1), cert("y", 2)],
        };
        let other = |entries| Keystore { entries };
        let r = merge(
            &mut s,
            Format::Jks,
            other(vec![cert("Y", 3), cert("z", 4), cert("Z", 5)]),
            true,
        )
        .unwrap();
        assert_eq!(r.added, vec!["z"]);
        assert_eq!(r.replaced, vec!["y", "z"]);
        let got: Vec<(&str, &[u8])> = s
            .entries
            .iter()
            .map(|e| match &e.body {
                EntryBody::TrustedCert { cert } => (e.alias.as_str(), cert.as_slice()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(got, [("x", &[1u8][..]), ("y", &[3]), ("z", &[5])]);
        assert_eq!(
            merge(&mut s, Format::Jks, other(vec![cert("X", 6)]), false),
            Err(OpError::AliasExists("x".into()))
        );
    }

    #[test]
    fn java_formats_lower_case_and_compare_case_insensitively() {
        let mut s = Keystore::default();
        let r = add_trusted(
            &mut s,
            Format::Jks,
            vec![vec![1]],
            Some("MyCA"),
            &label,
            false,
        )
        .unwrap();
        assert_eq!(
            r.case_changed,
            vec![("MyCA".to_string(), "myca".to_string())]
        );
        assert!(matches!(
            add_trusted(
                &mut s,
                Format::Jks,
                vec![vec![2]],
                Some("MYCA"),
                &label,
                false
            ),
            Err(OpError::AliasExists(_))
        ));
        assert_eq!(
            rename(&mut s, Format::Jks, "MyCa", "Other").unwrap(),
            "other"
        );
        assert!(delete(&mut s, Format::Jks, "OTHER").is_ok());
        assert_eq!(
            delete(&mut s, Format::Jks, "x").unwrap_err(),
            OpError::NoSuchAlias("x".into())
        );
    }
}
