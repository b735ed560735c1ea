//! `keychest connect HOST:PORT` (a handshake shown step by step, with client-certificate
//! selection) and `keychest trust fetch`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};

use super::args::{ConnectArgs, PassArg, TrustCommand, TrustFetchArgs};
use super::render::{colon_hex, escape};
use super::select::{ChoiceOptions, Pool, choose, load_stores, parse_target, remembered_choice};
use super::store::{Loaded, load_bytes, save_store};
use super::{ExitError, exit};
use crate::pki::inspect;
use crate::probe::{
    self, CertificateRequestInfo, ClientCertChooser, ClientIdentity, HandshakeRecord, ProbeError,
    ProbeOptions, ServerTrust, anchors,
};
use crate::store::{Format, ops};

/// How long a TLS 1.3 client waits, after the handshake, for the server to reject its
/// certificate (within `--timeout`).
const VERDICT_GRACE: Duration = Duration::from_secs(1);

/// Chooses inside the handshake; remembers why it could not, for the exit code.
struct Chooser {
    stores: Vec<Loaded>,
    paths: Vec<std::path::PathBuf>,
    alias: Option<String>,
    first: bool,
    non_interactive: bool,
    /// A choice remembered for this server by `select --remember`.
    remembered: Option<(usize, String)>,
    failure: Mutex<Option<anyhow::Error>>,
}

impl ClientCertChooser for Chooser {
    fn choose(&self, req: &CertificateRequestInfo) -> Option<ClientIdentity> {
        let pool = Pool {
            stores: &self.stores,
            paths: &self.paths,
            key_passwords: None,
        };
        let ranked = pool.rank(&req.ca_names, Some(&req.schemes), req.tls13);
        let result = choose(
            &pool,
            &ranked,
            &ChoiceOptions {
                alias: self.alias.as_deref(),
                first: self.first,
                non_interactive: self.non_interactive,
                remembered: self.remembered.clone(),
            },
        )
        .and_then(|i| {
            let e = &ranked[i];
            Ok(ClientIdentity {
                label: format!("{} [{}]", e.alias, pool.path(e.store)),
                chain: e.chain.clone(),
                pkcs8: pool.key_of(e)?,
            })
        });
        match result {
            Ok(id) => Some(id),
            Err(e) => {
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                None
            }
        }
    }
}

/// Trust anchors from `--truststore` (every certificate in any store format) or the
/// platform. Skipped certificates and store integrity problems are warned about here.
pub fn trust_anchors(
    path: Option<&Path>,
    pass: Option<&String>,
) -> anyhow::Result<anchors::Anchors> {
    let found = match path {
        None => anchors::system(),
        Some(path) => {
            let bytes = super::io::read_input(path)?;
            let loaded = load_bytes(
                path,
                &bytes,
                PassArg {
                    pass: pass.cloned(),
                }
                .source()?,
                false,
            )?;
            if loaded.format == Format::Pkcs12 && !loaded.info.integrity_checked {
                eprintln!(
                    "warning: {}: PKCS#12 without integrity check (no MAC): anyone who can write the file decides what is trusted",
                    path.display()
                );
            } else if let Some(w) = super::select::integrity_warning(path, &loaded) {
                eprintln!("warning: {w}");
            }
            let certs = loaded
                .store
                .entries
                .iter()
                .flat_map(|e| e.certificates().to_vec())
                .collect();
            anchors::usable(certs, &path.display().to_string())
        }
    };
    for w in &found.warnings {
        eprintln!("warning: {}", escape(w));
    }
    Ok(found)
}

/// The exit-7 error for "nothing to verify the server with".
pub fn no_anchors_error(target: &str, truststore: Option<&Path>) -> anyhow::Error {
    let origin = match truststore {
        Some(p) => format!("{} holds no usable certificate", p.display()),
        None => "no system trust anchors were found (SSL_CERT_FILE, SSL_CERT_DIR and the usual bundle locations)".into(),
    };
    ExitError {
        code: exit::HANDSHAKE_FAILED,
        message: format!(
            "cannot verify {target}: {origin}; give --truststore FILE holding the CA that issued the server's certificate, or --insecure to connect without verifying it"
        ),
    }
    .into()
}

/// "SNI name" or "no SNI (IP address)", as the ClientHello really carries it.
pub fn sni_text(server_name: &str) -> String {
    match probe::sni_for(server_name) {
        Some(name) => format!("SNI {}", escape(name)),
        None => "no SNI (IP address)".into(),
    }
}

/// A certificate as lines: keychest's labels, the certificate's own text escaped, and the
/// fingerprint keychest computed on a line of its own.
fn cert_lines(index: usize, der: &[u8], indent: &str) -> Vec<String> {
    match inspect::certificate(der) {
        Ok(c) => vec![
            format!("{indent}[{index}] {}", escape(&c.subject)),
            format!("{indent}    issuer  {}", escape(&c.issuer)),
            format!("{indent}    expires {}", escape(&c.not_after)),
            format!("{indent}    SHA-256 {}", colon_hex(&c.fingerprints.sha256)),
        ],
        Err(e) => vec![format!(
            "{indent}[{index}] unparsable certificate: {}",
            escape(&e.to_string())
        )],
    }
}

fn print_record(r: &HandshakeRecord) {
    for s in &r.steps {
        eprintln!("  {}", escape(s));
    }
    if let Some(v) = &r.version {
        println!("protocol:      {v}");
    }
    if let Some(c) = &r.cipher_suite {
        println!("cipher suite:  {c}");
    }
    if let Some(k) = &r.key_exchange {
        println!("key exchange:  {k}");
    }
    println!("server chain:");
    for (i, der) in r.server_chain.iter().enumerate() {
        for line in cert_lines(i + 1, der, "  ") {
            println!("{line}");
        }
    }
    match &r.chain_verification {
        Some(Ok(())) => println!("verification:  trusted"),
        Some(Err(e)) => println!("verification:  NOT trusted ({})", escape(e)),
        None => println!("verification:  NOT checked (no trust anchors; --insecure)"),
    }
    match &r.certificate_request {
        None => println!("client auth:   not requested"),
        Some(req) => {
            println!(
                "client auth:   requested; {} acceptable CA names",
                if req.ca_names.is_empty() {
                    "no (any CA)".to_string()
                } else {
                    req.ca_names.len().to_string()
                }
            );
            for n in &req.ca_names {
                let text = der::Decode::from_der(n)
                    .map(|n: x509_cert::name::Name| crate::pki::name::to_rfc4514(&n))
                    .unwrap_or_else(|_| "(unparsable name)".into());
                println!("    {}", escape(&text));
            }
            println!(
                "client cert:   {}",
                escape(r.client_certificate_sent.as_deref().unwrap_or("none sent"))
            );
            if let Some(e) = &r.client_key_error {
                println!("client key:    unusable: {}", escape(e));
            }
        }
    }
}

pub fn run(a: ConnectArgs) -> anyhow::Result<()> {
    let (host, port) = parse_target(&a.target)?;
    let target = format!("{host}:{port}");
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let anchors = trust_anchors(a.truststore.as_deref(), a.truststore_pass.as_ref())?;
    if anchors.certs.is_empty() && !a.insecure {
        return Err(no_anchors_error(&target, a.truststore.as_deref()));
    }
    let chooser = if a.stores.is_empty() {
        None
    } else {
        Some(Arc::new(Chooser {
            stores: load_stores(&a.stores, &a.passes)?,
            paths: a.stores.clone(),
            alias: a.alias.clone(),
            first: a.first,
            non_interactive: a.non_interactive,
            remembered: remembered_choice(&target, &a.stores),
            failure: Mutex::new(None),
        }))
    };
    eprintln!("connecting to {}, {}", escape(&target), sni_text(&sni));
    let trust = if a.insecure {
        ServerTrust::Report(anchors.certs)
    } else {
        ServerTrust::Enforce(anchors.certs)
    };
    let record = match probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        trust,
        chooser: chooser.clone().map(|c| c as Arc<dyn ClientCertChooser>),
        verdict_grace: Some(VERDICT_GRACE),
    }) {
        Ok(r) => r,
        Err(ProbeError::NoTrustAnchors(_)) => {
            return Err(no_anchors_error(&target, a.truststore.as_deref()));
        }
        Err(e) => return Err(anyhow::anyhow!(escape(&e.to_string()))),
    };
    print_record(&record);
    if let Some(c) = &chooser
        && let Some(err) = c.failure.lock().unwrap_or_else(|p| p.into_inner()).take()
    {
        return Err(err);
    }
    if let Some(f) = &record.failure {
        return Err(ExitError {
            code: exit::HANDSHAKE_FAILED,
            message: format!("handshake with {} failed: {}", escape(&target), escape(f)),
        }
        .into());
    }
    match &record.chain_verification {
        Some(Err(e)) => eprintln!(
            "warning: continuing with an untrusted server (--insecure): {}",
            escape(e)
        ),
        None => eprintln!("warning: the server was not verified (no trust anchors; --insecure)"),
        Some(Ok(())) => {}
    }
    if record.certificate_request.is_some()
        && record.client_certificate_sent.is_none()
        && chooser.is_none()
    {
        eprintln!("note: the server asked for a client certificate; give --store to send one");
    }
    if let Some(v) = &record.verdict {
        println!("server answer: {}", escape(v));
    }
    println!("result:        handshake succeeded");
    Ok(())
}

pub fn run_trust(cmd: TrustCommand) -> anyhow::Result<()> {
    match cmd {
        TrustCommand::Fetch(a) => fetch(a),
    }
}

fn fetch(a: TrustFetchArgs) -> anyhow::Result<()> {
    let (host, port) = parse_target(&a.target)?;
    let target = format!("{host}:{port}");
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    eprintln!("connecting to {}, {}", escape(&target), sni_text(&sni));
    // Trust on first use: the chain is shown for the user to judge, not verified.
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
    let chain = &record.server_chain;
    if chain.is_empty() {
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
    for (i, der) in chain.iter().enumerate() {
        for line in cert_lines(i + 1, der, "") {
            eprintln!("{line}");
        }
    }
    let cas = probe::issuers::verified_cas(chain);
    let index = match a.cert {
        Some(n) if n == 0 || n > chain.len() => {
            bail!("--cert {n}: the chain has {} certificates", chain.len())
        }
        Some(n) if !cas.contains(&(n - 1)) => bail!(
            "--cert {n}: refused: {} ({} unchanged)",
            probe::issuers::why_not(chain, n - 1),
            a.into.display()
        ),
        Some(n) => n - 1,
        None => *cas.last().with_context(|| {
            format!(
                "refused: the server sent no CA certificate that issued its chain ({}); get the CA certificate from its owner and add it with `store import` ({} unchanged)",
                (0..chain.len())
                    .map(|i| format!("[{}] {}", i + 1, probe::issuers::why_not(chain, i)))
                    .collect::<Vec<_>>()
                    .join("; "),
                a.into.display()
            )
        })?,
    };
    let n = index + 1;
    let der = chain[index].clone();
    let c = inspect::certificate(&der)?;
    eprintln!(
        "CA certificate [{n}] issued the server's chain (signatures checked from the leaf up)"
    );
    if !a.yes {
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
    }
    let mut loaded = if a.into.exists() {
        super::store::load_store(&a.into, &a.pass)?
    } else {
        let format = crate::codec::format_from_extension(&a.into).unwrap_or(Format::Pem);
        let password = match a.pass.source()? {
            Some(src) => Some(crate::secret::obtain(
                src.as_ref(),
                "Password for the new store",
                true,
            )?),
            None => None,
        };
        Loaded {
            format,
            store: Default::default(),
            info: Default::default(),
            password,
        }
    };
    let format = loaded.format;
    let report = ops::add_trusted(
        &mut loaded.store,
        format,
        &[der],
        a.alias.as_deref(),
        &crate::codec::pem::cert_label,
        false,
    )?;
    let pw = loaded.password.clone();
    save_store(
        &a.into,
        format,
        &loaded.store,
        pw.as_deref().map(|s| s.as_str()),
        None,
        true,
    )?;
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
