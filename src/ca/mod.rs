//! A local certificate authority kept in a directory (layout in [`dir`], index format in
//! [`index`], both documented in docs/ca.md): creating root and intermediate CAs ([`init`]),
//! the issuance policy ([`policy`]), signing ([`issue`]), revoking and CRLs ([`revoke`]),
//! the files a command hands its result to ([`output`]) and the folder's permissions
//! ([`perms`]). This file owns the open CA: reading and checking its files.
//!
//! Every change to the CA's state (index, CRL number) happens under an exclusive lock on
//! `DIR/.lock`, so concurrent `ca sign`/`ca issue` runs never lose a record or reuse a serial.
//! Nothing here prints: what the user should hear about (a clamped validity, extensions
//! of a request that were not copied) is returned as [`Note`]s.

pub mod dir;
mod error;
pub mod index;
mod init;
mod issue;
pub mod output;
pub mod perms;
mod policy;
mod revoke;

pub use error::CaError;
pub use init::{NewCa, init};
pub use issue::Issued;
pub use output::{Content, OutputPlan};
pub use policy::{IssueRequest, Note, request_from_csr};

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, SubjectKeyIdentifier};

use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::cert::{self, CertError};
use crate::pki::key::{PrivateKey, same_public_key};
use crate::pki::name;
use crate::pki::{inspect, oids, signed};
use dir::{Config, Kind, Lock};
use error::{corrupt, io_err, io_failed};
use index::Index;

/// Default validity of a root CA: 10 years.
pub const ROOT_DAYS: u32 = 3650;
/// Default validity of an intermediate CA: 5 years (clamped to the parent's).
pub const INTERMEDIATE_DAYS: u32 = 1825;
/// Default validity of a leaf: 398 days, the CA/Browser Forum maximum for TLS server
/// certificates since 2020-09-01 (Baseline Requirements §6.3.2; Apple HT211025).
pub const LEAF_DAYS: u32 = 398;
/// Certificates start one minute in the past, so a peer whose clock is slightly behind
/// accepts a certificate issued a moment ago.
const BACKDATE: i64 = 60;
const DAY: i64 = 86_400;
const COMMON_NAME: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("2.5.4.3");

/// An open CA directory.
#[derive(Debug, Clone)]
pub struct Ca {
    pub dir: PathBuf,
    pub config: Config,
    pub cert_der: Vec<u8>,
    /// chain.pem: this CA and the intermediates above it (empty for a root).
    pub chain_pem: String,
    pub root_pem: String,
}

fn read(path: &Path) -> Result<Vec<u8>, CaError> {
    crate::fsio::read_input(path).map_err(io_err(path))
}

/// The first certificate in PEM (or DER) bytes.
fn first_cert(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, CaError> {
    pem::first_der(bytes, "CERTIFICATE")
        .map_err(|e| corrupt(path, e.to_string()))?
        .ok_or_else(|| corrupt(path, "no CERTIFICATE block"))
}

fn cert_times(cert: &Certificate) -> (i64, i64) {
    let v = cert.tbs_certificate().validity();
    (
        v.not_before.to_unix_duration().as_secs() as i64,
        v.not_after.to_unix_duration().as_secs() as i64,
    )
}

/// A certificate's basicConstraints, when it has a readable one.
pub(crate) fn basic_constraints(cert: &Certificate) -> Option<BasicConstraints> {
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == oids::EXT_BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
}

impl Ca {
    /// Opens the CA in `dir`, checking that its files are readable and consistent, and
    /// refusing a folder or key others could read or swap (`perms::check`).
    pub fn open(dir: &Path) -> Result<Ca, CaError> {
        if dir::is_ca(dir) {
            perms::check(dir)?;
        }
        Ca::open_to_inspect(dir)
    }

    /// [`Ca::open`] without the permission check, for read-only inspection that reports
    /// unsafe permissions itself (`doctor`); never for signing with the key.
    pub fn open_to_inspect(dir: &Path) -> Result<Ca, CaError> {
        if !dir::is_ca(dir) {
            return Err(CaError::NotACa(dir.to_path_buf()));
        }
        let cfg_path = dir.join(dir::CONFIG);
        let config: Config = serde_json::from_slice(&read(&cfg_path)?)
            .map_err(|e| corrupt(&cfg_path, e.to_string()))?;
        if config.format != dir::FORMAT {
            return Err(corrupt(
                &cfg_path,
                format!(
                    "unsupported format {} (expected {})",
                    config.format,
                    dir::FORMAT
                ),
            ));
        }
        let cert_path = dir.join(dir::CERT);
        let cert_der = first_cert(&cert_path, &read(&cert_path)?)?;
        let cert = Certificate::from_der(&cert_der)
            .map_err(|e| corrupt(&cert_path, format!("not a certificate: {e}")))?;
        if !basic_constraints(&cert).is_some_and(|b| b.ca) {
            return Err(corrupt(
                &cert_path,
                "not a CA certificate (basicConstraints cA is not TRUE)",
            ));
        }
        let chain_path = dir.join(dir::CHAIN);
        let chain_pem = String::from_utf8(read(&chain_path)?)
            .map_err(|_| corrupt(&chain_path, "not PEM text"))?;
        let root_path = dir.join(dir::ROOT);
        let root_pem = String::from_utf8(read(&root_path)?)
            .map_err(|_| corrupt(&root_path, "not PEM text"))?;
        Ok(Ca {
            dir: dir.to_path_buf(),
            config,
            cert_der,
            chain_pem,
            root_pem,
        })
    }

    fn cert(&self) -> Certificate {
        // Parsed successfully in `open`.
        Certificate::from_der(&self.cert_der).expect("CA certificate parsed at open")
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.join(dir::KEY)
    }

    pub fn cert_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.cert_der)
    }

    /// The CA certificate's subject, DER, verbatim.
    pub fn subject_der(&self) -> &[u8] {
        signed::cert_issuer_subject(&self.cert_der)
            .map(|(_, s)| s)
            .unwrap_or_default()
    }

    pub fn subject_text(&self) -> String {
        name::to_rfc4514(self.cert().tbs_certificate().subject())
    }

    pub fn validity(&self) -> (i64, i64) {
        cert_times(&self.cert())
    }

    /// This CA's certificate, its chain and the root, DER (for checking name constraints).
    pub fn chain_ders(&self) -> Vec<Vec<u8>> {
        let mut out = vec![self.cert_der.clone()];
        for text in [&self.chain_pem, &self.root_pem] {
            let blocks = pem::parse_all(text.as_bytes()).unwrap_or_default();
            out.extend(
                blocks
                    .into_iter()
                    .filter(|b| b.label == "CERTIFICATE")
                    .map(|b| b.der),
            );
        }
        out
    }

    /// The CA's key identifier: its certificate's SKI, else computed (RFC 5280 method 1).
    pub fn key_id(&self) -> Result<Vec<u8>, CaError> {
        let cert = self.cert();
        if let Some(ski) = cert
            .tbs_certificate()
            .extensions()
            .and_then(|e| e.iter().find(|e| e.extn_id == oids::EXT_SUBJECT_KEY_ID))
            .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
        {
            return Ok(ski.0.as_bytes().to_vec());
        }
        let spki = cert::cert_spki(&self.cert_der).unwrap_or_default();
        Ok(cert::key_identifier(spki)?)
    }

    /// The CA certificate's pathLenConstraint.
    pub fn path_len(&self) -> Option<u8> {
        basic_constraints(&self.cert()).and_then(|b| b.path_len_constraint)
    }

    /// Fails when the CA certificate is not valid at `now`.
    pub fn check_valid(&self, now: i64) -> Result<(), CaError> {
        let (nb, na) = self.validity();
        if now > na {
            return Err(CaError::Expired(index::format_time(na)));
        }
        if now < nb {
            return Err(CaError::NotYetValid(index::format_time(nb)));
        }
        Ok(())
    }

    /// Fails unless `key` is the private key of the CA certificate.
    pub fn check_key(&self, key: &PrivateKey) -> Result<(), CaError> {
        let ours = key
            .public_key_info()
            .map_err(CertError::from)?
            .to_der()
            .map_err(CertError::from)?;
        let theirs = cert::cert_spki(&self.cert_der).unwrap_or_default();
        if !same_public_key(&ours, theirs) {
            return Err(CaError::KeyMismatch(self.key_path()));
        }
        Ok(())
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join(index::FILE_NAME)
    }

    fn lock(&self) -> Result<Lock, CaError> {
        Lock::acquire(&self.dir).map_err(|cause| CaError::Lock {
            path: self.dir.join(dir::LOCK),
            cause,
        })
    }

    /// Reads the index (callers that modify it hold the lock).
    pub fn index(&self) -> Result<Index, CaError> {
        Index::parse(&self.index_text()?).map_err(|e| self.index_error(e))
    }

    fn write_index(&self, idx: &Index) -> Result<(), CaError> {
        fsio::write_atomic(
            &self.index_path(),
            idx.serialize().as_bytes(),
            Mode::Public,
            true,
        )?;
        Ok(())
    }

    /// The index record by record, read as it is consumed ([`index::Reader`]).
    pub fn records(&self) -> Result<impl Iterator<Item = Result<index::Record, CaError>>, CaError> {
        let path = self.index_path();
        let file: Box<dyn std::io::Read> = match std::fs::File::open(&path) {
            Ok(f) => Box::new(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Box::new(std::io::empty()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let dir = self.dir.clone();
        Ok(
            index::Reader::new(std::io::BufReader::new(file)).map(move |r| {
                r.map_err(|err| CaError::Index {
                    err,
                    dir: dir.clone(),
                })
            }),
        )
    }

    /// The index file's text (empty when there is none yet).
    fn index_text(&self) -> Result<String, CaError> {
        let path = self.index_path();
        match crate::fsio::read_input(&path) {
            Ok(b) => String::from_utf8(b).map_err(|_| corrupt(&path, "not UTF-8 text")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    fn index_error(&self, err: index::IndexError) -> CaError {
        CaError::Index {
            err,
            dir: self.dir.clone(),
        }
    }
}

/// What `show DIR` reports about a CA.
#[derive(Debug, serde::Serialize)]
pub struct CaSummary {
    pub directory: String,
    pub kind: Kind,
    pub certificate: inspect::CertSummary,
    /// chain.pem, this CA first, root excluded.
    pub chain: Vec<inspect::CertSummary>,
    pub root: Option<inspect::CertSummary>,
    pub key_encrypted: Option<bool>,
    pub issued: usize,
    pub revoked: usize,
    pub crl_number: u64,
}

impl Ca {
    pub fn summary(&self) -> Result<CaSummary, CaError> {
        let idx = self.index()?;
        let certs = |pem_text: &str| -> Vec<inspect::CertSummary> {
            pem::parse_all(pem_text.as_bytes())
                .unwrap_or_default()
                .iter()
                .filter(|b| b.label == "CERTIFICATE")
                .filter_map(|b| inspect::certificate(&b.der).ok())
                .collect()
        };
        let key_encrypted = crate::fsio::read_input(&self.key_path())
            .ok()
            .and_then(|b| crate::pki::keyfile::is_encrypted(&b).ok());
        Ok(CaSummary {
            directory: self.dir.display().to_string(),
            kind: self.config.kind,
            certificate: inspect::certificate(&self.cert_der)
                .map_err(|e| corrupt(&self.dir.join(dir::CERT), e.to_string()))?,
            chain: certs(&self.chain_pem),
            root: certs(&self.root_pem).into_iter().next(),
            key_encrypted,
            issued: idx.records.len(),
            revoked: idx.revoked_count(),
            crl_number: self.config.crl_number,
        })
    }
}
