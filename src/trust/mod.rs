//! Installing a CA certificate where clients look for trust: the operating system's store
//! ([`system`]), a JDK's `cacerts` ([`java`]) and NSS databases used by Firefox and
//! Chromium ([`nss`]). Each target plans its changes (so they can be listed and confirmed
//! before anything happens), applies them, and reports whether a certificate is trusted.
//!
//! What keychest adds is found again by the certificate's SHA-256 and a name derived from
//! it (`keychest-<first 16 hex digits>`), so `uninstall` removes exactly that and nothing a
//! user or the distribution put there. Nothing here prints; callers render the data.

pub mod java;
pub mod nss;
pub mod system;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use der::Decode;
use x509_cert::Certificate;

use crate::ca::basic_constraints;
use crate::pem;
use crate::pki::constraints::{self, Constraints};
use crate::pki::name;
pub use crate::store::ops::sha256_hex;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    // Prints its cause rather than exposing it: a `{:#}` chain says it once.
    #[error("cannot {action} {}: {cause}", .path.display())]
    Read {
        /// What was being done: "read", "create", "remove".
        action: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}: {detail}", .path.display())]
    BadInput { path: PathBuf, detail: String },
    #[error(
        "{subject} is not a CA certificate (basicConstraints cA is not TRUE): only CA roots can be installed as trust anchors"
    )]
    NotCa { subject: String },
    #[error(
        "{target} needs root: run the command with sudo, or choose other stores (nothing was changed)"
    )]
    NeedsRoot { target: String },
    #[error("{} is not writable ({target}): run as its owner or with sudo (nothing was changed)", .path.display())]
    NotWritable { target: String, path: PathBuf },
    #[error("{tool} is not installed: it comes with the package {package}")]
    MissingTool {
        tool: &'static str,
        package: &'static str,
    },
    #[error("{command} failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{target}: {detail}")]
    Store { target: String, detail: String },
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Write(#[from] crate::fsio::WriteError),
}

/// The certificate to trust.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub der: Vec<u8>,
    /// Lowercase hex SHA-256 of the DER.
    pub sha256: String,
    pub subject: String,
    pub constraints: Option<Constraints>,
}

impl Anchor {
    /// Reads the root to install from a certificate file (PEM: the first certificate;
    /// or DER), a CA directory (its root.pem) or a `pki new` directory (root-ca/).
    pub fn load(path: &Path) -> Result<Anchor, TrustError> {
        let file = if path.is_dir() {
            let in_pki = path.join("root-ca").join(crate::ca::dir::ROOT);
            let in_ca = path.join(crate::ca::dir::ROOT);
            if in_ca.is_file() {
                in_ca
            } else if in_pki.is_file() {
                in_pki
            } else {
                return Err(TrustError::BadInput {
                    path: path.to_path_buf(),
                    detail: "neither a CA directory (root.pem) nor a pki new directory (root-ca/)"
                        .into(),
                });
            }
        } else {
            path.to_path_buf()
        };
        let bytes = crate::fsio::read_input(&file).map_err(|cause| TrustError::Read {
            action: "read",
            path: file.clone(),
            cause,
        })?;
        let bad = |detail: String| TrustError::BadInput {
            path: file.clone(),
            detail,
        };
        let der = if crate::codec::pkcs7::sniff(&bytes) {
            bundle_root(&bytes).map_err(bad)?
        } else {
            pem::first_der(&bytes, "CERTIFICATE")
                .map_err(|e| bad(e.to_string()))?
                .ok_or_else(|| bad("no CERTIFICATE block".into()))?
        };
        Self::from_der(der).map_err(|e| match e {
            TrustError::BadInput { detail, .. } => bad(detail),
            other => other,
        })
    }

    /// A CA certificate as an anchor; anything else is refused.
    pub fn from_der(der: Vec<u8>) -> Result<Anchor, TrustError> {
        let bad = |detail: String| TrustError::BadInput {
            path: PathBuf::new(),
            detail,
        };
        let cert =
            Certificate::from_der(&der).map_err(|e| bad(format!("not a certificate: {e}")))?;
        let subject = name::to_rfc4514(cert.tbs_certificate().subject());
        if !basic_constraints(&cert).is_some_and(|b| b.ca) {
            return Err(TrustError::NotCa { subject });
        }
        let constraints = constraints::of_certificate(&der).map_err(|e| bad(e.to_string()))?;
        Ok(Anchor {
            sha256: sha256_hex(&der),
            der,
            subject,
            constraints,
        })
    }

    /// The name keychest gives what it adds: file stem, Java alias, NSS nickname.
    pub fn label(&self) -> String {
        format!("keychest-{}", &self.sha256[..16])
    }

    pub fn pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// Whether a name outside local use could be certified under it.
    pub fn is_constrained(&self) -> bool {
        self.constraints
            .as_ref()
            .is_some_and(|c| !c.permitted.is_empty())
    }
}

/// Where a certificate stands in one store.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Presence {
    /// The store trusts the certificate (from any source).
    pub trusted: bool,
    /// keychest added it (its file, alias or nickname is there).
    pub installed_by_keychest: bool,
}

/// One planned change, shown before it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step(pub String);

/// A trust store keychest can install into.
pub trait TrustStore {
    /// `system`, `java` or `nss`.
    fn kind(&self) -> &'static str;
    /// What and where: `Debian /usr/local/share/ca-certificates`, a cacerts path, a database.
    fn location(&self) -> String;
    fn status(&self, a: &Anchor) -> Result<Presence, TrustError>;
    /// The changes `install` would make: empty when the certificate is already trusted.
    /// Fails (changing nothing) when they cannot be made, e.g. without root.
    fn plan_install(&self, a: &Anchor) -> Result<Vec<Step>, TrustError>;
    /// Makes the planned changes; returns what was done (commands run, files written).
    fn install(&self, a: &Anchor) -> Result<Vec<String>, TrustError>;
    /// The changes `uninstall` would make: removing only what keychest added.
    fn plan_uninstall(&self, a: &Anchor) -> Result<Vec<Step>, TrustError>;
    fn uninstall(&self, a: &Anchor) -> Result<Vec<String>, TrustError>;
}

/// Which stores to use.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub system: bool,
    pub java: bool,
    pub nss: bool,
    /// Java `cacerts` to use instead of the one found.
    pub cacerts: Option<PathBuf>,
    /// Its password (Java's default `changeit` when `None`).
    pub cacerts_password: Option<String>,
    /// NSS databases to use instead of ~/.pki/nssdb and Firefox profiles.
    pub nssdbs: Vec<PathBuf>,
}

impl Selection {
    /// No store named: every store found on this machine.
    pub fn is_default(&self) -> bool {
        !self.system && !self.java && !self.nss
    }
}

/// The stores found, and notes on those skipped.
pub type Discovered = (Vec<Box<dyn TrustStore>>, Vec<String>);

/// The stores to act on. Named stores must exist (or be creatable, for ~/.pki/nssdb);
/// by default every store found is used, and those missing are returned as notes.
pub fn discover(sel: &Selection) -> Result<Discovered, TrustError> {
    let all = sel.is_default();
    let mut stores: Vec<Box<dyn TrustStore>> = Vec::new();
    let mut notes = Vec::new();
    if all || sel.system {
        match system::detect() {
            Ok(s) => stores.push(s),
            Err(e) if all => notes.push(format!("system store skipped: {e}")),
            Err(e) => return Err(e),
        }
    }
    if all || sel.java || sel.cacerts.is_some() {
        let password = sel
            .cacerts_password
            .clone()
            .unwrap_or_else(|| java::DEFAULT_PASSWORD.to_string());
        match sel.cacerts.clone().or_else(java::find_cacerts) {
            Some(path) => stores.push(Box::new(java::JavaStore::new(&path, password)?)),
            None if all => notes.push("Java store skipped: no JDK cacerts found".into()),
            None => {
                return Err(TrustError::Unsupported(
                    "no JDK cacerts found (set JAVA_HOME, put java on PATH, or give --cacerts)"
                        .into(),
                ));
            }
        }
    }
    if all || sel.nss || !sel.nssdbs.is_empty() {
        let explicit = sel.nss || !sel.nssdbs.is_empty();
        let dbs = if sel.nssdbs.is_empty() {
            nss::find_databases(home().as_deref(), explicit)
        } else {
            sel.nssdbs.clone()
        };
        if dbs.is_empty() {
            notes.push("NSS skipped: no ~/.pki/nssdb or Firefox profile found".into());
        } else if let Err(e) = nss::certutil_available() {
            if explicit {
                return Err(e);
            }
            notes.push(format!("NSS skipped: {e}"));
        } else {
            stores.extend(
                dbs.into_iter()
                    .map(|d| Box::new(nss::NssDb::new(d)) as Box<dyn TrustStore>),
            );
        }
    }
    Ok((stores, notes))
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Runs a program to completion with `input` on stdin; returns stdout, or an error with
/// its stderr.
pub(crate) fn run(
    program: &str,
    args: &[&str],
    input: Option<&[u8]>,
) -> Result<String, TrustError> {
    use std::io::Write;
    let shown = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| TrustError::Command {
            command: shown.clone(),
            detail: e.to_string(),
        })?;
    if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(data);
    }
    let out = child.wait_with_output().map_err(|e| TrustError::Command {
        command: shown.clone(),
        detail: e.to_string(),
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let text = err.trim();
        return Err(TrustError::Command {
            command: shown,
            detail: if text.is_empty() {
                out.status.to_string()
            } else {
                text.lines().last().unwrap_or_default().to_string()
            },
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` is on PATH.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(program);
            f.is_file()
        })
    })
}

/// Whether this process may write into `dir` (a new file there, then a rename).
pub(crate) fn dir_writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// SHA-256 of every certificate in PEM text (a bundle, or certutil's output).
pub(crate) fn pem_fingerprints(text: &[u8]) -> Vec<String> {
    pem::parse_all(text)
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| sha256_hex(&b.der))
        .collect()
}

/// The root of a PKCS#7 bundle (`.p7b`, as CAs hand out a chain): its one self-issued CA
/// certificate, else its one CA certificate; anything else is ambiguous and refused.
fn bundle_root(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let (store, _) = crate::codec::pkcs7::decode(bytes).map_err(|e| e.to_string())?;
    let certs: Vec<Vec<u8>> = store
        .entries
        .iter()
        .flat_map(|e| e.certificates().to_vec())
        .collect();
    let facts: Vec<(Vec<u8>, bool, bool)> = certs
        .into_iter()
        .filter_map(|der| {
            let cert = Certificate::from_der(&der).ok()?;
            let tbs = cert.tbs_certificate();
            let self_issued = tbs.issuer() == tbs.subject();
            let is_ca = basic_constraints(&cert).is_some_and(|b| b.ca);
            Some((der, is_ca, self_issued))
        })
        .collect();
    let roots: Vec<&Vec<u8>> = facts.iter().filter(|f| f.1 && f.2).map(|f| &f.0).collect();
    let cas: Vec<&Vec<u8>> = facts.iter().filter(|f| f.1).map(|f| &f.0).collect();
    match (roots.as_slice(), cas.as_slice()) {
        ([one], _) | ([], [one]) => Ok((*one).clone()),
        ([], []) => Err("the PKCS#7 bundle holds no CA certificate".into()),
        (r, c) => Err(format!(
            "the PKCS#7 bundle holds {} CA certificates ({} self-issued): give the root alone",
            c.len(),
            r.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_leaf_is_refused_and_labels_come_from_the_hash() {
        let key = crate::pki::key::PrivateKey::generate(crate::pki::key::KeyType::P256).unwrap();
        let spki = der::Encode::to_der(&key.public_key_info().unwrap()).unwrap();
        let name = der::Encode::to_der(&name::parse_dn("CN=leaf").unwrap()).unwrap();
        let cert = |ca: bool| {
            crate::pki::cert::sign(
                &crate::pki::cert::CertParams {
                    serial: &[1],
                    issuer: &name,
                    subject: &name,
                    spki: &spki,
                    not_before: 1_700_000_000,
                    not_after: 1_800_000_000,
                    extensions: vec![crate::pki::cert::basic_constraints(ca, None).unwrap()],
                },
                &key,
            )
            .unwrap()
        };
        assert!(matches!(
            Anchor::from_der(cert(false)),
            Err(TrustError::NotCa { .. })
        ));
        let a = Anchor::from_der(cert(true)).unwrap();
        assert_eq!(a.label(), format!("keychest-{}", &a.sha256[..16]));
        assert!(!a.is_constrained());
    }
}
