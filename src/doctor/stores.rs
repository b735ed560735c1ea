//! Store rules: who cannot read a store (`--for`), trusted entries Java ignores, duplicate
//! entries and aliases, weak JKS/JCEKS protection, PKCS#12 without a MAC, algorithms OpenSSL
//! 3 reads only with its legacy provider, and iteration counts too low.
//! The facts come from the codecs' own reports (`codec::pkcs12::Pkcs12Info`, `StoreInfo`);
//! nothing is decrypted here.

use std::collections::HashMap;

use super::model::{GroupKind, Loaded};
use super::{Finding, Options, Severity, shell_quote};
use crate::codec::pkcs12::Compat;
use crate::store::Format;

/// Iteration counts below this are too cheap to guess against (RFC 8018 §4.2 asks for at
/// least 1,000; OpenSSL and keytool write 2,048 and more). There is no upper rule here:
/// decoding refuses counts over `pbe::budget::MAX_ITERATIONS`, so such a store is
/// `store.unreadable` and never reaches these rules.
pub const MIN_ITERATIONS: u32 = 2048;

/// A consumer the stores must be readable by (`--for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Java 8 before 8u301
    Java8,
    /// Java 11 before 11.0.12
    Java11,
    /// macOS Keychain (`security import`)
    Macos,
    /// Windows before 10 1709
    Windows,
    /// OpenSSL 1.1 and 1.0
    Openssl1,
    /// Android's KeyStore on older releases
    Android,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Java8 => "Java 8 before 8u301",
            Target::Java11 => "Java 11 before 11.0.12",
            Target::Macos => "macOS Keychain",
            Target::Windows => "Windows before 10 1709",
            Target::Openssl1 => "OpenSSL 1.x",
            Target::Android => "Android (older releases)",
        }
    }

    fn is_java(self) -> bool {
        matches!(self, Target::Java8 | Target::Java11)
    }

    /// The preset that this consumer reads.
    fn preset(self) -> Compat {
        if self.is_java() {
            Compat::Java11
        } else {
            Compat::Legacy
        }
    }
}

/// The numbers N in "…, N iterations" of the codec's protection descriptions.
fn iterations_in(desc: &str) -> Option<u32> {
    let (head, _) = desc.split_once(" iterations")?;
    head.rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

pub fn check_file(f: &Loaded, opts: &Options<'_>, out: &mut Vec<Finding>) {
    let Some(s) = &f.store else {
        return;
    };
    let file = shell_quote(&f.path.display().to_string());
    let stem = f
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let convert = |suffix: &str, compat: Option<Compat>| {
        let dir = f
            .path
            .parent()
            .map(|p| p.join(format!("{stem}{suffix}.p12")));
        let new = dir.map(|p| p.display().to_string()).unwrap_or_default();
        format!(
            "keychest store convert {file} {}{} --pass SRC",
            shell_quote(&new),
            compat.map(|c| format!(" --compat {c}")).unwrap_or_default()
        )
    };
    let find = |rule, sev, why: String| Finding::new(sev, rule, &f.path, why);

    if matches!(s.format, Format::Jks | Format::Jceks) {
        out.push(
            find(
                "store.weak-protection",
                Severity::Warning,
                format!(
                    "{}: a keyed SHA-1 digest and {} protect this store, far weaker than PKCS#12 with PBES2 (JDK 9+ defaults to PKCS#12, JEP 229)",
                    s.format.to_string().to_uppercase(),
                    if s.format == Format::Jks { "Sun's SHA-1 key protector" } else { "PBEWithMD5AndTripleDES" }
                ),
            )
            .fix(convert("", None)),
        );
        for t in &opts.targets {
            if !t.is_java() {
                out.push(
                    find(
                        "store.incompatible",
                        Severity::Error,
                        format!(
                            "{} cannot read {} stores",
                            t.name(),
                            s.format.to_string().to_uppercase()
                        ),
                    )
                    .fix(convert(&format!("-{}", t.preset()), Some(t.preset()))),
                );
            }
        }
    }

    if let Some(info) = &s.pkcs12 {
        let passwordless = info.preset == Some(Compat::Passwordless);
        match &info.mac {
            None if !passwordless => out.push(
                find(
                    "store.no-mac",
                    Severity::Warning,
                    "no MAC: changes to this PKCS#12 file go unnoticed (RFC 7292 §5.1 password integrity mode)".into(),
                )
                .fix(convert("-mac", None)),
            ),
            _ => {}
        }
        let mut counts: Vec<(String, u32)> = Vec::new();
        if let Some(m) = &info.mac {
            counts.push(("the MAC".into(), m.iterations));
        }
        for d in info.cert_encryption.iter().chain(&info.key_encryption) {
            for part in d.split("; ") {
                if let Some(n) = iterations_in(part) {
                    counts.push((part.split(',').next().unwrap_or(part).to_string(), n));
                }
            }
        }
        for (what, n) in counts {
            if n < MIN_ITERATIONS {
                out.push(
                    find(
                        "store.iterations",
                        Severity::Warning,
                        format!("{what} uses {n} iterations: under {MIN_ITERATIONS} makes password guessing cheap"),
                    )
                    .fix(convert("-new", None)),
                );
            }
        }
        let legacy: Vec<&str> = info
            .cert_encryption
            .iter()
            .chain(&info.key_encryption)
            .flat_map(|d| d.split("; "))
            .filter(|d| d.starts_with("RC2"))
            .collect();
        if !legacy.is_empty() {
            out.push(
                find(
                    "store.needs-legacy-provider",
                    Severity::Warning,
                    format!(
                        "{}: OpenSSL 3 reads RC2 only with -legacy (the legacy provider); this is what OpenSSL 1.x wrote by default",
                        legacy[0].split(',').next().unwrap_or(legacy[0])
                    ),
                )
                .fix(convert("-new", None)),
            );
        }
        for alias in &info.trusted_without_java_attribute {
            out.push(
                find(
                    "store.no-java-trust",
                    Severity::Warning,
                    "trusted certificate without Java's trust attribute (2.16.840.1.113894.746875.1.1): keytool and Java do not see it".into(),
                )
                .alias(Some(alias))
                .fix(convert("-java", None)),
            );
        }
        for w in &info.warnings {
            if let Some(rest) = w.strip_prefix("two entries are named ") {
                out.push(find(
                    "store.duplicate-alias",
                    Severity::Warning,
                    format!(
                        "two entries are named {rest}: tools disagree on which one an alias means"
                    ),
                ));
            }
        }
        let pbes2 = info
            .cert_encryption
            .iter()
            .chain(&info.key_encryption)
            .any(|d| d.contains("PBES2"));
        let plain_keys = info.key_encryption.iter().any(|d| d.starts_with("none"));
        for t in &opts.targets {
            let mut why: Vec<String> = Vec::new();
            match t {
                Target::Java8 | Target::Java11 => {
                    if let Some(m) = info.mac.as_ref().filter(|m| m.digest != "SHA-1") {
                        why.push(format!("cannot verify a {} MAC", m.digest));
                    }
                    if plain_keys {
                        why.push(
                            "ignores unencrypted key bags (keyBag), so the key is lost".into(),
                        );
                    }
                    if s.password_ascii == Some(false) {
                        why.push("reads a non-ASCII password in the terminal's encoding, so keytool may not open it".into());
                    }
                }
                Target::Macos | Target::Windows | Target::Android if pbes2 => {
                    why.push("cannot read AES (PBES2) encryption".into());
                }
                _ => {}
            }
            if !why.is_empty() {
                out.push(
                    find(
                        "store.incompatible",
                        Severity::Error,
                        format!("{} {}", t.name(), why.join("; ")),
                    )
                    .fix(convert(&format!("-{}", t.preset()), Some(t.preset()))),
                );
            }
        }
    }

    // The same certificate trusted twice.
    let mut seen: HashMap<&[u8], &str> = HashMap::new();
    for g in f.groups.iter().filter(|g| g.kind == GroupKind::Trusted) {
        let (Some(c), Some(alias)) = (g.certs.first(), g.alias.as_deref()) else {
            continue;
        };
        if let Some(first) = seen.get(c.der.as_slice()).copied() {
            out.push(
                find(
                    "store.duplicate-entry",
                    Severity::Warning,
                    format!(
                        "the certificate '{}' is also trusted as '{first}'",
                        c.subject
                    ),
                )
                .alias(Some(alias))
                .fix(format!(
                    "keychest store delete {file} {} --pass SRC",
                    shell_quote(alias)
                )),
            );
        } else {
            seen.insert(&c.der, alias);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iteration_counts() {
        assert_eq!(
            iterations_in("PBES2 AES-256-CBC, PBKDF2-HMACSHA256, 10000 iterations"),
            Some(10000)
        );
        assert_eq!(
            iterations_in("3DES (PKCS#12 PBE), 2048 iterations"),
            Some(2048)
        );
        assert_eq!(iterations_in("none"), None);
    }
}
