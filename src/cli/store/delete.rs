//! `keychest store delete STORE ALIAS`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::common::aliases::find_entry;
use crate::cli::common::pass::PassArg;
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, edit_store};
use crate::store::ops;

#[derive(Args, Debug)]
pub struct StoreDeleteArgs {
    /// The store to edit
    pub store: PathBuf,
    /// The entry to delete
    pub alias: String,
    #[command(flatten)]
    pub pass: PassArg,
    /// Rewrite even if the store holds what keychest cannot keep (a PKCS#12 CRL bag, …): drop it, naming it
    #[arg(long)]
    pub skip_unsupported: bool,
}

pub fn run(a: StoreDeleteArgs) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        skip_unsupported: a.skip_unsupported,
        compat: None,
        create: None,
    };
    let removed = edit_store(&a.store, &opts, |ed| {
        find_entry(&ed.store, &a.alias, ed.format.caps().case_sensitive_aliases)
            .with_context(|| a.store.display().to_string())?;
        let removed = ops::delete(&mut ed.store, ed.format, &a.alias)?;
        ed.mark_changed();
        Ok(removed)
    })?;
    eprintln!(
        "deleted '{}' from {}",
        escape(&removed.alias),
        escape(&a.store.display().to_string())
    );
    Ok(())
}
