//! `keychest connect HOST:PORT`: a TLS handshake shown step by step, with client-certificate
//! selection inside it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use super::common::choose::{ChoiceOptions, Pool, choose, load_stores};
use super::common::exit::{self, ExitError};
use super::common::io::read_input;
use super::common::pass::PassArg;
use super::common::remember;
use super::common::render::{colon_hex, sanitize};
use super::common::stores::{Loaded, load_bytes};
use super::common::target::{parse_target, system_roots};
use crate::pki::inspect;
use crate::probe::{self, ClientCertChooser, ClientIdentity, HandshakeRecord, ProbeOptions};
use crate::select::schemes::SigScheme;

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest connect example.org:443\n",
    "  keychest connect localhost:8443 --truststore ca-bundle.pem --store client.p12 --pass env:P\n",
    "  keychest connect 10.0.0.5:636 --servername ldap.internal --insecure\n\n",
    "EXIT STATUS:\n  0  handshake succeeded (and the server accepted the client certificate)\n  1  failure (refused or unreachable, bad input)\n  2  usage error\n  3, 4, 5  no client certificate could be chosen (as for select)\n  7  the handshake failed (a peer that is not TLS, a timeout during the handshake), the server chain is untrusted, or the server rejected the client"))]
pub struct ConnectArgs {
    /// HOST:PORT (port 443 when omitted)
    pub target: String,
    /// Server name sent as SNI and checked in its certificate (default: HOST)
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Stores holding client certificates (repeatable)
    #[arg(long = "store", value_name = "STORE")]
    pub stores: Vec<PathBuf>,
    /// Store passwords: one for all, or one per --store
    #[arg(long = "pass", value_name = "SRC")]
    pub passes: Vec<String>,
    /// Trust anchors for the server (any store format; default: the system's CA bundle)
    #[arg(long, value_name = "FILE")]
    pub truststore: Option<PathBuf>,
    /// Password of --truststore, if it has one
    #[arg(long, value_name = "SRC")]
    pub truststore_pass: Option<String>,
    /// Send the certificate of this entry, without choosing
    #[arg(long, conflicts_with = "first")]
    pub alias: Option<String>,
    /// Send the best-ranked certificate without asking
    #[arg(long)]
    pub first: bool,
    /// Never prompt: several equally good certificates are an error (exit 4)
    #[arg(long)]
    pub non_interactive: bool,
    /// Continue when the server chain does not verify
    #[arg(long)]
    pub insecure: bool,
    /// Seconds to wait for the connection and for each step of the handshake
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
}

/// Chooses inside the handshake; remembers why it could not, for the exit code.
struct Chooser {
    stores: Vec<Loaded>,
    paths: Vec<PathBuf>,
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
fn roots(path: Option<&Path>, pass: Option<&String>) -> anyhow::Result<Vec<Vec<u8>>> {
    let Some(path) = path else {
        return Ok(system_roots());
    };
    let bytes = read_input(path)?;
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
    print_client_auth(r);
}

/// What the server asked of the client, and what it got.
fn print_client_auth(r: &HandshakeRecord) {
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
            remembered: remember::choice_for(&format!("{host}:{port}"), &a.stores),
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
