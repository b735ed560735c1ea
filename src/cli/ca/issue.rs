//! `keychest ca issue DIR NAME...`: a new key and its certificate in one step, like mkcert.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use der::Encode;

use super::{ca_key, open_ca};
use crate::ca::{self, IssueRequest, index};
use crate::cli::common::ca_notes::{now, print_notes};
use crate::cli::common::key_type::KeyTypeParser;
use crate::cli::common::keys::generate;
use crate::cli::common::pass::PassArg;
use crate::fsio::{self, Mode};
use crate::pki::key::KeyType;
use crate::pki::profile::Profile;
use crate::pki::{keyfile, name, san};

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Names for the certificate: DNS names (wildcards allowed), IP addresses, e-mails, URIs
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// Certificate profile (a subordinate CA is made with 'ca init --parent')
    #[arg(long, value_enum, default_value = "server")]
    pub profile: IssueProfile,
    /// Subject DN instead of CN=NAME: RFC 4514 (CN=app,O=Acme) or OpenSSL form (/O=Acme/CN=app)
    #[arg(long, value_name = "DN")]
    pub subject: Option<String>,
    /// Type of the new key
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE",
        value_parser = KeyTypeParser
    )]
    pub key_type: KeyType,
    /// Validity in days (clamped to the CA's validity)
    #[arg(long, value_name = "N", default_value_t = ca::LEAF_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,
    /// Directory for NAME.key and NAME.crt (created when missing)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    // Password source for the CA key (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

/// The end-entity profiles `ca issue` makes.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum IssueProfile {
    /// TLS server: digitalSignature (+keyEncipherment for RSA), serverAuth
    Server,
    /// TLS client: digitalSignature, clientAuth
    Client,
    /// TLS server and client
    ServerClient,
}

impl From<IssueProfile> for Profile {
    fn from(p: IssueProfile) -> Profile {
        match p {
            IssueProfile::Server => Profile::Server,
            IssueProfile::Client => Profile::Client,
            IssueProfile::ServerClient => Profile::ServerClient,
        }
    }
}

/// A file name for a certificate name: `*` becomes `_wildcard`, anything outside
/// `[A-Za-z0-9.@_-]` becomes `_` (as mkcert does for `:` and `*`).
pub fn file_stem(name: &str) -> String {
    let replaced = name.replace('*', "_wildcard");
    let s: String = replaced
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

pub fn run(a: IssueArgs) -> anyhow::Result<()> {
    let profile: Profile = a.profile.into();
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    let kind: KeyType = a.key_type;
    let mut sans = Vec::new();
    for n in &a.names {
        sans.push(san::classify(n)?);
    }
    let first = &a.names[0];
    // ub-common-name is 64 (RFC 5280 Appendix A): a longer first name is only a SAN.
    let subject = if let Some(dn) = &a.subject {
        name::parse_dn(dn)?.to_der()?
    } else if first.chars().count() <= 64 {
        name::parse_dn(&format!("CN={}", name::escape_value(first)))?.to_der()?
    } else {
        vec![0x30, 0x00]
    };
    let stem = file_stem(first);
    let key_path = a.out_dir.join(format!("{stem}.key"));
    let crt_path = a.out_dir.join(format!("{stem}.crt"));
    // A missing --out-dir is created only once the CA key has opened, and removed again when
    // the CA refuses; an existing one is checked now, before any work.
    if a.out_dir.is_dir() {
        fsio::check_output(&key_path, a.force)?;
        fsio::check_output(&crt_path, a.force)?;
    }
    let ca_key = ca_key(&ca, &a.pass)?;
    let key = generate(kind)?;
    let spki = key.public_key_info()?.to_der()?;
    let key_pem = keyfile::to_pkcs8_pem(&key, None)?;
    // The key first: a certificate without its key is useless.
    let plan = ca::OutputPlan::new(a.force)
        .file(
            &key_path,
            Mode::Private,
            ca::Content::Bytes(key_pem.as_bytes().to_vec()),
        )
        .file(&crt_path, Mode::Public, ca::Content::CertWithChain);
    // The plan checks and writes NAME.key and NAME.crt under the CA's lock; it needs the
    // folder to exist, so a missing one is made here and taken back if the CA refuses.
    let made = create_folders(&a.out_dir)?;
    let issued = ca
        .issue_to(
            &ca_key,
            &IssueRequest {
                subject,
                spki,
                sans,
                profile,
                days: a.days,
                path_len: None,
                name_constraints: None,
            },
            t,
            &plan,
        )
        .inspect_err(|_| remove_folders(&made))?;
    print_notes(&issued.notes);
    eprintln!(
        "keychest: issued serial {}: {} and {} (key unencrypted, mode 0600), valid until {}",
        issued.serial,
        crt_path.display(),
        key_path.display(),
        index::format_time(issued.not_after)
    );
    Ok(())
}

/// Creates `dir` and any missing parents; returns the folders it created, outermost first.
fn create_folders(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    missing.reverse();
    for (i, p) in missing.iter().enumerate() {
        if let Err(e) = std::fs::create_dir(p)
            && !p.is_dir()
        {
            remove_folders(&missing[..i]);
            return Err(e).with_context(|| format!("cannot create {}", p.display()));
        }
    }
    Ok(missing)
}

/// Removes folders [`create_folders`] made, innermost first; only empty ones go.
fn remove_folders(made: &[PathBuf]) {
    for p in made.iter().rev() {
        let _ = std::fs::remove_dir(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("*.example.org"), "_wildcard.example.org");
        assert_eq!(file_stem("::1"), "__1");
        assert_eq!(file_stem("https://x.org/a"), "https___x.org_a");
        assert_eq!(file_stem("me@x.org"), "me@x.org");
        assert_eq!(file_stem("../etc"), "_.._etc");
    }

    #[test]
    fn dn_values_are_escaped() {
        assert_eq!(name::escape_value("a,b=c"), "a\\,b\\=c");
        assert_eq!(name::escape_value("#x "), "\\#x\\ ");
    }
}
