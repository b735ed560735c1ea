//! `keychest store delete STORE ALIAS`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::common::pass::PassArg;
use crate::cli::common::render::escape;
use crate::cli::common::rewrite::{EditOptions, edit_store};
use crate::store::ops;

#[derive(Args, Debug)]
pub struct StoreDeleteArgs {
    pub store: PathBuf,
    pub alias: String,
    #[command(flatten)]
    pub pass: PassArg,
}

pub fn run(a: StoreDeleteArgs) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        compat: None,
        create: None,
    };
    let removed = edit_store(&a.store, &opts, |ed| {
        let removed = ops::delete(&mut ed.store, ed.format, &a.alias)
            .with_context(|| a.store.display().to_string())?;
        ed.mark_changed();
        Ok(removed)
    })?;
    eprintln!("deleted '{}'", escape(&removed.alias));
    Ok(())
}
