//! What doctor knows about a file after reading it once: its certificates parsed once each
//! (grouped as the store's entries, a chain file, or loose certificates), its private key's
//! public half when it can be had, the store's protection facts, and the findings that
//! reading itself produced (unreadable, no password). Files are read in parallel.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName,
};
use zeroize::Zeroizing;

use super::{Finding, Options, Severity};
use crate::codec::{self, StoreInfo, pkcs12::Pkcs12Info};
use crate::pki::chain::CertFacts;
use crate::pki::{keyfile, name, oids, signed, verify};
use crate::store::{EntryBody, Format, PrivateKeyData, keyprotect};

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
    pub name_constraints: Option<NameConstraints>,
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
        let name_constraints =
            ext(oids::EXT_NAME_CONSTRAINTS).and_then(|v| NameConstraints::from_der(v).ok());
        Some(Cert {
            facts: CertFacts::of(der),
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
        let Some(tbs) = signed::tbs_bytes(&self.der) else {
            return false;
        };
        let Some(sig) = self.cert.signature().as_bytes() else {
            return false;
        };
        verify::verify_signature(
            issuer.cert.tbs_certificate().subject_public_key_info(),
            self.cert.signature_algorithm(),
            tbs,
            sig,
        )
        .is_ok()
    }

    pub fn spki_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default()
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
            issuer.spki_der(),
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

    fn new(path: &Path, mode: u32) -> Loaded {
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

/// Reads and parses every file (in parallel); files that hold nothing doctor knows are
/// dropped unless named explicitly. Keys alone in a file are paired with the certificate
/// file of the same name beside them (`server.key` with `server.crt`).
/// Returns the files and every distinct certificate among them.
pub fn load_all(
    files: &[super::walk::FileRef],
    opts: &Options<'_>,
) -> (Vec<Loaded>, Vec<Arc<Cert>>) {
    let interner = Interner::default();
    let mut loaded: Vec<Loaded> = par_map(files, |f| load(f, opts, &interner))
        .into_iter()
        .flatten()
        .collect();
    pair_keys(&mut loaded);
    (loaded, interner.into_certs())
}

/// `f` over `items` on one thread per core, results in input order. Work is handed out one
/// item at a time, so a few large stores do not leave the other threads idle.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = Vec::new();
    slots.resize_with(items.len(), || None);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            // A worker that panicked is a bug: let the panic through.
            for (i, r) in h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) {
                slots[i] = Some(r);
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// `X.key` (a key alone) + `X.crt|.pem|.cer` (certificates, no key) in the same folder:
/// the certificate file is that key's chain.
fn pair_keys(files: &mut [Loaded]) {
    let stem_of = |p: &Path| -> Option<(PathBuf, String)> {
        Some((
            p.parent()?.to_path_buf(),
            p.file_stem()?.to_string_lossy().into_owned(),
        ))
    };
    // (folder, stem) → the key file and its public key.
    type Stem = (PathBuf, String);
    let mut keys: HashMap<Stem, (PathBuf, Option<Vec<u8>>)> = HashMap::new();
    for f in files.iter() {
        if let (Some(k), true) = (&f.key_file, f.groups.is_empty())
            && let Some(stem) = stem_of(&f.path)
        {
            keys.insert(stem, (f.path.clone(), k.spki.clone()));
        }
    }
    for f in files.iter_mut() {
        if f.key_file.is_some() || f.store.is_some() {
            continue;
        }
        let Some(stem) = stem_of(&f.path) else {
            continue;
        };
        if let Some((kpath, spki)) = keys.get(&stem) {
            let mut certs: Vec<Arc<Cert>> = Vec::new();
            for g in f.groups.drain(..) {
                certs.extend(g.certs);
            }
            if certs.is_empty() {
                continue;
            }
            f.groups.push(Group {
                alias: None,
                kind: GroupKind::KeyEntry,
                certs,
                key: Some(KeyInfo {
                    spki: spki.clone(),
                    from: Some(kpath.clone()),
                }),
            });
        }
    }
}

fn load(f: &super::walk::FileRef, opts: &Options<'_>, interner: &Interner) -> Option<Loaded> {
    let path = &f.path;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return Some(unreadable(path, 0, e.to_string()));
        }
    };
    let mode = meta.permissions().mode() & 0o7777;
    // The capped reader every command uses (KEYCHEST_MAX_INPUT): a file over the cap found
    // by the walk is skipped, one named on the command line is reported.
    let bytes = match crate::fsio::read_input(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge && !f.explicit => return None,
        Err(e) => return Some(unreadable(path, mode, e.to_string())),
    };
    let mut l = Loaded::new(path, mode);
    match codec::sniff(&bytes) {
        Some(Format::Pem) => load_pem(&mut l, &bytes, opts, interner),
        Some(Format::Pkcs7) => load_pkcs7(&mut l, &bytes, interner),
        Some(format @ (Format::Pkcs12 | Format::Jks | Format::Jceks)) => {
            load_store(&mut l, format, &bytes, opts, interner)
        }
        None => {
            if !load_der(&mut l, &bytes, opts, interner) {
                if f.explicit {
                    l.findings.push(Finding::new(
                        Severity::Warning,
                        "file.unrecognised",
                        path,
                        "not a certificate, key, CSR, CRL or keystore keychest recognises".into(),
                    ));
                    return Some(l);
                }
                return None;
            }
        }
    }
    if l.groups.is_empty() && l.key_file.is_none() && l.store.is_none() && l.findings.is_empty() {
        // CSRs, CRLs, public keys: recognised, but no rule applies to them here.
        return f.explicit.then_some(l);
    }
    Some(l)
}

/// A PKCS#7 bundle (`.p7b`) holds certificates only: it is checked as a bundle is.
fn load_pkcs7(l: &mut Loaded, bytes: &[u8], interner: &Interner) {
    match codec::pkcs7::decode(bytes) {
        Ok((store, _)) => {
            let certs = store
                .entries
                .iter()
                .flat_map(|e| e.certificates())
                .filter_map(|der| interner.get(der))
                .collect();
            l.groups = cert_groups(certs);
        }
        Err(e) => l.findings.push(Finding::new(
            Severity::Error,
            "file.unreadable",
            &l.path,
            format!("bad PKCS#7 bundle: {e}"),
        )),
    }
}

fn unreadable(path: &Path, mode: u32, why: String) -> Loaded {
    let mut l = Loaded::new(path, mode);
    l.findings.push(Finding::new(
        Severity::Error,
        "file.unreadable",
        path,
        format!("cannot read: {why}"),
    ));
    l
}

fn loose(certs: Vec<Arc<Cert>>) -> Vec<Group> {
    certs
        .into_iter()
        .map(|c| Group {
            alias: None,
            kind: GroupKind::Loose,
            certs: vec![c],
            key: None,
        })
        .collect()
}

/// Groups the certificates of a file without a key: a leaf followed by more certificates
/// is a chain; anything else is loose certificates (a bundle).
fn cert_groups(certs: Vec<Arc<Cert>>) -> Vec<Group> {
    if certs.len() >= 2 && !certs[0].is_ca() {
        vec![Group {
            alias: None,
            kind: GroupKind::Chain,
            certs,
            key: None,
        }]
    } else {
        loose(certs)
    }
}

fn public_of(key: &crate::pki::key::PrivateKey) -> Option<Vec<u8>> {
    key.public_key_info().ok()?.to_der().ok()
}

fn load_pem(l: &mut Loaded, bytes: &[u8], opts: &Options<'_>, interner: &Interner) {
    let blocks = match crate::pem::parse_all(bytes) {
        Ok(b) => b,
        Err(e) => {
            l.findings.push(Finding::new(
                Severity::Error,
                "file.unreadable",
                &l.path,
                format!("bad PEM: {e}"),
            ));
            return;
        }
    };
    let mut certs = Vec::new();
    let mut key: Option<KeyFile> = None;
    for b in &blocks {
        match b.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                // A TRUSTED CERTIFICATE has OpenSSL trust data after the certificate.
                let der = match signed::tlv_len(&b.der) {
                    Some((_, total)) => &b.der[..total],
                    None => &b.der[..],
                };
                match interner.get(der) {
                    Some(c) => certs.push(c),
                    None => l.findings.push(Finding::new(
                        Severity::Error,
                        "file.unreadable",
                        &l.path,
                        format!("the certificate at line {} does not parse", b.line),
                    )),
                }
            }
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
                if key.is_none() =>
            {
                let encrypted =
                    b.label == "ENCRYPTED PRIVATE KEY" || b.header("DEK-Info").is_some();
                let spki = if encrypted {
                    // The key-match rule needs the key: decrypt only with a password given.
                    (opts.passwords)(&l.path).and_then(|pw| {
                        keyfile::load_pem_block(b, &mut || Ok(pw.clone()))
                            .ok()
                            .and_then(|k| public_of(&k))
                    })
                } else {
                    keyfile::load_pem_block(b, &mut || Err(keyfile::KeyFileError::NeedPassword))
                        .ok()
                        .and_then(|k| public_of(&k))
                };
                key = Some(KeyFile { encrypted, spki });
            }
            _ => {}
        }
    }
    match key {
        Some(k) => {
            if !certs.is_empty() {
                l.groups.push(Group {
                    alias: None,
                    kind: GroupKind::KeyEntry,
                    certs,
                    key: Some(KeyInfo {
                        spki: k.spki.clone(),
                        from: None,
                    }),
                });
            }
            l.key_file = Some(k);
        }
        None => l.groups = cert_groups(certs),
    }
}

/// DER: a certificate or a private key (CRLs, CSRs and public keys are recognised and
/// left alone). Returns false when the bytes are none of these.
fn load_der(l: &mut Loaded, bytes: &[u8], opts: &Options<'_>, interner: &Interner) -> bool {
    if bytes.first() != Some(&0x30) {
        return false;
    }
    if let Some(c) = interner.get(bytes) {
        l.groups = loose(vec![c]);
        return true;
    }
    if let Ok(encrypted) = keyfile::is_encrypted(bytes) {
        let spki = if encrypted {
            (opts.passwords)(&l.path).and_then(|pw| {
                keyfile::load_private_key(bytes, &mut || Ok(pw.clone()))
                    .ok()
                    .and_then(|k| public_of(&k))
            })
        } else {
            keyfile::load_private_key(bytes, &mut || Err(keyfile::KeyFileError::NeedPassword))
                .ok()
                .and_then(|k| public_of(&k))
        };
        l.key_file = Some(KeyFile { encrypted, spki });
        return true;
    }
    <x509_cert::crl::CertificateList>::from_der(bytes).is_ok()
        || x509_cert::request::CertReq::from_der(bytes).is_ok()
        || spki::SubjectPublicKeyInfoOwned::from_der(bytes).is_ok()
}

fn load_store(
    l: &mut Loaded,
    format: Format,
    bytes: &[u8],
    opts: &Options<'_>,
    interner: &Interner,
) {
    let password: Option<Zeroizing<String>> = (opts.passwords)(&l.path);
    let pw = password.as_ref().map(|p| p.as_str());
    let mut facts = StoreFacts {
        format,
        pkcs12: None,
        java: None,
        decoded: false,
        password_ascii: pw.map(|p| p.is_ascii()),
    };
    let decoded = match format {
        Format::Pkcs12 => codec::pkcs12::decode(bytes, pw)
            .map(|(s, info)| {
                facts.pkcs12 = Some(info);
                s
            })
            .map_err(codec::CodecError::from),
        _ => codec::java::decode(format, bytes, pw)
            .map(|(s, info)| {
                facts.java = Some(info);
                s
            })
            .map_err(codec::CodecError::from),
    };
    let store = match decoded {
        Ok(s) => s,
        Err(e) if e.needs_password() => {
            l.findings.push(
                Finding::new(
                    Severity::Info,
                    "store.unverified",
                    &l.path,
                    "no password given: integrity and contents not checked".into(),
                )
                .fix(format!(
                    "keychest doctor {} --pass SRC (or --pass-map FILE)",
                    super::shell_quote(&l.path.display().to_string())
                )),
            );
            l.store = Some(facts);
            return;
        }
        Err(e) => {
            l.findings.push(Finding::new(
                Severity::Error,
                "store.unreadable",
                &l.path,
                format!("cannot read the {format} store: {e}"),
            ));
            l.store = Some(facts);
            return;
        }
    };
    facts.decoded = true;
    if format != Format::Pkcs12 && pw.is_none() {
        l.findings.push(
            Finding::new(
                Severity::Info,
                "store.unverified",
                &l.path,
                "no password given: integrity not checked and keys not compared with their certificates"
                    .into(),
            )
            .fix(format!(
                "keychest doctor {} --pass SRC (or --pass-map FILE)",
                super::shell_quote(&l.path.display().to_string())
            )),
        );
    }
    for e in store.entries {
        let certs: Vec<Arc<Cert>> = e
            .certificates()
            .iter()
            .filter_map(|d| interner.get(d))
            .collect();
        let (kind, key) = match &e.body {
            EntryBody::PrivateKey { key, .. } => {
                let spki = match key {
                    PrivateKeyData::Pkcs8(der) => crate::pki::key::PrivateKey::from_pkcs8_der(der)
                        .ok()
                        .and_then(|k| public_of(&k)),
                    // Decrypted only with a password, for the key-match rule.
                    PrivateKeyData::Encrypted(_) => pw.and_then(|pw| {
                        keyprotect::decrypt(key, pw)
                            .ok()
                            .and_then(|der| crate::pki::key::PrivateKey::from_pkcs8_der(&der).ok())
                            .and_then(|k| public_of(&k))
                    }),
                };
                (GroupKind::KeyEntry, Some(KeyInfo { spki, from: None }))
            }
            EntryBody::TrustedCert { .. } => (GroupKind::Trusted, None),
            EntryBody::SecretKey { .. } => continue,
        };
        l.groups.push(Group {
            alias: Some(e.alias),
            kind,
            certs,
            key,
        });
    }
    l.store = Some(facts);
}
