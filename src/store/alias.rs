//! Alias rules, in one place for store operations and codecs: how each format compares
//! aliases ([`AliasKey`]), and making an alias unique. JKS and JCEKS fold aliases as Java
//! does (`String.toLowerCase(Locale.ENGLISH)`), so `ZERTIFIKAT-Ä` finds `zertifikat-ä`;
//! PEM and PKCS#12 keep case. (Codecs import this downward; nothing here knows bytes.)

use std::collections::{HashMap, HashSet};

use super::Format;

/// Java's `alias.toLowerCase(Locale.ENGLISH)`: Unicode default lower-casing, which both
/// Java (with the English locale: no Turkish dotted-i rule) and Rust implement, final sigma
/// included; not ASCII-only.
pub fn java_lower(alias: &str) -> String {
    alias.to_lowercase()
}

/// An alias as its format compares it: equal keys name the same entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AliasKey(String);

impl AliasKey {
    /// The key of `alias` in a store whose aliases are compared case-sensitively or not.
    pub fn new(alias: &str, case_sensitive: bool) -> AliasKey {
        if case_sensitive {
            AliasKey(alias.to_string())
        } else {
            AliasKey(java_lower(alias))
        }
    }

    /// The key of `alias` in a `format` store.
    pub fn of(alias: &str, format: Format) -> AliasKey {
        AliasKey::new(alias, format.caps().case_sensitive_aliases)
    }

    /// A key that ignores case as Java does, whatever the format (aliases that may meet a
    /// Java keystore later).
    pub fn folded(alias: &str) -> AliasKey {
        AliasKey::new(alias, false)
    }

    /// The alias as the format stores it (lower-cased for Java formats).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The alias as the format stores it (lower-cased for Java formats).
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Hands out unique aliases one after another: `base`, or `base-2`, `base-3`… so that each
/// is unique among those taken (ignoring case as Java does, since the store may be converted
/// to a Java format later). A set of the folded aliases taken, and per base the next suffix
/// to try, so that naming n certificates with the same CN costs O(n), not O(n²) (a bundle of
/// 100,000 copies of one certificate).
#[derive(Default)]
pub struct UniqueAliases {
    taken: HashSet<AliasKey>,
    next_suffix: HashMap<AliasKey, u64>,
    /// Aliases that differ only in case are distinct ([`UniqueAliases::case_sensitive`]).
    case_sensitive: bool,
}

impl UniqueAliases {
    pub fn new<'a>(taken: impl IntoIterator<Item = &'a str>) -> UniqueAliases {
        UniqueAliases {
            taken: taken.into_iter().map(AliasKey::folded).collect(),
            ..UniqueAliases::default()
        }
    }

    /// Nothing taken yet, and aliases compared case-sensitively (`CA` and `ca` both free):
    /// for names a file holds as they are (PKCS#12 friendly names).
    pub fn case_sensitive() -> UniqueAliases {
        UniqueAliases {
            case_sensitive: true,
            ..UniqueAliases::default()
        }
    }

    fn key(&self, alias: &str) -> AliasKey {
        AliasKey::new(alias, self.case_sensitive)
    }

    /// `base` or the first free `base-N` (N from 2), now taken.
    pub fn claim(&mut self, base: &str) -> String {
        let key = self.key(base);
        if self.taken.insert(key.clone()) {
            return base.to_string();
        }
        let mut n = self.next_suffix.get(&key).copied().unwrap_or(2);
        let alias = loop {
            let alias = format!("{base}-{n}");
            n += 1;
            if self.taken.insert(self.key(&alias)) {
                break alias;
            }
        };
        self.next_suffix.insert(key, n);
        alias
    }

    /// Records an alias chosen elsewhere (given by the user) as taken.
    pub fn take(&mut self, alias: &str) {
        let key = self.key(alias);
        self.taken.insert(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_formats_fold_non_ascii_letters() {
        assert_eq!(
            AliasKey::of("ZERTIFIKAT-Ä", Format::Jks),
            AliasKey::of("zertifikat-ä", Format::Jks)
        );
        assert_eq!(
            AliasKey::of("ΟΔΟΣ", Format::Jceks).into_string(),
            "οδος".to_string().replace('σ', "ς")
        );
        assert_ne!(
            AliasKey::of("Server", Format::Pkcs12),
            AliasKey::of("server", Format::Pkcs12)
        );
        assert_ne!(
            AliasKey::of("A", Format::Pem),
            AliasKey::of("a", Format::Pem)
        );
    }

    #[test]
    fn unique_ignores_case_as_java_does() {
        let taken = ["Ärger", "ärger-2"];
        assert_eq!(UniqueAliases::new(taken).claim("ÄRGER"), "ÄRGER-3");
        assert_eq!(UniqueAliases::new(taken).claim("other"), "other");
    }

    #[test]
    fn claiming_many_copies_of_one_name_numbers_them_in_order() {
        let mut u = UniqueAliases::new(["ca-3"]);
        let got: Vec<String> = (0..5).map(|_| u.claim("CA")).collect();
        assert_eq!(got, ["CA", "CA-2", "CA-4", "CA-5", "CA-6"]);
        u.take("ca-7");
        assert_eq!(u.claim("ca"), "ca-8");
    }

    #[test]
    fn case_sensitive_claims_keep_case_apart() {
        let mut u = UniqueAliases::case_sensitive();
        let got: Vec<String> = ["CA", "ca", "CA", "ca-2", "ca", "CA"]
            .iter()
            .map(|b| u.claim(b))
            .collect();
        assert_eq!(got, ["CA", "ca", "CA-2", "ca-2", "ca-3", "CA-3"]);
        // The same as taking the first free of base, base-2, base-3… each time.
        let mut naive: HashSet<String> = HashSet::new();
        let mut u = UniqueAliases::case_sensitive();
        for i in 0..200u32 {
            let base = ["k", "K", "k-3", "k-2", "K-2-2"][(i * 7 % 5) as usize];
            let mut want = base.to_string();
            let mut n = 1;
            while naive.contains(&want) {
                n += 1;
                want = format!("{base}-{n}");
            }
            naive.insert(want.clone());
            assert_eq!(u.claim(base), want);
        }
    }
}
