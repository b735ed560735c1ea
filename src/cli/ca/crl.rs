//! `keychest ca crl DIR`: a signed CRL (v2) of the revoked certificates.

use std::path::PathBuf;

use clap::Args;

use super::{ca_key, open_ca};
use crate::ca;
use crate::cli::common::ca_notes::now;
use crate::cli::common::io::{check_output, is_dash, write_output, wrote};
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
    // Password source for the CA key (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: CrlArgs) -> anyhow::Result<()> {
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    // `--out -` is stdout: only a real file goes into the CA's output plan.
    let out = a.out.as_deref().filter(|p| !is_dash(p));
    if let Some(out) = out {
        check_output(out, a.force)?;
    }
    let key = ca_key(&ca, &a.pass)?;
    let mut plan = ca::OutputPlan::new(a.force);
    if let Some(out) = out {
        plan = plan.file(out, Mode::Public, ca::Content::Crl);
    }
    let crl = ca.crl_to(&key, a.days, t, &plan)?;
    if let Some(out) = out {
        wrote(out);
    } else {
        write_output(
            None,
            pem::encode("X509 CRL", &crl.der).as_bytes(),
            Mode::Public,
            a.force,
        )?;
    }
    eprintln!(
        "keychest: CRL number {} with {} revoked certificate(s)",
        crl.number, crl.revoked
    );
    Ok(())
}
