//! The vocabulary shared by the PKCS#12 reader and writer: object identifiers (RFC 7292,
//! RFC 2985, Java's trust attribute), the Java secret-key algorithm table, and the one DER
//! shape both sides unwrap. It sits below `decode`, `safes`, `assemble` and `encode` so that
//! none of them has to import another for a constant.

use const_oid::ObjectIdentifier as Oid;

use crate::asn1::{self, Reader};

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

/// Java secret-key algorithm names and the OIDs of their PKCS#12 secret bags. Writing takes
/// the first row of a name, reading the first row of an OID. The OIDs are those JDK 17 writes
/// (`keytool -genseckey -storetype pkcs12`, checked with `openssl asn1parse`): DESede as OIW
/// `desEDE`, not the DES-EDE3-CBC OID Java reads back as "DESede/CBC/NoPadding". Java has no
/// OID for Blowfish; the Cryptlib one is written so that keychest reads the name back (Java
/// itself then sees the OID as the algorithm).
pub const SECRET_ALGORITHMS: &[(&str, &str)] = &[
    ("AES", "2.16.840.1.101.3.4.1"),
    ("DESede", "1.3.14.3.2.17"),
    ("DES", "1.3.14.3.2.7"),
    ("ARCFOUR", "1.2.840.113549.3.4"),
    ("Blowfish", "1.3.6.1.4.1.3029.1.2"),
    ("HmacSHA1", "1.2.840.113549.2.7"),
    ("HmacSHA224", "1.2.840.113549.2.8"),
    ("HmacSHA256", "1.2.840.113549.2.9"),
    ("HmacSHA384", "1.2.840.113549.2.10"),
    ("HmacSHA512", "1.2.840.113549.2.11"),
    ("HmacSHA512/224", "1.2.840.113549.2.12"),
    ("HmacSHA512/256", "1.2.840.113549.2.13"),
    ("HmacSHA3-224", "2.16.840.1.101.3.4.2.13"),
    ("HmacSHA3-256", "2.16.840.1.101.3.4.2.14"),
    ("HmacSHA3-384", "2.16.840.1.101.3.4.2.15"),
    ("HmacSHA3-512", "2.16.840.1.101.3.4.2.16"),
    // Never written: what keychest wrote for DESede before (DES-EDE3-CBC, read back as
    // DESede); never read back: another spelling of ARCFOUR.
    ("DESede", "1.2.840.113549.3.7"),
    ("RC4", "1.2.840.113549.3.4"),
];

/// `[0] EXPLICIT OCTET STRING` (a data ContentInfo's content).
pub fn explicit_octets<'a>(r: &mut Reader<'a>) -> asn1::DerResult<&'a [u8]> {
    let wrap = r.expect(asn1::CTX0, "[0] content")?;
    let mut w = Reader::contents(&wrap);
    let o = w.octets()?;
    w.finish("content")?;
    Ok(o)
}
