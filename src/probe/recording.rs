//! The two rustls hooks that record a handshake: a server-certificate verifier that keeps
//! the chain and its verification result (still checking handshake signatures), and a
//! client-certificate resolver that keeps the CertificateRequest and asks the chooser, and
//! a key-log hook that only notes whether TLS 1.3 secrets were derived (so the resolver
//! knows the protocol version, which rustls does not pass it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::{CertificateRequestInfo, ClientCertChooser, HandshakeRecord, lock};
use crate::select::schemes::SigScheme;
use crate::store::CertDer;

#[derive(Debug)]
pub struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    inner: Option<Arc<WebPkiServerVerifier>>,
    enforce: bool,
    record: Arc<Mutex<HandshakeRecord>>,
}

impl RecordingVerifier {
    pub fn new(
        provider: Arc<CryptoProvider>,
        roots: &[CertDer],
        enforce: bool,
        record: Arc<Mutex<HandshakeRecord>>,
    ) -> Result<Self, String> {
        let mut store = rustls::RootCertStore::empty();
        for r in roots {
            // Unusable anchors were named and dropped by `anchors::usable`/`system`; any
            // left here are skipped, never fatal.
            let _ = store.add(CertificateDer::from(r.clone()));
        }
        let inner = if store.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok(RecordingVerifier {
            provider,
            inner,
            enforce,
            record,
        })
    }
}

impl RecordingVerifier {
    /// Whether at least one usable trust anchor was given.
    pub fn has_anchors(&self) -> bool {
        self.inner.is_some()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.as_ref().map(|v| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ())
        });
        {
            let mut r = lock(&self.record);
            r.server_chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.as_ref().to_vec())
                .collect();
            r.chain_verification = result
                .as_ref()
                .map(|res| res.clone().map_err(|e| e.to_string()));
        }
        match result {
            Some(Err(e)) if self.enforce => Err(e),
            // Enforcing without anchors cannot happen (the probe refuses first); failing
            // here keeps it closed all the same.
            None if self.enforce => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[derive(Debug)]
pub struct RecordingResolver {
    provider: Arc<CryptoProvider>,
    chooser: Option<Arc<dyn ClientCertChooser>>,
    record: Arc<Mutex<HandshakeRecord>>,
    version: Arc<VersionSpy>,
}

impl std::fmt::Debug for dyn ClientCertChooser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCertChooser")
    }
}

impl RecordingResolver {
    pub fn new(
        provider: Arc<CryptoProvider>,
        chooser: Option<Arc<dyn ClientCertChooser>>,
        record: Arc<Mutex<HandshakeRecord>>,
        version: Arc<VersionSpy>,
    ) -> Self {
        RecordingResolver {
            provider,
            chooser,
            record,
            version,
        }
    }
}

/// Notes that TLS 1.3 handshake secrets were derived (right after a TLS 1.3 ServerHello,
/// before any CertificateRequest). It asks for no other secret and keeps none.
#[derive(Debug, Default)]
pub struct VersionSpy {
    tls13: AtomicBool,
}

impl VersionSpy {
    fn is_tls13(&self) -> bool {
        self.tls13.load(Ordering::SeqCst)
    }
}

const TLS13_MARK: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";

impl rustls::KeyLog for VersionSpy {
    fn log(&self, label: &str, _client_random: &[u8], _secret: &[u8]) {
        if label == TLS13_MARK {
            self.tls13.store(true, Ordering::SeqCst);
        }
    }

    fn will_log(&self, label: &str) -> bool {
        label == TLS13_MARK
    }
}

/// A CA name as sent in TLS, normalised to a full DER Name (some stacks omit the outer
/// SEQUENCE header).
fn full_name(raw: &[u8]) -> Vec<u8> {
    if x509_cert::name::Name::from_der(raw).is_ok() {
        return raw.to_vec();
    }
    der::asn1::AnyRef::new(der::Tag::Sequence, raw)
        .ok()
        .and_then(|a| a.to_der().ok())
        .unwrap_or_else(|| raw.to_vec())
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let tls13 = self.version.is_tls13();
        let info = CertificateRequestInfo {
            ca_names: root_hint_subjects.iter().map(|n| full_name(n)).collect(),
            schemes: sigschemes
                .iter()
                .map(|s| SigScheme(u16::from(*s)))
                .collect(),
            tls13,
        };
        lock(&self.record).certificate_request = Some(info.clone());
        let identity = self.chooser.as_ref()?.choose(&info)?;
        let signer = match super::ecdsa12::load(&self.provider, &identity.pkcs8, tls13) {
            Ok(k) => k,
            Err(e) => {
                lock(&self.record).client_key_error = Some(format!("{}: {e}", identity.label));
                return None;
            }
        };
        let chain = identity
            .chain
            .iter()
            .map(|c| CertificateDer::from(c.clone()))
            .collect();
        lock(&self.record).client_certificate_sent = Some(identity.label);
        Some(Arc::new(rustls::sign::CertifiedKey::new(chain, signer)))
    }

    fn has_certs(&self) -> bool {
        true
    }
}
