//! Writing PKCS#12 with the [`Compat`] presets.
//!
//! Layout, as Java and OpenSSL write it: an AuthenticatedSafe holding a `data` safe with the
//! key and secret bags (each key individually shrouded), then the certificate safe
//! (`encryptedData`, or `data` for the password-less preset), then the MAC.
//!
//! Bag attributes follow keytool: `friendlyName` (the alias) on the key bag, its leaf
//! certificate, trusted certificates and secret bags; `localKeyId` (SHA-1 of the leaf
//! certificate, as OpenSSL writes — keytool reads any value) on a key bag and its leaf;
//! chain certificates carry only a `friendlyName` of their subject (RFC 4514), as keytool
//! writes, and are written once even when several chains share them; trusted certificates
//! carry Java's trust attribute, byte-identical to keytool's.

use std::collections::HashSet;

use der::Decode;
use sha1::Digest as _;

use super::syntax::{
    CERT_BAG, DATA, ENCRYPTED_DATA, FRIENDLY_NAME, JAVA_TRUSTED, LOCAL_KEY_ID, SECRET_ALGORITHMS,
    SECRET_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE,
};
use super::{Compat, Pkcs12Error};
use crate::asn1;
use crate::pbe::{Cipher, Digest, MacParams, PbeError, Pkcs12Pbe, Scheme};
use crate::store::{EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData};

/// anyExtendedKeyUsage, the value keytool puts in the trust attribute.
const ANY_EKU: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.29.37.0");

const ITERATIONS: u32 = 10_000;
const LEGACY_ITERATIONS: u32 = 2048;

struct Preset {
    key: fn() -> Scheme,
    /// `None`: certificates are not encrypted.
    cert: Option<fn() -> Scheme>,
    mac: Option<(Digest, u32)>,
}

fn aes() -> Scheme {
    Scheme::new_pbes2(Digest::Sha256, Cipher::Aes256, ITERATIONS)
}

fn des3() -> Scheme {
    Scheme::new_pkcs12(Pkcs12Pbe::Des3, LEGACY_ITERATIONS)
}

fn preset(compat: Compat) -> Preset {
    match compat {
        Compat::Modern => Preset {
            key: aes,
            cert: Some(aes),
            mac: Some((Digest::Sha256, ITERATIONS)),
        },
        Compat::Java11 => Preset {
            key: aes,
            cert: Some(aes),
            mac: Some((Digest::Sha1, ITERATIONS)),
        },
        // Certificates with 3DES rather than RC2-40: every consumer that reads RC2-40 reads
        // 3DES too, and OpenSSL 3 reads 3DES without `-legacy` (RC2 needs the legacy
        // provider).
        Compat::Legacy => Preset {
            key: des3,
            cert: Some(des3),
            mac: Some((Digest::Sha1, LEGACY_ITERATIONS)),
        },
        Compat::Passwordless => Preset {
            key: aes,
            cert: None,
            mac: None,
        },
    }
}

/// Whether an already-encrypted key may be written unchanged under `compat`: it must use
/// the same family of scheme the preset writes (PBES2 for modern/java11, PKCS#12 PBE 3DES
/// for legacy), so the file still suits the preset's consumers. It must have been encrypted
/// with the store password the file is written with (the caller's responsibility).
fn passthrough_ok(compat: Compat, scheme: &Scheme) -> bool {
    match compat {
        Compat::Modern | Compat::Java11 => matches!(scheme, Scheme::Pbes2 { .. }),
        Compat::Legacy => matches!(
            scheme,
            Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Des3,
                ..
            }
        ),
        Compat::Passwordless => false,
    }
}

/// Encodes `store` as PKCS#12 with the preset `compat`. Keys must be
/// [`PrivateKeyData::Pkcs8`] (decrypted by the caller), except that an `Encrypted` key
/// already protected by the preset's family of scheme is written unchanged.
/// `password` is required except for [`Compat::Passwordless`], which ignores it.
pub fn encode(
    store: &Keystore,
    password: Option<&str>,
    compat: Compat,
) -> Result<Vec<u8>, Pkcs12Error> {
    let pw = match (compat, password) {
        (Compat::Passwordless, _) => "",
        (_, Some(p)) => p,
        (_, None) => {
            return Err(Pkcs12Error::PasswordRequired(format!(
                "write a PKCS#12 file with --compat {compat}"
            )));
        }
    };
    let p = preset(compat);
    let entry_err = |alias: &str, reason: String| Pkcs12Error::Entry {
        alias: alias.to_string(),
        reason,
    };
    let crypt = |alias: &str, e| {
        let e = Pkcs12Error::crypto("", e);
        entry_err(alias, e.to_string().trim_start_matches(": ").to_string())
    };

    let mut key_bags: Vec<Vec<u8>> = Vec::new();
    // The certificate bags are written straight into the buffer that becomes the file: a
    // truststore of 100,000 certificates is not copied once per level of nesting.
    let mut file = asn1::Nested::with_room(FRONT_ROOM);
    let mut cert_bags = 0usize;
    let trust_attr = java_trust_attribute();
    let mut written: HashSet<&[u8]> = HashSet::new();
    for entry in &store.entries {
        let alias = entry.alias.as_str();
        if compat == Compat::Passwordless && !matches!(entry.body, EntryBody::TrustedCert { .. }) {
            return Err(entry_err(
                alias,
                format!(
                    "a password-less truststore holds only trusted certificates, not a {}; \
                     use another --compat preset",
                    entry.kind()
                ),
            ));
        }
        let fname = friendly_name(alias);
        match &entry.body {
            EntryBody::PrivateKey { key, chain } => {
                let epki = match key {
                    PrivateKeyData::Pkcs8(der) => {
                        if pkcs8::PrivateKeyInfoRef::from_der(der).is_err() {
                            return Err(entry_err(alias, "the key is not valid PKCS#8".into()));
                        }
                        encrypt_epki((p.key)(), pw, der).map_err(|e| crypt(alias, e))?
                    }
                    PrivateKeyData::Encrypted(epki) => {
                        let ok = asn1::single(epki, asn1::SEQUENCE, "EncryptedPrivateKeyInfo")
                            .ok()
                            .and_then(|t| {
                                asn1::Reader::contents(&t)
                                    .expect(asn1::SEQUENCE, "alg")
                                    .ok()
                            })
                            .and_then(|alg| Scheme::parse(&alg).ok())
                            .is_some_and(|s| passthrough_ok(compat, &s));
                        if !ok {
                            return Err(entry_err(
                                alias,
                                format!(
                                    "the key is still encrypted in a form --compat {compat} \
                                     does not write; decrypt it first"
                                ),
                            ));
                        }
                        epki.clone()
                    }
                };
                let lkid = match chain.first() {
                    Some(leaf) => sha1::Sha1::digest(leaf).to_vec(),
                    None => sha1::Sha1::digest(alias.as_bytes()).to_vec(),
                };
                let lkid_attr = attribute(&LOCAL_KEY_ID, &asn1::octets(&lkid));
                key_bags.push(safe_bag(&SHROUDED_KEY_BAG, &epki, &[&fname, &lkid_attr]));
                if let Some(leaf) = chain.first() {
                    push_cert_bag(file.tail().0, leaf, &[&fname, &lkid_attr]);
                    cert_bags += 1;
                    written.insert(leaf);
                }
                for ca in chain.iter().skip(1) {
                    if written.insert(ca) {
                        let label = subject_label(ca).unwrap_or_else(|| alias.to_string());
                        let f = friendly_name(&label);
                        push_cert_bag(file.tail().0, ca, &[&f]);
                        cert_bags += 1;
                    }
                }
            }
            EntryBody::TrustedCert { cert } => {
                push_cert_bag(file.tail().0, cert, &[&fname, &trust_attr]);
                cert_bags += 1;
            }
            EntryBody::SecretKey { key } => {
                let epki = match key {
                    SecretEntryData::Open(s) => {
                        let oid = SECRET_ALGORITHMS
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(&s.algorithm))
                            .map(|(_, o)| (*o).to_string())
                            .unwrap_or_else(|| s.algorithm.clone());
                        let oid = const_oid::ObjectIdentifier::new(&oid).map_err(|_| {
                            entry_err(
                                alias,
                                format!(
                                    "secret key algorithm {} has no OID keychest knows for PKCS#12",
                                    s.algorithm
                                ),
                            )
                        })?;
                        let info = zeroize::Zeroizing::new(asn1::seq(&[
                            &asn1::uint(0),
                            &asn1::seq(&[&asn1::oid(&oid)]),
                            &asn1::octets(&s.key),
                        ]));
                        encrypt_epki((p.key)(), pw, &info).map_err(|e| crypt(alias, e))?
                    }
                    SecretEntryData::Sealed {
                        format: Format::Pkcs12,
                        bytes,
                    } => bytes.clone(),
                    SecretEntryData::Sealed { format, .. } => {
                        return Err(entry_err(
                            alias,
                            format!("the secret key is sealed in {format} form; open it first"),
                        ));
                    }
                };
                let lkid = sha1::Sha1::digest(&epki).to_vec();
                let value = asn1::seq(&[
                    &asn1::oid(&SHROUDED_KEY_BAG),
                    &asn1::cons(asn1::CTX0, &[&asn1::octets(&epki)]),
                ]);
                let lkid_attr = attribute(&LOCAL_KEY_ID, &asn1::octets(&lkid));
                key_bags.push(safe_bag(&SECRET_BAG, &value, &[&fname, &lkid_attr]));
            }
        }
    }

    // AuthenticatedSafe: the key safe, then the certificate safe, built around the bags.
    if cert_bags > 0 {
        file.wrap(asn1::SEQUENCE);
        match p.cert {
            None => wrap_data_content_info(&mut file),
            Some(scheme) => {
                let scheme = scheme();
                let (buf, from) = file.tail();
                scheme
                    .encrypt_in_place(pw, buf, from)
                    .map_err(|e| Pkcs12Error::crypto("certificate safe", e))?;
                file.wrap(asn1::CTX0_PRIM);
                file.prepend(&scheme.to_der());
                file.prepend(&asn1::oid(&DATA));
                file.wrap(asn1::SEQUENCE);
                file.prepend(&asn1::uint(0));
                file.wrap(asn1::SEQUENCE);
                file.wrap(asn1::CTX0);
                file.prepend(&asn1::oid(&ENCRYPTED_DATA));
                file.wrap(asn1::SEQUENCE);
            }
        }
    }
    if !key_bags.is_empty() {
        file.prepend(&data_content_info(&asn1::seq(
            &key_bags.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        )));
    }
    file.wrap(asn1::SEQUENCE);
    let mac = match p.mac {
        Some((digest, iterations)) => MacParams::create(digest, iterations, pw, file.contents())
            .map_err(|e| Pkcs12Error::crypto("MAC", e))?,
        None => Vec::new(),
    };
    // PFX { version 3, authSafe (data), macData }
    wrap_data_content_info(&mut file);
    file.prepend(&asn1::uint(3));
    file.tail().0.extend_from_slice(&mac);
    file.wrap(asn1::SEQUENCE);
    Ok(file.into_vec())
}

/// Room kept in front of the certificate bags for the headers and fields that enclose them
/// (a large key safe that does not fit moves them once).
const FRONT_ROOM: usize = 1024;

fn encrypt_epki(scheme: Scheme, password: &str, pkcs8: &[u8]) -> Result<Vec<u8>, PbeError> {
    let ct = scheme.encrypt(password, pkcs8)?;
    Ok(asn1::seq(&[&scheme.to_der(), &asn1::octets(&ct)]))
}

/// `ContentInfo { data, [0] OCTET STRING { contents } }` around what `file` holds.
fn wrap_data_content_info(file: &mut asn1::Nested) {
    file.wrap(asn1::OCTET_STRING);
    file.wrap(asn1::CTX0);
    file.prepend(&asn1::oid(&DATA));
    file.wrap(asn1::SEQUENCE);
}

fn data_content_info(content: &[u8]) -> Vec<u8> {
    asn1::seq(&[
        &asn1::oid(&DATA),
        &asn1::cons(asn1::CTX0, &[&asn1::octets(content)]),
    ])
}

fn attribute(oid: &const_oid::ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    asn1::seq(&[&asn1::oid(oid), &asn1::cons(asn1::SET, &[value])])
}

fn friendly_name(text: &str) -> Vec<u8> {
    attribute(&FRIENDLY_NAME, &asn1::bmp(text))
}

/// `SEQUENCE { 2.16.840.1.113894.746875.1.1, SET { anyExtendedKeyUsage } }`, as keytool writes.
fn java_trust_attribute() -> Vec<u8> {
    attribute(&JAVA_TRUSTED, &asn1::oid(&ANY_EKU))
}

fn safe_bag(bag_id: &const_oid::ObjectIdentifier, value: &[u8], attrs: &[&[u8]]) -> Vec<u8> {
    asn1::seq(&[
        &asn1::oid(bag_id),
        &asn1::cons(asn1::CTX0, &[value]),
        &asn1::cons(asn1::SET, attrs),
    ])
}

/// Appends `SafeBag { certBag, [0] CertBag { x509Certificate, [0] OCTET STRING der }, attrs }`
/// to `out`, headers computed from the lengths (no intermediate buffers per bag).
fn push_cert_bag(out: &mut Vec<u8>, der: &[u8], attrs: &[&[u8]]) {
    let bag_id = CERT_BAG.as_bytes();
    let cert_id = X509_CERTIFICATE.as_bytes();
    let octets = asn1::encoded_len(der.len());
    let explicit = asn1::encoded_len(octets);
    let cert_bag_body = asn1::encoded_len(cert_id.len()) + explicit;
    let value = asn1::encoded_len(asn1::encoded_len(cert_bag_body));
    let attrs_len: usize = attrs.iter().map(|a| a.len()).sum();
    let body = asn1::encoded_len(bag_id.len()) + value + asn1::encoded_len(attrs_len);
    out.reserve(asn1::encoded_len(body));
    asn1::push_header(out, asn1::SEQUENCE, body);
    asn1::push_header(out, asn1::OID, bag_id.len());
    out.extend_from_slice(bag_id);
    asn1::push_header(out, asn1::CTX0, asn1::encoded_len(cert_bag_body));
    asn1::push_header(out, asn1::SEQUENCE, cert_bag_body);
    asn1::push_header(out, asn1::OID, cert_id.len());
    out.extend_from_slice(cert_id);
    asn1::push_header(out, asn1::CTX0, octets);
    asn1::push_header(out, asn1::OCTET_STRING, der.len());
    out.extend_from_slice(der);
    asn1::push_header(out, asn1::SET, attrs_len);
    for a in attrs {
        out.extend_from_slice(a);
    }
}

fn subject_label(cert: &[u8]) -> Option<String> {
    let (_, subject) = crate::pki::signed::cert_issuer_subject(cert)?;
    let name = x509_cert::name::Name::from_der(subject).ok()?;
    Some(crate::pki::name::to_rfc4514(&name))
}
