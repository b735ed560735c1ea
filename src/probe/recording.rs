//! The two rustls hooks that record a handshake: a server-certificate verifier that keeps
//! the chain and its verification result (still checking handshake signatures), and a
//! client-certificate resolver that keeps the CertificateRequest and asks the chooser.

use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
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
        let inner = if roots.is_empty() {
            None
        } else {
            let mut store = rustls::RootCertStore::empty();
            for r in roots {
                // A root rustls cannot use (odd encoding) is skipped, as browsers do.
                let _ = store.add(CertificateDer::from(r.clone()));
            }
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
    ) -> Self {
        RecordingResolver {
            provider,
            chooser,
            record,
        }
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
        let info = CertificateRequestInfo {
            ca_names: root_hint_subjects.iter().map(|n| full_name(n)).collect(),
            schemes: sigschemes
                .iter()
                .map(|s| SigScheme(u16::from(*s)))
                .collect(),
        };
        lock(&self.record).certificate_request = Some(info.clone());
        let identity = self
            .chooser
            .as_ref()?
            .choose(&info.ca_names, &info.schemes)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.pkcs8.to_vec()));
        let signer = match self.provider.key_provider.load_private_key(key) {
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
