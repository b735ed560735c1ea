//! The entries of a PKCS#12 file from its bags: distinct certificates indexed for chain
//! building ([`crate::pki::chain`]), each key paired with its certificate (localKeyId, else
//! public key, else the lone leaf) and chain, the remaining certificates as trusted entries,
//! secret bags, and aliases (friendly name, else the leaf's CN, else `key-N`…).

use std::collections::{HashMap, HashSet};

use const_oid::ObjectIdentifier as Oid;
use der::Decode;
use sha2::Digest;
use x509_cert::name::Name;

use super::safes::{Bag, Collected, Item, ItemKind};
use super::{Pkcs12Error, Pkcs12Info, report};
use crate::pbe::MacParams;
use crate::pki::chain::{CertFacts, Pool};
use crate::pki::name;
use crate::store::alias::UniqueAliases;
use crate::store::{CertDer, Entry, EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData};

const CN: Oid = Oid::new_unwrap("2.5.4.3");
/// The quadratic "lone key without localKeyId" pairing runs only on small files.
const MAX_LONE_KEY_SEARCH: usize = 256;

/// The distinct certificates (by bytes) of the file, indexed for chain building.
#[derive(Default)]
struct Certs {
    ders: Vec<CertDer>,
    pool: Pool,
    /// SHA-256 of the DER → index (a digest, not a copy of every certificate).
    by_der: HashMap<[u8; 32], usize>,
}

impl Certs {
    fn add(&mut self, der: &[u8]) -> Option<usize> {
        let digest: [u8; 32] = sha2::Sha256::digest(der).into();
        if let Some(i) = self.by_der.get(&digest) {
            return Some(*i);
        }
        let i = self.pool.push(CertFacts::of(der)?);
        self.ders.push(der.to_vec());
        self.by_der.insert(digest, i);
        Some(i)
    }

    fn facts(&self, i: usize) -> &CertFacts {
        &self.pool.facts()[i]
    }

    fn cn(&self, i: usize) -> Option<String> {
        Name::from_der(&self.facts(i).subject)
            .ok()
            .and_then(|n| name::first_value(&n, &CN))
            .filter(|s| !s.trim().is_empty())
    }
}

/// The bags' certificates: per bag its certificate index (`None` for other bags), and
/// localKeyId → the first certificate bag carrying it.
struct Index<'b> {
    certs: Certs,
    of_bag: Vec<Option<usize>>,
    by_lkid: HashMap<&'b [u8], usize>,
}

fn index_certs(bags: &[Bag]) -> Result<Index<'_>, Pkcs12Error> {
    let mut ix = Index {
        certs: Certs::default(),
        of_bag: Vec::with_capacity(bags.len()),
        by_lkid: HashMap::new(),
    };
    for (i, bag) in bags.iter().enumerate() {
        let Item::Cert(der) = &bag.item else {
            ix.of_bag.push(None);
            continue;
        };
        let Some(idx) = ix.certs.add(der) else {
            return Err(Pkcs12Error::malformed(
                format!("bag {} (a certificate)", i + 1),
                "not an X.509 certificate",
            ));
        };
        ix.of_bag.push(Some(idx));
        if let Some(id) = &bag.local_key_id {
            ix.by_lkid.entry(id.as_slice()).or_insert(i);
        }
    }
    Ok(ix)
}

/// The certificate bag of key bag `bag`: by localKeyId, else by public key, else (one key
/// without localKeyId in a small file) the one certificate that issues nothing else.
fn leaf_of(bag: &Bag, bags: &[Bag], ix: &Index<'_>, key_count: usize) -> Option<usize> {
    if let Some(lb) = bag
        .local_key_id
        .as_ref()
        .and_then(|id| ix.by_lkid.get(id.as_slice()).copied())
    {
        return Some(lb);
    }
    if let Item::Key {
        data: PrivateKeyData::Pkcs8(pk),
        ..
    } = &bag.item
        && let Some(spki) = public_key_of(pk)
        && let Some(lb) = (0..bags.len()).find(|i| {
            ix.of_bag[*i].is_some_and(|p| ix.certs.facts(p).spki.as_deref() == Some(&spki[..]))
        })
    {
        return Some(lb);
    }
    if key_count == 1 && bag.local_key_id.is_none() && ix.certs.ders.len() <= MAX_LONE_KEY_SEARCH {
        return lone_leaf(bags, ix);
    }
    None
}

fn lone_leaf(bags: &[Bag], ix: &Index<'_>) -> Option<usize> {
    let pool = ix.certs.pool.facts();
    let issues_another = |p: usize| {
        !pool[p].self_issued()
            && pool
                .iter()
                .enumerate()
                .any(|(q, c)| q != p && c.issued_by(&pool[p]))
    };
    let leaves: Vec<usize> = (0..bags.len())
        .filter(|i| ix.of_bag[*i].is_some_and(|p| !bags[*i].java_trusted && !issues_another(p)))
        .collect();
    (leaves.len() == 1).then(|| leaves[0])
}

/// An entry before its alias is chosen: (position of its bag, friendly name, draft).
type Draft = (usize, Option<String>, EntryDraft);

/// Key entries with their chains; also the certificates used by them and their leaf bags.
fn key_drafts(bags: &[Bag], ix: &Index<'_>) -> (Vec<Draft>, HashSet<usize>, HashSet<usize>) {
    let key_count = bags
        .iter()
        .filter(|b| b.item.kind() == ItemKind::Key)
        .count();
    let mut drafts = Vec::new();
    let mut used_in_keys = HashSet::new();
    let mut leaf_bags = HashSet::new();
    for (bi, bag) in bags.iter().enumerate() {
        let Item::Key { data, .. } = &bag.item else {
            continue;
        };
        let leaf_bag = leaf_of(bag, bags, ix, key_count);
        let chain: Vec<usize> = match leaf_bag {
            Some(lb) => {
                leaf_bags.insert(lb);
                ix.certs
                    .pool
                    .chain_of(ix.of_bag[lb].expect("a certificate bag"))
            }
            None => Vec::new(),
        };
        used_in_keys.extend(chain.iter().copied());
        let name = bag
            .name
            .clone()
            .or_else(|| leaf_bag.and_then(|lb| bags[lb].name.clone()));
        let data = data.clone();
        drafts.push((bi, name, EntryDraft::Key { data, chain }));
    }
    (drafts, used_in_keys, leaf_bags)
}

/// Trusted-certificate entries (certificates not in a key's chain, or marked trusted for
/// Java) and secret keys.
fn other_drafts(
    bags: &[Bag],
    ix: &Index<'_>,
    used_in_keys: &HashSet<usize>,
    leaf_bags: &HashSet<usize>,
    drafts: &mut Vec<Draft>,
) {
    let mut seen_trusted: HashSet<(usize, Option<String>)> = HashSet::new();
    for (bi, bag) in bags.iter().enumerate() {
        match &bag.item {
            Item::Cert(_) => {
                let p = ix.of_bag[bi].expect("a certificate bag");
                if leaf_bags.contains(&bi) || (used_in_keys.contains(&p) && !bag.java_trusted) {
                    continue;
                }
                if !seen_trusted.insert((p, bag.name.clone())) {
                    continue; // the same certificate under the same name twice
                }
                drafts.push((bi, bag.name.clone(), EntryDraft::Cert(p)));
            }
            Item::Secret { epki, .. } => {
                drafts.push((bi, bag.name.clone(), EntryDraft::Secret(epki.clone())));
            }
            Item::Key { .. } => {}
        }
    }
}

/// The alias of a draft: its friendly name (`true`: explicit), else the CN of its
/// certificate, else `key-N` / `cert-N` / `secret-N`.
fn base_alias(
    name: Option<String>,
    draft: &EntryDraft,
    certs: &Certs,
    counters: &mut [usize; 3],
) -> (String, bool) {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        return (n, true);
    }
    let (k, prefix, cert) = match draft {
        EntryDraft::Key { chain, .. } => (0, "key", chain.first().copied()),
        EntryDraft::Cert(p) => (1, "cert", Some(*p)),
        EntryDraft::Secret(_) => (2, "secret", None),
    };
    let derived = cert.and_then(|p| certs.cn(p));
    let alias = derived.unwrap_or_else(|| {
        counters[k] += 1;
        format!("{prefix}-{}", counters[k])
    });
    (alias, false)
}

/// Entries in file order with unique aliases; also the aliases of trusted certificates
/// without Java's trust attribute.
fn name_entries(
    mut drafts: Vec<Draft>,
    bags: &[Bag],
    certs: &Certs,
    warnings: &mut Vec<String>,
) -> (Vec<Entry>, Vec<String>) {
    drafts.sort_by_key(|d| d.0);
    // Friendly names are compared as they are: `CA` and `ca` are two names.
    let mut used = UniqueAliases::case_sensitive();
    let mut entries = Vec::with_capacity(drafts.len());
    let mut no_attr = Vec::new();
    let mut counters = [0usize; 3];
    for (bi, name, draft) in drafts {
        let (base, explicit) = base_alias(name, &draft, certs, &mut counters);
        let alias = used.claim(&base);
        if explicit && alias != base {
            warnings.push(format!(
                "two entries are named '{base}': the second is read as '{alias}'"
            ));
        }
        if matches!(draft, EntryDraft::Cert(_)) && !bags[bi].java_trusted {
            no_attr.push(alias.clone());
        }
        entries.push(Entry {
            alias,
            created_ms: None,
            body: draft.into_body(certs),
        });
    }
    (entries, no_attr)
}

/// The store and its report from the collected bags.
pub(super) fn assemble(
    col: Collected,
    mac: Option<&MacParams>,
) -> Result<(Keystore, Pkcs12Info), Pkcs12Error> {
    let Collected {
        bags,
        cert_safes,
        mut warnings,
        unkept,
    } = col;
    let ix = index_certs(&bags)?;
    let (mut drafts, used_in_keys, leaf_bags) = key_drafts(&bags, &ix);
    other_drafts(&bags, &ix, &used_in_keys, &leaf_bags, &mut drafts);
    let (entries, no_attr) = name_entries(drafts, &bags, &ix.certs, &mut warnings);
    let mut info = report::info(&bags, &cert_safes, mac, no_attr, warnings);
    info.unkept = unkept;
    Ok((Keystore { entries }, info))
}

enum EntryDraft {
    Key {
        data: PrivateKeyData,
        chain: Vec<usize>,
    },
    Cert(usize),
    Secret(Vec<u8>),
}

impl EntryDraft {
    fn into_body(self, certs: &Certs) -> EntryBody {
        match self {
            EntryDraft::Key { data, chain } => EntryBody::PrivateKey {
                key: data,
                chain: chain.iter().map(|p| certs.ders[*p].clone()).collect(),
            },
            EntryDraft::Cert(p) => EntryBody::TrustedCert {
                cert: certs.ders[p].clone(),
            },
            EntryDraft::Secret(bytes) => EntryBody::SecretKey {
                key: SecretEntryData::Sealed {
                    format: Format::Pkcs12,
                    bytes,
                },
            },
        }
    }
}

fn public_key_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    let key = crate::pki::key::PrivateKey::from_pkcs8_der(pkcs8).ok()?;
    key.public_key_info().ok()?.to_der().ok()
}
