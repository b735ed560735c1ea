//! Certificate path validation (RFC 5280 §6, the parts a TLS deployment relies on): builds
//! a path from a certificate to one of the given trust anchors through an untrusted pool in
//! any order, then checks signatures, validity, CA constraints, path length, critical
//! extensions, name constraints, purpose, host name and CRL revocation. It returns a
//! [`Report`] with one step per check and data-carrying reasons; it never prints.
//!
//! It fails closed: no trust anchor is an error ([`PathError::NoTrustAnchors`]), not a
//! path reported as "not checked". Policies (certificatePolicies processing) and delta or
//! partitioned CRLs are not implemented; a critical extension that would need them makes
//! the path invalid.

mod build;
mod checks;
pub mod constraints;
mod host;
mod pool;
pub mod report;
mod revocation;
#[cfg(test)]
mod testkit;

pub use report::{Check, Failure, Outcome, PathCert, Report, Source, Step};

use build::{End, Signatures};
use report::Outcome::{Fail, Pass};

/// What the end-entity certificate is to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A TLS server (id-kp-serverAuth).
    Server,
    /// A TLS client (id-kp-clientAuth).
    Client,
}

impl Purpose {
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Server => "server",
            Purpose::Client => "client",
        }
    }
}

/// The inputs: DER certificates and CRLs.
pub struct Inputs<'a> {
    pub target: &'a [u8],
    /// Untrusted certificates that may complete the path, any order.
    pub chain: &'a [Vec<u8>],
    pub anchors: &'a [Vec<u8>],
    /// None: revocation is not checked (and the report says so).
    pub crls: Option<&'a [Vec<u8>]>,
    pub purpose: Option<Purpose>,
    pub host: Option<&'a str>,
    /// Verification time, Unix seconds.
    pub at: i64,
}

/// Which input an error is about (indices are 0-based positions in [`Inputs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Target,
    Chain(usize),
    Anchor(usize),
    Crl(usize),
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Target => f.write_str("the certificate"),
            Input::Chain(i) => write!(f, "chain certificate {}", i + 1),
            Input::Anchor(i) => write!(f, "trust anchor {}", i + 1),
            Input::Crl(i) => write!(f, "CRL {}", i + 1),
        }
    }
}

/// Why validation could not run at all (as opposed to a path found invalid).
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("no trust anchors given: nothing to validate against")]
    NoTrustAnchors,
    #[error("{input}: not a certificate keychest can parse: {error}")]
    BadCertificate { input: Input, error: String },
    #[error("{input}: not a CRL keychest can parse: {error}")]
    BadCrl { input: Input, error: String },
}

/// Validates `inputs.target`; see the module documentation.
pub fn validate(inputs: &Inputs) -> Result<Report, PathError> {
    if inputs.anchors.is_empty() {
        return Err(PathError::NoTrustAnchors);
    }
    let pool = pool::build_pool(inputs.target, inputs.chain, inputs.anchors)?;
    let crls = match inputs.crls {
        None => None,
        Some(list) => Some(
            list.iter()
                .enumerate()
                .map(|(i, der)| {
                    revocation::Crl::parse(der).map_err(|error| PathError::BadCrl {
                        input: Input::Crl(i),
                        error,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let mut sigs = Signatures::default();
    let built = build::build(&pool, &mut sigs);
    let last = &pool[*built.path.last().unwrap_or(&0)];
    let path_outcome = match built.end {
        End::Anchored => Pass {
            detail: format!(
                "{} certificate(s), ending at trust anchor {}",
                built.path.len(),
                last.subject
            ),
        },
        End::IssuerNotFound => Fail {
            failure: Failure::IssuerNotFound {
                subject: last.subject.clone(),
                issuer: last.issuer_text(),
            },
        },
        End::UntrustedRoot => Fail {
            failure: Failure::UntrustedRoot {
                subject: last.subject.clone(),
            },
        },
        End::TooLong => Fail {
            failure: Failure::PathTooLong {
                limit: build::MAX_DEPTH,
            },
        },
    };
    let mut steps = vec![Step {
        check: Check::Path,
        cert: None,
        outcome: path_outcome,
    }];
    let ctx = checks::Ctx {
        pool: &pool,
        path: &built.path,
        at: inputs.at,
        purpose: inputs.purpose,
        host: inputs.host,
        crls: crls.as_deref(),
    };
    checks::run(&ctx, &mut sigs, &mut steps);
    let valid = !steps.iter().any(|s| matches!(s.outcome, Fail { .. }));
    Ok(Report {
        valid,
        at: crate::pki::inspect::unix_rfc3339(inputs.at),
        purpose: inputs.purpose.map(|p| p.name().to_string()),
        host: inputs.host.map(str::to_string),
        path: built.path.iter().map(|&i| pool[i].describe()).collect(),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::testkit::{self, Ca, key, root};
    use super::*;
    use crate::pki::{cert, oids};
    use der::asn1::OctetString;
    use x509_cert::ext::Extension;

    fn inputs<'a>(target: &'a [u8], chain: &'a [Vec<u8>], anchors: &'a [Vec<u8>]) -> Inputs<'a> {
        Inputs {
            target,
            chain,
            anchors,
            crls: None,
            purpose: None,
            host: None,
            at: 1_800_000_000,
        }
    }

    fn failures(r: &Report) -> Vec<Failure> {
        r.failures().cloned().collect()
    }

    fn leaf_exts(extra: Vec<Extension>) -> Vec<Extension> {
        let mut v = vec![cert::basic_constraints(false, None).unwrap()];
        v.extend(extra);
        v
    }

    #[test]
    fn no_anchors_and_bad_input_are_errors_not_verdicts() {
        let r = root("CN=Root");
        let leaf = testkit::sign("CN=leaf", &key(), Some(&r), leaf_exts(vec![]));
        assert!(matches!(
            validate(&inputs(&leaf, &[], &[])),
            Err(PathError::NoTrustAnchors)
        ));
        assert!(matches!(
            validate(&inputs(
                &[0x30, 0x03, 1, 2, 3],
                &[],
                std::slice::from_ref(&r.der)
            )),
            Err(PathError::BadCertificate {
                input: Input::Target,
                ..
            })
        ));
        let ok = validate(&inputs(&leaf, &[], std::slice::from_ref(&r.der))).unwrap();
        assert!(ok.valid, "{:?}", ok.steps);
        assert_eq!(ok.path.len(), 2);
        assert!(ok.path[1].anchor);
    }

    #[test]
    fn a_non_ca_issuer_fails_and_every_other_check_still_runs() {
        let r = root("CN=Root");
        let k = key();
        let not_ca = Ca {
            der: testkit::sign("CN=Not a CA", &k, Some(&r), leaf_exts(vec![])),
            key: k,
        };
        let leaf = testkit::sign("CN=leaf", &key(), Some(&not_ca), leaf_exts(vec![]));
        let report = validate(&Inputs {
            at: 2_100_000_000,
            ..inputs(
                &leaf,
                std::slice::from_ref(&not_ca.der),
                std::slice::from_ref(&r.der),
            )
        })
        .unwrap();
        assert!(!report.valid);
        let f = failures(&report);
        assert!(f.contains(&Failure::NotCa {
            subject: "CN=Not a CA".into()
        }));
        // All three certificates expired by then: each reported, not only the first.
        let expired = f
            .iter()
            .filter(|x| matches!(x, Failure::Expired { .. }))
            .count();
        assert_eq!(expired, 3, "{f:?}");
    }

    #[test]
    fn unknown_critical_extensions_and_any_eku_fail() {
        let r = root("CN=Root");
        let unknown = Extension {
            extn_id: der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            critical: true,
            extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
        };
        let leaf = testkit::sign("CN=leaf", &key(), Some(&r), leaf_exts(vec![unknown]));
        let report = validate(&inputs(&leaf, &[], std::slice::from_ref(&r.der))).unwrap();
        assert!(matches!(
            failures(&report).as_slice(),
            [Failure::UnknownCriticalExtension { .. }]
        ));

        let any_eku = cert::extended_key_usage(&[oids::KP_ANY]).unwrap();
        let leaf = testkit::sign("CN=leaf", &key(), Some(&r), leaf_exts(vec![any_eku]));
        let report = validate(&Inputs {
            purpose: Some(Purpose::Server),
            ..inputs(&leaf, &[], std::slice::from_ref(&r.der))
        })
        .unwrap();
        assert!(matches!(
            failures(&report).as_slice(),
            [Failure::EkuLacksPurpose { purpose, .. }] if purpose == "serverAuth"
        ));
    }

    #[test]
    fn a_leaf_given_as_its_own_anchor_is_trusted_directly() {
        let r = root("CN=Pinned");
        let report = validate(&inputs(&r.der, &[], std::slice::from_ref(&r.der))).unwrap();
        assert!(report.valid, "{:?}", report.steps);
        assert_eq!(report.path.len(), 1);
    }
}
