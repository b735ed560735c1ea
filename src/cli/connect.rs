//! `keychest connect HOST:PORT` (a handshake shown step by step, with client-certificate
//! selection) and `keychest trust fetch`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};

use super::args::{ConnectArgs, PassArg, TrustCommand, TrustFetchArgs};
use super::render::{colon_hex, sanitize};
use super::select::{ChoiceOptions, Pool, choose, load_stores, parse_target, system_roots};
use super::store::{Loaded, load_bytes, save_store};
use super::{ExitError, exit};
use crate::pki::inspect;
use crate::probe::{self, ClientCertChooser, ClientIdentity, HandshakeRecord, ProbeOptions};
use crate::select::schemes::SigScheme;
use crate::store::{Format, ops};

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
    fn choose(&self, ca_names: &[Vec<u8>], schemes: &[SigScheme]) -> Option<ClientIdentity> {
        let pool = Pool {
            stores: &self.stores,
            paths: &self.paths,
        };
        let ranked = pool.rank(ca_names, Some(schemes));
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

/// Trust anchors from any store file (every certificate in it), or the system bundle.
fn roots(path: Option<&std::path::Path>, pass: Option<&String>) -> anyhow::Result<Vec<Vec<u8>>> {
    let Some(path) = path else {
        return Ok(system_roots());
    };
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
    Ok(loaded
        .store
        .entries
        .iter()
        .flat_map(|e| e.certificates().to_vec())
        .collect())
}

fn print_record(r: &HandshakeRecord) {
    for s in &r.steps {
        eprintln!("  {}", sanitize(s));
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
        match inspect::certificate(der) {
            Ok(c) => println!(
                "  {}",
                sanitize(&format!(
                    "[{}] {}\n      issuer {}  expires {}\n      sha256 {}",
                    i + 1,
                    c.subject,
                    c.issuer,
                    c.not_after,
                    colon_hex(&c.fingerprints.sha256)
                ))
            ),
            Err(e) => println!("  [{}] unparsable certificate: {e}", i + 1),
        }
    }
    match &r.chain_verification {
        Some(Ok(())) => println!("verification:  trusted"),
        Some(Err(e)) => println!("verification:  NOT trusted ({})", sanitize(e)),
        None => println!("verification:  not checked (no trust anchors)"),
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
                println!("    {}", sanitize(&text));
            }
            println!(
                "client cert:   {}",
                sanitize(r.client_certificate_sent.as_deref().unwrap_or("none sent"))
            );
            if let Some(e) = &r.client_key_error {
                println!("client key:    unusable: {}", sanitize(e));
            }
        }
    }
}

pub fn run(a: ConnectArgs) -> anyhow::Result<()> {
    let (host, port) = parse_target(&a.target)?;
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let trust = roots(a.truststore.as_deref(), a.truststore_pass.as_ref())?;
    let chooser = if a.stores.is_empty() {
        None
    } else {
        Some(Arc::new(Chooser {
            stores: load_stores(&a.stores, &a.passes)?,
            paths: a.stores.clone(),
            alias: a.alias.clone(),
            first: a.first,
            non_interactive: a.non_interactive,
            remembered: super::remember::lookup(&format!("{host}:{port}"))
                .ok()
                .flatten()
                .and_then(|r| {
                    let store = a
                        .stores
                        .iter()
                        .position(|p| super::remember::same_file(p, &r.store))?;
                    Some((store, r.alias))
                }),
            failure: Mutex::new(None),
        }))
    };
    eprintln!("connecting to {host}:{port} (SNI {sni})");
    let record = probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        roots: trust,
        enforce_trust: !a.insecure,
        chooser: chooser.clone().map(|c| c as Arc<dyn ClientCertChooser>),
        await_answer: Some(Duration::from_secs(2)),
    })?;
    print_record(&record);
    if let Some(c) = &chooser
        && let Some(err) = c.failure.lock().unwrap_or_else(|p| p.into_inner()).take()
    {
        return Err(err);
    }
    if let Some(f) = &record.failure {
        return Err(ExitError {
            code: exit::HANDSHAKE_FAILED,
            message: format!("handshake with {host}:{port} failed: {f}"),
        }
        .into());
    }
    if let Some(Err(e)) = &record.chain_verification {
        eprintln!("warning: continuing with an untrusted server (--insecure): {e}");
    }
    if record.certificate_request.is_some()
        && record.client_certificate_sent.is_none()
        && chooser.is_none()
    {
        eprintln!("note: the server asked for a client certificate; give --store to send one");
    }
    println!("result:        handshake succeeded");
    Ok(())
}

pub fn run_trust(cmd: TrustCommand) -> anyhow::Result<()> {
    match cmd {
        TrustCommand::Fetch(a) => fetch(a),
        TrustCommand::Install(a) => super::trust::run_install(a),
        TrustCommand::Uninstall(a) => super::trust::run_uninstall(a),
        TrustCommand::Status(a) => super::trust::run_status(a),
    }
}

fn fetch(a: TrustFetchArgs) -> anyhow::Result<()> {
    let (host, port) = parse_target(&a.target)?;
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let record = probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        roots: vec![],
        enforce_trust: false,
        chooser: None,
        await_answer: None,
    })?;
    if record.server_chain.is_empty() {
        bail!(
            "no certificate received from {host}:{port}: {}",
            record
                .failure
                .as_deref()
                .unwrap_or("the handshake stopped early")
        );
    }
    for (i, der) in record.server_chain.iter().enumerate() {
        let c = inspect::certificate(der)
            .with_context(|| format!("certificate {} is malformed", i + 1))?;
        eprintln!(
            "{}",
            sanitize(&format!(
                "[{}] {}\n    issuer  {}\n    expires {}\n    SHA-256 {}",
                i + 1,
                c.subject,
                c.issuer,
                c.not_after,
                colon_hex(&c.fingerprints.sha256)
            ))
        );
    }
    let n = a.cert.unwrap_or(record.server_chain.len());
    let der = record
        .server_chain
        .get(n.wrapping_sub(1))
        .with_context(|| {
            format!(
                "--cert {n}: the chain has {} certificates",
                record.server_chain.len()
            )
        })?
        .clone();
    let c = inspect::certificate(&der)?;
    if !a.yes {
        if !crate::secret::can_prompt() {
            bail!(
                "not confirmed: run on a terminal to be asked, or give --yes ({} unchanged)",
                a.into.display()
            );
        }
        let ok = dialoguer::Confirm::new()
            .with_prompt(sanitize(&format!(
                "Trust [{n}] {} (SHA-256 {})?",
                c.subject,
                colon_hex(&c.fingerprints.sha256)
            )))
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
            sanitize(existing),
            sanitize(alias)
        );
    }
    for alias in &report.added {
        eprintln!("added '{}' to {}", sanitize(alias), a.into.display());
    }
    Ok(())
}
