//! `keychest ca init DIR`: a root CA, or with `--parent` an intermediate CA.

use std::path::PathBuf;

use clap::Args;
use der::Encode;

use super::{ca_key, open_ca};
use crate::ca::{self, dir, index};
use crate::cli::common::ca_notes::{note, now, print_notes};
use crate::cli::common::key_type::KeyTypeParser;
use crate::cli::common::keys::generate;
use crate::cli::common::pass::{PassArg, password};
use crate::cli::common::render::escape;
use crate::fsio;
use crate::pki::constraints::Constraints;
use crate::pki::key::KeyType;
use crate::pki::{keyfile, name};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// CA directory (created if missing)
    pub dir: PathBuf,
    /// Subject DN of the CA: RFC 4514 (CN=Dev Root,O=Acme) or /O=Acme/CN=Dev Root
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Key type: ec:p256, ec:p384, ec:p521, ed25519, rsa:2048, rsa:3072, rsa:4096
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE",
        value_parser = KeyTypeParser
    )]
    pub key_type: KeyType,
    /// Validity in days [default: 3650 for a root, 1825 for an intermediate]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    // Encrypt the CA key with this password (pass:, env:, file:, fd:, stdin; alone: prompt) (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Create an intermediate CA signed by the CA in this directory
    #[arg(long, value_name = "DIR")]
    pub parent: Option<PathBuf>,
    /// Password source for the parent CA's key
    #[arg(long, value_name = "SRC", requires = "parent", num_args = 0..=1, default_missing_value = "prompt")]
    pub parent_pass: Option<String>,
    /// pathLenConstraint of an intermediate CA
    #[arg(long, value_name = "N", requires = "parent", default_value_t = 0)]
    pub path_len: u8,
    /// Name constraints (critical): only these names may be certified below this CA.
    /// DNS names (host.test = it and below, .test = below only), IP ranges (127.0.0.0/8,
    /// ::1/128), e-mail domains (@example.test); repeatable or comma-separated
    #[arg(long, value_name = "NAME", num_args = 1.., value_delimiter = ',')]
    pub permit: Vec<String>,
    /// Names that may never be certified below this CA (same forms as --permit)
    #[arg(long, value_name = "NAME", num_args = 1.., value_delimiter = ',')]
    pub exclude: Vec<String>,
}

pub fn run(a: InitArgs) -> anyhow::Result<()> {
    let subject = name::parse_dn(&a.subject)?.to_der()?;
    let kind: KeyType = a.key_type;
    let name_constraints = Constraints::from_forms(&a.permit, &a.exclude)?;
    if dir::is_ca(&a.dir) {
        return Err(ca::CaError::AlreadyCa(a.dir.clone()).into());
    }
    for f in dir::state_files(&a.dir) {
        fsio::check_writable(&f, false)?;
    }
    let t = now();
    let parent = match &a.parent {
        Some(p) => {
            let pca = open_ca(p, t)?;
            let pass = PassArg {
                pass: a.parent_pass.clone(),
            };
            let pkey = ca_key(&pca, &pass)?;
            Some((pca, pkey))
        }
        None => None,
    };
    let pw = password(&a.pass, "Password for the new CA key", true)?;
    let key = generate(kind)?;
    let key_pem = keyfile::to_pkcs8_pem(&key, pw.as_deref().map(|s| s.as_str()))?;
    let days = a.days.unwrap_or(if parent.is_some() {
        ca::INTERMEDIATE_DAYS
    } else {
        ca::ROOT_DAYS
    });
    let new = ca::NewCa {
        subject,
        key: &key,
        key_pem: &key_pem,
        days,
        path_len: Some(a.path_len),
        name_constraints: (!name_constraints.is_empty()).then_some(name_constraints),
    };
    let (created, notes) = ca::init(&a.dir, &new, parent.as_ref().map(|(c, k)| (c, k)), t)?;
    print_notes(&notes);
    if pw.is_none() {
        note(&format!(
            "the CA key {} is NOT encrypted (mode 0600); use --pass to encrypt it",
            created.key_path().display()
        ));
    }
    let (_, not_after) = created.validity();
    eprintln!(
        "keychest: created {} CA '{}' in {} (valid until {})",
        if parent.is_some() {
            "intermediate"
        } else {
            "root"
        },
        escape(&created.subject_text()),
        a.dir.display(),
        index::format_time(not_after)
    );
    Ok(())
}
