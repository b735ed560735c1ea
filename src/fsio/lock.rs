//! Serialising read-modify-write cycles on one file (a store that `store import` loads,
//! changes and writes back) between keychest processes.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{WriteError, io_err, parent_dir, target_name};

/// An exclusive advisory lock taken by [`lock_exclusive`], released when dropped (or when
/// the process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
}

impl FileLock {
    /// The sidecar lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How long a store edit waits for another keychest changing the same file: 60 s, or
/// `KEYCHEST_LOCK_WAIT` seconds (docs/reliability.md).
pub fn lock_wait() -> Duration {
    std::env::var("KEYCHEST_LOCK_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(60))
}

/// Takes an exclusive advisory lock (flock) for changing `target`, waiting at most
/// `timeout` for another holder to finish, then failing with [`WriteError::Locked`].
///
/// The lock is on a sidecar file, `.NAME.lock` beside the target, not on the target itself:
/// every write replaces the target by renaming a new file over it, so a lock on the target
/// would be on the old inode, and a writer that opened the file after the rename would lock
/// the new inode and not be excluded. The sidecar is never replaced, so every writer locks
/// the same inode. It is left in place afterwards: deleting it would let a waiter that
/// already opened it and a newcomer that creates a fresh one hold "the" lock together.
pub fn lock_exclusive(target: &Path, timeout: Duration) -> Result<FileLock, WriteError> {
    let path = parent_dir(target).join(format!(".{}.lock", target_name(target)));
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(io_err(&path))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(io_err(&path)(e)),
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(WriteError::Locked {
                path: target.to_path_buf(),
                waited,
            });
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_locker_waits_then_fails_clearly() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("store.p12");
        let held = lock_exclusive(&target, Duration::from_secs(1)).unwrap();
        assert_eq!(held.path(), t.path().join(".store.p12.lock"));
        assert!(!target.exists(), "locking does not create the target");
        let start = Instant::now();
        let err = lock_exclusive(&target, Duration::from_millis(200)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert!(matches!(err, WriteError::Locked { .. }), "{err}");
        assert!(
            err.to_string().contains("store.p12 is being changed"),
            "{err}"
        );
        drop(held);
        lock_exclusive(&target, Duration::from_millis(200)).unwrap();
    }

    #[test]
    fn a_waiter_gets_the_lock_when_the_holder_finishes() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("k.jks");
        let held = lock_exclusive(&target, Duration::from_secs(1)).unwrap();
        let waiter = {
            let target = target.clone();
            std::thread::spawn(move || lock_exclusive(&target, Duration::from_secs(5)).is_ok())
        };
        std::thread::sleep(Duration::from_millis(100));
        drop(held);
        assert!(waiter.join().unwrap());
    }
}
