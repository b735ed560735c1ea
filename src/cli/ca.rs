//! `keychest ca init|sign|issue|list|revoke|crl`, and the CA view of `keychest show DIR`.
//! The CA itself lives in `crate::ca`; this file parses options, gets passwords, prints
//! notes on stderr and writes outputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use der::Encode;

use super::args::PassArg;
use super::io::{password, read_input, write_output};
use super::key::{generate, load_key};
use super::render::sanitize;
use crate::ca::{self, Ca, IssueRequest, Note, dir, index};
use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::crl::Reason;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::profile::Profile;
use crate::pki::{keyfile, name, san};

#[derive(Subcommand, Debug)]
pub enum CaCommand {
    /// Create a root CA in a directory, or with --parent an intermediate CA
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca init ./root --subject 'CN=Dev Root,O=Acme' --pass env:CA_PASS\n",
        "  keychest ca init ./inter --subject 'CN=Dev Issuing CA' --parent ./root --parent-pass env:CA_PASS\n\n",
        "Without --pass the CA key is written unencrypted (mode 0600). Roots are valid 10 years,\n",
        "intermediates 5 years (never longer than their parent). Layout: docs/ca.md.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Init(InitArgs),
    /// Sign a certificate request (PKCS#10) with the CA
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca sign ./inter --csr server.csr --out server.crt --chain\n",
        "  keychest ca sign ./inter --csr client.csr --profile client --days 30 > client.crt\n",
        "  keytool -certreq -alias app -keystore app.p12 -file app.csr && keychest ca sign ./inter --csr app.csr --san dns:app.internal\n\n",
        "The request's signature is checked; its subject and public key are copied byte for byte.\n",
        "Only its subjectAltName extension is copied (--san replaces it); other requested\n",
        "extensions are ignored and listed on stderr. A server certificate without SAN gets its\n",
        "CN as SAN. Validity is 398 days by default, never beyond the CA's own.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Sign(SignArgs),
    /// Create a key and certificate in one step for names (DNS, IP, e-mail, URI), like mkcert
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca issue ./inter example.test '*.example.test' 127.0.0.1 ::1\n",
        "    writes example.test.key (0600) and example.test.crt (leaf + intermediates)\n",
        "  keychest ca issue ./inter alice@example.test --profile client --out-dir certs\n\n",
        "The first name is the subject CN and the file name ('*' becomes '_wildcard').\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Issue(IssueArgs),
    /// List the certificates the CA issued
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca list ./inter\n  keychest ca list ./inter --json\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (not a CA, corrupt index)\n  2  usage error"))]
    List(ListArgs),
    /// Mark a certificate revoked (publish it with 'ca crl')
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca revoke ./inter 5C1E0F...\n  keychest ca revoke ./inter --cert server.crt --reason keyCompromise\n\n",
        "Reasons: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,\n",
        "cessationOfOperation, certificateHold, privilegeWithdrawn.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (unknown serial, already revoked, not a CA)\n  2  usage error"))]
    Revoke(RevokeArgs),
    /// Write a CRL (v2) of the revoked certificates
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca crl ./inter --out inter.crl\n  openssl crl -in inter.crl -CAfile ./inter/ca.crt -noout -verify\n\n",
        "Each CRL gets the next CRL number; a copy is kept in DIR/crl.pem.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Crl(CrlArgs),
}

/// `--profile`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ProfileArg {
    /// TLS server: digitalSignature (+keyEncipherment for RSA), serverAuth
    Server,
    /// TLS client: digitalSignature, clientAuth
    Client,
    /// TLS server and client
    ServerClient,
    /// Subordinate CA (see --path-len)
    Ca,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Server => Profile::Server,
            ProfileArg::Client => Profile::Client,
            ProfileArg::ServerClient => Profile::ServerClient,
            ProfileArg::Ca => Profile::Ca,
        }
    }
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// CA directory (created if missing)
    pub dir: PathBuf,
    /// Subject DN of the CA: RFC 4514 (CN=Dev Root,O=Acme) or /O=Acme/CN=Dev Root
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Key type: ec:p256, ec:p384, ed25519, rsa:2048, rsa:3072, rsa:4096
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE"
    )]
    pub key_type: String,
    /// Validity in days [default: 3650 for a root, 1825 for an intermediate]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Encrypt the CA key with this password (pass:, env:, file:, fd:, stdin; alone: prompt)
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
}

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
    /// Password source for the CA key
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Names for the certificate: DNS names (wildcards allowed), IP addresses, e-mails, URIs
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// Certificate profile (server, client or server-client)
    #[arg(long, value_enum, default_value = "server")]
    pub profile: ProfileArg,
    /// Type of the new key
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE"
    )]
    pub key_type: String,
    /// Validity in days (clamped to the CA's validity)
    #[arg(long, value_name = "N", default_value_t = ca::LEAF_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,
    /// Directory for NAME.key and NAME.crt
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Password source for the CA key
    #[command(flatten)]
    pub pass: PassArg,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// CA directory
    pub dir: PathBuf,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

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

pub fn run(cmd: CaCommand) -> anyhow::Result<()> {
    match cmd {
        CaCommand::Init(a) => init(a),
        CaCommand::Sign(a) => sign(a),
        CaCommand::Issue(a) => issue(a),
        CaCommand::List(a) => list(a),
        CaCommand::Revoke(a) => revoke(a),
        CaCommand::Crl(a) => crl(a),
    }
}

/// The current time. `KEYCHEST_TEST_NOW` (Unix seconds) overrides it, for tests of expiry.
pub fn now() -> i64 {
    if let Some(t) = std::env::var("KEYCHEST_TEST_NOW")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return t;
    }
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn note(text: &str) {
    eprintln!("keychest: note: {}", sanitize(text));
}

pub fn print_notes(notes: &[Note]) {
    for n in notes {
        match n {
            Note::Clamped {
                requested,
                not_after,
            } => note(&format!(
                "validity clamped to the CA's: not after {} (requested {})",
                index::format_time(*not_after),
                index::format_time(*requested)
            )),
            Note::DroppedExtensions(names) => note(&format!(
                "ignored extensions requested in the CSR (the profile decides them): {}",
                names.join(", ")
            )),
            Note::SansOverridden => {
                note("the CSR's subject alternative names were replaced by --san")
            }
            Note::CnAsSan(s) => note(&format!("the CSR has no SAN; added its CN as {s}")),
        }
    }
}

/// Opens a CA and checks it is valid now.
fn open_ca(dir: &Path, when: i64) -> anyhow::Result<Ca> {
    let ca = Ca::open(dir)?;
    ca.check_valid(when)
        .with_context(|| format!("cannot use the CA in {}", dir.display()))?;
    Ok(ca)
}

/// Loads the CA key and checks that it belongs to the CA certificate.
fn ca_key(ca: &Ca, pass: &PassArg) -> anyhow::Result<PrivateKey> {
    let key = load_key(&ca.key_path(), pass)?;
    ca.check_key(&key)?;
    Ok(key)
}

fn init(a: InitArgs) -> anyhow::Result<()> {
    let subject = name::parse_dn(&a.subject)?.to_der()?;
    let kind: KeyType = a.key_type.parse()?;
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
        sanitize(&created.subject_text()),
        a.dir.display(),
        index::format_time(not_after)
    );
    Ok(())
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

fn sign(a: SignArgs) -> anyhow::Result<()> {
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    if let Some(out) = &a.out {
        fsio::check_output(out, a.force)?;
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
    if let Some(out) = &a.out {
        plan = plan.file(out, Mode::Public, content);
    }
    let issued = ca.issue_to(&key, &req, t, &plan)?;
    notes.extend(issued.notes.iter().cloned());
    print_notes(&notes);
    if a.out.is_none() {
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

fn issue(a: IssueArgs) -> anyhow::Result<()> {
    let profile: Profile = a.profile.into();
    if profile.is_ca() {
        bail!("'ca issue' makes end-entity certificates; create a CA with 'ca init --parent'");
    }
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    let kind: KeyType = a.key_type.parse()?;
    let mut sans = Vec::new();
    for n in &a.names {
        sans.push(san::classify(n)?);
    }
    let first = &a.names[0];
    // ub-common-name is 64 (RFC 5280 Appendix A): a longer first name is only a SAN.
    let subject = if first.chars().count() <= 64 {
        name::parse_dn(&format!("CN={}", name::escape_value(first)))?.to_der()?
    } else {
        vec![0x30, 0x00]
    };
    let stem = file_stem(first);
    let key_path = a.out_dir.join(format!("{stem}.key"));
    let crt_path = a.out_dir.join(format!("{stem}.crt"));
    fsio::check_output(&key_path, a.force)?;
    fsio::check_output(&crt_path, a.force)?;
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
    let issued = ca.issue_to(
        &ca_key,
        &IssueRequest {
            subject,
            spki,
            sans,
            profile,
            days: a.days,
            path_len: None,
        },
        t,
        &plan,
    )?;
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

/// Streams the index: each record is printed as it is read, so listing 100,000 records
/// holds one line in memory, and a broken line fails after the records before it.
fn list(a: ListArgs) -> anyhow::Result<()> {
    use std::io::Write as _;
    let ca = Ca::open(&a.dir)?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut issued, mut revoked) = (0usize, 0usize);
    let now = now();
    if a.json {
        write!(stdout, "[")?;
    } else {
        writeln!(
            stdout,
            "{:<32}  {:<7}  {:<20}  SUBJECT / SANS",
            "SERIAL", "STATUS", "NOT AFTER"
        )?;
    }
    for r in ca.records()? {
        let r = r?;
        if a.json {
            let sep = if issued == 0 { "" } else { "," };
            let item = serde_json::to_string_pretty(&r)?.replace('\n', "\n  ");
            write!(stdout, "{sep}\n  {item}")?;
        } else {
            let status = match r.status {
                index::Status::Valid if r.not_after < now => "expired",
                index::Status::Valid => "valid",
                index::Status::Revoked => "revoked",
            };
            let line = format!(
                "{:<32}  {:<7}  {:<20}  {}{}",
                r.serial,
                status,
                index::format_time(r.not_after),
                if r.subject.is_empty() {
                    "-"
                } else {
                    &r.subject
                },
                if r.sans.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", r.sans.join(", "))
                }
            );
            writeln!(stdout, "{}", sanitize(&line))?;
        }
        issued += 1;
        revoked += usize::from(r.status == index::Status::Revoked);
    }
    if a.json {
        writeln!(stdout, "{}]", if issued == 0 { "" } else { "\n" })?;
    } else {
        writeln!(stdout, "{issued} issued, {revoked} revoked")?;
    }
    stdout.flush()?;
    Ok(())
}

fn revoke(a: RevokeArgs) -> anyhow::Result<()> {
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

fn crl(a: CrlArgs) -> anyhow::Result<()> {
    let t = now();
    let ca = open_ca(&a.dir, t)?;
    if let Some(out) = &a.out {
        fsio::check_output(out, a.force)?;
    }
    let key = ca_key(&ca, &a.pass)?;
    let mut plan = ca::OutputPlan::new(a.force);
    if let Some(out) = &a.out {
        plan = plan.file(out, Mode::Public, ca::Content::Crl);
    }
    let (der, number) = ca.crl_to(&key, a.days, t, &plan)?;
    if a.out.is_none() {
        write_output(
            None,
            pem::encode("X509 CRL", &der).as_bytes(),
            Mode::Public,
            a.force,
        )?;
    }
    eprintln!(
        "keychest: CRL number {number} with {} revoked certificate(s)",
        ca.index()?.revoked_count()
    );
    Ok(())
}

/// `keychest show DIR` for a CA directory.
pub fn show_dir(path: &Path, json: bool) -> anyhow::Result<()> {
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
        let _ = writeln!(out, "CA directory {}", s.directory);
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
        let chain: Vec<&str> = s.chain.iter().map(|c| c.subject.as_str()).collect();
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
            let _ = writeln!(out, "  Root:        {}", r.subject);
        }
        let _ = writeln!(out, "  Issued:      {} ({} revoked)", s.issued, s.revoked);
        let _ = writeln!(out, "  CRL number:  {}", s.crl_number);
        out.push('\n');
        super::show::render_cert(&mut out, &s.certificate);
        out = sanitize(&out);
    }
    print!("{out}");
    Ok(())
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
