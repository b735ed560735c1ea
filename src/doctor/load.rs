//! Reading the files doctor was given: each file once, in parallel, into the [`Loaded`]
//! model (its certificates interned so each is parsed once per run, its key's public half,
//! its store's protection facts), findings about reading itself, and the pairing of a lone
//! key file with the certificate file of the same name.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use der::{Decode, Encode};
use zeroize::Zeroizing;

use super::model::{Cert, Group, GroupKind, Interner, KeyFile, KeyInfo, Loaded, StoreFacts};
use super::{Finding, Options, Severity};
use crate::codec;
use crate::pki::{keyfile, signed};
use crate::store::{EntryBody, Format, PrivateKeyData, keyprotect};

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
    // Each file is read as one command would read it, with the per-command KDF budget of
    // its own: the budget lives on the thread, and this runs on a worker thread, which
    // would otherwise have none (every derivation still has its own bounds).
    crate::pbe::budget::start();
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
                let encrypted = b.label == "ENCRYPTED PRIVATE KEY" || b.is_legacy_encrypted();
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
