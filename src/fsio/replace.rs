//! Rewriting an existing file (a keystore changed in place) without changing what it is to
//! the system: the same path resolves to a file with the same mode and group (and owner,
//! when run as root), a symlink stays a symlink and its target is replaced, atomically, in
//! the target's folder. What is not kept: hard links to the old inode (they keep the old
//! content), ACLs and extended attributes.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Mode, WriteError, io_err, write_atomic, write_via_temp};

/// Atomically replaces the file at `path` (following symlinks) with `data`, keeping the
/// old file's permission bits and group, and its owner when running as root. A file that
/// does not exist yet is created with `new_mode` (0600 for secrets, 0644 otherwise). Group
/// and owner are kept where the system allows: a user who is not in the file's group ends
/// up with the new file in their own group, as any editor would. New content that holds
/// secrets (`new_mode` Private) never keeps the old file's bits for others: a world-readable
/// truststore that a key is imported into becomes 0640-like, not a world-readable key.
pub fn write_replacing(path: &Path, data: &[u8], new_mode: Mode) -> Result<(), WriteError> {
    let target = resolve_symlinks(path).map_err(io_err(path))?;
    let meta = match fs::metadata(&target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return write_atomic(&target, data, new_mode, true);
        }
        Err(e) => return Err(io_err(path)(e)),
    };
    if meta.is_dir() {
        return Err(WriteError::IsFolder(path.to_path_buf()));
    }
    let others = if new_mode == Mode::Private { 0 } else { 0o007 };
    write_via_temp(&target, data, Mode::Private, true, |file| {
        keep_identity(file, &meta, 0o770 | others)
    })
}

#[cfg(unix)]
fn keep_identity(file: &fs::File, old: &fs::Metadata, keep_bits: u32) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let owner = root.then_some(old.uid());
    match std::os::unix::fs::fchown(file, owner, Some(old.gid())) {
        Ok(()) => {}
        // Not a member of the file's group: keep ours (see write_replacing).
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {}
        Err(e) => return Err(e),
    }
    // After chown, which may clear set-id bits; the umask does not apply to fchmod.
    file.set_permissions(fs::Permissions::from_mode(old.mode() & keep_bits))
}

#[cfg(not(unix))]
fn keep_identity(file: &fs::File, old: &fs::Metadata, _keep_bits: u32) -> io::Result<()> {
    file.set_permissions(old.permissions())
}

/// The file a path finally names, following every symlink (relative ones from their own
/// folder). Unlike `canonicalize` it accepts a dangling final link: writing creates its
/// target. Locks are taken beside this path, so every link to one store shares its lock.
pub fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut cur = path.to_path_buf();
    // As the kernel's MAXSYMLINKS.
    for _ in 0..40 {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&cur)?;
                cur = match cur.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(cur),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn keeps_mode_and_group_and_replaces_the_inode() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("store.p12");
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        // A group we may give the file: root may pick any, others only their own.
        let gid = if unsafe { libc::geteuid() } == 0 {
            12345
        } else {
            fs::metadata(&p).unwrap().gid()
        };
        std::os::unix::fs::chown(&p, None, Some(gid)).unwrap();
        let ino = fs::metadata(&p).unwrap().ino();
        write_replacing(&p, b"new", Mode::Public).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(mode(&p), 0o640);
        assert_eq!(fs::metadata(&p).unwrap().gid(), gid);
        assert_ne!(
            fs::metadata(&p).unwrap().ino(),
            ino,
            "replaced, not rewritten in place"
        );
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&p, Some(4321), None).unwrap();
            write_replacing(&p, b"newer", Mode::Public).unwrap();
            assert_eq!(
                fs::metadata(&p).unwrap().uid(),
                4321,
                "root keeps the owner"
            );
        }
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        write_replacing(&p, b"key", Mode::Private).unwrap();
        assert_eq!(mode(&p), 0o640, "secrets never stay readable by others");
        let leftovers = fs::read_dir(t.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
    }

    #[test]
    fn follows_symlinks_and_replaces_the_target_in_its_folder() {
        let t = tempfile::tempdir().unwrap();
        let real_dir = t.path().join("real");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("keys.jks");
        fs::write(&real, b"old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = t.path().join("keys.jks");
        std::os::unix::fs::symlink("real/keys.jks", &link).unwrap();
        let chained = t.path().join("again.jks");
        std::os::unix::fs::symlink(&link, &chained).unwrap();
        write_replacing(&chained, b"new", Mode::Public).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::symlink_metadata(&chained)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(mode(&real), 0o600);
    }

    #[test]
    fn new_files_follow_the_usual_modes() {
        let t = tempfile::tempdir().unwrap();
        let secret = t.path().join("new.p12");
        write_replacing(&secret, b"k", Mode::Private).unwrap();
        assert_eq!(mode(&secret), 0o600);
        let public = t.path().join("trust.pem");
        write_replacing(&public, b"c", Mode::Public).unwrap();
        assert_eq!(mode(&public) & 0o600, 0o600);
        assert_eq!(mode(&public) & 0o022, 0, "never group/other-writable");
        // A dangling link: its target is created.
        let link = t.path().join("dangling.pem");
        std::os::unix::fs::symlink("made.pem", &link).unwrap();
        write_replacing(&link, b"x", Mode::Public).unwrap();
        assert_eq!(fs::read(t.path().join("made.pem")).unwrap(), b"x");
        assert!(matches!(
            write_replacing(t.path(), b"x", Mode::Public),
            Err(WriteError::IsFolder(_))
        ));
    }
}
