//! Certificates for the unit tests of path validation, made with keychest's own encoder.

use der::Encode;
use x509_cert::ext::Extension;

use crate::pki::cert::{self, CertParams};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::name::parse_dn;

/// A CA: its key and certificate.
pub struct Ca {
    pub key: PrivateKey,
    pub der: Vec<u8>,
}

pub fn key() -> PrivateKey {
    PrivateKey::generate(KeyType::P256).unwrap()
}

/// A certificate for `subject` and `key` with `extensions`, signed by `issuer` (self-signed
/// when None), valid 2023-11-14 to 2033-05-18.
pub fn sign(
    subject: &str,
    key: &PrivateKey,
    issuer: Option<&Ca>,
    extensions: Vec<Extension>,
) -> Vec<u8> {
    let subject_der = parse_dn(subject).unwrap().to_der().unwrap();
    let issuer_der = match issuer {
        Some(i) => crate::pki::signed::cert_issuer_subject(&i.der)
            .unwrap()
            .1
            .to_vec(),
        None => subject_der.clone(),
    };
    let spki = key.public_key_info().unwrap().to_der().unwrap();
    cert::sign(
        &CertParams {
            serial: &[1, 2, 3],
            issuer: &issuer_der,
            subject: &subject_der,
            spki: &spki,
            not_before: 1_700_000_000,
            not_after: 2_000_000_000,
            extensions,
        },
        issuer.map(|i| &i.key).unwrap_or(key),
    )
    .unwrap()
}

/// A self-signed root CA.
pub fn root(subject: &str) -> Ca {
    let key = key();
    let der = sign(
        subject,
        &key,
        None,
        vec![cert::basic_constraints(true, None).unwrap()],
    );
    Ca { key, der }
}
