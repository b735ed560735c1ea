//! A local certificate authority kept in a directory (layout in [`dir`], index format in
//! [`index`], both documented in docs/ca.md): creating root and intermediate CAs, signing
//! requests under a profile, revoking, and CRLs.
//!
//! Every change to the CA's state (index, CRL number) happens under an exclusive lock on
//! `DIR/.lock`, so concurrent `ca sign`/`ca issue` runs never lose a record or reuse a serial.
//! Nothing here prints: what the user should hear about (a clamped validity, extensions
//! of a request that were not copied) is returned as [`Note`]s.

pub mod dir;
pub mod index;

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, SubjectAltName, SubjectKeyIdentifier};
use x509_cert::name::Name;

use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::cert::{self, CertError, CertParams};
use crate::pki::crl::{self, Reason, Revoked};
use crate::pki::csr::{self, CsrError};
use crate::pki::key::PrivateKey;
use crate::pki::name::{self, hex_lower};
use crate::pki::profile::Profile;
use crate::pki::{constraints, inspect, oids, san, signed};
use dir::{Config, Kind, Lock};
use index::{Index, Record, Status};

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

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{0} is not a CA directory (no {cfg}; create one with 'keychest ca init')", cfg = dir::CONFIG)]
    NotACa(PathBuf),
    #[error("{0} already holds a CA; refusing to overwrite it")]
    AlreadyCa(PathBuf),
    #[error("{0} already exists; refusing to create a CA over it")]
    Exists(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] fsio::WriteError),
    #[error("{}: {err}", .dir.display())]
    Index {
        err: index::IndexError,
        dir: PathBuf,
    },
    #[error("{path}: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the CA key {0} does not match the CA certificate")]
    KeyMismatch(PathBuf),
    #[error("the CA certificate expired on {0}")]
    Expired(String),
    #[error("the CA certificate is not valid before {0}")]
    NotYetValid(String),
    #[error(transparent)]
    Cert(#[from] CertError),
    #[error(transparent)]
    Csr(#[from] CsrError),
    #[error(
        "the request has no subject alternative name and its CN {0} is not a DNS name or IP address: give --san"
    )]
    NoServerName(String),
    #[error("a server certificate needs a name: the request has no SAN and no CN (give --san)")]
    NoNames,
    #[error("this CA's path length constraint ({0}) does not allow it to issue CA certificates")]
    PathLenExhausted(u8),
    #[error("--path-len {wanted} is too large: the issuing CA's path length constraint is {limit}")]
    PathLenTooLarge { wanted: u8, limit: u8 },
    #[error("no certificate with serial {0} in the index")]
    UnknownSerial(String),
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("the certificate was not issued by this CA (its issuer is {0})")]
    OtherIssuer(String),
    #[error("invalid serial number '{0}' (expected hex)")]
    BadSerial(String),
    #[error(transparent)]
    Constraint(#[from] constraints::ConstraintError),
    #[error("cannot lock {}: {source}", .path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Something the user should be told about an issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The requested validity would have outlived the CA: notAfter is the CA's.
    Clamped { requested: i64, not_after: i64 },
    /// Extensions requested in the CSR that were not copied (policy: only SAN is copied).
    DroppedExtensions(Vec<String>),
    /// The CSR's SANs were replaced by `--san`.
    SansOverridden,
    /// A server certificate without SAN got its CN as a SAN.
    CnAsSan(String),
}

/// What to certify: the subject and key come from a request (verbatim) or a new key.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// DER Name.
    pub subject: Vec<u8>,
    /// DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    pub sans: Vec<GeneralName>,
    pub profile: Profile,
    pub days: u32,
    /// pathLenConstraint for the `ca` profile.
    pub path_len: Option<u8>,
    /// nameConstraints for the `ca` profile (`ca init --permit/--exclude`).
    pub name_constraints: Option<constraints::Constraints>,
}

/// The result of an issuance.
#[derive(Debug, Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub serial: String,
    pub not_after: i64,
    pub notes: Vec<Note>,
}

/// Policy for a received CSR (docs/ca.md): its signature must verify; its subject and public
/// key are copied byte for byte; of the extensions it requests only subjectAltName is copied
/// (unless `san_override` replaces it); everything else — key usages, basic constraints, key
/// identifiers, unknown extensions — is decided by the profile and reported as dropped.
pub fn request_from_csr(
    csr_der: &[u8],
    profile: Profile,
    days: u32,
    path_len: Option<u8>,
    subject_override: Option<Vec<u8>>,
    san_override: Option<Vec<GeneralName>>,
) -> Result<(IssueRequest, Vec<Note>), CaError> {
    let req = csr::parse_and_verify(csr_der)?;
    let malformed = || CsrError::Malformed("cannot locate subject and key".into());
    let elems = signed::tbs_bytes(csr_der)
        .and_then(signed::sequence_elements)
        .ok_or_else(malformed)?;
    let (subject, spki) = match (elems.get(1), elems.get(2)) {
        (Some(s), Some(k)) => (s.to_vec(), k.to_vec()),
        _ => return Err(malformed().into()),
    };
    let mut notes = Vec::new();
    let mut csr_sans = Vec::new();
    let mut dropped = Vec::new();
    for ext in csr::requested_extensions(&req)? {
        if ext.extn_id == oids::EXT_SUBJECT_ALT_NAME {
            let parsed = SubjectAltName::from_der(ext.extn_value.as_bytes())
                .map_err(|e| CsrError::Malformed(format!("subjectAltName: {e}")))?;
            csr_sans.extend(parsed.0);
        } else {
            dropped.push(inspect::extension_name(&ext.extn_id));
        }
    }
    if !dropped.is_empty() {
        notes.push(Note::DroppedExtensions(dropped));
    }
    let sans = match san_override {
        Some(s) => {
            if !csr_sans.is_empty() {
                notes.push(Note::SansOverridden);
            }
            s
        }
        None => csr_sans,
    };
    Ok((
        IssueRequest {
            subject: subject_override.unwrap_or(subject),
            spki,
            sans,
            profile,
            days,
            path_len,
            name_constraints: None,
        },
        notes,
    ))
}

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

fn corrupt(path: &Path, detail: impl Into<String>) -> CaError {
    CaError::Corrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// The first certificate in PEM (or DER) bytes.
fn first_cert(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, CaError> {
    if pem::looks_like_pem(bytes) {
        let blocks = pem::parse_all(bytes).map_err(|e| corrupt(path, e.to_string()))?;
        blocks
            .into_iter()
            .find(|b| b.label == "CERTIFICATE")
            .map(|b| b.der)
            .ok_or_else(|| corrupt(path, "no CERTIFICATE block"))
    } else {
        Ok(bytes.to_vec())
    }
}

fn cert_times(cert: &Certificate) -> (i64, i64) {
    let v = cert.tbs_certificate().validity();
    (
        v.not_before.to_unix_duration().as_secs() as i64,
        v.not_after.to_unix_duration().as_secs() as i64,
    )
}

fn basic_constraints(cert: &Certificate) -> Option<BasicConstraints> {
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == oids::EXT_BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
}

impl Ca {
    /// Opens the CA in `dir`, checking that its files are readable and consistent.
    pub fn open(dir: &Path) -> Result<Ca, CaError> {
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
        if ours != theirs {
            // Compare parsed too: an SPKI may be encoded with explicit NULL parameters etc.
            let a = spki::SubjectPublicKeyInfoRef::from_der(&ours).ok();
            let b = spki::SubjectPublicKeyInfoRef::from_der(theirs).ok();
            let same = matches!((a, b), (Some(a), Some(b))
                if a.subject_public_key == b.subject_public_key && a.algorithm.oid == b.algorithm.oid);
            if !same {
                return Err(CaError::KeyMismatch(self.key_path()));
            }
        }
        Ok(())
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join(index::FILE_NAME)
    }

    fn lock(&self) -> Result<Lock, CaError> {
        Lock::acquire(&self.dir).map_err(|source| CaError::Lock {
            path: self.dir.join(dir::LOCK),
            source,
        })
    }

    /// Reads the index (callers that modify it hold the lock).
    pub fn index(&self) -> Result<Index, CaError> {
        let path = self.index_path();
        let text = match crate::fsio::read_input(&path) {
            Ok(b) => String::from_utf8(b).map_err(|_| corrupt(&path, "not UTF-8 text"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io_err(&path)(e)),
        };
        Index::parse(&text).map_err(|err| CaError::Index {
            err,
            dir: self.dir.clone(),
        })
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

    /// Signs `req` with `key` (checked with [`Self::check_key`] by the caller), records it
    /// in the index and keeps a copy in `certs/`.
    pub fn issue(&self, key: &PrivateKey, req: &IssueRequest, now: i64) -> Result<Issued, CaError> {
        self.check_valid(now)?;
        let mut notes = Vec::new();
        let mut sans = req.sans.clone();
        let subject = Name::from_der(&req.subject)
            .map_err(|e| CsrError::Malformed(format!("subject: {e}")))?;
        if req.profile.is_server() && sans.is_empty() {
            let cn = name::first_value(&subject, &COMMON_NAME).ok_or(CaError::NoNames)?;
            match san::classify(&cn) {
                Ok(g @ (GeneralName::DnsName(_) | GeneralName::IpAddress(_))) => {
                    notes.push(Note::CnAsSan(san::display(&g)));
                    sans.push(g);
                }
                _ => return Err(CaError::NoServerName(cn)),
            }
        }
        // Refused up front: a peer would reject a name outside any CA's constraints anyway.
        constraints::check_chain(&sans, &self.chain_ders())?;
        let path_len = if req.profile.is_ca() {
            let wanted = req.path_len.unwrap_or(0);
            match self.path_len() {
                Some(0) => return Err(CaError::PathLenExhausted(0)),
                Some(limit) if wanted >= limit => {
                    return Err(CaError::PathLenTooLarge {
                        wanted,
                        limit: limit - 1,
                    });
                }
                _ => Some(wanted),
            }
        } else {
            None
        };
        let rsa = spki::SubjectPublicKeyInfoRef::from_der(&req.spki)
            .map(|s| s.algorithm.oid == oids::RSA_ENCRYPTION)
            .unwrap_or(false);
        let ca_key_id = self.key_id()?;
        let mut extensions = vec![
            cert::basic_constraints(req.profile.is_ca(), path_len)?,
            cert::key_usage(req.profile.key_usage(rsa))?,
        ];
        let eku = req.profile.extended_key_usage();
        if !eku.is_empty() {
            extensions.push(cert::extended_key_usage(eku)?);
        }
        extensions.push(cert::subject_key_id(&cert::key_identifier(&req.spki)?)?);
        extensions.push(cert::authority_key_id(&ca_key_id)?);
        if let Some(nc) = req
            .name_constraints
            .as_ref()
            .filter(|_| req.profile.is_ca())
        {
            extensions.push(nc.extension()?);
        }
        if !sans.is_empty() {
            // An empty subject makes the SAN the only name: it must be critical (§4.2.1.6).
            extensions.push(cert::subject_alt_name(&sans, req.subject == [0x30, 0x00])?);
        }
        let not_before = now - BACKDATE;
        let requested = now + i64::from(req.days) * DAY;
        let (_, ca_not_after) = self.validity();
        let not_after = if requested > ca_not_after {
            notes.push(Note::Clamped {
                requested,
                not_after: ca_not_after,
            });
            ca_not_after
        } else {
            requested
        };

        let _lock = self.lock()?;
        let mut idx = self.index()?;
        let serial = new_serial(&idx);
        let serial_hex = hex_lower(&serial);
        let der = cert::sign(
            &CertParams {
                serial: &serial,
                issuer: self.subject_der(),
                subject: &req.subject,
                spki: &req.spki,
                not_before,
                not_after,
                extensions,
            },
            key,
        )?;
        let certs = self.dir.join(dir::CERTS);
        std::fs::create_dir_all(&certs).map_err(io_err(&certs))?;
        let rel = format!("{}/{serial_hex}.pem", dir::CERTS);
        fsio::write_atomic(
            &self.dir.join(&rel),
            pem::encode("CERTIFICATE", &der).as_bytes(),
            Mode::Public,
            false,
        )?;
        idx.records.push(Record {
            serial: serial_hex.clone(),
            status: Status::Valid,
            not_after,
            revoked_at: None,
            reason: None,
            subject: name::to_rfc4514(&subject),
            sans: sans.iter().map(san::display).collect(),
            file: Some(rel),
        });
        self.write_index(&idx)?;
        Ok(Issued {
            der,
            serial: serial_hex,
            not_after,
            notes,
        })
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

    /// The leaf PEM followed by this CA's chain (root excluded).
    pub fn with_chain(&self, leaf_der: &[u8]) -> String {
        let mut out = pem::encode("CERTIFICATE", leaf_der);
        out.push_str(&self.chain_pem);
        out
    }

    /// Marks a certificate revoked in the index.
    pub fn revoke(&self, serial: &str, reason: Reason, now: i64) -> Result<Record, CaError> {
        let wanted = normalize_serial(serial)?;
        let _lock = self.lock()?;
        let mut idx = self.index()?;
        let rec = idx
            .records
            .iter_mut()
            .find(|r| r.serial.trim_start_matches('0') == wanted)
            .ok_or_else(|| CaError::UnknownSerial(serial.to_string()))?;
        if rec.status == Status::Revoked {
            return Err(CaError::AlreadyRevoked(rec.serial.clone()));
        }
        rec.status = Status::Revoked;
        rec.revoked_at = Some(now);
        rec.reason = Some(reason);
        let out = rec.clone();
        self.write_index(&idx)?;
        Ok(out)
    }

    /// The serial (hex) of `cert_der` when this CA issued it.
    pub fn serial_of(&self, cert_der: &[u8]) -> Result<String, CaError> {
        let cert = Certificate::from_der(cert_der)
            .map_err(|e| corrupt(Path::new("--cert"), format!("not a certificate: {e}")))?;
        let (issuer, _) = signed::cert_issuer_subject(cert_der).unwrap_or_default();
        if issuer != self.subject_der()
            && !name::names_equal(
                cert.tbs_certificate().issuer(),
                self.cert().tbs_certificate().subject(),
            )
        {
            return Err(CaError::OtherIssuer(name::to_rfc4514(
                cert.tbs_certificate().issuer(),
            )));
        }
        Ok(hex_lower(cert.tbs_certificate().serial_number().as_bytes()))
    }

    /// Signs a CRL listing every revoked certificate in the index, valid for `days`;
    /// increments and stores the CRL number and keeps a copy in `crl.pem`.
    /// Returns the DER and the CRL number.
    pub fn crl(&self, key: &PrivateKey, days: u32, now: i64) -> Result<(Vec<u8>, u64), CaError> {
        self.check_valid(now)?;
        let key_id = self.key_id()?;
        let _lock = self.lock()?;
        let idx = self.index()?;
        let cfg_path = self.dir.join(dir::CONFIG);
        let mut config: Config = serde_json::from_slice(&read(&cfg_path)?)
            .map_err(|e| corrupt(&cfg_path, e.to_string()))?;
        config.crl_number += 1;
        let mut revoked = Vec::new();
        for r in idx.records.iter().filter(|r| r.status == Status::Revoked) {
            revoked.push(Revoked {
                serial: hex_decode(&r.serial)
                    .ok_or_else(|| CaError::BadSerial(r.serial.clone()))?,
                date: r.revoked_at.unwrap_or(now),
                reason: r.reason,
            });
        }
        let der = crl::sign(
            &crl::CrlParams {
                issuer: self.subject_der(),
                issuer_key_id: &key_id,
                this_update: now - BACKDATE,
                next_update: now + i64::from(days) * DAY,
                number: config.crl_number,
                revoked: &revoked,
            },
            key,
        )?;
        fsio::write_atomic(
            &self.dir.join(dir::CRL),
            pem::encode("X509 CRL", &der).as_bytes(),
            Mode::Public,
            true,
        )?;
        write_config(&self.dir, &config)?;
        Ok((der, config.crl_number))
    }
}

fn write_config(dir: &Path, config: &Config) -> Result<(), CaError> {
    let mut json = serde_json::to_string_pretty(config).unwrap_or_default();
    json.push('\n');
    fsio::write_atomic(&dir.join(dir::CONFIG), json.as_bytes(), Mode::Public, true)?;
    Ok(())
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Accepts `5C1E…`, `5c:1e:…`, `0x5c1e…`, `serial=5C1E…`; returns lowercase hex without
/// leading zeros.
fn normalize_serial(s: &str) -> Result<String, CaError> {
    let t = s.trim();
    let t = t.strip_prefix("serial=").unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let hex: String = t.chars().filter(|c| *c != ':').collect();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CaError::BadSerial(s.to_string()));
    }
    let norm = hex.to_ascii_lowercase().trim_start_matches('0').to_string();
    Ok(norm)
}

/// A new serial number: 16 random bytes with the top bit cleared (so the INTEGER is positive
/// without a sign byte) and a non-zero first byte (so it keeps all 16 bytes): over 126 bits
/// of entropy, well above the 64 bits the CA/Browser Forum requires (BR §7.1). Never one
/// already in the index.
fn new_serial(idx: &Index) -> Vec<u8> {
    use rand::Rng;
    let mut rng = rand::rng();
    loop {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        b[0] &= 0x7f;
        if b[0] == 0 {
            continue;
        }
        if idx.find(&hex_lower(&b)).is_none() {
            return b.to_vec();
        }
    }
}

/// What `ca init` creates.
pub struct NewCa<'a> {
    /// DER Name.
    pub subject: Vec<u8>,
    pub key: &'a PrivateKey,
    /// The key file's PEM (encrypted or not; the caller decides).
    pub key_pem: &'a str,
    pub days: u32,
    /// For an intermediate: pathLenConstraint.
    pub path_len: Option<u8>,
    /// nameConstraints (critical) for the new CA, if any.
    pub name_constraints: Option<constraints::Constraints>,
}

/// Creates a CA in `dir`: a self-signed root, or with `parent` an intermediate signed by the
/// parent CA (and recorded in the parent's index). Returns the new CA and the notes of the
/// parent's issuance.
pub fn init(
    dir_path: &Path,
    new: &NewCa<'_>,
    parent: Option<(&Ca, &PrivateKey)>,
    now: i64,
) -> Result<(Ca, Vec<Note>), CaError> {
    if dir::is_ca(dir_path) {
        return Err(CaError::AlreadyCa(dir_path.to_path_buf()));
    }
    for f in dir::state_files(dir_path) {
        if std::fs::symlink_metadata(&f).is_ok() {
            return Err(CaError::Exists(f));
        }
    }
    std::fs::create_dir_all(dir_path).map_err(io_err(dir_path))?;
    let spki = new
        .key
        .public_key_info()
        .map_err(CertError::from)?
        .to_der()
        .map_err(CertError::from)?;
    let (cert_der, chain_pem, root_pem, kind, notes) = match parent {
        None => {
            let kid = cert::key_identifier(&spki)?;
            let serial = new_serial(&Index::default());
            let der = cert::sign(
                &CertParams {
                    serial: &serial,
                    issuer: &new.subject,
                    subject: &new.subject,
                    spki: &spki,
                    not_before: now - BACKDATE,
                    not_after: now + i64::from(new.days) * DAY,
                    extensions: {
                        let mut e = vec![
                            cert::basic_constraints(true, None)?,
                            cert::key_usage(Profile::Ca.key_usage(false))?,
                            cert::subject_key_id(&kid)?,
                            cert::authority_key_id(&kid)?,
                        ];
                        if let Some(nc) = &new.name_constraints {
                            e.push(nc.extension()?);
                        }
                        e
                    },
                },
                new.key,
            )?;
            let pem = pem::encode("CERTIFICATE", &der);
            (der, String::new(), pem, Kind::Root, Vec::new())
        }
        Some((p, pkey)) => {
            let issued = p.issue(
                pkey,
                &IssueRequest {
                    subject: new.subject.clone(),
                    spki: spki.clone(),
                    sans: Vec::new(),
                    profile: Profile::Ca,
                    days: new.days,
                    path_len: Some(new.path_len.unwrap_or(0)),
                    name_constraints: new.name_constraints.clone(),
                },
                now,
            )?;
            let chain = p.with_chain(&issued.der);
            (
                issued.der,
                chain,
                p.root_pem.clone(),
                Kind::Intermediate,
                issued.notes,
            )
        }
    };
    // The key first: a certificate without its key is useless.
    fsio::write_atomic(
        &dir_path.join(dir::KEY),
        new.key_pem.as_bytes(),
        Mode::Private,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::CERT),
        pem::encode("CERTIFICATE", &cert_der).as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::CHAIN),
        chain_pem.as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::ROOT),
        root_pem.as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(index::FILE_NAME),
        Index::default().serialize().as_bytes(),
        Mode::Public,
        false,
    )?;
    let config = Config {
        format: dir::FORMAT,
        kind,
        crl_number: 0,
        created: index::format_time(now),
    };
    // Last: ca.json makes the directory a CA.
    write_config(dir_path, &config)?;
    Ok((Ca::open(dir_path)?, notes))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_positive_16_bytes() {
        for _ in 0..100 {
            let s = new_serial(&Index::default());
            assert_eq!(s.len(), 16);
            assert!(s[0] != 0 && s[0] < 0x80);
        }
    }

    #[test]
    fn serial_forms_normalise() {
        assert_eq!(normalize_serial("0x00AB:cd").unwrap(), "abcd");
        assert_eq!(normalize_serial("serial=7F01").unwrap(), "7f01");
        assert!(normalize_serial("xyz").is_err());
    }
}
