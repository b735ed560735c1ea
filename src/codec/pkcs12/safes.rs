//! The safes of a PKCS#12 file: each `ContentInfo` of the authenticated safe (plain, or
//! password-encrypted and decrypted here), the bags inside (nested `safeContents` bounded),
//! and their attributes. Key bags stay encrypted; only certificate safes are decrypted.

use super::Pkcs12Error;
use super::syntax::{
    CERT_BAG, CRL_BAG, DATA, ENCRYPTED_DATA, ENVELOPED_DATA, FRIENDLY_NAME, JAVA_TRUSTED, KEY_BAG,
    LOCAL_KEY_ID, SAFE_CONTENTS_BAG, SECRET_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE,
    explicit_octets,
};
use const_oid::ObjectIdentifier as Oid;

use crate::asn1::{self, Reader, Tlv};
use crate::pbe::{PbeError, Scheme, epki_parts};
use crate::store::PrivateKeyData;
use zeroize::Zeroizing;

const MAX_SAFE_NESTING: usize = 4;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ItemKind {
    Key,
    Cert,
    Secret,
}

/// One bag, as read.
pub(super) struct Bag {
    pub(super) name: Option<String>,
    pub(super) local_key_id: Option<Vec<u8>>,
    pub(super) java_trusted: bool,
    pub(super) item: Item,
}

pub(super) enum Item {
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
    pub(super) fn kind(&self) -> ItemKind {
        match self {
            Item::Key { .. } => ItemKind::Key,
            Item::Cert(_) => ItemKind::Cert,
            Item::Secret { .. } => ItemKind::Secret,
        }
    }
}

#[derive(Default)]
pub(super) struct Collected {
    pub(super) bags: Vec<Bag>,
    /// Encryption of each safe that held certificates (`None`: unencrypted).
    pub(super) cert_safes: Vec<Option<Scheme>>,
    pub(super) warnings: Vec<String>,
    /// What the model cannot hold, so a rewrite would drop it (CRL bags, certificates
    /// other than X.509, bag attributes keychest does not know), each named once.
    pub(super) unkept: Vec<String>,
}

impl Collected {
    fn unkept(&mut self, what: String) {
        if !self.unkept.contains(&what) {
            self.unkept.push(what);
        }
    }
}

pub(super) fn read_safe(
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
    let (scheme, ciphertext) = encrypted_content(&mut c, ctx)?;
    let Some(pw) = password else {
        return Err(Pkcs12Error::PasswordRequired(format!("decrypt {ctx}")));
    };
    // Plaintext starts a SEQUENCE (SafeContents); only the tag is checked here, so that
    // whatever encoding the parser below accepts is not refused early.
    let is_safe_contents = |plain: &[u8]| plain.first() == Some(&asn1::SEQUENCE);
    let plain = scheme
        .decrypt_valid(pw, &ciphertext, is_safe_contents)
        .map_err(|e| {
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

/// The scheme and ciphertext of an `EncryptedData` safe: `EncryptedData ::= SEQUENCE {
/// version, EncryptedContentInfo { contentType, contentEncryptionAlgorithm, [0] IMPLICIT
/// encryptedContent OPTIONAL }, [1] attrs OPTIONAL }`. The scheme's bounds are checked here.
fn encrypted_content(c: &mut Reader<'_>, ctx: &str) -> Result<(Scheme, Vec<u8>), Pkcs12Error> {
    let m = |e| Pkcs12Error::malformed(ctx, e);
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
    Ok((scheme, ciphertext))
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
    let data = asn1::ber::to_der(data).map_err(|e| Pkcs12Error::malformed(ctx, e))?;
    let sc = asn1::single(&data, asn1::SEQUENCE, "SafeContents")
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

        let Some(item) = read_item(&bag_id, &value, &bctx, depth, col)? else {
            continue;
        };
        let mut out = Bag {
            name: None,
            local_key_id: None,
            java_trusted: false,
            item,
        };
        if let Some(attrs) = attrs {
            for oid in read_attributes(&attrs, &mut out).map_err(m)? {
                col.unkept(format!("bag attribute {}", crate::pki::oids::name(&oid)));
            }
        }
        col.bags.push(out);
    }
    Ok(())
}

/// The item of one bag, or `None` for bags that hold no entry (nested safeContents, read
/// into `col` here; CRLs and non-X.509 certificates, skipped with a warning).
fn read_item(
    bag_id: &Oid,
    value: &Tlv<'_>,
    bctx: &str,
    depth: usize,
    col: &mut Collected,
) -> Result<Option<Item>, Pkcs12Error> {
    let m = |e| Pkcs12Error::malformed(bctx, e);
    let item = if *bag_id == KEY_BAG {
        if value.tag != asn1::SEQUENCE {
            return Err(m(bad_tag(value, "PrivateKeyInfo")));
        }
        Item::Key {
            data: PrivateKeyData::Pkcs8(Zeroizing::new(value.raw.to_vec())),
            scheme: None,
        }
    } else if *bag_id == SHROUDED_KEY_BAG {
        let scheme = epki_scheme(value).map_err(|e| Pkcs12Error::crypto(bctx, e))?;
        Item::Key {
            data: PrivateKeyData::Encrypted(value.raw.to_vec()),
            scheme: Some(scheme),
        }
    } else if *bag_id == CERT_BAG {
        return cert_item(value, bctx, col);
    } else if *bag_id == SECRET_BAG {
        secret_item(value, bctx)?
    } else if *bag_id == SAFE_CONTENTS_BAG {
        read_safe_contents(value.raw, bctx, depth + 1, col)?;
        return Ok(None);
    } else if *bag_id == CRL_BAG {
        col.warnings.push(format!(
            "{bctx}: skipped a CRL bag (keychest stores no CRLs)"
        ));
        col.unkept("a CRL bag".into());
        return Ok(None);
    } else {
        return Err(Pkcs12Error::Unsupported {
            context: bctx.to_string(),
            what: format!("bag type {bag_id}"),
        });
    };
    Ok(Some(item))
}

/// `CertBag { certId, [0] EXPLICIT certValue }`: X.509 only (others skipped with a warning).
fn cert_item(
    value: &Tlv<'_>,
    bctx: &str,
    col: &mut Collected,
) -> Result<Option<Item>, Pkcs12Error> {
    let m = |e| Pkcs12Error::malformed(bctx, e);
    if value.tag != asn1::SEQUENCE {
        return Err(m(bad_tag(value, "CertBag")));
    }
    let mut cb = Reader::contents(value);
    let cert_type = cb.oid().map_err(m)?;
    if cert_type != X509_CERTIFICATE {
        col.warnings.push(format!(
            "{bctx}: skipped certificate of type {} (only X.509 is supported)",
            crate::pki::oids::name(&cert_type)
        ));
        col.unkept(format!(
            "a certificate of type {}",
            crate::pki::oids::name(&cert_type)
        ));
        return Ok(None);
    }
    let der = explicit_octets(&mut cb).map_err(m)?;
    Ok(Some(Item::Cert(der.to_vec())))
}

/// Java's secret bags: `SecretBag { secretTypeId pkcs8ShroudedKeyBag, [0] OCTET STRING (EPKI) }`.
fn secret_item(value: &Tlv<'_>, bctx: &str) -> Result<Item, Pkcs12Error> {
    let m = |e| Pkcs12Error::malformed(bctx, e);
    if value.tag != asn1::SEQUENCE {
        return Err(m(bad_tag(value, "SecretBag")));
    }
    let mut sb = Reader::contents(value);
    let stype = sb.oid().map_err(m)?;
    if stype != SHROUDED_KEY_BAG {
        return Err(Pkcs12Error::Unsupported {
            context: bctx.to_string(),
            what: format!("secret bag type {}", crate::pki::oids::name(&stype)),
        });
    }
    let sw = sb.expect(asn1::CTX0, "[0] secretValue").map_err(m)?;
    let mut sw = Reader::contents(&sw);
    let inner = sw.any().map_err(m)?;
    let epki = match inner.tag {
        asn1::OCTET_STRING => {
            asn1::single(inner.value, asn1::SEQUENCE, "EncryptedPrivateKeyInfo").map_err(m)?
        }
        asn1::SEQUENCE => inner,
        _ => return Err(m(bad_tag(&inner, "secret value"))),
    };
    let scheme = epki_scheme(&epki).map_err(|e| Pkcs12Error::crypto(bctx, e))?;
    Ok(Item::Secret {
        epki: epki.raw.to_vec(),
        scheme,
    })
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
    let (alg, _) = epki_parts(epki).map_err(mal)?;
    Scheme::parse(&alg)
}

/// Reads the attributes keychest keeps into `out`; returns the types of the others.
fn read_attributes(set: &Tlv<'_>, out: &mut Bag) -> asn1::DerResult<Vec<Oid>> {
    let mut unknown = Vec::new();
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
        } else {
            unknown.push(oid);
        }
    }
    Ok(unknown)
}
