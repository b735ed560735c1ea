//! `keychest connect HOST:PORT`: a TLS handshake shown step by step, with client-certificate
//! selection inside it. It fails closed: without trust anchors, or with a server chain that
//! does not verify, no client certificate is sent unless `--insecure` was given.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use super::common::choose::{ChoiceOptions, Pool, choose, load_stores};
use super::common::exit::{self, ExitError};
use super::common::remember;
use super::common::render::{cert_lines, escape};
use super::common::stores::Loaded;
use super::common::target::{no_anchors_error, parse_target, sni_text, trust_anchors};
use crate::probe::{
    self, CertificateRequestInfo, ClientCertChooser, ClientIdentity, HandshakeRecord, ProbeError,
    ProbeOptions, ServerTrust,
};

/// How long a TLS 1.3 client waits, after the handshake, for the server to reject its
/// certificate (within `--timeout`).
const VERDICT_GRACE: Duration = Duration::from_secs(1);

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest connect example.org:443\n",
    "  keychest connect localhost:8443 --truststore ca-bundle.pem --store client.p12 --pass env:P\n",
    "  keychest connect 10.0.0.5:636 --servername ldap.internal --insecure\n\n",
    "EXIT STATUS:\n  0  handshake succeeded (and the TLS layer accepted the client certificate)\n  1  failure (refused or unreachable, bad input)\n  2  usage error\n  3, 4, 5  no client certificate could be chosen (as for select)\n  7  the handshake failed (a peer that is not TLS, a timeout), the server chain is untrusted, there are no trust anchors to verify it (without --insecure), or the server rejected the client"))]
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
    /// Trust anchors for the server (any store format; default: the platform's, from SSL_CERT_FILE / SSL_CERT_DIR or the system bundle)
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
    /// Continue when the server chain does not verify or there is nothing to verify it with (the client certificate is then sent to an unverified server)
    #[arg(long)]
    pub insecure: bool,
    /// Seconds for the whole operation: connecting, the handshake and the server's verdict (larger values count as 86400)
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
            remembered: remember::choice_for(&target, &a.stores),
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
    warn_unverified(&record, chooser.is_none());
    if let Some(v) = &record.verdict {
        println!("server answer: {}", escape(v));
    }
    println!("result:        handshake succeeded");
    Ok(())
}

/// After a handshake that went through: what was not verified (only with --insecure), and
/// a client certificate the server wanted but was not offered.
fn warn_unverified(record: &HandshakeRecord, no_stores: bool) {
    match &record.chain_verification {
        Some(Err(e)) => eprintln!(
            "warning: continuing with an untrusted server (--insecure): {}",
            escape(e)
        ),
        None => eprintln!("warning: the server was not verified (no trust anchors; --insecure)"),
        Some(Ok(())) => {}
    }
    if record.certificate_request.is_some() && record.client_certificate_sent.is_none() && no_stores
    {
        eprintln!("note: the server asked for a client certificate; give --store to send one");
    }
}
