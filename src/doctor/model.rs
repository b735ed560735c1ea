//! What doctor knows about a file after reading it once: its certificates parsed once each
//! (grouped as the store's entries, a chain file, or loose certificates), its private key's
//! public half when it can be had, the store's protection facts, and the findings that
//! reading itself produced (unreadable, no password); and the run-wide pool of distinct
//! certificates. Reading the files into this model is `super::load`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName,
};

use super::Finding;
use crate::codec::{StoreInfo, pkcs12::Pkcs12Info};
use crate::pki::chain::CertFacts;
use crate::pki::constraints::Constraints;
use crate::pki::{name, oids, verify};
use crate::store::Format;

/// A certificate, parsed once.
pub struct Cert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    /// Chain-building facts (None when the raw names cannot be located).
    pub facts: Option<CertFacts>,
    /// RFC 4514 subject.
    pub subject: String,
    pub not_before: i64,
    pub not_after: i64,
    pub basic: Option<BasicConstraints>,
    pub key_usage: Option<KeyUsage>,
    pub eku: Option<ExtendedKeyUsage>,
    pub sans: Option<Vec<GeneralName>>,
    /// The SubjectPublicKeyInfo, DER (empty if it does not encode).
    spki: Vec<u8>,
    /// Its nameConstraints, converted once for checking names under it.
    pub name_constraints: Option<Constraints>,
}

impl Cert {
    pub fn parse(der: &[u8]) -> Option<Cert> {
        let cert = Certificate::from_der(der).ok()?;
        let tbs = cert.tbs_certificate();
        let v = tbs.validity();
        let ext = |oid| {
            tbs.extensions()
                .and_then(|e| e.iter().find(|e| e.extn_id == oid))
                .map(|e| e.extn_value.as_bytes())
        };
        let basic =
            ext(oids::EXT_BASIC_CONSTRAINTS).and_then(|v| BasicConstraints::from_der(v).ok());
        let key_usage = ext(oids::EXT_KEY_USAGE).and_then(|v| KeyUsage::from_der(v).ok());
        let eku =
            ext(oids::EXT_EXTENDED_KEY_USAGE).and_then(|v| ExtendedKeyUsage::from_der(v).ok());
        let sans = ext(oids::EXT_SUBJECT_ALT_NAME)
            .and_then(|v| SubjectAltName::from_der(v).ok())
            .map(|s| s.0);
        let name_constraints = ext(oids::EXT_NAME_CONSTRAINTS)
            .and_then(|v| NameConstraints::from_der(v).ok())
            .map(Constraints::from);
        Some(Cert {
            facts: CertFacts::from_parsed(der, &cert),
            spki: tbs.subject_public_key_info().to_der().unwrap_or_default(),
            subject: name::to_rfc4514(tbs.subject()),
            not_before: v.not_before.to_unix_duration().as_secs() as i64,
            not_after: v.not_after.to_unix_duration().as_secs() as i64,
            basic,
            key_usage,
            eku,
            sans,
            name_constraints,
            der: der.to_vec(),
            cert,
        })
    }

    pub fn is_ca(&self) -> bool {
        self.basic.as_ref().is_some_and(|b| b.ca)
    }

    /// A TLS server certificate: not a CA, and serverAuth (or anyExtendedKeyUsage) in its
    /// EKU. Without EKU a certificate is not taken for a server one: too many are not.
    pub fn is_server(&self) -> bool {
        !self.is_ca()
            && self.eku.as_ref().is_some_and(|e| {
                e.0.iter()
                    .any(|o| *o == oids::KP_SERVER_AUTH || *o == oids::KP_ANY)
            })
    }

    /// Issuer and subject are the same name.
    pub fn self_issued(&self) -> bool {
        self.facts.as_ref().is_some_and(CertFacts::self_issued)
    }

    /// Self-issued and its signature verifies with its own key.
    pub fn self_signed(&self) -> bool {
        self.self_issued() && self.signed_by(self)
    }

    /// Whether `issuer`'s key verifies this certificate's signature.
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        verify::cert_signed_by(
            &self.cert,
            &self.der,
            issuer.cert.tbs_certificate().subject_public_key_info(),
        )
        .is_ok()
    }

    /// The SubjectPublicKeyInfo, DER (encoded once, at parse).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The subject's common names.
    pub fn common_names(&self) -> Vec<String> {
        let cn = const_oid::db::rfc4519::CN;
        self.cert
            .tbs_certificate()
            .subject()
            .iter()
            .filter(|atv| atv.oid == cn)
            .filter_map(|atv| name::value_text(&atv.value))
            .collect()
    }
}

/// Every certificate of a run, by subject DER (RFC 5280 comparison keys would find a few
/// more; byte equality is what issuers copy), to complete chains that stop short.
pub struct Pool<'a> {
    by_subject: HashMap<&'a [u8], Vec<&'a Cert>>,
    /// Signature checks done, by (certificate signature, issuer key): the same
    /// intermediate-by-root check recurs in every store of a fleet.
    verified: std::sync::Mutex<HashMap<SignaturePair, bool>>,
}

/// (a certificate's signature bytes, its issuer's SubjectPublicKeyInfo DER).
type SignaturePair = (Vec<u8>, Vec<u8>);

impl<'a> Pool<'a> {
    /// `certs`: every distinct certificate of the run ([`Interner::into_certs`]).
    pub fn new(certs: &'a [Arc<Cert>]) -> Pool<'a> {
        let mut by_subject: HashMap<&'a [u8], Vec<&'a Cert>> = HashMap::new();
        for c in certs {
            if let Some(facts) = &c.facts {
                by_subject.entry(&facts.subject).or_default().push(c);
            }
        }
        Pool {
            by_subject,
            verified: Default::default(),
        }
    }

    /// [`Cert::signed_by`], each pair checked once per run.
    pub fn signed_by(&self, child: &Cert, issuer: &Cert) -> bool {
        let key = (
            child.cert.signature().raw_bytes().to_vec(),
            issuer.spki_der().to_vec(),
        );
        let lock = || self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&ok) = lock().get(&key) {
            return ok;
        }
        let ok = child.signed_by(issuer);
        lock().insert(key, ok);
        ok
    }

    /// Certificates whose subject is `name`.
    pub fn subjects(&self, name: &[u8]) -> &[&'a Cert] {
        self.by_subject.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Each distinct certificate parsed once per run, shared by every file that holds it (a
/// fleet's stores repeat the same CA certificates hundreds of times).
#[derive(Default)]
pub struct Interner {
    by_der: Mutex<HashMap<Vec<u8>, Arc<Cert>>>,
}

impl Interner {
    pub fn get(&self, der: &[u8]) -> Option<Arc<Cert>> {
        let lock = || self.by_der.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = lock().get(der) {
            return Some(c.clone());
        }
        // Parsed outside the lock; a race parses twice and keeps the first.
        let c = Arc::new(Cert::parse(der)?);
        Some(lock().entry(der.to_vec()).or_insert(c).clone())
    }

    pub fn into_certs(self) -> Vec<Arc<Cert>> {
        self.by_der
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_values()
            .collect()
    }
}

/// How a group of certificates is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// A private key with its chain (a store's key entry, a PEM file with a key, or a
    /// certificate file beside its key file): what a server or client presents.
    KeyEntry,
    /// A trusted-certificate entry of a store.
    Trusted,
    /// A certificate file holding a leaf followed by more certificates, without a key.
    Chain,
    /// A certificate on its own (one of a PEM bundle, a DER file).
    Loose,
}

/// The public half of a private key, when it could be had.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// DER SubjectPublicKeyInfo; None when the key is encrypted and no (right) password
    /// was given, or its type is not one keychest reads.
    pub spki: Option<Vec<u8>>,
    /// Where the key came from when not from this group's own file.
    pub from: Option<PathBuf>,
}

pub struct Group {
    pub alias: Option<String>,
    pub kind: GroupKind,
    /// In file or chain order, leaf first for key entries and chains.
    pub certs: Vec<Arc<Cert>>,
    pub key: Option<KeyInfo>,
}

/// A private key file (PEM or DER).
pub struct KeyFile {
    pub encrypted: bool,
    pub spki: Option<Vec<u8>>,
}

/// A store's protection facts.
pub struct StoreFacts {
    pub format: Format,
    /// PKCS#12 details (MAC, encryption), when decoded.
    pub pkcs12: Option<Pkcs12Info>,
    /// JKS/JCEKS codec report, when decoded.
    pub java: Option<StoreInfo>,
    /// Whether the store could be read at all.
    pub decoded: bool,
    /// The password used, when one was given (for compatibility rules about passwords).
    pub password_ascii: Option<bool>,
}

pub struct Loaded {
    pub path: PathBuf,
    /// Permission bits of the file.
    pub mode: u32,
    pub groups: Vec<Group>,
    pub key_file: Option<KeyFile>,
    pub store: Option<StoreFacts>,
    /// What reading the file found (unreadable, no password).
    pub findings: Vec<Finding>,
}

impl Loaded {
    /// A result not read from a file (a server's chain), holding one group.
    pub fn detached(label: &Path, group: Group) -> Loaded {
        let mut l = Loaded::new(label, 0);
        l.groups.push(group);
        l
    }

    pub(super) fn new(path: &Path, mode: u32) -> Loaded {
        Loaded {
            path: path.to_path_buf(),
            mode,
            groups: Vec::new(),
            key_file: None,
            store: None,
            findings: Vec::new(),
        }
    }
}
