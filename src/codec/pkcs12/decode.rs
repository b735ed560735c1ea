//! Reading PKCS#12: the outer PFX and its MAC (integrity first), then the safes
//! ([`super::safes`]), then the entries ([`super::assemble`]); and opening secret bags.

use const_oid::ObjectIdentifier as Oid;
use zeroize::Zeroizing;

use super::assemble::assemble;
use super::safes::{Collected, read_safe};
use super::syntax::*;
use super::{Pkcs12Error, Pkcs12Info};
use crate::asn1::{self, Reader};
use crate::pbe::{MacParams, Scheme};
use crate::store::{Keystore, SecretKeyData};

/// Encrypted safes are decrypted at load (each costs a key derivation): bound their number.
const MAX_ENCRYPTED_SAFES: usize = 64;

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

/// Decodes a PKCS#12 file. The MAC is checked first; keys stay encrypted.
pub fn decode(bytes: &[u8], password: Option<&str>) -> Result<(Keystore, Pkcs12Info), Pkcs12Error> {
    let ber = |e: asn1::DerError| Pkcs12Error::NotPkcs12(e.to_string());
    let bytes = asn1::ber::to_der(bytes).map_err(ber)?;
    let pfx = parse_pfx(&bytes)?;
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
    // The MAC covered the octets as they are; the structure inside may be BER again.
    let auth_safe = asn1::ber::to_der(pfx.auth_safe)
        .map_err(|e| Pkcs12Error::malformed("AuthenticatedSafe", e))?;
    let mut r = Reader::new(&auth_safe);
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
    let (store, mut info) = assemble(col, pfx.mac.as_ref())?;
    if let Some(w) = password.and_then(java_password_warning) {
        info.warnings.push(w);
    }
    Ok((store, info))
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
    let is_pki = |plain: &[u8]| plain.first() == Some(&asn1::SEQUENCE);
    let plain = scheme
        .decrypt_valid(password, data, is_pki)
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

/// Why Java cannot open a PKCS#12 under this password, if it cannot: JDK 17's keytool reports
/// "keystore password was incorrect" for a password with non-ASCII characters (checked with a
/// file OpenSSL wrote; Java and OpenSSL encode such passwords differently for the PKCS#12 KDF).
pub fn java_password_warning(password: &str) -> Option<String> {
    (!password.is_ascii()).then(|| {
        "the password has non-ASCII characters: Java (keytool, JDK 17) cannot open this file".into()
    })
}
