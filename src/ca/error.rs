//! The errors of CA operations: each names the file or value at fault, in one line.

use std::path::{Path, PathBuf};

use crate::fsio;
use crate::pki::cert::CertError;
use crate::pki::constraints::ConstraintError;
use crate::pki::csr::CsrError;

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{0} is not a CA directory (no {cfg}; create one with 'keychest ca init')", cfg = super::dir::CONFIG)]
    NotACa(PathBuf),
    #[error("{0} already holds a CA; refusing to overwrite it")]
    AlreadyCa(PathBuf),
    #[error("{0} already exists; refusing to create a CA over it")]
    Exists(PathBuf),
    // Io and Lock print their cause rather than expose it: a `{:#}` chain says it once.
    #[error("cannot {action} {}: {cause}", .path.display())]
    Io {
        /// What was being done: "read", "create", "append to".
        action: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] fsio::WriteError),
    #[error("{}: {err}", .dir.display())]
    Index {
        err: super::index::IndexError,
        dir: PathBuf,
    },
    #[error("{path}: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the CA key {0} does not match the CA certificate")]
    KeyMismatch(PathBuf),
    #[error("the CA certificate expired on {0}")]
    Expired(String),
    #[error("the CA certificate is not valid before {0}")]
    NotYetValid(String),
    #[error(transparent)]
    Cert(#[from] CertError),
    #[error(transparent)]
    Csr(#[from] CsrError),
    #[error(
        "the request has no subject alternative name and its CN {0} is not a DNS name or IP address: give --san"
    )]
    NoServerName(String),
    #[error("a server certificate needs a name: the request has no SAN and no CN (give --san)")]
    NoNames,
    #[error("this CA's path length constraint ({0}) does not allow it to issue CA certificates")]
    PathLenExhausted(u8),
    #[error("--path-len {wanted} is too large: the issuing CA's path length constraint is {limit}")]
    PathLenTooLarge { wanted: u8, limit: u8 },
    #[error("no certificate with serial {0} in the index")]
    UnknownSerial(String),
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("the certificate was not issued by this CA (its issuer is {0})")]
    OtherIssuer(String),
    #[error("invalid serial number '{0}' (expected hex)")]
    BadSerial(String),
    #[error(transparent)]
    Constraint(#[from] ConstraintError),
    #[error("refusing to use the CA: {} {problem} (fix: {fix})", .path.display())]
    Unsafe {
        path: PathBuf,
        problem: String,
        fix: String,
    },
    #[error("cannot lock {}: {cause}", .path.display())]
    Lock {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// An I/O error reading `path`.
pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    io_failed("read", path)
}

/// An I/O error doing `action` ("create", "append to") to `path`.
pub(super) fn io_failed<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> CaError + 'a {
    move |cause| CaError::Io {
        action,
        path: path.to_path_buf(),
        cause,
    }
}

pub(super) fn corrupt(path: &Path, detail: impl Into<String>) -> CaError {
    CaError::Corrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}
