//! Input and output for commands: reading files with clear errors, and writing results to a
//! file (atomically, never clobbering without --force) or stdout.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::fsio::{self, Mode};

/// Largest input file keychest reads (keystores of 10,000+ entries stay far below this).
const MAX_INPUT: u64 = 256 * 1024 * 1024;

pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    fsio::read_limited(path, MAX_INPUT).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes `data` to `out` (atomically, with `mode`) or to stdout when `out` is None.
pub fn write_output(
    out: Option<&Path>,
    data: &[u8],
    mode: Mode,
    force: bool,
) -> anyhow::Result<()> {
    match out {
        Some(path) => Ok(fsio::write_atomic(path, data, mode, force)?),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(data).context("cannot write to stdout")?;
            stdout.flush().context("cannot write to stdout")?;
            Ok(())
        }
    }
}
