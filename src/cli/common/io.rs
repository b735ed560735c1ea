//! Input and output for commands: reading files (or stdin for `-`) with clear errors and a
//! size cap, and writing results to a file (atomically, never clobbering without --force,
//! saying on stderr what was written) or stdout (no `--out`, or `--out -`).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

use crate::fsio::{self, Mode};

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

/// Reads a user-named input (store, certificate, key, CA-names file, truststore), or stdin
/// for `-`, capped at [`fsio::input_limit`] while reading so stdin, devices and FIFOs are
/// bounded too.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if is_dash(path) {
        if STDIN_READ.swap(true, Ordering::Relaxed) {
            anyhow::bail!("standard input can be read only once: give - for one FILE only");
        }
        let limit = fsio::input_limit()?;
        return fsio::read_capped_from(std::io::stdin().lock(), limit)
            .context("cannot read standard input");
    }
    fsio::read_input(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Checks, before any work, that an output can be written: its folder takes new files and
/// it is absent unless `force` ([`fsio::check_output`]); `-`, stdout, always can.
pub fn check_output(path: &Path, force: bool) -> anyhow::Result<()> {
    if !is_dash(path) {
        fsio::check_output(path, force)?;
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
        super::render::escape(&path.display().to_string())
    );
}
