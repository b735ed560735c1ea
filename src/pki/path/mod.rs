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

pub use pool::BadCert;
pub use report::{Check, Failure, Outcome, PathCert, Report, Source, Step};
pub use revocation::BadCrl;

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

/// Why validation could not run at all (as opposed to a path found invalid).
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("no trust anchors given: nothing to validate against")]
    NoTrustAnchors,
    #[error(transparent)]
    BadCert(#[from] BadCert),
    #[error(transparent)]
    BadCrl(#[from] BadCrl),
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
                .map(|(i, der)| revocation::Crl::parse(der, &format!("CRL {}", i + 1)))
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
