//! `keychest store rename STORE OLD NEW`. PEM stores are refused: a PEM file has no
//! aliases (they are made from each certificate's CN when it is read), so a new name could
//! not be kept.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::aliases::find_entry;
use crate::cli::common::pass::PassArg;
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, edit_store};
use crate::store::{Format, ops};

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
    /// Rewrite even if the store holds what keychest cannot keep (a PKCS#12 CRL bag, …): drop it, naming it
    #[arg(long)]
    pub skip_unsupported: bool,
}

pub fn run(a: StoreRenameArgs) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        skip_unsupported: a.skip_unsupported,
        compat: None,
        create: None,
    };
    let stored = edit_store(&a.store, &opts, |ed| {
        if ed.format == Format::Pem {
            bail!(
                "{}: PEM stores have no aliases to rename (they come from each certificate's name)",
                a.store.display()
            );
        }
        let cs = ed.format.caps().case_sensitive_aliases;
        let i = find_entry(&ed.store, &a.old, cs).with_context(|| a.store.display().to_string())?;
        let before = ed.store.entries[i].alias.clone();
        let stored = ops::rename(&mut ed.store, ed.format, &a.old, &a.new)?;
        // Renaming an entry to its own name leaves the file as it is.
        if before != stored {
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
