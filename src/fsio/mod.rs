//! Safe file output: every write goes to a temporary file in the target's folder, is
//! fsynced, then renamed over (or, without `--force`, hard-linked to) the target, so readers
//! see the old file or the complete new one, never a partial one. Files holding private
//! keys are created 0600 from the start; the folder is fsynced so the rename survives a crash.
//! [`lock`] serialises read-modify-write cycles on one file, [`replace`] rewrites an existing
//! file keeping its identity (mode, group, symlinks), and [`platform`] holds what differs
//! between operating systems.

mod lock;
mod platform;
mod replace;

pub use lock::{FileLock, lock_exclusive, lock_wait};
pub use replace::{resolve_symlinks, write_replacing};

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use platform::{rename_no_replace, writer_is_gone};

/// Permission bits for a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 0644: certificates, CSRs, CRLs, truststores.
    Public,
    /// 0600: anything holding a private key or a password.
    Private,
}

impl Mode {
    #[cfg_attr(not(unix), allow(dead_code))]
    fn bits(self) -> u32 {
        match self {
            Mode::Public => 0o644,
            Mode::Private => 0o600,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} already exists (use --force to replace it)")]
    Exists(PathBuf),
    // The cause is printed, not exposed as `source()`, so a `{:#}` chain says it once.
    #[error("cannot write {}: {cause}", .path.display())]
    Io { path: PathBuf, cause: io::Error },
    #[error("cannot write {}: the folder {} does not exist", .path.display(), .dir.display())]
    NoFolder { path: PathBuf, dir: PathBuf },
    #[error("cannot write {}: it is a folder", .0.display())]
    IsFolder(PathBuf),
    #[error("{} is being changed by another keychest (still locked after {}s); try again when it finishes", .path.display(), .waited.as_secs())]
    Locked {
        path: PathBuf,
        waited: std::time::Duration,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |cause| WriteError::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// Refuses early (before any work) when `path` exists and `overwrite` is false.
pub fn check_writable(path: &Path, overwrite: bool) -> Result<(), WriteError> {
    // A folder is never replaced, --force or not: say so rather than "already exists".
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(WriteError::IsFolder(path.to_path_buf()));
    }
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    Ok(())
}

/// Every precondition of [`write_atomic`], checked without writing the target: the folder
/// exists and takes new files (probed by creating and removing a temporary file, the only
/// test that sees read-only mounts, ACLs and root's exemptions alike), and `path` is absent
/// unless `overwrite`, and never a folder. Lets a command refuse before it changes any state.
pub fn check_output(path: &Path, overwrite: bool) -> Result<(), WriteError> {
    check_writable(path, overwrite)?;
    let dir = parent_dir(path);
    match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(io_err(path)(io::Error::other(format!(
                "{} is not a folder",
                dir.display()
            ))));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(WriteError::NoFolder {
                path: path.to_path_buf(),
                dir,
            });
        }
        Err(e) => return Err(io_err(path)(e)),
    }
    let (tmp, file) = create_temp(&dir, &target_name(path), Mode::Private).map_err(io_err(path))?;
    drop(file);
    let _ = fs::remove_file(tmp);
    Ok(())
}

/// The folder a file is written in ("." for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn target_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

/// Atomically writes `data` to `path` with `mode`. With `overwrite` false an existing file
/// is never replaced, even one created concurrently after [`check_writable`].
pub fn write_atomic(
    path: &Path,
    data: &[u8],
    mode: Mode,
    overwrite: bool,
) -> Result<(), WriteError> {
    check_writable(path, overwrite)?;
    write_via_temp(path, data, mode, overwrite, |_| Ok(()))
}

/// Writes `data` to a new temporary file beside `path`, lets `prepare` adjust it (mode,
/// owner), syncs it and renames it over `path` (never replacing an existing file unless
/// `overwrite`). The temporary file stays open, and so locked, until after the rename.
fn write_via_temp(
    path: &Path,
    data: &[u8],
    mode: Mode,
    overwrite: bool,
    prepare: impl FnOnce(&File) -> io::Result<()>,
) -> Result<(), WriteError> {
    let dir = parent_dir(path);
    let name = target_name(path);
    remove_stale_temps(&dir);
    let (tmp_path, mut file) = create_temp(&dir, &name, mode).map_err(io_err(path))?;
    let result = (|| {
        file.write_all(data)?;
        prepare(&file)?;
        // The data must be on disk before the rename makes it visible; the size is part of
        // what fdatasync flushes, so the cheaper call is enough.
        file.sync_data()?;
        if overwrite {
            fs::rename(&tmp_path, path)
        } else {
            rename_no_replace(&tmp_path, path)
        }
    })();
    drop(file);
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        if e.kind() == io::ErrorKind::AlreadyExists {
            return Err(WriteError::Exists(path.to_path_buf()));
        }
        return Err(io_err(path)(e));
    }
    sync_dir(&dir);
    Ok(())
}

/// Directories whose fsync is deferred to the end of the command (see [`defer_dir_syncs`]).
static PENDING_DIRS: std::sync::Mutex<Option<std::collections::BTreeSet<PathBuf>>> =
    std::sync::Mutex::new(None);

/// Makes the renames durable: fsyncs the directory now, or once at the end of the command
/// when syncs are deferred.
fn sync_dir(dir: &Path) {
    let mut pending = PENDING_DIRS.lock().unwrap_or_else(|p| p.into_inner());
    match pending.as_mut() {
        Some(set) => {
            set.insert(dir.to_path_buf());
        }
        None => {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
}

/// Until the guard is dropped, each folder written to is fsynced once (at the drop) instead
/// of after every file: a command that writes six files into one CA directory pays for one
/// directory sync, not six. File contents are still synced before each rename, so every
/// file is always either old or complete; only the point of durability moves to the end
/// of the command.
pub fn defer_dir_syncs() -> DirSyncGuard {
    let mut pending = PENDING_DIRS.lock().unwrap_or_else(|p| p.into_inner());
    pending.get_or_insert_with(Default::default);
    DirSyncGuard(())
}

pub struct DirSyncGuard(());

impl Drop for DirSyncGuard {
    fn drop(&mut self) {
        let dirs = PENDING_DIRS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default();
        for d in dirs {
            if let Ok(f) = File::open(&d) {
                let _ = f.sync_all();
            }
        }
    }
}

/// Temporary files are named `.NAME.keychest-tmp.PID.RANDOM` beside the target.
pub const TEMP_MARKER: &str = ".keychest-tmp.";

/// Removes temporary files left in `dir` by writers that died (killed, crashed, power loss)
/// before their rename: `.NAME.keychest-tmp.PID.RANDOM` whose writer is gone (see
/// [`platform::writer_is_gone`]). Every name in the folder is swept, not only the current
/// target's, because some targets are written once (a CA's `certs/SERIAL.pem`). Best
/// effort: errors are ignored.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let name = file_name.to_string_lossy();
        let Some(pid) = stale_temp_pid(&name) else {
            continue;
        };
        if pid != std::process::id() && writer_is_gone(&entry.path(), pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The writer's PID of a temporary file name made by [`create_temp`].
fn stale_temp_pid(file_name: &str) -> Option<u32> {
    if !file_name.starts_with('.') {
        return None;
    }
    let (_, tail) = file_name.rsplit_once(TEMP_MARKER)?;
    let (pid, random) = tail.split_once('.')?;
    if random.len() != 8 || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    pid.parse().ok()
}

fn create_temp(dir: &Path, name: &str, mode: Mode) -> io::Result<(PathBuf, File)> {
    use rand::Rng;
    let mut rng = rand::rng();
    for _ in 0..16 {
        let tmp = dir.join(format!(
            ".{name}{TEMP_MARKER}{}.{:08x}",
            std::process::id(),
            rng.next_u32()
        ));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode.bits());
        match options.open(&tmp) {
            Ok(f) => {
                // Held until the file is closed: tells sweepers the writer is alive where
                // there is no /proc to ask (platform::writer_is_gone).
                let _ = f.try_lock();
                return Ok((tmp, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("could not create a temporary file"))
}

// ---- Capped reading of user-named inputs -------------------------------------------------
// Every file or stream a user names is read through `read_capped`/`read_capped_from`: the cap
// is checked while reading (`Read::take(limit + 1)`), not from the file's size, so
// `/dev/zero`, FIFOs and pipes stop at the cap instead of growing until memory runs out.

/// The default cap for stores, certificates, keys and CA files: 256 MiB. A bundle of 100,000
/// certificates is 130–190 MB (1.3 KB per RSA-2048 certificate, 1.9 KB per RSA-4096), so the
/// performance target "100,000 certificates in a PEM bundle" stays readable.
pub const DEFAULT_INPUT_LIMIT: u64 = 256 * 1024 * 1024;

/// Environment variable that replaces [`DEFAULT_INPUT_LIMIT`] (bytes, or with a K/M/G suffix).
pub const INPUT_LIMIT_VAR: &str = "KEYCHEST_MAX_INPUT";

/// The cap for stores, certificates, keys and CA files: `KEYCHEST_MAX_INPUT` when set, else
/// [`DEFAULT_INPUT_LIMIT`]. A value that is not a size is an error, not silently ignored.
pub fn input_limit() -> io::Result<u64> {
    match std::env::var(INPUT_LIMIT_VAR) {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_INPUT_LIMIT),
        Ok(v) => parse_size(&v).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{INPUT_LIMIT_VAR}='{}' is not a size (use bytes or a K, M or G suffix)",
                    v.escape_debug()
                ),
            )
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{INPUT_LIMIT_VAR} is not valid UTF-8"),
        )),
    }
}

/// `1048576`, `64K`, `300M`, `1G` (binary multiples; `KiB`/`MiB`/`GiB` also accepted).
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &t[digits.len()..];
    let mult: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return None,
    };
    digits
        .parse::<u64>()
        .ok()?
        .checked_mul(mult)
        .filter(|n| *n > 0)
}

/// `limit` for people: `256 MiB`, `64 KiB`, or bytes when not a whole multiple.
pub fn format_size(limit: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if limit >= 1 << shift && limit.is_multiple_of(1 << shift) {
            return format!("{} {unit}", limit >> shift);
        }
    }
    format!("{limit} bytes")
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "larger than the {} input limit (set {INPUT_LIMIT_VAR} to change it)",
            format_size(limit)
        ),
    )
}

/// Reads all of `reader`, failing as soon as more than `limit` bytes arrive.
pub fn read_capped_from(reader: impl io::Read, limit: u64) -> io::Result<Vec<u8>> {
    read_capped_into(reader, limit, Vec::new())
}

fn read_capped_into(reader: impl io::Read, limit: u64, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
    use io::Read;
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(buf)
}

/// Reads the file (or device, FIFO) at `path`, failing once more than `limit` bytes arrive.
/// A regular file already over the cap is refused before reading.
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(limit));
    }
    // A regular file's size is known: reserve it once (plus the byte that detects growth).
    let hint = if meta.is_file() { meta.len() + 1 } else { 0 };
    read_capped_into(file, limit, Vec::with_capacity(hint as usize))
}

/// [`read_capped`] with [`input_limit`]: the one reader for stores, certificates, keys, CA
/// files and every other user-named input.
pub fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    read_capped(path, input_limit()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_files_are_0600_and_no_clobber_holds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pem");
        write_atomic(&p, b"one", Mode::Private, false).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            write_atomic(&p, b"two", Mode::Private, false),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", Mode::Private, true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(TEMP_MARKER)
            })
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn output_checks_name_each_precondition() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.crt");
        check_output(&p, false).unwrap();
        assert!(!p.exists(), "the probe leaves nothing behind");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let missing = dir.path().join("no/out.crt");
        assert!(matches!(
            check_output(&missing, true),
            Err(WriteError::NoFolder { dir, .. }) if dir == dir.clone()
        ));
        fs::write(&p, b"x").unwrap();
        assert!(matches!(
            check_output(&p, false),
            Err(WriteError::Exists(_))
        ));
        check_output(&p, true).unwrap();
        assert!(matches!(
            check_output(dir.path(), true),
            Err(WriteError::IsFolder(_))
        ));
        let under_file = p.join("x");
        assert!(check_output(&under_file, true).is_err());
    }

    #[test]
    fn temps_of_dead_writers_are_removed_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        // A PID above the kernel's maximum (4194304) is never alive.
        let dead = dir.path().join(".k.pem.keychest-tmp.99999999.0badc0de");
        let dead_other = dir.path().join(".other.pem.keychest-tmp.99999999.12345678");
        let live = dir.path().join(format!(
            ".k.pem.keychest-tmp.{}.0badc0de",
            std::process::id()
        ));
        let unrelated = dir.path().join(".k.pem.keychest-tmp.notapid");
        for f in [&dead, &dead_other, &live, &unrelated] {
            fs::write(f, b"partial").unwrap();
        }
        write_atomic(&dir.path().join("k.pem"), b"new", Mode::Public, true).unwrap();
        assert!(!dead.exists());
        assert!(!dead_other.exists());
        assert!(live.exists(), "our own temp files are never swept");
        assert!(unrelated.exists());
        assert_eq!(stale_temp_pid(".a.b.keychest-tmp.42.deadbeef"), Some(42));
        assert_eq!(stale_temp_pid("a.keychest-tmp.42.deadbeef"), None);
    }

    #[test]
    fn capped_reads_stop_at_the_cap_on_devices_and_files() {
        let zeros = File::open("/dev/zero").unwrap();
        let err = read_capped_from(zeros, 1000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        let err = read_capped(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(err.to_string().contains("4 KiB input limit"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, [7u8; 100]).unwrap();
        assert_eq!(read_capped(&p, 100).unwrap().len(), 100);
        assert!(read_capped(&p, 99).is_err());
        assert_eq!(
            read_capped(dir.path(), 100).unwrap_err().kind(),
            io::ErrorKind::IsADirectory
        );
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("300MiB"), Some(300 << 20));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("12X"), None);
        assert_eq!(parse_size("M"), None);
        assert_eq!(format_size(DEFAULT_INPUT_LIMIT), "256 MiB");
        assert_eq!(format_size(65536), "64 KiB");
        assert_eq!(format_size(1000), "1000 bytes");
    }
}
