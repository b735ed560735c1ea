//! The certificates path validation works on, each parsed once: the target, the untrusted
//! pool and the trust anchors, with duplicates merged (a certificate given both as chain
//! and as anchor is an anchor) and the extension lookups the checks need.

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use super::report::{Failure, PathCert, Source};
use super::{Input, PathError};
use crate::pki::chain::CertFacts;
use crate::pki::inspect;
use crate::pki::name::{hex_lower, to_rfc4514};
use crate::pki::oids;

/// One parsed certificate.
pub struct PoolCert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    pub facts: CertFacts,
    /// RFC 4514 subject, for reports.
    pub subject: String,
    pub source: Source,
    pub anchor: bool,
}

impl PoolCert {
    /// Parses a DER certificate; the error says why it is not one.
    pub fn parse(der: &[u8], source: Source) -> Result<PoolCert, String> {
        let cert = Certificate::from_der(der).map_err(|e| e.to_string())?;
        let facts = CertFacts::from_parsed(der, &cert).ok_or("malformed TBSCertificate")?;
        Ok(PoolCert {
            subject: to_rfc4514(cert.tbs_certificate().subject()),
            der: der.to_vec(),
            cert,
            facts,
            source,
            anchor: source == Source::Trust,
        })
    }

    pub fn issuer_text(&self) -> String {
        to_rfc4514(self.cert.tbs_certificate().issuer())
    }

    pub fn describe(&self) -> PathCert {
        let tbs = self.cert.tbs_certificate();
        PathCert {
            subject: self.subject.clone(),
            issuer: self.issuer_text(),
            serial: hex_lower(tbs.serial_number().as_bytes()),
            sha256: inspect::fingerprints(&self.der).sha256,
            source: self.source,
            anchor: self.anchor,
        }
    }

    pub fn extensions(&self) -> &[Extension] {
        self.cert
            .tbs_certificate()
            .extensions()
            .map(|e| e.as_slice())
            .unwrap_or(&[])
    }

    pub fn extension(&self, oid: der::oid::ObjectIdentifier) -> Option<&Extension> {
        self.extensions().iter().find(|e| e.extn_id == oid)
    }

    /// Decodes an extension; a malformed one is a failure naming it.
    pub fn decode_ext<'a, T: Decode<'a>>(
        &'a self,
        oid: der::oid::ObjectIdentifier,
    ) -> Result<Option<T>, Failure> {
        match self.extension(oid) {
            None => Ok(None),
            Some(e) => T::from_der(e.extn_value.as_bytes())
                .map(Some)
                .map_err(|err| Failure::MalformedExtension {
                    subject: self.subject.clone(),
                    extension: inspect::extension_name(&oid),
                    error: err.to_string(),
                }),
        }
    }

    pub fn basic_constraints(&self) -> Result<Option<BasicConstraints>, Failure> {
        self.decode_ext(oids::EXT_BASIC_CONSTRAINTS)
    }

    pub fn key_usage(&self) -> Result<Option<KeyUsage>, Failure> {
        self.decode_ext(oids::EXT_KEY_USAGE)
    }

    pub fn extended_key_usage(&self) -> Result<Option<ExtendedKeyUsage>, Failure> {
        self.decode_ext(oids::EXT_EXTENDED_KEY_USAGE)
    }

    /// The subjectAltName entries (empty without the extension).
    pub fn alt_names(&self) -> Result<Vec<GeneralName>, Failure> {
        Ok(self
            .decode_ext::<SubjectAltName>(oids::EXT_SUBJECT_ALT_NAME)?
            .map(|s| s.0)
            .unwrap_or_default())
    }

    /// notBefore and notAfter in Unix seconds.
    pub fn validity(&self) -> (i64, i64) {
        let v = self.cert.tbs_certificate().validity();
        (
            v.not_before.to_unix_duration().as_secs() as i64,
            v.not_after.to_unix_duration().as_secs() as i64,
        )
    }

    /// Whether the subject is the empty sequence (names then live only in the SAN).
    pub fn subject_is_empty(&self) -> bool {
        self.cert.tbs_certificate().subject().is_empty()
    }
}

/// Builds the pool: index 0 is the target, then the chain, then the anchors; a certificate
/// seen twice (same DER) is kept once, as an anchor if it was given as one.
pub fn build_pool(
    target: &[u8],
    chain: &[Vec<u8>],
    anchors: &[Vec<u8>],
) -> Result<Vec<PoolCert>, PathError> {
    let bad = |input| move |error| PathError::BadCertificate { input, error };
    let mut pool = vec![PoolCert::parse(target, Source::Target).map_err(bad(Input::Target))?];
    for (i, der) in chain.iter().enumerate() {
        if pool.iter().any(|c| c.der == *der) {
            continue;
        }
        pool.push(PoolCert::parse(der, Source::Chain).map_err(bad(Input::Chain(i)))?);
    }
    for (i, der) in anchors.iter().enumerate() {
        if let Some(existing) = pool.iter_mut().find(|c| c.der == *der) {
            existing.anchor = true;
            if existing.source == Source::Chain {
                existing.source = Source::Trust;
            }
            continue;
        }
        pool.push(PoolCert::parse(der, Source::Trust).map_err(bad(Input::Anchor(i)))?);
    }
    Ok(pool)
}
