//! `keychest ca crl DIR`: a signed CRL (v2) of the revoked certificates.

use std::path::PathBuf;

use clap::Args;

use super::{ca_key, open_ca};
use crate::cli::common::ca_notes::now;
use crate::cli::common::io::{check_output, write_output};
use crate::cli::common::pass::PassArg;
use crate::fsio::Mode;
use crate::pem;

#[derive(Args, Debug)]
pub struct CrlArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Days until the next update
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,
    /// Write the CRL (PEM) here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Password source for the CA key
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: CrlArgs) -> anyhow::Result<()> {
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let key = ca_key(&ca, &a.pass)?;
    let (der, number) = ca.crl(&key, a.days, t)?;
    write_output(
        a.out.as_deref(),
        pem::encode("X509 CRL", &der).as_bytes(),
        Mode::Public,
        a.force,
    )?;
    eprintln!(
        "keychest: CRL number {number} with {} revoked certificate(s)",
        ca.index()?.revoked_count()
    );
    Ok(())
}
