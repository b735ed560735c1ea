//! Reading PKCS#12: integrity first, then the safes, then pairing keys with certificates.

use std::collections::{HashMap, HashSet};

use sha2::Digest;

use crate::pki::chain::names_match;

use const_oid::ObjectIdentifier as Oid;
use der::Decode;
use x509_cert::name::Name;
use zeroize::Zeroizing;

use super::{Compat, MacInfo, Pkcs12Error, Pkcs12Info};
use crate::asn1::{self, Reader, Tlv};
use crate::pbe::{self, MacParams, PbeError, Pkcs12Pbe, Scheme};
use crate::pki::{name, signed};
use crate::store::{
    CertDer, Entry, EntryBody, Format, Keystore, PrivateKeyData, SecretEntryData, SecretKeyData,
};

pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub const ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
pub const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");

pub const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
pub const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
pub const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
pub const CRL_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.4");
pub const SECRET_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.5");
pub const SAFE_CONTENTS_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.6");
pub const X509_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");

pub const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
pub const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");
/// Java's "trusted key usage" attribute (`ORACLE_TrustedKeyUsage`): marks a trusted entry.
pub const JAVA_TRUSTED: Oid = Oid::new_unwrap("2.16.840.1.113894.746875.1.1");

const CN: Oid = Oid::new_unwrap("2.5.4.3");
const MAX_SAFE_NESTING: usize = 4;
/// Encrypted safes are decrypted at load (each costs a key derivation): bound their number.
const MAX_ENCRYPTED_SAFES: usize = 64;
/// The quadratic "lone key without localKeyId" pairing runs only on small files.
const MAX_LONE_KEY_SEARCH: usize = 256;

/// Java secret-key algorithm names and the OIDs Java writes for them (`AlgorithmId.get`).
pub const SECRET_ALGORITHMS: &[(&str, &str)] = &[
    ("AES", "2.16.840.1.101.3.4.1"),
    ("DESede", "1.2.840.113549.3.7"),
    ("HmacSHA1", "1.2.840.113549.2.7"),
    ("HmacSHA224", "1.2.840.113549.2.8"),
    ("HmacSHA256", "1.2.840.113549.2.9"),
    ("HmacSHA384", "1.2.840.113549.2.10"),
    ("HmacSHA512", "1.2.840.113549.2.11"),
];

/// The outer structure: the authenticated-safe octets and the MAC.
struct Pfx<'a> {
    auth_safe: &'a [u8],
    mac: Option<MacParams>,
}

fn parse_pfx(bytes: &[u8]) -> Result<Pfx<'_>, Pkcs12Error> {
    let not = |e: asn1::DerError| Pkcs12Error::NotPkcs12(e.to_string());
    let outer = asn1::single(bytes, asn1::SEQUENCE, "PFX").map_err(not)?;
    let mut r = Reader::contents(&outer);
    let version = r.uint().map_err(not)?;
    if version != 3 {
        return Err(Pkcs12Error::NotPkcs12(format!(
            "version {version}, expected 3"
        )));
    }
    let ci = r
        .expect(asn1::SEQUENCE, "authSafe ContentInfo")
        .map_err(not)?;
    let mut c = Reader::contents(&ci);
    let ctype = c.oid().map_err(not)?;
    if ctype == SIGNED_DATA {
        return Err(Pkcs12Error::Unsupported {
            context: "authSafe".into(),
            what: "public-key integrity mode (signedData)".into(),
        });
    }
    if ctype != DATA {
        return Err(Pkcs12Error::NotPkcs12(format!(
            "authSafe content type {}",
            crate::pki::oids::name(&ctype)
        )));
    }
    let auth_safe = explicit_octets(&mut c).map_err(|e| Pkcs12Error::malformed("authSafe", e))?;
    let mac = match r
        .optional(asn1::SEQUENCE)
        .map_err(|e| Pkcs12Error::malformed("MacData", e))?
    {
        Some(m) => Some(MacParams::parse(&m).map_err(|e| Pkcs12Error::crypto("MAC", e))?),
        None => None,
    };
    r.finish("PFX")
        .map_err(|e| Pkcs12Error::malformed("PFX", e))?;
    Ok(Pfx { auth_safe, mac })
}

/// `[0] EXPLICIT OCTET STRING` (a data ContentInfo's content).
fn explicit_octets<'a>(r: &mut Reader<'a>) -> asn1::DerResult<&'a [u8]> {
    let wrap = r.expect(asn1::CTX0, "[0] content")?;
    let mut w = Reader::contents(&wrap);
    let o = w.octets()?;
    w.finish("content")?;
    Ok(o)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Key,
    Cert,
    Secret,
}

/// One bag, as read.
struct Bag {
    name: Option<String>,
    local_key_id: Option<Vec<u8>>,
    java_trusted: bool,
    item: Item,
}

enum Item {
    Key {
        data: PrivateKeyData,
        scheme: Option<Scheme>,
    },
    Cert(Vec<u8>),
    Secret {
        epki: Vec<u8>,
        scheme: Scheme,
    },
}

impl Item {
    fn kind(&self) -> ItemKind {
        match self {
            Item::Key { .. } => ItemKind::Key,
            Item::Cert(_) => ItemKind::Cert,
            Item::Secret { .. } => ItemKind::Secret,
        }
    }
}

#[derive(Default)]
struct Collected {
    bags: Vec<Bag>,
    /// Encryption of each safe that held certificates (`None`: unencrypted).
    cert_safes: Vec<Option<Scheme>>,
    warnings: Vec<String>,
}

/// Decodes a PKCS#12 file. The MAC is checked first; keys stay encrypted.
pub fn decode(bytes: &[u8], password: Option<&str>) -> Result<(Keystore, Pkcs12Info), Pkcs12Error> {
    let pfx = parse_pfx(bytes)?;
    if let Some(mac) = &pfx.mac {
        let Some(pw) = password else {
            return Err(Pkcs12Error::PasswordRequired(
                "check the integrity of this file (it has a MAC)".into(),
            ));
        };
        if !mac
            .verify(pw, pfx.auth_safe)
            .map_err(|e| Pkcs12Error::crypto("MAC", e))?
        {
            return Err(Pkcs12Error::Integrity);
        }
    }

    let mut col = Collected::default();
    let mut r = Reader::new(pfx.auth_safe);
    let safes = r
        .expect(asn1::SEQUENCE, "AuthenticatedSafe")
        .map_err(|e| Pkcs12Error::malformed("AuthenticatedSafe", e))?;
    r.finish("AuthenticatedSafe")
        .map_err(|e| Pkcs12Error::malformed("AuthenticatedSafe", e))?;
    let mut sr = Reader::contents(&safes);
    let mut n = 0;
    let mut encrypted = 0;
    while !sr.is_empty() {
        n += 1;
        let ctx = format!("safe {n}");
        let ci = sr
            .expect(asn1::SEQUENCE, "ContentInfo")
            .map_err(|e| Pkcs12Error::malformed(&ctx, e))?;
        if Reader::contents(&ci).oid().ok() == Some(ENCRYPTED_DATA) {
            encrypted += 1;
            if encrypted > MAX_ENCRYPTED_SAFES {
                return Err(Pkcs12Error::malformed(
                    ctx,
                    format!("more than {MAX_ENCRYPTED_SAFES} encrypted safes"),
                ));
            }
        }
        read_safe(&ci, &ctx, password, pfx.mac.is_some(), &mut col)?;
    }
    let (store, info) = assemble(col, pfx.mac.as_ref())?;
    Ok((store, info))
}

fn read_safe(
    ci: &Tlv<'_>,
    ctx: &str,
    password: Option<&str>,
    has_mac: bool,
    col: &mut Collected,
) -> Result<(), Pkcs12Error> {
    let m = |e| Pkcs12Error::malformed(ctx, e);
    let mut c = Reader::contents(ci);
    let ctype = c.oid().map_err(m)?;
    if ctype == DATA {
        let content = explicit_octets(&mut c).map_err(m)?;
        let before = col.bags.len();
        read_safe_contents(content, ctx, 0, col)?;
        if col.bags[before..]
            .iter()
            .any(|b| b.item.kind() == ItemKind::Cert)
        {
            col.cert_safes.push(None);
        }
        return Ok(());
    }
    if ctype == ENVELOPED_DATA {
        return Err(Pkcs12Error::Unsupported {
            context: ctx.into(),
            what: "public-key privacy mode (envelopedData)".into(),
        });
    }
    if ctype != ENCRYPTED_DATA {
        return Err(Pkcs12Error::Unsupported {
            context: ctx.into(),
            what: format!("content type {}", crate::pki::oids::name(&ctype)),
        });
    }
    // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType,
    //   contentEncryptionAlgorithm, [0] IMPLICIT encryptedContent OPTIONAL }, [1] attrs OPTIONAL }
    let wrap = c.expect(asn1::CTX0, "[0] content").map_err(m)?;
    let ed = Reader::contents(&wrap)
        .expect(asn1::SEQUENCE, "EncryptedData")
        .map_err(m)?;
    let mut e = Reader::contents(&ed);
    e.uint().map_err(m)?;
    let eci = e
        .expect(asn1::SEQUENCE, "EncryptedContentInfo")
        .map_err(m)?;
    let mut eci = Reader::contents(&eci);
    eci.oid().map_err(m)?;
    let alg = eci
        .expect(asn1::SEQUENCE, "contentEncryptionAlgorithm")
        .map_err(m)?;
    let scheme = Scheme::parse(&alg).map_err(|e| Pkcs12Error::crypto(ctx, e))?;
    let ciphertext: Vec<u8> = match eci.peek_tag() {
        Some(asn1::CTX0_PRIM) => eci.any().map_err(m)?.value.to_vec(),
        Some(asn1::CTX0) => {
            // Constructed form: a series of OCTET STRINGs.
            let t = eci.any().map_err(m)?;
            let mut parts = Reader::contents(&t);
            let mut v = Vec::new();
            while !parts.is_empty() {
                v.extend_from_slice(parts.octets().map_err(m)?);
            }
            v
        }
        _ => Vec::new(),
    };
    let Some(pw) = password else {
        return Err(Pkcs12Error::PasswordRequired(format!("decrypt {ctx}")));
    };
    let plain = scheme.decrypt(pw, &ciphertext).map_err(|e| {
        if e == PbeError::Decrypt && !has_mac {
            // Without a MAC a wrong password shows here first.
            Pkcs12Error::Integrity
        } else {
            Pkcs12Error::crypto(ctx, e)
        }
    })?;
    let before = col.bags.len();
    read_safe_contents(&plain, &format!("{ctx} (decrypted)"), 0, col).map_err(|e| {
        if has_mac {
            e
        } else {
            // Garbage after a lucky padding check: most likely the wrong password.
            match e {
                Pkcs12Error::Malformed { .. } => Pkcs12Error::Integrity,
                other => other,
            }
        }
    })?;
    if col.bags[before..]
        .iter()
        .any(|b| b.item.kind() == ItemKind::Cert)
    {
        col.cert_safes.push(Some(scheme));
    }
    Ok(())
}

fn read_safe_contents(
    data: &[u8],
    ctx: &str,
    depth: usize,
    col: &mut Collected,
) -> Result<(), Pkcs12Error> {
    if depth > MAX_SAFE_NESTING {
        return Err(Pkcs12Error::malformed(
            ctx,
            "safeContents nested too deeply",
        ));
    }
    let sc = asn1::single(data, asn1::SEQUENCE, "SafeContents")
        .map_err(|e| Pkcs12Error::malformed(ctx, e))?;
    let mut r = Reader::contents(&sc);
    let mut i = 0;
    while !r.is_empty() {
        i += 1;
        let bctx = format!("{ctx}, bag {i}");
        let m = |e| Pkcs12Error::malformed(&bctx, e);
        let bag = r.expect(asn1::SEQUENCE, "SafeBag").map_err(m)?;
        let mut b = Reader::contents(&bag);
        let bag_id = b.oid().map_err(m)?;
        let wrap = b.expect(asn1::CTX0, "[0] bagValue").map_err(m)?;
        let mut w = Reader::contents(&wrap);
        let value = w.any().map_err(m)?;
        w.finish("bagValue").map_err(m)?;
        let attrs = b.optional(asn1::SET).map_err(m)?;
        b.finish("SafeBag").map_err(m)?;

        let item = if bag_id == KEY_BAG {
            if value.tag != asn1::SEQUENCE {
                return Err(m(bad_tag(&value, "PrivateKeyInfo")));
            }
            Item::Key {
                data: PrivateKeyData::Pkcs8(Zeroizing::new(value.raw.to_vec())),
                scheme: None,
            }
        } else if bag_id == SHROUDED_KEY_BAG {
            let scheme = epki_scheme(&value).map_err(|e| Pkcs12Error::crypto(&bctx, e))?;
            Item::Key {
                data: PrivateKeyData::Encrypted(value.raw.to_vec()),
                scheme: Some(scheme),
            }
        } else if bag_id == CERT_BAG {
            if value.tag != asn1::SEQUENCE {
                return Err(m(bad_tag(&value, "CertBag")));
            }
            let mut cb = Reader::contents(&value);
            let cert_type = cb.oid().map_err(m)?;
            if cert_type != X509_CERTIFICATE {
                col.warnings.push(format!(
                    "{bctx}: skipped certificate of type {} (only X.509 is supported)",
                    crate::pki::oids::name(&cert_type)
                ));
                continue;
            }
            let der = explicit_octets(&mut cb).map_err(m)?;
            Item::Cert(der.to_vec())
        } else if bag_id == SECRET_BAG {
            // Java: SecretBag { secretTypeId pkcs8ShroudedKeyBag, [0] OCTET STRING (EPKI) }.
            if value.tag != asn1::SEQUENCE {
                return Err(m(bad_tag(&value, "SecretBag")));
            }
            let mut sb = Reader::contents(&value);
            let stype = sb.oid().map_err(m)?;
            if stype != SHROUDED_KEY_BAG {
                return Err(Pkcs12Error::Unsupported {
                    context: bctx,
                    what: format!("secret bag type {}", crate::pki::oids::name(&stype)),
                });
            }
            let sw = sb.expect(asn1::CTX0, "[0] secretValue").map_err(m)?;
            let mut sw = Reader::contents(&sw);
            let inner = sw.any().map_err(m)?;
            let epki = match inner.tag {
                asn1::OCTET_STRING => {
                    asn1::single(inner.value, asn1::SEQUENCE, "EncryptedPrivateKeyInfo")
                        .map_err(m)?
                }
                asn1::SEQUENCE => inner,
                _ => return Err(m(bad_tag(&inner, "secret value"))),
            };
            let scheme = epki_scheme(&epki).map_err(|e| Pkcs12Error::crypto(&bctx, e))?;
            Item::Secret {
                epki: epki.raw.to_vec(),
                scheme,
            }
        } else if bag_id == SAFE_CONTENTS_BAG {
            read_safe_contents(value.raw, &bctx, depth + 1, col)?;
            continue;
        } else if bag_id == CRL_BAG {
            col.warnings.push(format!(
                "{bctx}: skipped a CRL bag (keychest stores no CRLs)"
            ));
            continue;
        } else {
            return Err(Pkcs12Error::Unsupported {
                context: bctx,
                what: format!("bag type {bag_id}"),
            });
        };

        let mut out = Bag {
            name: None,
            local_key_id: None,
            java_trusted: false,
            item,
        };
        if let Some(attrs) = attrs {
            read_attributes(&attrs, &mut out).map_err(m)?;
        }
        col.bags.push(out);
    }
    Ok(())
}

fn bad_tag(t: &Tlv<'_>, what: &str) -> asn1::DerError {
    asn1::DerError {
        offset: t.offset,
        what: format!("expected {what}, found tag 0x{:02x}", t.tag),
    }
}

fn epki_scheme(epki: &Tlv<'_>) -> Result<Scheme, PbeError> {
    let mal = |e: asn1::DerError| PbeError::Malformed(e.to_string());
    if epki.tag != asn1::SEQUENCE {
        return Err(mal(bad_tag(epki, "EncryptedPrivateKeyInfo")));
    }
    let mut r = Reader::contents(epki);
    let alg = r
        .expect(asn1::SEQUENCE, "encryptionAlgorithm")
        .map_err(mal)?;
    r.octets().map_err(mal)?;
    r.finish("EncryptedPrivateKeyInfo").map_err(mal)?;
    Scheme::parse(&alg)
}

fn read_attributes(set: &Tlv<'_>, out: &mut Bag) -> asn1::DerResult<()> {
    let mut r = Reader::contents(set);
    while !r.is_empty() {
        let attr = r.expect(asn1::SEQUENCE, "Attribute")?;
        let mut a = Reader::contents(&attr);
        let oid = a.oid()?;
        let values = a.expect(asn1::SET, "attribute values")?;
        let mut v = Reader::contents(&values);
        if oid == FRIENDLY_NAME {
            let t = v.any()?;
            out.name = match t.tag {
                asn1::BMP_STRING => asn1::bmp_text(t.value),
                asn1::UTF8_STRING => std::str::from_utf8(t.value).ok().map(str::to_string),
                _ => None,
            };
            if out.name.is_none() {
                return Err(asn1::DerError {
                    offset: t.offset,
                    what: "friendlyName is not a valid BMPString".into(),
                });
            }
        } else if oid == LOCAL_KEY_ID {
            out.local_key_id = Some(v.octets()?.to_vec());
        } else if oid == JAVA_TRUSTED {
            out.java_trusted = true;
        }
    }
    Ok(())
}

/// What we need of a certificate for pairing and chain building.
struct CertFacts {
    der: Vec<u8>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    spki: Option<Vec<u8>>,
}

impl CertFacts {
    fn new(der: &[u8]) -> Option<CertFacts> {
        let (issuer, subject) = signed::cert_issuer_subject(der)?;
        let mut f = CertFacts {
            der: der.to_vec(),
            issuer: issuer.to_vec(),
            subject: subject.to_vec(),
            ski: None,
            aki: None,
            spki: None,
        };
        if let Ok(cert) = x509_cert::Certificate::from_der(der) {
            use der::Encode;
            let tbs = cert.tbs_certificate();
            f.spki = tbs.subject_public_key_info().to_der().ok();
            for ext in tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]) {
                if ext.extn_id == crate::pki::oids::EXT_SUBJECT_KEY_ID {
                    f.ski = x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(
                        ext.extn_value.as_bytes(),
                    )
                    .ok()
                    .map(|s| s.0.as_bytes().to_vec());
                } else if ext.extn_id == crate::pki::oids::EXT_AUTHORITY_KEY_ID {
                    f.aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(
                        ext.extn_value.as_bytes(),
                    )
                    .ok()
                    .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
                }
            }
        }
        Some(f)
    }

    // Names are compared by bytes first and parsed only when the bytes differ (rare):
    // keeping parsed names for thousands of certificates would multiply memory use.
    fn self_issued(&self) -> bool {
        names_match(&self.issuer, &self.subject)
    }

    fn issued_by(&self, ca: &CertFacts) -> bool {
        names_match(&self.issuer, &ca.subject)
    }

    fn cn(&self) -> Option<String> {
        Name::from_der(&self.subject)
            .ok()
            .and_then(|n| name::first_value(&n, &CN))
            .filter(|s| !s.trim().is_empty())
    }
}

/// Certificates indexed for chain building: exact subject bytes first (the common case, and
/// fast for stores with thousands of entries), RFC 5280 name comparison as the fallback.
struct Pool {
    certs: Vec<CertFacts>,
    /// SHA-256 of the DER → index (a digest, not a copy of every certificate).
    by_der: HashMap<[u8; 32], usize>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl Pool {
    fn add(&mut self, der: &[u8]) -> Option<usize> {
        let digest: [u8; 32] = sha2::Sha256::digest(der).into();
        if let Some(i) = self.by_der.get(&digest) {
            return Some(*i);
        }
        let f = CertFacts::new(der)?;
        let i = self.certs.len();
        self.by_subject
            .entry(f.subject.clone())
            .or_default()
            .push(i);
        self.by_der.insert(digest, i);
        self.certs.push(f);
        Some(i)
    }

    /// The chain from `leaf` upward, leaf first, no loops.
    fn chain(&self, leaf: usize) -> Vec<usize> {
        let pool = &self.certs;
        let mut chain = vec![leaf];
        while chain.len() <= pool.len() {
            let cur = &pool[*chain.last().expect("chain starts with the leaf")];
            if cur.self_issued() {
                break;
            }
            let exact: Vec<usize> = self
                .by_subject
                .get(&cur.issuer)
                .map(|v| v.iter().copied().filter(|i| !chain.contains(i)).collect())
                .unwrap_or_default();
            let candidates: Vec<usize> = if exact.is_empty() {
                (0..pool.len())
                    .filter(|i| !chain.contains(i) && cur.issued_by(&pool[*i]))
                    .collect()
            } else {
                exact
            };
            let next = match candidates.len() {
                0 => break,
                1 => candidates[0],
                _ => {
                    // Tie-break: the candidate whose SKI is this certificate's AKI.
                    let by_key = candidates
                        .iter()
                        .copied()
                        .find(|i| cur.aki.is_some() && pool[*i].ski == cur.aki);
                    by_key.unwrap_or(candidates[0])
                }
            };
            chain.push(next);
        }
        chain
    }
}

fn assemble(
    col: Collected,
    mac: Option<&MacParams>,
) -> Result<(Keystore, Pkcs12Info), Pkcs12Error> {
    let Collected {
        bags,
        cert_safes,
        mut warnings,
    } = col;

    // Distinct certificates (by bytes) for chain building.
    let mut index = Pool {
        certs: Vec::new(),
        by_der: HashMap::new(),
        by_subject: HashMap::new(),
    };
    let mut cert_index: Vec<Option<usize>> = Vec::with_capacity(bags.len());
    // localKeyId → first certificate bag carrying it.
    let mut cert_by_lkid: HashMap<&[u8], usize> = HashMap::new();
    for (i, bag) in bags.iter().enumerate() {
        if let Item::Cert(der) = &bag.item {
            let Some(idx) = index.add(der) else {
                return Err(Pkcs12Error::malformed(
                    format!("bag {} (a certificate)", i + 1),
                    "not an X.509 certificate",
                ));
            };
            cert_index.push(Some(idx));
            if let Some(id) = &bag.local_key_id {
                cert_by_lkid.entry(id.as_slice()).or_insert(i);
            }
        } else {
            cert_index.push(None);
        }
    }
    let pool = &index.certs;

    let key_count = bags
        .iter()
        .filter(|b| b.item.kind() == ItemKind::Key)
        .count();
    // Entries in file order: (position of the creating bag, entry draft).
    let mut drafts: Vec<(usize, Option<String>, EntryDraft)> = Vec::new();
    let mut used_in_keys: HashSet<usize> = HashSet::new();
    let mut leaf_bags: HashSet<usize> = HashSet::new();

    for (bi, bag) in bags.iter().enumerate() {
        let Item::Key { data, .. } = &bag.item else {
            continue;
        };
        // Pair with its certificate: localKeyId, else public key, else the lone leaf.
        let mut leaf_bag = bag
            .local_key_id
            .as_ref()
            .and_then(|id| cert_by_lkid.get(id.as_slice()).copied());
        if leaf_bag.is_none()
            && let PrivateKeyData::Pkcs8(pk) = data
            && let Some(spki) = public_key_of(pk)
        {
            leaf_bag = bags.iter().enumerate().position(|(i, b)| {
                b.item.kind() == ItemKind::Cert
                    && cert_index[i].is_some_and(|p| pool[p].spki.as_deref() == Some(&spki[..]))
            });
        }
        if leaf_bag.is_none()
            && key_count == 1
            && bag.local_key_id.is_none()
            && pool.len() <= MAX_LONE_KEY_SEARCH
        {
            // One key and one certificate that issues nothing else: that is its certificate.
            let leaves: Vec<usize> = (0..bags.len())
                .filter(|i| {
                    cert_index[*i].is_some_and(|p| {
                        !bags[*i].java_trusted
                            && !pool.iter().enumerate().any(|(q, c)| {
                                q != p && c.issued_by(&pool[p]) && !pool[p].self_issued()
                            })
                    })
                })
                .collect();
            if leaves.len() == 1 {
                leaf_bag = Some(leaves[0]);
            }
        }
        let chain: Vec<usize> = match leaf_bag {
            Some(lb) => {
                leaf_bags.insert(lb);
                let leaf = cert_index[lb].expect("a certificate bag");
                index.chain(leaf)
            }
            None => Vec::new(),
        };
        used_in_keys.extend(chain.iter().copied());
        let name = bag
            .name
            .clone()
            .or_else(|| leaf_bag.and_then(|lb| bags[lb].name.clone()));
        drafts.push((
            bi,
            name,
            EntryDraft::Key {
                data: data.clone(),
                chain,
            },
        ));
    }

    let mut trusted_bags: Vec<usize> = Vec::new();
    let mut seen_trusted: HashSet<(usize, Option<String>)> = HashSet::new();
    for (bi, bag) in bags.iter().enumerate() {
        match &bag.item {
            Item::Cert(_) => {
                let p = cert_index[bi].expect("a certificate bag");
                if leaf_bags.contains(&bi) || (used_in_keys.contains(&p) && !bag.java_trusted) {
                    continue;
                }
                if !seen_trusted.insert((p, bag.name.clone())) {
                    continue; // the same certificate under the same name twice
                }
                trusted_bags.push(bi);
                drafts.push((bi, bag.name.clone(), EntryDraft::Cert(p)));
            }
            Item::Secret { epki, .. } => {
                drafts.push((bi, bag.name.clone(), EntryDraft::Secret(epki.clone())));
            }
            Item::Key { .. } => {}
        }
    }
    drafts.sort_by_key(|d| d.0);

    // Aliases: the friendly name, else the leaf's CN, else key-N / cert-N / secret-N.
    let mut used: HashSet<String> = HashSet::new();
    let mut entries = Vec::with_capacity(drafts.len());
    let mut no_attr = Vec::new();
    let mut counters = [0usize; 3];
    for (bi, name, draft) in drafts {
        let (base, explicit) = match name {
            Some(n) if !n.is_empty() => (n, true),
            _ => {
                let (k, prefix, cert) = match &draft {
                    EntryDraft::Key { chain, .. } => (0, "key", chain.first().copied()),
                    EntryDraft::Cert(p) => (1, "cert", Some(*p)),
                    EntryDraft::Secret(_) => (2, "secret", None),
                };
                let derived = cert.and_then(|p| pool[p].cn());
                (
                    derived.unwrap_or_else(|| {
                        counters[k] += 1;
                        format!("{prefix}-{}", counters[k])
                    }),
                    false,
                )
            }
        };
        let alias = unique_alias(&base, &mut used);
        if explicit && alias != base {
            warnings.push(format!(
                "two entries are named '{base}': the second is read as '{alias}'"
            ));
        }
        let body = match draft {
            EntryDraft::Key { data, chain } => EntryBody::PrivateKey {
                key: data,
                chain: chain
                    .iter()
                    .map(|p| pool[*p].der.clone())
                    .collect::<Vec<CertDer>>(),
            },
            EntryDraft::Cert(p) => {
                if !bags[bi].java_trusted {
                    no_attr.push(alias.clone());
                }
                EntryBody::TrustedCert {
                    cert: pool[p].der.clone(),
                }
            }
            EntryDraft::Secret(bytes) => EntryBody::SecretKey {
                key: SecretEntryData::Sealed {
                    format: Format::Pkcs12,
                    bytes,
                },
            },
        };
        entries.push(Entry {
            alias,
            created_ms: None,
            body,
        });
    }

    // ---- the info report
    let key_schemes: Vec<Option<&Scheme>> = bags
        .iter()
        .filter_map(|b| match &b.item {
            Item::Key { scheme, .. } => Some(scheme.as_ref()),
            Item::Secret { scheme, .. } => Some(Some(scheme)),
            Item::Cert(_) => None,
        })
        .collect();
    let mut key_encryption: Vec<String> = Vec::new();
    for s in &key_schemes {
        let d = s.map_or_else(|| "none (keyBag)".to_string(), Scheme::describe);
        if !key_encryption.contains(&d) {
            key_encryption.push(d);
        }
    }
    let cert_encryption = if cert_safes.is_empty() {
        None
    } else {
        let mut ds: Vec<String> = Vec::new();
        for s in &cert_safes {
            let d = s
                .as_ref()
                .map_or_else(|| "none".to_string(), Scheme::describe);
            if !ds.contains(&d) {
                ds.push(d);
            }
        }
        Some(ds.join("; "))
    };
    let all_schemes = key_schemes
        .iter()
        .copied()
        .chain(cert_safes.iter().map(Option::as_ref));
    let mut rc2_40 = false;
    let mut rc2_128 = false;
    let mut pbes2 = false;
    for s in all_schemes.flatten() {
        match s {
            Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Rc2_40,
                ..
            } => rc2_40 = true,
            Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Rc2_128,
                ..
            } => rc2_128 = true,
            Scheme::Pbes2 { .. } => pbes2 = true,
            _ => {}
        }
    }
    if rc2_40 {
        warnings.push("RC2-40: OpenSSL 3 needs -legacy (the legacy provider) to read it".into());
    }
    if rc2_128 {
        warnings.push("RC2-128: OpenSSL 3 needs -legacy (the legacy provider) to read it".into());
    }
    if pbes2 {
        warnings.push(
            "AES (PBES2): macOS Keychain and Windows before 10 1709 cannot import it (--compat legacy can)"
                .into(),
        );
    }
    match mac {
        None => warnings.push("no MAC: integrity not protected".into()),
        Some(m) if m.digest != pbe::Digest::Sha1 => warnings.push(format!(
            "{} MAC: Java before 8u301/11.0.12 cannot verify it (--compat java11 uses SHA-1)",
            m.digest.name()
        )),
        Some(_) => {}
    }
    if !no_attr.is_empty() {
        warnings.push(format!(
            "no trust attribute on {}: Java does not list these certificates (it sees 0 entries for them)",
            no_attr.join(", ")
        ));
    }

    let preset = detect_preset(&key_schemes, &cert_safes, mac);
    let info = Pkcs12Info {
        mac: mac.map(|m| MacInfo {
            digest: m.digest.name().to_string(),
            iterations: m.iterations,
            salt_len: m.salt.len(),
        }),
        cert_encryption,
        key_encryption,
        trusted_without_java_attribute: no_attr,
        preset,
        warnings,
    };
    Ok((Keystore { entries }, info))
}

enum EntryDraft {
    Key {
        data: PrivateKeyData,
        chain: Vec<usize>,
    },
    Cert(usize),
    Secret(Vec<u8>),
}

fn unique_alias(base: &str, used: &mut HashSet<String>) -> String {
    let mut alias = base.to_string();
    let mut n = 1;
    while used.contains(&alias) {
        n += 1;
        alias = format!("{base}-{n}");
    }
    used.insert(alias.clone());
    alias
}

fn public_key_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    let key = crate::pki::key::PrivateKey::from_pkcs8_der(pkcs8).ok()?;
    key.public_key_info().ok()?.to_der().ok()
}

fn detect_preset(
    keys: &[Option<&Scheme>],
    cert_safes: &[Option<Scheme>],
    mac: Option<&MacParams>,
) -> Option<Compat> {
    let aes256_sha256 = |s: Option<&Scheme>| {
        matches!(
            s,
            Some(Scheme::Pbes2 {
                prf: pbe::Digest::Sha256,
                cipher: pbe::Cipher::Aes256,
                ..
            })
        )
    };
    let des3 = |s: Option<&Scheme>| {
        matches!(
            s,
            Some(Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Des3,
                ..
            })
        )
    };
    let rc2_or_des3 = |s: Option<&Scheme>| {
        des3(s)
            || matches!(
                s,
                Some(Scheme::Pkcs12 {
                    kind: Pkcs12Pbe::Rc2_40,
                    ..
                })
            )
    };
    let Some(mac) = mac else {
        return (keys.is_empty() && cert_safes.iter().all(Option::is_none))
            .then_some(Compat::Passwordless);
    };
    let keys_aes = keys.iter().all(|s| aes256_sha256(*s));
    let certs_aes = cert_safes.iter().all(|s| aes256_sha256(s.as_ref()));
    match mac.digest {
        pbe::Digest::Sha256 if keys_aes && certs_aes => Some(Compat::Modern),
        pbe::Digest::Sha1 if keys_aes && certs_aes => Some(Compat::Java11),
        pbe::Digest::Sha1
            if keys.iter().all(|s| des3(*s))
                && cert_safes.iter().all(|s| rc2_or_des3(s.as_ref())) =>
        {
            Some(Compat::Legacy)
        }
        _ => None,
    }
}

/// Opens a secret key sealed in a PKCS#12 secret bag (the bag's `EncryptedPrivateKeyInfo`,
/// as kept in [`SecretEntryData::Sealed`]) with the store password.
pub fn open_secret(sealed: &[u8], password: &str) -> Result<SecretKeyData, Pkcs12Error> {
    let ctx = "secret key";
    let m = |e| Pkcs12Error::malformed(ctx, e);
    let epki = asn1::single(sealed, asn1::SEQUENCE, "EncryptedPrivateKeyInfo").map_err(m)?;
    let mut r = Reader::contents(&epki);
    let alg = r.expect(asn1::SEQUENCE, "encryptionAlgorithm").map_err(m)?;
    let data = r.octets().map_err(m)?;
    let scheme = Scheme::parse(&alg).map_err(|e| Pkcs12Error::crypto(ctx, e))?;
    let plain = scheme
        .decrypt(password, data)
        .map_err(|e| Pkcs12Error::crypto(ctx, e))?;
    // PrivateKeyInfo { version, AlgorithmIdentifier { algorithm OID }, OCTET STRING key }
    let parsed = (|| -> asn1::DerResult<(Oid, Vec<u8>)> {
        let pki = asn1::single(&plain, asn1::SEQUENCE, "PrivateKeyInfo")?;
        let mut p = Reader::contents(&pki);
        p.uint()?;
        let alg = p.expect(asn1::SEQUENCE, "algorithm")?;
        let oid = Reader::contents(&alg).oid()?;
        let key = p.octets()?.to_vec();
        Ok((oid, key))
    })();
    let (oid, key) = parsed.map_err(|_| Pkcs12Error::Decrypt {
        context: ctx.into(),
    })?;
    let dotted = oid.to_string();
    let algorithm = SECRET_ALGORITHMS
        .iter()
        .find(|(_, o)| *o == dotted)
        .map_or(dotted.clone(), |(n, _)| (*n).to_string());
    Ok(SecretKeyData {
        algorithm,
        key: Zeroizing::new(key),
    })
}
