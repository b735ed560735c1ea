//! `keychest store rename STORE OLD NEW`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::common::aliases::find_entry;
use crate::cli::common::pass::PassArg;
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, edit_store};
use crate::store::ops;

#[derive(Args, Debug)]
pub struct StoreRenameArgs {
    /// The store to edit
    pub store: PathBuf,
    /// The entry's alias now
    pub old: String,
    /// Its new alias
    pub new: String,
    #[command(flatten)]
    pub pass: PassArg,
}

pub fn run(a: StoreRenameArgs) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        compat: None,
        create: None,
    };
    let stored = edit_store(&a.store, &opts, |ed| {
        let cs = ed.format.caps().case_sensitive_aliases;
        let before = Some(
            ed.store.entries[find_entry(&ed.store, &a.old, cs)
                .with_context(|| a.store.display().to_string())?]
            .alias
            .clone(),
        );
        let stored = ops::rename(&mut ed.store, ed.format, &a.old, &a.new)?;
        // Renaming an entry to its own name leaves the file as it is.
        if before.as_deref() != Some(stored.as_str()) {
            ed.mark_changed();
        }
        Ok(stored)
    })?;
    if stored != a.new {
        eprintln!(
            "note: alias stored as '{}' (Java aliases are lower-case)",
            escape(&stored)
        );
    }
    eprintln!(
        "renamed '{}' to '{}' in {}",
        escape(&a.old),
        escape(&stored),
        escape(&a.store.display().to_string())
    );
    Ok(())
}
