//! `keychest ca sign DIR --csr FILE`: a certificate for a PKCS#10 request.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use der::Encode;

use super::{ProfileArg, ca_key, open_ca};
use crate::ca;
use crate::cli::common::ca_notes::{now, print_notes};
use crate::cli::common::io::{check_output, is_dash, read_input, write_output, wrote};
use crate::cli::common::pass::PassArg;
use crate::fsio::Mode;
use crate::pem;
use crate::pki::{name, san};

#[derive(Args, Debug)]
pub struct SignArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Certificate request (PEM or DER)
    #[arg(long, value_name = "FILE")]
    pub csr: PathBuf,
    /// Certificate profile
    #[arg(long, value_enum, default_value = "server")]
    pub profile: ProfileArg,
    /// Validity in days (clamped to the CA's validity)
    #[arg(long, value_name = "N", default_value_t = ca::LEAF_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,
    /// Replace the request's SANs: dns:NAME, ip:ADDR, email:ADDR, uri:URI (comma-separated, repeatable)
    #[arg(long, value_name = "LIST")]
    pub san: Vec<String>,
    /// Replace the request's subject DN
    #[arg(long, value_name = "DN")]
    pub subject: Option<String>,
    /// pathLenConstraint for --profile ca
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub path_len: u8,
    /// Write the certificate here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Append the CA chain (intermediates, not the root) after the certificate
    #[arg(long)]
    pub chain: bool,
    // Password source for the CA key (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

/// Reads a PEM or DER request.
fn read_csr(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = read_input(path)?;
    if !pem::looks_like_pem(&bytes) {
        return Ok(bytes);
    }
    let blocks =
        pem::parse_all(&bytes).with_context(|| format!("cannot read {}", path.display()))?;
    blocks
        .into_iter()
        .find(|b| b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST")
        .map(|b| b.der)
        .with_context(|| format!("{}: no CERTIFICATE REQUEST block", path.display()))
}

pub fn run(a: SignArgs) -> anyhow::Result<()> {
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    // `--out -` is stdout: only a real file goes into the CA's output plan.
    let out = a.out.as_deref().filter(|p| !is_dash(p));
    if let Some(out) = out {
        check_output(out, a.force)?;
    }
    let subject = match &a.subject {
        Some(s) => Some(name::parse_dn(s)?.to_der()?),
        None => None,
    };
    let sans = if a.san.is_empty() {
        None
    } else {
        let mut v = Vec::new();
        for l in &a.san {
            v.extend(san::parse_list(l)?);
        }
        Some(v)
    };
    let csr_der = read_csr(&a.csr)?;
    let (req, mut notes) = ca::request_from_csr(
        &csr_der,
        a.profile.into(),
        a.days,
        Some(a.path_len),
        subject,
        sans,
    )
    .with_context(|| format!("cannot sign {}", a.csr.display()))?;
    let key = ca_key(&ca, &a.pass)?;
    let content = if a.chain {
        ca::Content::CertWithChain
    } else {
        ca::Content::Cert
    };
    let mut plan = ca::OutputPlan::new(a.force);
    if let Some(out) = out {
        plan = plan.file(out, Mode::Public, content);
    }
    let issued = ca.issue_to(&key, &req, t, &plan)?;
    notes.extend(issued.notes.iter().cloned());
    print_notes(&notes);
    if let Some(out) = out {
        wrote(out);
    } else {
        let out = if a.chain {
            ca.with_chain(&issued.der)
        } else {
            pem::encode("CERTIFICATE", &issued.der)
        };
        write_output(None, out.as_bytes(), Mode::Public, a.force)?;
    }
    eprintln!("keychest: issued serial {}", issued.serial);
    Ok(())
}
