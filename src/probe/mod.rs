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
    push(
        &record,
        format!("TCP connected to {}:{}", opts.host, opts.port),
    );
    push(&record, "ClientHello sent".into());
    let outcome = drive(&mut conn, &mut sock, deadline, &record);
    let mut outcome = outcome;
    if outcome.is_ok() {
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
        push(&record, "Finished exchanged: handshake complete".into());
        if let Some(wait) = opts.await_answer {
            outcome = await_answer(
                &mut conn,
                &mut sock,
                wait.min(deadline.saturating_duration_since(Instant::now())),
                &record,
            );
        }
        let _ = conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
    }
    let mut r = std::mem::take(&mut *lock(&record));
    r.failure = outcome.err();
    Ok(r)
}

fn lock(r: &Mutex<HandshakeRecord>) -> std::sync::MutexGuard<'_, HandshakeRecord> {
    r.lock().unwrap_or_else(|p| p.into_inner())
}

fn push(r: &Mutex<HandshakeRecord>, step: String) {
    lock(r).steps.push(step);
}

fn drive(
    conn: &mut rustls::ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
    record: &Mutex<HandshakeRecord>,
) -> Result<(), String> {
    let mut saw_server_hello = false;
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out during the handshake".into());
        }
        let _ = sock.set_read_timeout(Some(left));
        let _ = sock.set_write_timeout(Some(left));
        match conn.complete_io(sock) {
            Ok((_, read)) => {
                if read > 0 && !saw_server_hello {
                    saw_server_hello = true;
                    push(record, "ServerHello received".into());
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return Err("timed out during the handshake".into());
            }
            Err(e) => return Err(describe_io(&e)),
        }
    }
    Ok(())
}

/// Waits for the server's first message after the handshake: application data or a
/// session ticket means it accepted us; an alert means it did not.
fn await_answer(
    conn: &mut rustls::ClientConnection,
    sock: &mut TcpStream,
    wait: Duration,
    record: &Mutex<HandshakeRecord>,
) -> Result<(), String> {
    if wait.is_zero() {
        return Ok(());
    }
    let _ = sock.set_read_timeout(Some(wait));
    match conn.complete_io(sock) {
        Ok((_, 0)) => {
            push(
                record,
                "server closed the connection without an alert".into(),
            );
            Ok(())
        }
        Ok(_) => {
            let mut buf = [0u8; 1];
            match conn.reader().read(&mut buf) {
                Ok(_) | Err(_) => {}
            }
            push(
                record,
                "server answered after the handshake: client accepted".into(),
            );
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
            push(
                record,
                format!(
                    "no alert from the server within {} ms: client accepted",
                    wait.as_millis()
                ),
            );
            Ok(())
        }
        Err(e) => {
            let msg = describe_io(&e);
            push(
                record,
                format!("server rejected the connection after the handshake: {msg}"),
            );
            Err(msg)
        }
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::AlertReceived(alert)) => format!("the server sent alert {alert:?}"),
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
