//! What differs between operating systems in safe file output, each with a portable
//! fallback: renaming without replacing (Linux `renameat2(RENAME_NOREPLACE)`, elsewhere
//! link + unlink) and telling whether the writer of a temporary file is gone (Linux asks
//! `/proc`, elsewhere the writer's lock on its temporary file). Windows is not supported;
//! docs/architecture.md lists what it would need.

use std::fs;
use std::io;
use std::path::Path;

/// Renames `from` to `to` unless `to` exists (EEXIST): renameat2(RENAME_NOREPLACE), or
/// where the file system lacks it, link(2) + unlink, which is just as atomic.
#[cfg(target_os = "linux")]
pub(super) fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (f, t) = (c(from)?, c(to)?);
    // SAFETY: both pointers are valid NUL-terminated paths for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            f.as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) => link_then_unlink(from, to),
        _ => Err(err),
    }
}

/// Elsewhere (macOS and the BSDs have no renameat2 in libc's common API): link(2) fails with
/// EEXIST when `to` exists, so the target is never replaced.
#[cfg(not(target_os = "linux"))]
pub(super) fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    link_then_unlink(from, to)
}

fn link_then_unlink(from: &Path, to: &Path) -> io::Result<()> {
    fs::hard_link(from, to).and_then(|_| fs::remove_file(from))
}

/// Whether the process that wrote temporary file `path` (named with its `pid`) is gone.
/// On Linux: no `/proc/PID`. Without `/proc`: nobody holds the lock every writer takes on
/// its temporary file while it writes ([`lock_is_free`]).
pub(super) fn writer_is_gone(path: &Path, pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    if Path::new("/proc/self").exists() {
        return !Path::new("/proc").join(pid.to_string()).exists();
    }
    let _ = pid;
    lock_is_free(path)
}

/// Whether an exclusive lock on `path` can be taken now (it is released at once). A file
/// that has just been created but not yet locked by its writer would look free, so only
/// files older than a few seconds count.
pub(super) fn lock_is_free(path: &Path) -> bool {
    const GRACE: std::time::Duration = std::time::Duration::from_secs(10);
    let old_enough = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= GRACE);
    if !old_enough {
        return false;
    }
    match fs::OpenOptions::new().read(true).open(path) {
        Ok(f) => f.try_lock().is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_replace_refuses_an_existing_target() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        fs::write(&a, b"new").unwrap();
        fs::write(&b, b"old").unwrap();
        let e = rename_no_replace(&a, &b).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&b).unwrap(), b"old");
        // The fallback used off Linux behaves the same.
        assert_eq!(
            link_then_unlink(&a, &b).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        fs::remove_file(&b).unwrap();
        link_then_unlink(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(fs::read(&b).unwrap(), b"new");
    }

    #[test]
    fn a_locked_temp_file_belongs_to_a_live_writer() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(".x.keychest-tmp.1.deadbeef");
        let f = fs::File::create(&p).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        f.set_modified(old).unwrap();
        // Another open file description: flock conflicts even within one process.
        f.try_lock().unwrap();
        assert!(!lock_is_free(&p), "locked: the writer is alive");
        drop(f);
        assert!(lock_is_free(&p), "unlocked and old: the writer is gone");
        fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(std::time::SystemTime::now())
            .unwrap();
        assert!(!lock_is_free(&p), "too young to judge");
    }
}
