//! `keychest show FILE`: what a file holds (certificates, requests, CRLs, keys, keystores,
//! a CA directory), as text or JSON.

mod ca_dir;
mod objects;

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::common::io::read_input;
use super::common::listing::{ListStyle, show_store};
use super::common::pass::{PassArg, password};
use crate::pki::inspect::{self, Object};
use crate::secret;
use crate::store::Format;

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest show server.crt\n  keychest show chain.pem --json\n  keychest show server.key --pass env:KEY_PASS\n  openssl s_client -connect example.org:443 </dev/null 2>/dev/null | keychest show -\n\n",
    "EXIT STATUS:\n  0  success\n  1  failure (unreadable or unrecognised file, wrong password)\n  2  usage error"))]
pub struct ShowArgs {
    /// File to inspect (- reads stdin)
    pub file: PathBuf,
    // Password for an encrypted key (without it, an encrypted key is shown undecrypted) (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ShowJson<'a> {
    file: String,
    objects: &'a [Object],
}

pub fn run(a: ShowArgs) -> anyhow::Result<()> {
    if a.file.is_dir() {
        return ca_dir::show(&a.file, a.json);
    }
    let bytes = read_input(&a.file)?;
    if matches!(
        crate::codec::sniff(&bytes),
        Some(Format::Pkcs12 | Format::Jks | Format::Jceks | Format::Pkcs7)
    ) {
        let style = if a.json {
            ListStyle::Json
        } else {
            ListStyle::Long
        };
        return show_store(&a.file, bytes, &a.pass, style);
    }
    let given = password(
        &a.pass,
        &format!("Password for {}", a.file.display()),
        false,
    )?;
    let prompt = format!("Password for {}", a.file.display());
    // An encrypted key is decrypted only with --pass or on a terminal; otherwise it is
    // described without its algorithm.
    let mut ask = || {
        given
            .clone()
            .or_else(|| secret::can_prompt().then(|| secret::obtain(None, &prompt, false).ok())?)
    };
    let objects =
        inspect::inspect(&bytes, &mut ask).with_context(|| a.file.display().to_string())?;
    let mut out = String::new();
    if a.json {
        let doc = ShowJson {
            file: a.file.display().to_string(),
            objects: &objects,
        };
        out = serde_json::to_string_pretty(&doc)?;
        out.push('\n');
    } else {
        for (i, o) in objects.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if objects.len() > 1 {
                let _ = writeln!(out, "[{}]", i + 1);
            }
            // Values from the file are escaped one by one as they are rendered.
            objects::render(&mut out, o);
        }
    }
    print!("{out}");
    if objects
        .iter()
        .any(|o| matches!(o, Object::Csr(c) if !c.signature_valid))
    {
        anyhow::bail!(
            "{}: the certificate request's signature does not verify",
            a.file.display()
        );
    }
    Ok(())
}
