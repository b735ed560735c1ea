//! The files a CA command hands its result to (`ca sign --out`, `ca issue`'s key and
//! certificate, `ca crl --out`). The plan is checked under the CA's lock before a serial or
//! CRL number is drawn, and written before the CA records anything, so a command that
//! cannot deliver its result leaves the CA as it was: no index record for a certificate
//! nobody received, no burnt CRL number.

use std::path::{Path, PathBuf};

use crate::fsio::{self, Mode};
use crate::pem;

use super::CaError;

/// What goes into one planned file.
#[derive(Debug, Clone)]
pub enum Content {
    /// Bytes known before the CA acts (a new private key).
    Bytes(Vec<u8>),
    /// The new certificate, PEM.
    Cert,
    /// The new certificate followed by the CA's chain (root excluded), PEM.
    CertWithChain,
    /// The new CRL, PEM.
    Crl,
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub path: PathBuf,
    pub mode: Mode,
    pub content: Content,
}

/// Output files of one command, written in order (a key before its certificate).
#[derive(Debug, Clone, Default)]
pub struct OutputPlan {
    pub files: Vec<Planned>,
    /// Replace existing files (`--force`).
    pub force: bool,
}

/// The CA's result the plan's contents are made from.
pub(super) enum Product<'a> {
    Cert { der: &'a [u8], chain_pem: &'a str },
    Crl(&'a [u8]),
}

impl OutputPlan {
    pub fn new(force: bool) -> OutputPlan {
        OutputPlan {
            files: Vec::new(),
            force,
        }
    }

    pub fn file(mut self, path: &Path, mode: Mode, content: Content) -> OutputPlan {
        self.files.push(Planned {
            path: path.to_path_buf(),
            mode,
            content,
        });
        self
    }

    /// Every precondition of writing the plan: each folder exists and takes new files, each
    /// file is absent unless `force`, and no file is planned twice.
    pub fn check(&self) -> Result<(), CaError> {
        for (i, f) in self.files.iter().enumerate() {
            if self.files[..i].iter().any(|g| g.path == f.path) {
                return Err(fsio::WriteError::Exists(f.path.clone()).into());
            }
            fsio::check_output(&f.path, self.force)?;
        }
        Ok(())
    }

    /// Writes every file; on a failure removes the ones this call created and returns the
    /// error. Returns the files created (not replaced), for [`Self::undo`].
    pub(super) fn write(&self, product: &Product<'_>) -> Result<Vec<PathBuf>, CaError> {
        let mut created = Vec::new();
        for f in &self.files {
            let data = match (&f.content, product) {
                (Content::Bytes(b), _) => b.clone(),
                (Content::Cert, Product::Cert { der, .. }) => {
                    pem::encode("CERTIFICATE", der).into_bytes()
                }
                (Content::CertWithChain, Product::Cert { der, chain_pem }) => {
                    let mut s = pem::encode("CERTIFICATE", der);
                    s.push_str(chain_pem);
                    s.into_bytes()
                }
                (Content::Crl, Product::Crl(der)) => pem::encode("X509 CRL", der).into_bytes(),
                // A plan asking for what this command does not make is a caller's bug;
                // fail before anything is written rather than write an empty file.
                _ => {
                    Self::undo(&created);
                    return Err(fsio::WriteError::Io {
                        path: f.path.clone(),
                        cause: std::io::Error::other("this command does not produce it"),
                    }
                    .into());
                }
            };
            let existed = std::fs::symlink_metadata(&f.path).is_ok();
            if let Err(e) = fsio::write_atomic(&f.path, &data, f.mode, self.force) {
                Self::undo(&created);
                return Err(e.into());
            }
            if !existed {
                created.push(f.path.clone());
            }
        }
        Ok(created)
    }

    /// Removes files [`Self::write`] created, when the CA then fails to record its act.
    pub(super) fn undo(created: &[PathBuf]) {
        for p in created {
            let _ = std::fs::remove_file(p);
        }
    }
}
