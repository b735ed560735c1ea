//! `keychest verify CERT`: validates a certificate against trust anchors and prints each
//! step of the validation with its reason (text or JSON). Reading the inputs (PEM or DER
//! certificates and bundles, keystores, CRLs) and rendering are here; the validation itself
//! is `pki::path`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::common::exit::{ExitError, NOT_VALID};
use super::common::io::read_input;
use super::common::pass::PassArg;
use super::common::render::escape;
use super::common::stores::load_bytes;
use crate::pki::path::{self, Input, Inputs, Outcome, PathError, Purpose, Report, Source};
use crate::store::{EntryBody, Format};

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest verify server.crt --chain intermediate.pem --trust root.pem --purpose server --host example.org\n",
    "  keychest verify client.crt --trust truststore.p12 --pass env:STORE_PASS --purpose client --crl ca.crl\n",
    "  keychest verify fullchain.pem --trust ca-bundle.pem --at 2030-01-01 --json\n\n",
    "EXIT STATUS:\n  0  the certificate is valid\n  1  failure: unreadable input, no trust anchor, bad password\n  2  usage error\n  8  the certificate is not valid (every reason is reported)"))]
pub struct VerifyArgs {
    /// Certificate to verify (PEM or DER; in a bundle the first certificate, the rest join
    /// --chain; in a keystore the chain of its only key entry)
    #[arg(value_name = "CERT")]
    pub cert: PathBuf,
    /// Untrusted certificates that may complete the path, in any order: PEM/DER files,
    /// bundles or keystores (repeatable)
    #[arg(long, value_name = "FILE|STORE")]
    pub chain: Vec<PathBuf>,
    /// Trust anchors: PEM/DER files, bundles, or the trusted entries of a keystore
    /// (repeatable; required)
    #[arg(long, value_name = "FILE|STORE", required = true)]
    pub trust: Vec<PathBuf>,
    /// CRLs (PEM or DER, repeatable): the certificate must then be covered by one from
    /// its issuer; intermediates are checked when their issuer's CRL is given
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Required use of the certificate (extendedKeyUsage and keyUsage)
    #[arg(long, value_enum)]
    pub purpose: Option<PurposeArg>,
    /// Host name or IP address the certificate must name in its subjectAltName
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Verification time: RFC 3339 (2030-01-01T12:00:00Z), a date (2030-01-01, midnight
    /// UTC) or @UNIX_SECONDS; default now
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<i64>,
    // Password of keystores given as CERT, --chain or --trust (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum PurposeArg {
    /// TLS server (serverAuth)
    Server,
    /// TLS client (clientAuth)
    Client,
}

fn parse_time(s: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    if let Some(secs) = s.strip_prefix('@') {
        return secs
            .parse()
            .map_err(|_| format!("'{s}': expected @ followed by Unix seconds"));
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &date_format) {
        return Ok(d.midnight().assume_utc().unix_timestamp());
    }
    Err(format!(
        "'{s}' is not a time: use RFC 3339 (2030-01-01T12:00:00Z), a date (2030-01-01) or @UNIX_SECONDS"
    ))
}

/// DER objects read from files, each with the file it came from.
#[derive(Default)]
struct Files<'a> {
    ders: Vec<Vec<u8>>,
    files: Vec<&'a Path>,
}

impl<'a> Files<'a> {
    fn add(&mut self, file: &'a Path, ders: Vec<Vec<u8>>) {
        self.files.extend(std::iter::repeat_n(file, ders.len()));
        self.ders.extend(ders);
    }
}

/// Which certificates of a keystore an option takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Target,
    Chain,
    Trust,
}

pub fn run(a: VerifyArgs) -> anyhow::Result<()> {
    // Each input DER keeps the file it came from, to name it in errors.
    let mut target = read_certs(&a.cert, &a.pass, Role::Target)?;
    let leaf = target.remove(0);
    let mut chain = Files::default();
    chain.add(&a.cert, target);
    for f in &a.chain {
        chain.add(f, read_certs(f, &a.pass, Role::Chain)?);
    }
    let mut anchors = Files::default();
    for f in &a.trust {
        anchors.add(f, read_certs(f, &a.pass, Role::Trust)?);
    }
    let mut crls = Files::default();
    for f in &a.crl {
        crls.add(f, read_crls(f)?);
    }
    let at =
        a.at.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    let report = path::validate(&Inputs {
        target: &leaf,
        chain: &chain.ders,
        anchors: &anchors.ders,
        crls: (!a.crl.is_empty()).then_some(&crls.ders[..]),
        purpose: a.purpose.map(|p| match p {
            PurposeArg::Server => Purpose::Server,
            PurposeArg::Client => Purpose::Client,
        }),
        host: a.host.as_deref(),
        at,
    })
    .map_err(|e| match &e {
        PathError::BadCertificate { input, error } | PathError::BadCrl { input, error } => {
            let (file, what) = match input {
                Input::Target => (a.cert.as_path(), "certificate"),
                Input::Chain(i) => (chain.files[*i], "certificate"),
                Input::Anchor(i) => (anchors.files[*i], "certificate"),
                Input::Crl(i) => (crls.files[*i], "CRL"),
            };
            anyhow::anyhow!(
                "{}: holds a {what} keychest cannot parse: {error}",
                file.display()
            )
        }
        PathError::NoTrustAnchors => anyhow::Error::new(e),
    })?;
    if a.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            file: String,
            #[serde(flatten)]
            report: &'a Report,
        }
        let doc = Doc {
            file: a.cert.display().to_string(),
            report: &report,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", render(&report));
    }
    if report.valid {
        return Ok(());
    }
    let failures: Vec<String> = report.failures().map(|f| f.to_string()).collect();
    let more = match failures.len() {
        0 | 1 => String::new(),
        n => format!(" (and {} more reason(s) above)", n - 1),
    };
    Err(ExitError {
        code: NOT_VALID,
        message: format!(
            "{} is not valid: {}{more}",
            a.cert.display(),
            failures.first().map(String::as_str).unwrap_or("")
        ),
    }
    .into())
}

/// The report as text; every value from a certificate or the command line is escaped on
/// its own, so each line is keychest's.
fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Path:");
    for (i, c) in r.path.iter().enumerate() {
        let from = match c.source {
            Source::Target => "CERT",
            Source::Chain => "chain",
            Source::Trust => "trust",
        };
        let anchor = if c.anchor { ", trust anchor" } else { "" };
        let _ = writeln!(out, "  [{i}] {} ({from}{anchor})", escape(&c.subject));
    }
    let mut context = vec![format!("at {}", r.at)];
    if let Some(p) = &r.purpose {
        context.push(format!("purpose {}", escape(p)));
    }
    if let Some(h) = &r.host {
        context.push(format!("host {}", escape(h)));
    }
    let _ = writeln!(out, "Checks ({}):", context.join(", "));
    for s in &r.steps {
        let what = match s.cert {
            Some(i) => format!("{} [{i}]", s.check.name()),
            None => s.check.name().to_string(),
        };
        let (status, text) = match &s.outcome {
            Outcome::Pass { detail } => ("ok", detail.clone()),
            Outcome::Fail { failure } => ("FAIL", failure.to_string()),
            Outcome::Skipped { why } => ("skip", why.clone()),
        };
        // A step's text quotes names from the certificates: escaped whole, it stays one line.
        let _ = writeln!(out, "  {status:<4}  {what:<26} {}", escape(&text));
    }
    let _ = writeln!(
        out,
        "Result: {}",
        if r.valid { "valid" } else { "NOT VALID" }
    );
    out
}

/// The DER certificates of a file: PEM blocks, one DER certificate, or a keystore's
/// certificates (for `Role::Trust` only its trusted entries, as Java's PKIX trusts them;
/// for `Role::Target` the chain of its only key entry).
fn read_certs(path: &Path, pass: &PassArg, role: Role) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = read_input(path)?;
    let certs = match crate::codec::sniff(&bytes) {
        Some(Format::Pkcs12 | Format::Jks | Format::Jceks | Format::Pkcs7) => {
            let loaded = load_bytes(path, &bytes, pass.source()?, false)?;
            store_certs(path, &loaded.store, role)?
        }
        _ if crate::pem::looks_like_pem(&bytes) => crate::pem::parse_all(&bytes)
            .with_context(|| format!("cannot read {}", path.display()))?
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE")
            .map(|b| b.der)
            .collect(),
        _ if x509_cert_parses(&bytes) => vec![bytes],
        _ => bail!(
            "{}: not a certificate, bundle or keystore keychest recognises",
            path.display()
        ),
    };
    if certs.is_empty() {
        bail!("{}: holds no certificate", path.display());
    }
    Ok(certs)
}

fn x509_cert_parses(bytes: &[u8]) -> bool {
    use der::Decode;
    x509_cert::Certificate::from_der(bytes).is_ok()
}

fn store_certs(
    path: &Path,
    store: &crate::store::Keystore,
    role: Role,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let der = |c: &crate::store::CertDer| c.clone();
    Ok(match role {
        Role::Trust => store
            .entries
            .iter()
            .filter_map(|e| match &e.body {
                EntryBody::TrustedCert { cert } => Some(der(cert)),
                _ => None,
            })
            .collect(),
        Role::Chain => store
            .entries
            .iter()
            .flat_map(|e| e.certificates().iter().map(der))
            .collect(),
        Role::Target => {
            let keys: Vec<_> = store
                .entries
                .iter()
                .filter(|e| matches!(e.body, EntryBody::PrivateKey { .. }))
                .collect();
            match keys.as_slice() {
                [one] => one.certificates().iter().map(der).collect(),
                _ => bail!(
                    "{}: holds {} key entries; verify needs a store with exactly one (or export the certificate with `keychest store export`)",
                    path.display(),
                    keys.len()
                ),
            }
        }
    })
}

/// The DER CRLs of a file (PEM `X509 CRL` blocks, or one DER CRL).
fn read_crls(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = read_input(path)?;
    let crls: Vec<Vec<u8>> = if crate::pem::looks_like_pem(&bytes) {
        crate::pem::parse_all(&bytes)
            .with_context(|| format!("cannot read {}", path.display()))?
            .into_iter()
            .filter(|b| b.label == "X509 CRL")
            .map(|b| b.der)
            .collect()
    } else {
        vec![bytes]
    };
    if crls.is_empty() {
        bail!("{}: holds no CRL", path.display());
    }
    Ok(crls)
}
