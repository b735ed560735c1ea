//! Input and output for commands: reading files with clear errors and a size cap, and writing results to a
//! file (atomically, never clobbering without --force) or stdout.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::fsio::{self, Mode};

/// Reads a user-named input (store, certificate, key, CA-names file, truststore), capped at
/// [`fsio::input_limit`] while reading so devices and FIFOs are bounded too.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    fsio::read_input(path).with_context(|| format!("cannot read {}", path.display()))
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
