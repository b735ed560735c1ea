//! A folder under `CARGO_TARGET_TMPDIR` that outlives the test process, for a fixture built
//! once per test binary and kept in a `static` (which is never dropped). Folders of the same
//! prefix left by earlier runs are removed once they are an hour old.

use std::path::PathBuf;
use std::time::Duration;

use super::p;

/// A kept folder; `path` and `s` name files in it.
pub struct KeptDir {
    pub root: PathBuf,
}

impl KeptDir {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    pub fn s(&self, rel: &str) -> String {
        p(&self.path(rel)).to_string()
    }
}

/// A new kept folder named `prefix…`, after removing the stale ones of that prefix.
pub fn kept_dir(prefix: &str) -> KeptDir {
    remove_stale(prefix);
    let root = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir")
        .keep();
    KeptDir { root }
}

/// Removes the folders named `prefix…` that earlier runs left, after an hour.
fn remove_stale(prefix: &str) {
    let Ok(dir) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    for e in dir.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old && e.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
