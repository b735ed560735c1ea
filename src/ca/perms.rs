//! Who may touch a CA folder. The folder is created 0700 whatever the umask; opening a CA
//! refuses, as ssh's StrictModes does for `~/.ssh`, when another user could read the key or
//! swap files: `ca.key` readable by group or others, the folder writable by group or others,
//! or either owned by someone other than the user running keychest (or root). The error
//! gives the `chmod`/`chown` that fixes it.

use std::io;
use std::path::Path;

use super::{CaError, dir};

/// Creates `path` (and missing parents) and makes it 0700 when this call created it; an
/// existing folder is left as it is (the user chose its mode).
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(path) {
        Ok(()) => {}
        // Created concurrently (two `ca issue` making certs/): fine.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    // The umask may have taken bits from 0700 (umask 0277 leaves 0500): set it exactly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Refuses a CA folder or key others could tamper with or read (see the module text).
#[cfg(unix)]
pub fn check(ca_dir: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let unsafe_err = |path: &Path, problem: String, fix: String| CaError::Unsafe {
        path: path.to_path_buf(),
        problem,
        fix,
    };
    let stat = |p: &Path| {
        std::fs::metadata(p).map_err(|cause| CaError::Io {
            action: "read",
            path: p.to_path_buf(),
            cause,
        })
    };
    let d = stat(ca_dir)?;
    if d.uid() != me && d.uid() != 0 {
        return Err(unsafe_err(
            ca_dir,
            format!("is owned by uid {}, not by you (uid {me})", d.uid()),
            format!("chown {me} {}", shell_quote(ca_dir)),
        ));
    }
    if d.mode() & 0o022 != 0 {
        return Err(unsafe_err(
            ca_dir,
            format!(
                "is writable by {} (mode {:o})",
                who(d.mode() & 0o022, 0o020),
                d.mode() & 0o7777
            ),
            format!("chmod go-w {}", shell_quote(ca_dir)),
        ));
    }
    let key = ca_dir.join(dir::KEY);
    // A missing key is reported by the command that needs it.
    let Ok(k) = std::fs::metadata(&key) else {
        return Ok(());
    };
    if k.uid() != me && k.uid() != 0 {
        return Err(unsafe_err(
            &key,
            format!("is owned by uid {}, not by you (uid {me})", k.uid()),
            format!("chown {me} {}", shell_quote(&key)),
        ));
    }
    if k.mode() & 0o077 != 0 {
        return Err(unsafe_err(
            &key,
            format!(
                "is accessible to {} (mode {:o})",
                who(k.mode() & 0o077, 0o070),
                k.mode() & 0o7777
            ),
            format!("chmod 600 {}", shell_quote(&key)),
        ));
    }
    Ok(())
}

/// Without Unix permissions there is nothing to compare (docs/architecture.md: Windows).
#[cfg(not(unix))]
pub fn check(_ca_dir: &Path) -> Result<(), CaError> {
    Ok(())
}

/// "group", "others" or "group and others" for the offending `bits`.
#[cfg(unix)]
fn who(bits: u32, group_mask: u32) -> &'static str {
    match (bits & group_mask != 0, bits & !group_mask != 0) {
        (true, true) => "group and others",
        (true, false) => "its group",
        _ => "others",
    }
}

/// The path as one shell word, quoted only when it needs to be.
fn shell_quote(p: &Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@%,".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_are_0700_existing_ones_are_kept() {
        // (The umask case runs the binary under `umask 0277`, tests/ca.rs: changing the
        // umask here would race with the other tests' file creation.)
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b/ca");
        create_private_dir(&d).unwrap();
        assert_eq!(mode(&d), 0o700);
        let mine = t.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o750)).unwrap();
        create_private_dir(&mine).unwrap();
        assert_eq!(mode(&mine), 0o750);
    }

    #[test]
    fn loose_modes_are_refused_with_the_fix() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("my ca");
        create_private_dir(&d).unwrap();
        let key = d.join(dir::KEY);
        std::fs::write(&key, b"k").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        check(&d).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = check(&d).unwrap_err().to_string();
        assert!(e.contains("accessible to its group"), "{e}");
        assert!(e.contains(&format!("chmod 600 '{}'", key.display())), "{e}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check(&d).unwrap_err().to_string();
        assert!(e.contains("writable by group and others"), "{e}");
        assert!(e.contains("chmod go-w"), "{e}");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        check(&d).unwrap();
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote(Path::new("/a/b-c")), "/a/b-c");
        assert_eq!(shell_quote(Path::new("it's")), "'it'\\''s'");
    }
}
