//! `keychest ca list DIR`: the certificates a CA issued, with their status.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::ca::{Ca, index};
use crate::cli::common::ca_notes::now;
use crate::cli::common::render::escape;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Streams the index: each record is printed as it is read, so listing 100,000 records
/// holds one line in memory, and a broken line fails after the records before it.
pub fn run(a: ListArgs) -> anyhow::Result<()> {
    let ca = Ca::open(&a.dir)?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut issued, mut revoked) = (0usize, 0usize);
    let now = now();
    if a.json {
        write!(stdout, "[")?;
    } else {
        writeln!(
            stdout,
            "{:<32}  {:<7}  {:<20}  SUBJECT / SANS",
            "SERIAL", "STATUS", "NOT AFTER"
        )?;
    }
    for r in ca.records()? {
        let r = r?;
        if a.json {
            let sep = if issued == 0 { "" } else { "," };
            let item = serde_json::to_string_pretty(&r)?.replace('\n', "\n  ");
            write!(stdout, "{sep}\n  {item}")?;
        } else {
            let status = match r.status {
                index::Status::Valid if r.not_after < now => "expired",
                index::Status::Valid => "valid",
                index::Status::Revoked => "revoked",
            };
            let line = format!(
                "{:<32}  {:<7}  {:<20}  {}{}",
                escape(&r.serial),
                status,
                index::format_time(r.not_after),
                if r.subject.is_empty() {
                    "-".to_string()
                } else {
                    escape(&r.subject)
                },
                if r.sans.is_empty() {
                    String::new()
                } else {
                    format!(
                        " [{}]",
                        r.sans
                            .iter()
                            .map(|s| escape(s))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            // Each value from the index is escaped on its own above, so the line is ours.
            writeln!(stdout, "{line}")?;
        }
        issued += 1;
        revoked += usize::from(r.status == index::Status::Revoked);
    }
    if a.json {
        writeln!(stdout, "{}]", if issued == 0 { "" } else { "\n" })?;
    } else {
        writeln!(stdout, "{issued} issued, {revoked} revoked")?;
    }
    stdout.flush()?;
    Ok(())
}
