//! A TLS client (rustls) that records what a handshake shows: the server's chain and its
//! verification result, the CertificateRequest (acceptable CA names, signature schemes),
//! the negotiated parameters, and a step-by-step trace. It returns data; the CLI prints.
//!
//! The client certificate, when the server asks for one, comes from a [`ClientCertChooser`]
//! called inside the handshake, so the choice sees exactly what the server sent.
//!
//! It fails closed: verification against no anchors is refused ([`ProbeError::NoTrustAnchors`]),
//! and with [`ServerTrust::Enforce`] an unverified chain ends the handshake before rustls sends
//! the client certificate. One deadline bounds resolving, connecting, the handshake and the
//! TLS 1.3 verdict.

pub mod anchors;
mod deadline;
mod ecdsa12;
pub mod issuers;
mod recording;

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use zeroize::Zeroizing;

use crate::select::schemes::SigScheme;
use crate::store::CertDer;
use deadline::DeadlineStream;

/// Picks the client certificate once the server's CertificateRequest is known.
pub trait ClientCertChooser: Send + Sync {
    /// Returns the chain (leaf first) and PKCS#8 key to send, or None to send none.
    fn choose(&self, request: &CertificateRequestInfo) -> Option<ClientIdentity>;
}

pub struct ClientIdentity {
    pub label: String,
    pub chain: Vec<CertDer>,
    pub pkcs8: Zeroizing<Vec<u8>>,
}

/// How the server's chain is judged.
pub enum ServerTrust {
    /// Verify against these anchors and abort the handshake (before any client certificate
    /// is sent) when the chain does not verify. No usable anchor is an error, never
    /// "verification off".
    Enforce(Vec<CertDer>),
    /// Verify against these anchors and record the result, but continue either way (no
    /// anchors: the chain is recorded as not verified).
    Report(Vec<CertDer>),
}

/// The longest `timeout` honoured (one day): larger values are clamped, so that no deadline
/// arithmetic can overflow.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

pub struct ProbeOptions<'a> {
    pub host: &'a str,
    pub port: u16,
    /// SNI (when a DNS name) and the name the server certificate is checked against.
    pub server_name: &'a str,
    /// Bounds the whole operation: resolving, connecting, the handshake and the verdict.
    pub timeout: Duration,
    pub trust: ServerTrust,
    pub chooser: Option<Arc<dyn ClientCertChooser>>,
    /// TLS 1.3 servers judge a client certificate only after the client's Finished: after a
    /// CertificateRequest, read on for this long for an alert (within `timeout`). TLS 1.2
    /// servers judge it before their Finished, so no time is spent waiting there.
    pub verdict_grace: Option<Duration>,
}

/// What is sent as SNI for `server_name`: nothing for an IP address (RFC 6066 §3).
pub fn sni_for(server_name: &str) -> Option<&str> {
    match ServerName::try_from(server_name) {
        Ok(ServerName::DnsName(_)) => Some(server_name),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CertificateRequestInfo {
    /// Acceptable CA names as DER (empty: the server accepts any CA).
    #[serde(skip)]
    pub ca_names: Vec<Vec<u8>>,
    pub schemes: Vec<SigScheme>,
    /// TLS 1.3 binds each ECDSA scheme to a curve; TLS 1.2 names only the hash.
    pub tls13: bool,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct HandshakeRecord {
    pub steps: Vec<String>,
    #[serde(skip)]
    pub server_chain: Vec<CertDer>,
    /// None when no trust anchors were given; else Ok or the reason it failed.
    pub chain_verification: Option<Result<(), String>>,
    pub certificate_request: Option<CertificateRequestInfo>,
    pub client_certificate_sent: Option<String>,
    /// Why the chosen client key could not be used by TLS, if that happened.
    pub client_key_error: Option<String>,
    /// The SNI sent, if any (none for an IP address).
    pub sni: Option<String>,
    pub version: Option<String>,
    /// NewSessionTicket messages read after the handshake (TLS 1.3).
    pub session_tickets: u32,
    /// What the server did after the handshake, when it was waited for (TLS 1.3).
    pub verdict: Option<String>,
    pub cipher_suite: Option<String>,
    pub key_exchange: Option<String>,
    /// None when the handshake completed (and the server did not reject us afterwards),
    /// else why it failed.
    pub failure: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("invalid server name '{0}'")]
    ServerName(String),
    #[error("TLS configuration: {0}")]
    Config(String),
    /// Verification was asked for and no usable trust anchor exists.
    #[error("no trust anchors to verify {0} with")]
    NoTrustAnchors(String),
}

/// Resolves on a helper thread so that a slow resolver is bounded by the deadline too (the
/// thread is left to finish on its own if it overruns).
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<Vec<std::net::SocketAddr>, ProbeError> {
    let addr_text = format!("{host}:{port}");
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(
            (owned.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect()),
        );
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(_)) => Err(ProbeError::Resolve(addr_text)),
        Err(_) => Err(ProbeError::Connect {
            addr: addr_text,
            reason: "timed out resolving the name".into(),
        }),
    }
}

fn connect(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, ProbeError> {
    let addr_text = format!("{host}:{port}");
    let mut last = String::from("no address");
    for addr in resolve(host, port, deadline)? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last = "timed out".into();
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => return Ok(s),
            Err(e) => last = e.to_string(),
        }
    }
    Err(ProbeError::Connect {
        addr: addr_text,
        reason: last,
    })
}

/// Connects, runs a handshake and records it. Network and TLS failures after the TCP
/// connection are recorded in `failure`; only setup failures are errors.
pub fn handshake(opts: ProbeOptions) -> Result<HandshakeRecord, ProbeError> {
    let deadline = Instant::now() + opts.timeout.min(MAX_TIMEOUT);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let record = Arc::new(Mutex::new(HandshakeRecord::default()));
    let (roots, enforce) = match opts.trust {
        ServerTrust::Enforce(r) => (r, true),
        ServerTrust::Report(r) => (r, false),
    };
    let verifier =
        recording::RecordingVerifier::new(provider.clone(), &roots, enforce, record.clone())
            .map_err(ProbeError::Config)?;
    if enforce && !verifier.has_anchors() {
        return Err(ProbeError::NoTrustAnchors(format!(
            "{}:{}",
            opts.host, opts.port
        )));
    }
    let spy = Arc::new(recording::VersionSpy::default());
    let resolver = recording::RecordingResolver::new(
        provider.clone(),
        opts.chooser.clone(),
        record.clone(),
        spy.clone(),
    );
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(resolver));
    config.key_log = spy;
    let name = ServerName::try_from(opts.server_name.to_string())
        .map_err(|_| ProbeError::ServerName(opts.server_name.to_string()))?;
    let sock = connect(opts.host, opts.port, deadline)?;
    let mut sock = DeadlineStream::new(sock, deadline);
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| ProbeError::Config(e.to_string()))?;
    let mut outcome = drive(&mut conn, &mut sock);
    {
        let mut r = lock(&record);
        r.sni = sni_for(opts.server_name).map(str::to_string);
        r.version = conn.protocol_version().map(|v| format!("{v:?}"));
        r.cipher_suite = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        r.key_exchange = conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name()));
    }
    let tls13 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
    let asked = lock(&record).certificate_request.is_some();
    let mut answer = None;
    if outcome.is_ok() {
        if let Some(grace) = opts.verdict_grace.filter(|_| tls13 && asked) {
            let (res, note) = await_verdict(&mut conn, &mut sock, grace);
            outcome = res;
            answer = Some(note);
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
    }
    let mut r = std::mem::take(&mut *lock(&record));
    r.session_tickets = conn.tls13_tickets_received();
    r.verdict = answer.clone();
    r.steps = compose_steps(&r, opts.host, opts.port, outcome.as_ref().err(), answer);
    r.failure = outcome.err();
    Ok(r)
}

fn lock(r: &Mutex<HandshakeRecord>) -> std::sync::MutexGuard<'_, HandshakeRecord> {
    r.lock().unwrap_or_else(|p| p.into_inner())
}

/// The handshake as a list of steps in protocol order, built from what was recorded (rustls
/// does not expose its messages one by one; each step stands for an observed fact).
fn compose_steps(
    r: &HandshakeRecord,
    host: &str,
    port: u16,
    failure: Option<&String>,
    answer: Option<String>,
) -> Vec<String> {
    let mut s = vec![
        format!("TCP connected to {host}:{port}"),
        match &r.sni {
            Some(name) => format!("ClientHello sent (SNI {name})"),
            None => "ClientHello sent (no SNI: IP address)".to_string(),
        },
    ];
    let tls13 = r.version.as_deref() == Some("TLSv1_3");
    if let Some(v) = &r.version {
        let mut hello = format!("ServerHello received: {v}");
        for part in [&r.cipher_suite, &r.key_exchange].into_iter().flatten() {
            hello.push_str(", ");
            hello.push_str(part);
        }
        s.push(hello);
    }
    let chain = (!r.server_chain.is_empty()).then(|| {
        let verdict = match &r.chain_verification {
            Some(Ok(())) => "trusted".to_string(),
            Some(Err(e)) => format!("NOT trusted: {e}"),
            None => "not verified".to_string(),
        };
        format!(
            "Certificate received: {} certificates ({verdict})",
            r.server_chain.len()
        )
    });
    let request = r.certificate_request.as_ref().map(|q| {
        format!(
            "CertificateRequest received: {} acceptable CA names, {} signature schemes",
            q.ca_names.len(),
            q.schemes.len()
        )
    });
    // TLS 1.3 sends CertificateRequest before the server's Certificate; TLS 1.2 after it.
    if tls13 {
        s.extend(request.clone());
        s.extend(chain);
    } else {
        s.extend(chain);
        s.extend(request.clone());
    }
    if request.is_some() {
        // A server alert after our choice answers our Certificate flight: it was sent (TLS 1.2
        // sends it before the server's Finished; TLS 1.3 servers reject after the handshake).
        let sent = failure.is_none_or(|f| f.starts_with(SERVER_ALERT));
        s.push(match (&r.client_certificate_sent, sent) {
            (Some(label), true) => format!("Certificate sent: {label} (and CertificateVerify)"),
            (Some(label), false) => format!("client certificate chosen: {label}"),
            (None, _) => match &r.client_key_error {
                Some(e) => format!("empty Certificate sent: the chosen key cannot be used ({e})"),
                None => "empty Certificate sent (no client certificate)".to_string(),
            },
        });
    }
    match failure {
        Some(f) if answer.is_none() => s.push(format!("handshake failed: {f}")),
        _ => {
            s.push("Finished exchanged: handshake complete".to_string());
            s.extend(answer);
        }
    }
    s
}

fn drive(conn: &mut rustls::ClientConnection, sock: &mut DeadlineStream) -> Result<(), String> {
    while conn.is_handshaking() {
        match conn.complete_io(sock) {
            Ok(_) => {}
            Err(e) if deadline::is_timeout(&e) => {
                return Err("timed out during the handshake".into());
            }
            Err(e) => return Err(describe_io(&e)),
        }
    }
    Ok(())
}

/// After a TLS 1.3 handshake with a CertificateRequest, reads what the server sends for up to
/// `grace`: session tickets are counted and read past; an alert is a rejection; application
/// data, close_notify or silence until the grace period ends is acceptance at the TLS layer.
/// Returns the verdict and a step saying exactly what was seen.
fn await_verdict(
    conn: &mut rustls::ClientConnection,
    sock: &mut DeadlineStream,
    grace: Duration,
) -> (Result<(), String>, String) {
    use std::io::Read;
    let tickets = |conn: &rustls::ClientConnection| match conn.tls13_tickets_received() {
        0 => String::new(),
        1 => "1 session ticket, ".to_string(),
        n => format!("{n} session tickets, "),
    };
    let start = Instant::now();
    let until = start + grace;
    let limit = sock.deadline().min(until);
    loop {
        let now = Instant::now();
        if now >= limit {
            let how = if limit < until {
                format!(
                    "the timeout ended the wait after {:.1} s",
                    (now - start).as_secs_f64()
                )
            } else {
                format!("no alert within {:.1} s", grace.as_secs_f64())
            };
            return (
                Ok(()),
                format!("{}{how}: accepted at the TLS layer", tickets(conn)),
            );
        }
        let read = sock.with_deadline(limit, |s| conn.read_tls(s));
        match read {
            Ok(0) => {
                return (
                    Ok(()),
                    format!(
                        "{}the server closed the connection without an alert: accepted at the TLS layer",
                        tickets(conn)
                    ),
                );
            }
            Ok(_) => {}
            Err(e) if deadline::is_timeout(&e) => continue,
            Err(e) => {
                let msg = describe_io(&e);
                return (
                    Err(msg.clone()),
                    format!("server rejected the connection after the handshake: {msg}"),
                );
            }
        }
        if let Err(e) = conn.process_new_packets() {
            let msg = describe_tls(&e);
            return (
                Err(msg.clone()),
                format!(
                    "{}server rejected the connection after the handshake: {msg}",
                    tickets(conn)
                ),
            );
        }
        let mut buf = [0u8; 1];
        match conn.reader().read(&mut buf) {
            Ok(0) => {
                return (
                    Ok(()),
                    format!(
                        "{}close_notify from the server: accepted at the TLS layer",
                        tickets(conn)
                    ),
                );
            }
            Ok(_) => {
                return (
                    Ok(()),
                    format!(
                        "{}application data from the server: accepted at the TLS layer",
                        tickets(conn)
                    ),
                );
            }
            Err(_) => {}
        }
    }
}

const SERVER_ALERT: &str = "the server sent alert";

fn describe_io(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => describe_tls(tls),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof
            || e.kind() == std::io::ErrorKind::ConnectionReset =>
        {
            "the server closed the connection".into()
        }
        None => e.to_string(),
    }
}

/// rustls's error as one line. Its text may quote the peer (a certificate name, say); the
/// CLI escapes it before printing.
fn describe_tls(e: &rustls::Error) -> String {
    match e {
        rustls::Error::AlertReceived(alert) => format!("{SERVER_ALERT} {alert:?}"),
        rustls::Error::InvalidMessage(m) => {
            format!("not a TLS server, or a broken one ({m:?})")
        }
        other => other.to_string(),
    }
}
