//! Secrets (passwords): where they come from and how long they live. A source is one of
//! `pass:TEXT`, `env:VAR`, `file:PATH` (first line), `fd:N`, `stdin`; with none given a hidden
//! prompt is shown on a terminal, and without a terminal it is an error, never a hang.
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
}

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

fn first_line(mut text: Zeroizing<String>) -> Secret {
    let end = text.find(['\n', '\r']).unwrap_or(text.len());
    text.truncate(end);
    text
}

impl SecretSource {
    /// Reads the secret from this source.
    pub fn read(&self) -> Result<Secret, SecretError> {
        match self {
            SecretSource::Pass(p) => Ok(p.clone()),
            SecretSource::Env(var) => std::env::var(var)
                .map(Zeroizing::new)
                .map_err(|_| SecretError::MissingEnv(var.clone())),
            SecretSource::File(path) => {
                let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| SecretError::Read {
                    what: path.display().to_string(),
                    reason: e.to_string(),
                })?);
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| SecretError::Read {
                    what: path.display().to_string(),
                    reason: "not UTF-8".into(),
                })?;
                Ok(first_line(Zeroizing::new(text)))
            }
            SecretSource::Fd(fd) => read_fd(*fd),
            SecretSource::Stdin => {
                let mut line = Zeroizing::new(String::new());
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| SecretError::Read {
                        what: "stdin".into(),
                        reason: e.to_string(),
                    })?;
                Ok(first_line(line))
            }
        }
    }
}

fn read_fd(fd: i32) -> Result<Secret, SecretError> {
    if fd < 0 {
        return Err(SecretError::BadSource(format!("fd:{fd}")));
    }
    let mut file = open_fd(fd).map_err(|e| SecretError::Read {
        what: format!("fd {fd}"),
        reason: e.to_string(),
    })?;
    let mut buf = Zeroizing::new(Vec::new());
    file.read_to_end(&mut buf).map_err(|e| SecretError::Read {
        what: format!("fd {fd}"),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(buf.to_vec()).map_err(|_| SecretError::Read {
        what: format!("fd {fd}"),
        reason: "not UTF-8".into(),
    })?;
    Ok(first_line(Zeroizing::new(text)))
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
    let first = read(prompt)?;
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
}
