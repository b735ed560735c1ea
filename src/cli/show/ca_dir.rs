//! `keychest show DIR` on a CA directory: its kind, key protection, chain, counts and
//! certificate.

use std::fmt::Write;
use std::path::Path;

use anyhow::bail;

use super::objects::render_cert;
use crate::ca::{self, Ca, dir};
use crate::cli::common::render::escape;

/// `keychest show DIR` for a CA directory.
pub fn show(path: &Path, json: bool) -> anyhow::Result<()> {
    if !dir::is_ca(path) {
        bail!(
            "{} is a directory but not a CA (no {})",
            path.display(),
            dir::CONFIG
        );
    }
    let ca = Ca::open(path)?;
    let s = ca.summary()?;
    let mut out = String::new();
    if json {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            file: String,
            ca: &'a ca::CaSummary,
        }
        out = serde_json::to_string_pretty(&Doc {
            file: path.display().to_string(),
            ca: &s,
        })?;
        out.push('\n');
    } else {
        let kind = match s.kind {
            dir::Kind::Root => "root",
            dir::Kind::Intermediate => "intermediate",
        };
        let _ = writeln!(out, "CA directory {}", escape(&s.directory));
        let _ = writeln!(out, "  Kind:        {kind}");
        let _ = writeln!(
            out,
            "  Key:         {} ({})",
            dir::KEY,
            match s.key_encrypted {
                Some(true) => "encrypted",
                Some(false) => "NOT encrypted",
                None => "unreadable",
            }
        );
        let chain: Vec<String> = s.chain.iter().map(|c| escape(&c.subject)).collect();
        let _ = writeln!(
            out,
            "  Chain:       {}",
            if chain.is_empty() {
                "(none: this is the root)".to_string()
            } else {
                chain.join(" <- ")
            }
        );
        if let Some(r) = &s.root {
            let _ = writeln!(out, "  Root:        {}", escape(&r.subject));
        }
        let _ = writeln!(out, "  Issued:      {} ({} revoked)", s.issued, s.revoked);
        let _ = writeln!(out, "  CRL number:  {}", s.crl_number);
        out.push('\n');
        // Every value from the CA's files is escaped where it is written (here and in
        // render_cert), so the block's line breaks are keychest's own.
        render_cert(&mut out, &s.certificate);
    }
    print!("{out}");
    Ok(())
}
