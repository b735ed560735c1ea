//! `keychest store list STORE`: the entries of a store, as text or JSON.

use std::path::PathBuf;

use clap::Args;

use crate::cli::common::io::read_input;
use crate::cli::common::listing::show_store;
use crate::cli::common::pass::PassArg;

#[derive(Args, Debug)]
pub struct StoreListArgs {
    pub store: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: StoreListArgs) -> anyhow::Result<()> {
    let bytes = read_input(&a.store)?;
    show_store(&a.store, bytes, &a.pass, a.json)
}
