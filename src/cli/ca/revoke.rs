//! `keychest ca revoke DIR SERIAL|--cert FILE`: mark a certificate revoked.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::ca::Ca;
use crate::cli::common::ca_notes::now;
use crate::cli::common::io::read_input;
use crate::pem;
use crate::pki::crl::Reason;

#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Serial number (hex, as 'ca list' or 'openssl x509 -serial' print it)
    #[arg(required_unless_present = "cert", conflicts_with = "cert")]
    pub serial: Option<String>,
    /// The certificate to revoke (instead of its serial)
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// Reason (RFC 5280 name)
    #[arg(long, default_value = "unspecified", value_parser = parse_reason)]
    pub reason: Reason,
}

fn parse_reason(s: &str) -> Result<Reason, String> {
    s.parse()
}

pub fn run(a: RevokeArgs) -> anyhow::Result<()> {
    let ca = Ca::open(&a.dir)?;
    let serial = match (&a.serial, &a.cert) {
        (Some(s), _) => s.clone(),
        (None, Some(path)) => {
            let bytes = read_input(path)?;
            let der = if pem::looks_like_pem(&bytes) {
                pem::parse_all(&bytes)?
                    .into_iter()
                    .find(|b| b.label == "CERTIFICATE")
                    .map(|b| b.der)
                    .with_context(|| format!("{}: no CERTIFICATE block", path.display()))?
            } else {
                bytes
            };
            ca.serial_of(&der)
                .with_context(|| format!("cannot revoke {}", path.display()))?
        }
        (None, None) => bail!("give a serial number or --cert FILE"),
    };
    let rec = ca.revoke(&serial, a.reason, now())?;
    eprintln!(
        "keychest: revoked serial {} ({}); run 'keychest ca crl' to publish it",
        rec.serial, a.reason
    );
    Ok(())
}
