//! `keychest trust fetch HOST:PORT --into STORE`: show a server's chain and add one of its
//! CA certificates to a truststore as a trusted entry, after confirmation. Only a CA that
//! verifiably issued the chain (`probe::issuers`) is offered; the store keeps its format,
//! preset and password (`common::rewrite`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::pass::PassArg;
use crate::cli::common::render::{cert_lines, colon_hex, escape};
use crate::cli::common::rewrite::{EditOptions, NewStore, edit_store};
use crate::cli::common::target::{parse_target, sni_text};
use crate::pki::inspect;
use crate::probe::{self, ProbeOptions, ServerTrust, issuers};
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
    /// Rewrite even if the store holds what keychest cannot keep (a PKCS#12 CRL bag, …): drop it, naming it
    #[arg(long)]
    pub skip_unsupported: bool,
    /// Server name sent as SNI (default: HOST)
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Which certificate of the chain to add; only a CA that verifiably issued the chain is accepted (default: the top-most such CA)
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
    for (i, der) in chain.iter().enumerate() {
        for line in cert_lines(i + 1, der, "") {
            eprintln!("{line}");
        }
    }
    let index = pick(&a, &chain)?;
    let n = index + 1;
    eprintln!(
        "CA certificate [{n}] issued the server's chain (signatures checked from the leaf up)"
    );
    let der = chain[index].clone();
    confirm(&a, n, &der)?;
    add(&a, der)
}

/// The certificates the server sends (not verified: trust on first use, the user judges
/// them by fingerprint).
fn fetch_chain(a: &TrustFetchArgs) -> anyhow::Result<Vec<Vec<u8>>> {
    let (host, port) = parse_target(&a.target)?;
    let target = format!("{host}:{port}");
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    eprintln!("connecting to {}, {}", escape(&target), sni_text(&sni));
    let record = probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        trust: ServerTrust::Report(vec![]),
        chooser: None,
        verdict_grace: None,
    })
    .map_err(|e| anyhow::anyhow!(escape(&e.to_string())))?;
    if record.server_chain.is_empty() {
        bail!(
            "no certificate received from {}: {}",
            escape(&target),
            escape(
                record
                    .failure
                    .as_deref()
                    .unwrap_or("the handshake stopped early")
            )
        );
    }
    Ok(record.server_chain)
}

/// The index (0-based) of the certificate to add: `--cert N` if it is a CA that issued the
/// chain, else the top-most such CA; anything else is refused with the reason.
fn pick(a: &TrustFetchArgs, chain: &[Vec<u8>]) -> anyhow::Result<usize> {
    let cas = issuers::verified_cas(chain);
    match a.cert {
        Some(n) if n == 0 || n > chain.len() => {
            bail!("--cert {n}: the chain has {} certificates", chain.len())
        }
        Some(n) if !cas.contains(&(n - 1)) => bail!(
            "--cert {n}: refused: {} ({} unchanged)",
            issuers::why_not(chain, n - 1),
            a.into.display()
        ),
        Some(n) => Ok(n - 1),
        None => cas.last().copied().with_context(|| {
            format!(
                "refused: the server sent no CA certificate that issued its chain ({}); get the CA certificate from its owner and add it with `store import` ({} unchanged)",
                (0..chain.len())
                    .map(|i| format!("[{}] {}", i + 1, issuers::why_not(chain, i)))
                    .collect::<Vec<_>>()
                    .join("; "),
                a.into.display()
            )
        }),
    }
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
    // The prompt holds only keychest's own values; the subject is on a line of its own.
    eprintln!("subject: {}", escape(&c.subject));
    eprintln!("SHA-256: {}", colon_hex(&c.fingerprints.sha256));
    let ok = dialoguer::Confirm::new()
        .with_prompt(format!("Trust certificate [{n}] with the SHA-256 above?"))
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
        skip_unsupported: a.skip_unsupported,
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
            vec![der],
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
            escape(existing),
            escape(alias)
        );
    }
    for alias in &report.added {
        eprintln!("added '{}' to {}", escape(alias), a.into.display());
    }
    Ok(())
}
