//! `keychest store rename STORE OLD NEW`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::common::pass::PassArg;
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, edit_store};
use crate::store::ops;

#[derive(Args, Debug)]
pub struct StoreRenameArgs {
    pub store: PathBuf,
    pub old: String,
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
        let before = ed
            .store
            .find(&a.old, cs)
            .map(|i| ed.store.entries[i].alias.clone());
        let stored = ops::rename(&mut ed.store, ed.format, &a.old, &a.new)
            .with_context(|| a.store.display().to_string())?;
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
    Ok(())
}
