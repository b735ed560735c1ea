//! Finding an entry by alias, with an error that helps: an unknown alias lists the aliases
//! that exist (all of them when few, else the nearest by edit distance).

use anyhow::bail;

use super::render::escape;
use crate::store::Keystore;
use crate::store::alias::AliasKey;

/// Up to this many aliases are listed in full.
const LIST_ALL: usize = 8;
/// Otherwise this many nearest ones.
const NEAREST: usize = 3;

/// The index of the entry `alias` names, or an error listing the aliases there are. With
/// `case_sensitive` false (JKS, JCEKS) aliases fold as Java does ([`AliasKey`], via
/// [`Keystore::find`]), so `ZERTIFIKAT-Ä` finds `zertifikat-ä`.
pub fn find_entry(store: &Keystore, alias: &str, case_sensitive: bool) -> anyhow::Result<usize> {
    if let Some(i) = store.find(alias, case_sensitive) {
        return Ok(i);
    }
    bail!("{}", unknown_alias(store, alias))
}

/// "no entry with alias 'x' (the store has: a, b)" or "(nearest: …; N entries)".
pub fn unknown_alias(store: &Keystore, alias: &str) -> String {
    let names: Vec<&str> = store.entries.iter().map(|e| e.alias.as_str()).collect();
    let quoted = |v: &[&str]| {
        v.iter()
            .map(|a| format!("'{}'", escape(a)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hint = match names.len() {
        0 => "the store is empty".to_string(),
        n if n <= LIST_ALL => format!("the store has {}", quoted(&names)),
        n => {
            // Nearness ignores case as Java does, whatever the format: a wrong case is
            // the likeliest slip.
            let fold = |a: &str| AliasKey::folded(a).into_string();
            let wanted = fold(alias);
            let mut near = names.clone();
            near.sort_by_key(|a| strsim::levenshtein(&fold(a), &wanted));
            near.truncate(NEAREST);
            format!("nearest of its {n} entries: {}", quoted(&near))
        }
    };
    format!("no entry with alias '{}' ({hint})", escape(alias))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Entry, EntryBody};

    fn store(aliases: &[&str]) -> Keystore {
        Keystore {
            entries: aliases
                .iter()
                .map(|a| Entry {
                    alias: a.to_string(),
                    created_ms: None,
                    body: EntryBody::TrustedCert { cert: vec![] },
                })
                .collect(),
        }
    }

    #[test]
    fn lists_few_and_the_nearest_of_many() {
        let few = store(&["server", "root"]);
        assert_eq!(find_entry(&few, "root", true).unwrap(), 1);
        let e = find_entry(&few, "sever", true).unwrap_err().to_string();
        assert_eq!(
            e,
            "no entry with alias 'sever' (the store has 'server', 'root')"
        );
        let names: Vec<String> = (0..20).map(|i| format!("ca-{i}")).collect();
        let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
        refs.push("mailserver");
        let many = store(&refs);
        let e = unknown_alias(&many, "mailsrever");
        assert!(e.contains("nearest of its 21 entries: 'mailserver'"), "{e}");
        assert!(unknown_alias(&store(&[]), "x").contains("empty"));
    }

    #[test]
    fn java_stores_fold_non_ascii_aliases() {
        let s = store(&["root", "zertifikat-ä"]);
        assert_eq!(find_entry(&s, "ZERTIFIKAT-Ä", false).unwrap(), 1);
        assert!(find_entry(&s, "ZERTIFIKAT-Ä", true).is_err());
    }
}
