//! A JDK's `cacerts`, read and written with keychest's own codecs (no JVM): its format
//! (JKS or PKCS#12) and PKCS#12 preset are kept, and the certificate becomes a trusted
//! entry, which in PKCS#12 carries the attribute Java needs to see it. JKS is rewritten
//! byte for byte, so removing the entry restores the original file exactly.
//!
//! A change is a rewrite as every store edit is (docs/reliability.md): under the store's
//! exclusive lock from read to rename (`fsio::lock_exclusive`), replacing the file with its
//! mode, group and owner kept (`fsio::write_replacing`), and refused when the file holds
//! what the model cannot (`StoreInfo::unkept`), which the rewrite would drop.

use std::path::{Path, PathBuf};

use super::{Anchor, Presence, Step, TrustError, TrustStore, dir_writable, sha256_hex};
use crate::codec::{self, EncodeOptions};
use crate::fsio::{self, Mode};
use crate::store::alias::AliasKey;
use crate::store::{Entry, EntryBody, Format, Keystore};

/// The password every JDK ships cacerts with.
pub const DEFAULT_PASSWORD: &str = "changeit";

/// Debian's shared cacerts (the JDKs' lib/security/cacerts link to it).
const DEBIAN_CACERTS: &str = "/etc/ssl/certs/java/cacerts";

/// The cacerts of `JAVA_HOME`, else of the `java` on PATH, else Debian's shared one.
pub fn find_cacerts() -> Option<PathBuf> {
    let from_home = |home: &Path| home.join("lib").join("security").join("cacerts");
    let mut candidates = Vec::new();
    if let Some(h) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        candidates.push(from_home(Path::new(&h)));
    }
    if let Some(path) = std::env::var_os("PATH")
        && let Some(java) = std::env::split_paths(&path)
            .map(|d| d.join("java"))
            .find(|j| j.is_file())
        && let Ok(real) = java.canonicalize()
        && let Some(home) = real.parent().and_then(Path::parent)
    {
        candidates.push(from_home(home));
    }
    candidates.push(PathBuf::from(DEBIAN_CACERTS));
    candidates.into_iter().find(|c| c.is_file())
}

/// cacerts as read: what a rewrite needs to write it as it was.
struct Cacerts {
    format: Format,
    store: Keystore,
    preset: Option<codec::pkcs12::Compat>,
    /// What the file holds that the model cannot (a rewrite would drop it).
    unkept: Vec<String>,
}

pub struct JavaStore {
    /// The file itself (links resolved, so the atomic rename replaces the file, not a link).
    path: PathBuf,
    password: String,
}

impl JavaStore {
    pub fn new(path: &Path, password: String) -> Result<JavaStore, TrustError> {
        let path = path.canonicalize().map_err(|cause| TrustError::Read {
            action: "read",
            path: path.to_path_buf(),
            cause,
        })?;
        Ok(JavaStore { path, password })
    }

    fn err(&self, detail: impl std::fmt::Display) -> TrustError {
        TrustError::Store {
            target: self.path.display().to_string(),
            detail: detail.to_string(),
        }
    }

    fn load(&self) -> Result<Cacerts, TrustError> {
        let bytes = crate::fsio::read_input(&self.path).map_err(|cause| TrustError::Read {
            action: "read",
            path: self.path.clone(),
            cause,
        })?;
        let format = codec::sniff(&bytes)
            .filter(|f| matches!(f, Format::Jks | Format::Jceks | Format::Pkcs12))
            .ok_or_else(|| self.err("not a JKS, JCEKS or PKCS#12 keystore"))?;
        let (store, info) = codec::decode(format, &bytes, Some(&self.password)).map_err(|e| {
            self.err(format!(
                "{e} (the JDK default password is changeit; give --cacerts-pass)"
            ))
        })?;
        Ok(Cacerts {
            format,
            store,
            preset: info.preset,
            unkept: info.unkept,
        })
    }

    /// Runs `change` on cacerts read under its lock, which is held until the rewrite is in
    /// place; `change` returns what it did, or None when there is nothing to write.
    fn change(
        &self,
        change: impl FnOnce(&mut Cacerts) -> Result<Option<String>, TrustError>,
    ) -> Result<Vec<String>, TrustError> {
        let _lock = fsio::lock_exclusive(&self.path, fsio::lock_wait())?;
        let mut c = self.load()?;
        let Some(done) = change(&mut c)? else {
            return Ok(vec![]);
        };
        self.save(&c)?;
        Ok(vec![done])
    }

    /// Writes cacerts back over the file, keeping its identity (mode, group, owner as root).
    fn save(&self, c: &Cacerts) -> Result<(), TrustError> {
        let bytes = codec::encode(
            c.format,
            &c.store,
            &EncodeOptions {
                password: Some(&self.password),
                compat: c.preset.unwrap_or_default(),
            },
        )
        .map_err(|e| self.err(e))?;
        // As every store rewrite: content with keys never keeps bits for others.
        let keys = c
            .store
            .entries
            .iter()
            .any(|e| !matches!(e.body, EntryBody::TrustedCert { .. }));
        let mode = if keys { Mode::Private } else { Mode::Public };
        fsio::write_replacing(&self.path, &bytes, mode)?;
        Ok(())
    }

    /// Refuses a rewrite that would drop what the model cannot hold, naming it.
    fn check_kept(&self, c: &Cacerts) -> Result<(), TrustError> {
        if c.unkept.is_empty() {
            return Ok(());
        }
        Err(self.err(format!(
            "holds what keychest cannot keep ({}): writing it again would lose it (nothing was changed)",
            c.unkept.join(", ")
        )))
    }

    fn ours(store: &Keystore, a: &Anchor) -> Option<usize> {
        // Folded as Java folds aliases (the store may be JKS), like every alias comparison.
        let label = AliasKey::folded(&a.label());
        store.entries.iter().position(|e| {
            AliasKey::folded(&e.alias) == label
                && matches!(&e.body, EntryBody::TrustedCert { cert } if sha256_hex(cert) == a.sha256)
        })
    }

    fn presence(store: &Keystore, a: &Anchor) -> Presence {
        Presence {
            trusted: store.entries.iter().any(|e| {
                matches!(&e.body, EntryBody::TrustedCert { cert } if sha256_hex(cert) == a.sha256)
            }),
            installed_by_keychest: Self::ours(store, a).is_some(),
        }
    }

    /// What installing `a` into cacerts takes: nothing when it is trusted already, else
    /// (if the file can be rewritten with nothing lost) one new entry.
    fn install_steps(&self, c: &Cacerts, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        if Self::presence(&c.store, a).trusted {
            return Ok(vec![]);
        }
        self.check_writable()?;
        self.check_kept(c)?;
        Ok(vec![Step(format!(
            "add trusted entry '{}' to {}",
            a.label(),
            self.path.display()
        ))])
    }

    /// The entry of ours to remove from cacerts (if the file can be rewritten with nothing
    /// lost) and the step that says so; None when keychest added nothing there.
    fn removal(&self, c: &Cacerts, a: &Anchor) -> Result<Option<(usize, Step)>, TrustError> {
        let Some(i) = Self::ours(&c.store, a) else {
            return Ok(None);
        };
        self.check_writable()?;
        self.check_kept(c)?;
        Ok(Some((
            i,
            Step(format!(
                "remove entry '{}' from {}",
                a.label(),
                self.path.display()
            )),
        )))
    }

    fn check_writable(&self) -> Result<(), TrustError> {
        let dir = self.path.parent().unwrap_or(Path::new("/"));
        if !dir_writable(dir) {
            return Err(TrustError::NotWritable {
                target: "Java cacerts".into(),
                path: self.path.clone(),
            });
        }
        Ok(())
    }
}

impl TrustStore for JavaStore {
    fn kind(&self) -> &'static str {
        "java"
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn status(&self, a: &Anchor) -> Result<Presence, TrustError> {
        Ok(Self::presence(&self.load()?.store, a))
    }

    fn plan_install(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        self.install_steps(&self.load()?, a)
    }

    fn install(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        // Read once, under the lock: the plan's checks run on the store that is changed.
        self.change(|c| {
            if self.install_steps(c, a)?.is_empty() {
                return Ok(None);
            }
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or_default();
            c.store.entries.push(Entry {
                alias: a.label(),
                created_ms: Some(now_ms),
                body: EntryBody::TrustedCert {
                    cert: a.der.clone(),
                },
            });
            Ok(Some(format!(
                "added '{}' to {} ({})",
                a.label(),
                self.path.display(),
                c.format
            )))
        })
    }

    fn plan_uninstall(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        Ok(self
            .removal(&self.load()?, a)?
            .map(|(_, step)| step)
            .into_iter()
            .collect())
    }

    fn uninstall(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        self.change(|c| {
            let Some((i, _)) = self.removal(c, a)? else {
                return Ok(None);
            };
            c.store.entries.remove(i);
            Ok(Some(format!(
                "removed '{}' from {}",
                a.label(),
                self.path.display()
            )))
        })
    }
}
