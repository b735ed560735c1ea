//! `keychest trust fetch HOST:PORT --into STORE`: show a server's chain and add one of its
//! certificates to a truststore as a trusted entry, after confirmation.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::pass::PassArg;
use crate::cli::common::render::{colon_hex, sanitize};
use crate::cli::common::rewrite::{EditOptions, NewStore, edit_store};
use crate::cli::common::target::parse_target;
use crate::pki::inspect;
use crate::probe::{self, ProbeOptions};
use crate::store::{Format, ops};

#[derive(Args, Debug)]
pub struct TrustFetchArgs {
    /// HOST:PORT of the server (port 443 when omitted)
    pub target: String,
    /// Truststore to add the certificate to (created when missing)
    #[arg(long, value_name = "STORE")]
    pub into: PathBuf,
    #[command(flatten)]
    pub pass: PassArg,
    /// Server name sent as SNI (default: HOST)
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Which certificate of the chain to add: 1 = the leaf (default: the top of the chain)
    #[arg(long, value_name = "N")]
    pub cert: Option<usize>,
    /// Alias of the new entry (default: from the certificate's CN)
    #[arg(long)]
    pub alias: Option<String>,
    /// Add without asking
    #[arg(long)]
    pub yes: bool,
    /// Seconds to wait for the connection and the handshake
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
}

pub fn run(a: TrustFetchArgs) -> anyhow::Result<()> {
    let chain = fetch_chain(&a)?;
    print_chain(&chain)?;
    let n = a.cert.unwrap_or(chain.len());
    let der = chain
        .get(n.wrapping_sub(1))
        .with_context(|| format!("--cert {n}: the chain has {} certificates", chain.len()))?
        .clone();
    confirm(&a, n, &der)?;
    add(&a, der)
}

/// The certificates the server sends (not verified: the user judges them by fingerprint).
fn fetch_chain(a: &TrustFetchArgs) -> anyhow::Result<Vec<Vec<u8>>> {
    let (host, port) = parse_target(&a.target)?;
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let record = probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        roots: vec![],
        enforce_trust: false,
        chooser: None,
        await_answer: None,
    })?;
    if record.server_chain.is_empty() {
        bail!(
            "no certificate received from {host}:{port}: {}",
            record
                .failure
                .as_deref()
                .unwrap_or("the handshake stopped early")
        );
    }
    Ok(record.server_chain)
}

fn print_chain(chain: &[Vec<u8>]) -> anyhow::Result<()> {
    for (i, der) in chain.iter().enumerate() {
        let c = inspect::certificate(der)
            .with_context(|| format!("certificate {} is malformed", i + 1))?;
        eprintln!(
            "{}",
            sanitize(&format!(
                "[{}] {}\n    issuer  {}\n    expires {}\n    SHA-256 {}",
                i + 1,
                c.subject,
                c.issuer,
                c.not_after,
                colon_hex(&c.fingerprints.sha256)
            ))
        );
    }
    Ok(())
}

/// `--yes`, or a yes at the terminal; anything else leaves STORE unchanged.
fn confirm(a: &TrustFetchArgs, n: usize, der: &[u8]) -> anyhow::Result<()> {
    let c = inspect::certificate(der)?;
    if a.yes {
        return Ok(());
    }
    if !crate::secret::can_prompt() {
        bail!(
            "not confirmed: run on a terminal to be asked, or give --yes ({} unchanged)",
            a.into.display()
        );
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(sanitize(&format!(
            "Trust [{n}] {} (SHA-256 {})?",
            c.subject,
            colon_hex(&c.fingerprints.sha256)
        )))
        .default(false)
        .interact_on(&dialoguer::console::Term::stderr())
        .context("prompt failed")?;
    if !ok {
        bail!("not confirmed: {} unchanged", a.into.display());
    }
    Ok(())
}

/// Adds the certificate to STORE (a new store: PEM unless its name says otherwise).
fn add(a: &TrustFetchArgs, der: Vec<u8>) -> anyhow::Result<()> {
    let opts = EditOptions {
        pass: &a.pass,
        compat: None,
        create: Some(NewStore {
            format: Some(crate::codec::format_from_extension(&a.into).unwrap_or(Format::Pem)),
            ask_password: false,
        }),
    };
    let report = edit_store(&a.into, &opts, |ed| {
        let report = ops::add_trusted(
            &mut ed.store,
            ed.format,
            &[der],
            a.alias.as_deref(),
            &crate::codec::pem::cert_label,
            false,
        )?;
        if !report.added.is_empty() {
            ed.mark_changed();
        }
        Ok(report)
    })?;
    for (alias, existing) in &report.skipped_duplicates {
        eprintln!(
            "already trusted as '{}' (not added as '{}')",
            sanitize(existing),
            sanitize(alias)
        );
    }
    for alias in &report.added {
        eprintln!("added '{}' to {}", sanitize(alias), a.into.display());
    }
    Ok(())
}
