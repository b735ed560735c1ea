//! A JDK's `cacerts`, read and written with keychest's own codecs (no JVM): its format
//! (JKS or PKCS#12) and PKCS#12 preset are kept, and the certificate becomes a trusted
//! entry, which in PKCS#12 carries the attribute Java needs to see it. JKS is rewritten
//! byte for byte, so removing the entry restores the original file exactly.

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

    fn load(&self) -> Result<(Format, Keystore, Option<codec::pkcs12::Compat>), TrustError> {
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
        Ok((format, store, info.preset))
    }

    fn save(
        &self,
        format: Format,
        store: &Keystore,
        preset: Option<codec::pkcs12::Compat>,
    ) -> Result<(), TrustError> {
        let bytes = codec::encode(
            format,
            store,
            &EncodeOptions {
                password: Some(&self.password),
                compat: preset.unwrap_or_default(),
            },
        )
        .map_err(|e| self.err(e))?;
        fsio::write_atomic(&self.path, &bytes, Mode::Public, true)?;
        Ok(())
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

    /// What installing `a` into the loaded `store` takes: nothing when it is trusted
    /// already, else (if the file can be replaced) one new entry.
    fn install_steps(&self, store: &Keystore, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        if Self::presence(store, a).trusted {
            return Ok(vec![]);
        }
        self.check_writable()?;
        Ok(vec![Step(format!(
            "add trusted entry '{}' to {}",
            a.label(),
            self.path.display()
        ))])
    }

    /// The entry of ours to remove from the loaded `store` (if the file can be replaced)
    /// and the step that says so; None when keychest added nothing there.
    fn removal(&self, store: &Keystore, a: &Anchor) -> Result<Option<(usize, Step)>, TrustError> {
        let Some(i) = Self::ours(store, a) else {
            return Ok(None);
        };
        self.check_writable()?;
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
        let (_, store, _) = self.load()?;
        Ok(Self::presence(&store, a))
    }

    fn plan_install(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        let (_, store, _) = self.load()?;
        self.install_steps(&store, a)
    }

    fn install(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        // Read once: the plan's checks run on the store that is then changed.
        let (format, mut store, preset) = self.load()?;
        if self.install_steps(&store, a)?.is_empty() {
            return Ok(vec![]);
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        store.entries.push(Entry {
            alias: a.label(),
            created_ms: Some(now_ms),
            body: EntryBody::TrustedCert {
                cert: a.der.clone(),
            },
        });
        self.save(format, &store, preset)?;
        Ok(vec![format!(
            "added '{}' to {} ({format})",
            a.label(),
            self.path.display()
        )])
    }

    fn plan_uninstall(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        let (_, store, _) = self.load()?;
        Ok(self
            .removal(&store, a)?
            .map(|(_, step)| step)
            .into_iter()
            .collect())
    }

    fn uninstall(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        let (format, mut store, preset) = self.load()?;
        let Some((i, _)) = self.removal(&store, a)? else {
            return Ok(vec![]);
        };
        store.entries.remove(i);
        self.save(format, &store, preset)?;
        Ok(vec![format!(
            "removed '{}' from {}",
            a.label(),
            self.path.display()
        )])
    }
}
