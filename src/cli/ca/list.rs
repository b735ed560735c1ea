//! `keychest ca list DIR`: the certificates a CA issued, with their status.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::ca::{Ca, index};
use crate::cli::common::ca_notes::now;
use crate::cli::common::render::sanitize;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: ListArgs) -> anyhow::Result<()> {
    let ca = Ca::open(&a.dir)?;
    let idx = ca.index()?;
    let mut out = String::new();
    if a.json {
        out = serde_json::to_string_pretty(&idx.records)?;
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "{:<32}  {:<7}  {:<20}  SUBJECT / SANS",
            "SERIAL", "STATUS", "NOT AFTER"
        );
        for r in &idx.records {
            let status = match r.status {
                index::Status::Valid if r.not_after < now() => "expired".to_string(),
                index::Status::Valid => "valid".to_string(),
                index::Status::Revoked => "revoked".to_string(),
            };
            let _ = writeln!(
                out,
                "{:<32}  {:<7}  {:<20}  {}{}",
                r.serial,
                status,
                index::format_time(r.not_after),
                if r.subject.is_empty() {
                    "-"
                } else {
                    &r.subject
                },
                if r.sans.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", r.sans.join(", "))
                }
            );
        }
        let _ = writeln!(
            out,
            "{} issued, {} revoked",
            idx.records.len(),
            idx.revoked_count()
        );
        out = sanitize(&out);
    }
    print!("{out}");
    Ok(())
}
