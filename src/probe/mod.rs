//! A TLS client (rustls) that records what a handshake shows: the server's chain and its
//! verification result, the CertificateRequest (acceptable CA names, signature schemes),
//! the negotiated parameters, and a step-by-step trace. It returns data; the CLI prints.
//!
//! The client certificate, when the server asks for one, comes from a [`ClientCertChooser`]
//! called inside the handshake, so the choice sees exactly what the server sent.

mod recording;

use std::io::{ErrorKind, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use zeroize::Zeroizing;

use crate::select::schemes::SigScheme;
use crate::store::CertDer;

/// Picks the client certificate once the server's CertificateRequest is known.
pub trait ClientCertChooser: Send + Sync {
    /// Returns the chain (leaf first) and PKCS#8 key to send, or None to send none.
    fn choose(&self, ca_names: &[Vec<u8>], schemes: &[SigScheme]) -> Option<ClientIdentity>;
}

pub struct ClientIdentity {
    pub label: String,
    pub chain: Vec<CertDer>,
    pub pkcs8: Zeroizing<Vec<u8>>,
}

pub struct ProbeOptions<'a> {
    pub host: &'a str,
    pub port: u16,
    /// SNI and the name the server certificate is checked against.
    pub server_name: &'a str,
    pub timeout: Duration,
    /// Trust anchors for verifying the server (DER); empty: the chain is recorded unverified.
    pub roots: Vec<CertDer>,
    /// Abort the handshake when the server chain does not verify.
    pub enforce_trust: bool,
    pub chooser: Option<Arc<dyn ClientCertChooser>>,
    /// After the handshake, wait this long for the server's first message or alert
    /// (TLS 1.3 servers reject a client certificate only after the client's Finished).
    pub await_answer: Option<Duration>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CertificateRequestInfo {
    /// Acceptable CA names as DER (empty: the server accepts any CA).
    #[serde(skip)]
    pub ca_names: Vec<Vec<u8>>,
    pub schemes: Vec<SigScheme>,
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
    pub version: Option<String>,
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
}

fn connect(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, ProbeError> {
    let addr_text = format!("{host}:{port}");
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|_| ProbeError::Resolve(addr_text.clone()))?
        .collect();
    let mut last = String::from("no address");
    for addr in addrs {
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
/// connection are recorded in `outcome`; only setup failures are errors.
pub fn handshake(opts: ProbeOptions) -> Result<HandshakeRecord, ProbeError> {
    let deadline = Instant::now() + opts.timeout;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let record = Arc::new(Mutex::new(HandshakeRecord::default()));
    let verifier = recording::RecordingVerifier::new(
        provider.clone(),
        &opts.roots,
        opts.enforce_trust,
        record.clone(),
    )
    .map_err(ProbeError::Config)?;
    let resolver =
        recording::RecordingResolver::new(provider.clone(), opts.chooser.clone(), record.clone());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(resolver));
    let name = ServerName::try_from(opts.server_name.to_string())
        .map_err(|_| ProbeError::ServerName(opts.server_name.to_string()))?;
    let mut sock = connect(opts.host, opts.port, deadline)?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| ProbeError::Config(e.to_string()))?;
    let mut outcome = drive(&mut conn, &mut sock, deadline);
    {
        let mut r = lock(&record);
        r.version = conn.protocol_version().map(|v| format!("{v:?}"));
        r.cipher_suite = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        r.key_exchange = conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name()));
    }
    let mut answer = None;
    if outcome.is_ok() {
        if let Some(wait) = opts.await_answer {
            let wait = wait.min(deadline.saturating_duration_since(Instant::now()));
            let (res, note) = await_answer(&mut conn, &mut sock, wait);
            outcome = res;
            answer = Some(note);
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
    }
    let mut r = std::mem::take(&mut *lock(&record));
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
        "ClientHello sent".to_string(),
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

fn drive(
    conn: &mut rustls::ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
) -> Result<(), String> {
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out during the handshake".into());
        }
        let _ = sock.set_read_timeout(Some(left));
        let _ = sock.set_write_timeout(Some(left));
        match conn.complete_io(sock) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return Err("timed out during the handshake".into());
            }
            Err(e) => return Err(describe_io(&e)),
        }
    }
    Ok(())
}

/// Waits for the server's first message after the handshake: application data or a
/// session ticket means it accepted us; an alert means it did not. Returns the verdict and
/// a step describing it.
fn await_answer(
    conn: &mut rustls::ClientConnection,
    sock: &mut TcpStream,
    wait: Duration,
) -> (Result<(), String>, String) {
    if wait.is_zero() {
        return (
            Ok(()),
            "no time left to wait for the server's answer".into(),
        );
    }
    let _ = sock.set_read_timeout(Some(wait));
    match conn.complete_io(sock) {
        Ok((_, 0)) => (
            Ok(()),
            "server closed the connection without an alert".into(),
        ),
        Ok(_) => {
            let mut buf = [0u8; 1];
            let _ = conn.reader().read(&mut buf);
            (
                Ok(()),
                "server answered after the handshake: client accepted".into(),
            )
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => (
            Ok(()),
            format!(
                "no alert from the server within {} ms: client accepted",
                wait.as_millis()
            ),
        ),
        Err(e) => {
            let msg = describe_io(&e);
            (
                Err(msg.clone()),
                format!("server rejected the connection after the handshake: {msg}"),
            )
        }
    }
}

const SERVER_ALERT: &str = "the server sent alert";

fn describe_io(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::AlertReceived(alert)) => format!("{SERVER_ALERT} {alert:?}"),
        Some(rustls::Error::InvalidMessage(m)) => {
            format!("not a TLS server, or a broken one ({m:?})")
        }
        Some(other) => other.to_string(),
        None if e.kind() == ErrorKind::UnexpectedEof || e.kind() == ErrorKind::ConnectionReset => {
            "the server closed the connection".into()
        }
        None => e.to_string(),
    }
}
