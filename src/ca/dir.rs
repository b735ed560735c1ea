//! The CA directory: file layout, the `ca.json` configuration and the lock that serialises
//! every read-modify-write of the CA's state (index, CRL number).
//!
//! ```text
//! DIR/
//!   ca.json      configuration and state (format, kind, CRL number); its presence makes DIR a CA
//!   ca.crt       the CA certificate (PEM)
//!   ca.key       the CA private key (PKCS#8 PEM; encrypted when created with --pass, else 0600)
//!   chain.pem    this CA's certificate and the intermediates above it, root excluded
//!                (empty for a root CA): what a leaf is sent with
//!   root.crt     the root certificate at the top of this CA's chain (the trust anchor)
//!   index.tsv    every certificate issued (see `index`)
//!   certs/       a copy of each issued certificate, SERIAL.pem
//!   crl.pem      the last CRL written by `ca crl`
//!   .lock        lock file (exclusive advisory lock while the state changes)
//! ```

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const CONFIG: &str = "ca.json";
pub const CERT: &str = "ca.crt";
pub const KEY: &str = "ca.key";
pub const CHAIN: &str = "chain.pem";
pub const ROOT: &str = "root.crt";
pub const CERTS: &str = "certs";
pub const CRL: &str = "crl.pem";
pub const LOCK: &str = ".lock";

/// Version of the directory layout written in `ca.json`.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Root,
    Intermediate,
}

/// `ca.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub format: u32,
    pub kind: Kind,
    /// The number of the last CRL issued (0: none yet).
    pub crl_number: u64,
    /// RFC 3339 creation time.
    pub created: String,
}

/// Whether `dir` holds a CA (has `ca.json`).
pub fn is_ca(dir: &Path) -> bool {
    dir.join(CONFIG).is_file()
}

/// Files `ca init` would create, of which any existing one makes it refuse.
pub fn state_files(dir: &Path) -> Vec<PathBuf> {
    [CONFIG, CERT, KEY, CHAIN, ROOT, crate::ca::index::FILE_NAME]
        .iter()
        .map(|f| dir.join(f))
        .collect()
}

/// An exclusive lock on `DIR/.lock`, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Lock {
    pub fn acquire(dir: &Path) -> io::Result<Lock> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // The lock file holds nothing, but nobody else needs to open it either.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(dir.join(LOCK))?;
        file.lock()?;
        Ok(Lock { _file: file })
    }
}
