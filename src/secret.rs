//! Secrets (passwords): where they come from and how long they live. A source is one of
//! `pass:TEXT`, `env:VAR`, `file:PATH`, `fd:N`, `stdin`; with none given a hidden prompt is
//! shown on a terminal, and without a terminal it is an error, never a hang.
//! `file:`, `fd:` and `stdin` give their first line cut exactly where openssl's
//! `app_get_pass` cuts it (at the first LF; a CR before it stays part of the password), so a
//! password file works the same with `openssl -passin file:` and `--pass file:`. Unlike
//! openssl, a line is read up to [`PASSWORD_LIMIT`] (checked while reading, so `/dev/zero`
//! stops there) instead of being truncated at 1023 bytes, input that ends before any byte is
//! an error, and a NUL byte is refused rather than silently ending the password.
//! Secret text is held in `Zeroizing` buffers so it is wiped when dropped.

use std::io::{BufRead, IsTerminal, Read};
use std::str::FromStr;

use zeroize::Zeroizing;

pub type Secret = Zeroizing<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Pass(Zeroizing<String>),
    Env(String),
    File(std::path::PathBuf),
    Fd(i32),
    Stdin,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("invalid password source '{0}': use pass:TEXT, env:VAR, file:PATH, fd:N or stdin")]
    BadSource(String),
    #[error("environment variable {0} is not set (or not valid UTF-8)")]
    MissingEnv(String),
    #[error("cannot read password from {what}: {reason}")]
    Read { what: String, reason: String },
    #[error(
        "{0}: no password given and no terminal to ask on (use --pass pass:|env:|file:|fd:|stdin)"
    )]
    NoTerminal(String),
    #[error("the passwords do not match")]
    Mismatch,
    #[error("the password is empty")]
    Empty,
    #[error("no password in {0}: it ended before any line was read")]
    NothingRead(String),
    #[error("the password from {0} is longer than 64 KiB, the password limit")]
    TooLong(String),
    #[error("the password from {0} contains a NUL byte, which a password cannot hold")]
    Nul(String),
}

/// Longest password line read from `file:`, `fd:` or `stdin` (64 KiB; the error says so).
pub const PASSWORD_LIMIT: usize = 64 * 1024;

impl FromStr for SecretSource {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<Self, SecretError> {
        if s == "stdin" || s == "-" {
            return Ok(SecretSource::Stdin);
        }
        let (kind, rest) = s
            .split_once(':')
            .ok_or_else(|| SecretError::BadSource(redact(s)))?;
        match kind {
            "pass" => Ok(SecretSource::Pass(Zeroizing::new(rest.to_string()))),
            "env" if !rest.is_empty() => Ok(SecretSource::Env(rest.to_string())),
            "file" if !rest.is_empty() => Ok(SecretSource::File(rest.into())),
            "fd" => rest
                .parse()
                .map(SecretSource::Fd)
                .map_err(|_| SecretError::BadSource(redact(s))),
            _ => Err(SecretError::BadSource(redact(s))),
        }
    }
}

/// Never echo what might be a password typed without its `pass:` prefix.
fn redact(s: &str) -> String {
    match s.split_once(':') {
        Some((k, _)) => format!("{k}:…"),
        None => "…".into(),
    }
}

/// The password in `bytes` (what was read, possibly past the first line): everything before
/// the first LF, as openssl's `app_get_pass` keeps it; CR is kept like any other byte.
fn first_line(bytes: &[u8], what: &str) -> Result<Secret, SecretError> {
    if bytes.is_empty() {
        return Err(SecretError::NothingRead(what.into()));
    }
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None => bytes,
    };
    if line.len() > PASSWORD_LIMIT {
        return Err(SecretError::TooLong(what.into()));
    }
    let text = std::str::from_utf8(line).map_err(|_| SecretError::Read {
        what: what.into(),
        reason: "not UTF-8".into(),
    })?;
    checked(Zeroizing::new(text.to_owned()), what)
}

fn within_limit(secret: Secret, what: &str) -> Result<Secret, SecretError> {
    if secret.len() > PASSWORD_LIMIT {
        return Err(SecretError::TooLong(what.into()));
    }
    Ok(secret)
}

/// Refuses a NUL: C tools (openssl, keytool's native callers) would end the password there.
fn checked(secret: Secret, what: &str) -> Result<Secret, SecretError> {
    if secret.contains('\0') {
        return Err(SecretError::Nul(what.into()));
    }
    Ok(secret)
}

/// Reads the first line of a file or descriptor, at most [`PASSWORD_LIMIT`] + 1 bytes, into
/// one buffer allocated up front (no reallocation leaves copies of the secret behind).
/// Reading may run past the line's end; for a file or an `fd:` that is harmless.
fn line_from_read(mut reader: impl Read, what: &str) -> Result<Secret, SecretError> {
    let mut buf = Zeroizing::new(vec![0u8; PASSWORD_LIMIT + 1]);
    let mut len = 0;
    while len < buf.len() {
        let n = match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(SecretError::Read {
                    what: what.into(),
                    reason: e.to_string(),
                });
            }
        };
        let newline = buf[len..len + n].contains(&b'\n');
        len += n;
        if newline {
            break;
        }
    }
    first_line(&buf[..len], what)
}

/// Reads the first line of a buffered stream (stdin), consuming nothing past its LF so a
/// second password can follow on the next line.
fn line_from_bufread(reader: &mut impl BufRead, what: &str) -> Result<Secret, SecretError> {
    let mut buf = Zeroizing::new(Vec::with_capacity(PASSWORD_LIMIT + 1));
    loop {
        let avail = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(SecretError::Read {
                    what: what.into(),
                    reason: e.to_string(),
                });
            }
        };
        if avail.is_empty() {
            break;
        }
        let room = PASSWORD_LIMIT + 1 - buf.len();
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) if i < room => (i + 1, true),
            _ => (avail.len().min(room), false),
        };
        buf.extend_from_slice(&avail[..take]);
        reader.consume(take);
        if done || buf.len() > PASSWORD_LIMIT {
            break;
        }
    }
    first_line(&buf, what)
}

impl SecretSource {
    /// Reads the secret from this source.
    pub fn read(&self) -> Result<Secret, SecretError> {
        match self {
            // The OS bounds these already; the same 64 KiB cap keeps every source alike.
            SecretSource::Pass(p) => within_limit(p.clone(), "pass:"),
            SecretSource::Env(var) => std::env::var(var)
                .map(Zeroizing::new)
                .map_err(|_| SecretError::MissingEnv(var.clone()))
                .and_then(|s| within_limit(s, &format!("env:{var}"))),
            SecretSource::File(path) => {
                let what = format!("file:{}", path.display());
                let file = std::fs::File::open(path).map_err(|e| SecretError::Read {
                    what: what.clone(),
                    reason: e.to_string(),
                })?;
                line_from_read(file, &what)
            }
            SecretSource::Fd(fd) => read_fd(*fd),
            SecretSource::Stdin => line_from_bufread(&mut std::io::stdin().lock(), "stdin"),
        }
    }
}

fn read_fd(fd: i32) -> Result<Secret, SecretError> {
    if fd < 0 {
        return Err(SecretError::BadSource(format!("fd:{fd}")));
    }
    let file = open_fd(fd).map_err(|e| SecretError::Read {
        what: format!("fd:{fd}"),
        reason: e.to_string(),
    })?;
    line_from_read(file, &format!("fd:{fd}"))
}

/// A file of our own for inherited descriptor `fd`, leaving `fd` itself open (we did not
/// open it, so we must not close it). On Linux /proc/self/fd/N opens a new description with
/// its own offset; elsewhere, or without /proc, the descriptor is duplicated.
#[cfg(unix)]
fn open_fd(fd: i32) -> std::io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    if let Ok(f) = std::fs::File::open(format!("/proc/self/fd/{fd}")) {
        return Ok(f);
    }
    // SAFETY: only borrowed for the duration of the dup (F_DUPFD_CLOEXEC), which fails
    // cleanly with EBADF when `fd` is not open; the borrow ends before this returns.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    Ok(std::fs::File::from(borrowed.try_clone_to_owned()?))
}

/// Windows passes handles, not descriptor numbers (docs/architecture.md).
#[cfg(not(unix))]
fn open_fd(_fd: i32) -> std::io::Result<std::fs::File> {
    Err(std::io::Error::other(
        "fd: sources are not supported on this system",
    ))
}

/// Whether a hidden prompt is possible: stdin and stderr are terminals.
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Gets a secret from `source`, or by prompting with `prompt` when there is none.
/// With `confirm` (a new secret is being set) the prompt asks twice.
pub fn obtain(
    source: Option<&SecretSource>,
    prompt: &str,
    confirm: bool,
) -> Result<Secret, SecretError> {
    if let Some(src) = source {
        return src.read();
    }
    if !can_prompt() {
        return Err(SecretError::NoTerminal(prompt.to_string()));
    }
    let read = |p: &str| {
        rpassword::prompt_password(format!("{p}: "))
            .map(Zeroizing::new)
            .map_err(|e| SecretError::Read {
                what: "terminal".into(),
                reason: e.to_string(),
            })
    };
    let first = checked(read(prompt)?, "the terminal")?;
    if confirm {
        if first.is_empty() {
            return Err(SecretError::Empty);
        }
        let again = read(&format!("{prompt} (again)"))?;
        if *again != *first {
            return Err(SecretError::Mismatch);
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources() {
        assert_eq!(
            "pass:a:b".parse::<SecretSource>().unwrap(),
            SecretSource::Pass(Zeroizing::new("a:b".into()))
        );
        assert_eq!(
            "env:X".parse::<SecretSource>().unwrap(),
            SecretSource::Env("X".into())
        );
        assert_eq!("fd:3".parse::<SecretSource>().unwrap(), SecretSource::Fd(3));
        assert_eq!(
            "stdin".parse::<SecretSource>().unwrap(),
            SecretSource::Stdin
        );
        let e = "hunter2".parse::<SecretSource>().unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!("fd:x".parse::<SecretSource>().is_err());
    }

    #[test]
    fn file_source_reads_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret\nsecond\n").unwrap();
        let s = SecretSource::File(p).read().unwrap();
        assert_eq!(s.as_str(), "s3cret");
    }

    #[test]
    fn lines_are_cut_at_the_first_lf_only_like_openssl() {
        let read = |b: &[u8]| line_from_read(b, "t").map(|s| s.to_string());
        assert_eq!(read(b"pw\r\n").unwrap(), "pw\r");
        assert_eq!(read(b"pw").unwrap(), "pw");
        assert_eq!(read(b"\n").unwrap(), "");
        assert_eq!(read(b"a b\nsecond\n").unwrap(), "a b");
        assert_eq!(read(b""), Err(SecretError::NothingRead("t".into())));
        assert_eq!(read(b"a\0b\n"), Err(SecretError::Nul("t".into())));
        let long = vec![b'x'; PASSWORD_LIMIT];
        assert_eq!(read(&long).unwrap().len(), PASSWORD_LIMIT);
        let longer = vec![b'x'; PASSWORD_LIMIT + 1];
        assert_eq!(read(&longer), Err(SecretError::TooLong("t".into())));
        let pass = SecretSource::Pass(Zeroizing::new("y".repeat(PASSWORD_LIMIT + 1)));
        assert_eq!(pass.read(), Err(SecretError::TooLong("pass:".into())));
    }

    #[test]
    fn buffered_reads_leave_the_next_line_unread() {
        let mut input = std::io::Cursor::new(b"one\r\ntwo\n".to_vec());
        assert_eq!(
            line_from_bufread(&mut input, "t").unwrap().as_str(),
            "one\r"
        );
        assert_eq!(line_from_bufread(&mut input, "t").unwrap().as_str(), "two");
        assert_eq!(
            line_from_bufread(&mut input, "t"),
            Err(SecretError::NothingRead("t".into()))
        );
        let mut huge = std::io::repeat(b'z');
        let mut huge = std::io::BufReader::new(&mut huge);
        assert_eq!(
            line_from_bufread(&mut huge, "t"),
            Err(SecretError::TooLong("t".into()))
        );
    }
}
