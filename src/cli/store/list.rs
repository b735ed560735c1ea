//! `keychest store list STORE`: the entries of a store, one line each with a totals line,
//! in detailed blocks (`--long`), or as JSON.

use std::path::PathBuf;

use clap::Args;

use crate::cli::common::io::read_input;
use crate::cli::common::listing::{ListStyle, show_store};
use crate::cli::common::pass::PassArg;

#[derive(Args, Debug)]
pub struct StoreListArgs {
    /// The store (PKCS#12, PEM, JKS, JCEKS, PKCS#7 bundle; - reads stdin)
    pub store: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Detailed blocks: protection, then subject, issuer, expiry, fingerprint, chain per entry
    #[arg(long, short = 'l', conflicts_with = "json")]
    pub long: bool,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: StoreListArgs) -> anyhow::Result<()> {
    let bytes = read_input(&a.store)?;
    let style = match (a.json, a.long) {
        (true, _) => ListStyle::Json,
        (false, true) => ListStyle::Long,
        (false, false) => ListStyle::Lines,
    };
    show_store(&a.store, bytes, &a.pass, style)
}
