//! Input and output for commands: reading files (or stdin for `-`) with clear errors, and
//! writing results to a file (atomically, never clobbering without --force, saying on
//! stderr what was written) or stdout (no `--out`, or `--out -`).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

use crate::fsio::{self, Mode};

/// Largest input file keychest reads (keystores of 10,000+ entries stay far below this).
const MAX_INPUT: u64 = 256 * 1024 * 1024;

/// Set once a `-` input has read standard input to its end.
static STDIN_READ: AtomicBool = AtomicBool::new(false);

/// Whether standard input was already read as a `-` file (a password cannot come from it).
pub fn stdin_taken() -> bool {
    STDIN_READ.load(Ordering::Relaxed)
}

/// Whether a FILE argument is `-` (stdin for inputs, stdout for outputs).
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a path is named in messages: `standard input` for `-`.
pub fn shown(path: &Path) -> String {
    if is_dash(path) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Reads a file, or stdin for `-`.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if is_dash(path) {
        if STDIN_READ.swap(true, Ordering::Relaxed) {
            anyhow::bail!("standard input can be read only once: give - for one FILE only");
        }
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut data)
            .context("cannot read standard input")?;
        if data.len() as u64 > MAX_INPUT {
            anyhow::bail!("standard input is larger than {MAX_INPUT} bytes");
        }
        return Ok(data);
    }
    fsio::read_limited(path, MAX_INPUT).with_context(|| format!("cannot read {}", path.display()))
}

/// Checks, before any work, that an output can be written (`-`, stdout, always can).
pub fn check_output(path: &Path, force: bool) -> anyhow::Result<()> {
    if !is_dash(path) {
        fsio::check_writable(path, force)?;
    }
    Ok(())
}

/// Writes `data` to `out` (atomically, with `mode`, then `wrote PATH` on stderr) or to
/// stdout when `out` is None or `-`. Callers pass a private key's `-` only when the user
/// asked for it explicitly (`--key-out -`).
pub fn write_output(
    out: Option<&Path>,
    data: &[u8],
    mode: Mode,
    force: bool,
) -> anyhow::Result<()> {
    match out {
        Some(path) if !is_dash(path) => {
            fsio::write_atomic(path, data, mode, force)?;
            wrote(path);
            Ok(())
        }
        _ => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(data).context("cannot write to stdout")?;
            stdout.flush().context("cannot write to stdout")?;
            Ok(())
        }
    }
}

/// Tells the user (on stderr, so stdout stays data) which file a command wrote.
pub fn wrote(path: &Path) {
    eprintln!(
        "wrote {}",
        super::render::sanitize(&path.display().to_string())
    );
}
