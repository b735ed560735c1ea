//! What path validation returns: the path it built, one step per check with its outcome,
//! and data-carrying failure reasons (as rustls's error enums carry theirs), so that the CLI
//! can explain each verdict as text or JSON without re-deriving anything.

use serde::Serialize;

/// Where a certificate of the path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The certificate being verified.
    Target,
    /// The untrusted pool (`--chain`).
    Chain,
    /// The trust anchors (`--trust`).
    Trust,
}

/// One certificate of the built path, target first.
#[derive(Debug, Clone, Serialize)]
pub struct PathCert {
    pub subject: String,
    pub issuer: String,
    /// Hex, as encoded.
    pub serial: String,
    pub sha256: String,
    pub source: Source,
    /// Whether this certificate is a trust anchor (the path ends here).
    pub anchor: bool,
}

/// The kinds of check, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Path,
    Signature,
    Validity,
    BasicConstraints,
    KeyUsage,
    PathLength,
    CriticalExtensions,
    NameConstraints,
    Purpose,
    Hostname,
    Revocation,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Path => "path",
            Check::Signature => "signature",
            Check::Validity => "validity",
            Check::BasicConstraints => "basic-constraints",
            Check::KeyUsage => "key-usage",
            Check::PathLength => "path-length",
            Check::CriticalExtensions => "critical-extensions",
            Check::NameConstraints => "name-constraints",
            Check::Purpose => "purpose",
            Check::Hostname => "hostname",
            Check::Revocation => "revocation",
        }
    }
}

/// The outcome of one step.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// The check passed; `detail` says what was seen.
    Pass { detail: String },
    /// The check failed.
    Fail { failure: Failure },
    /// The check did not apply (no `--purpose`, no `--host`, no CRL from that issuer…);
    /// never used for something required, such as trust anchors.
    Skipped { why: String },
}

/// One check on one certificate (or on the whole path when `cert` is None).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub check: Check,
    /// Index into [`Report::path`].
    pub cert: Option<usize>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Why a path is not valid. Names are RFC 4514 strings; times RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Failure {
    /// No certificate in the pool or the trust anchors issued `subject` (a missing
    /// intermediate, or the wrong trust anchors).
    IssuerNotFound {
        subject: String,
        issuer: String,
    },
    /// The path ends at a self-issued certificate that is not a trust anchor.
    UntrustedRoot {
        subject: String,
    },
    /// The path grew past the depth limit without reaching an anchor.
    PathTooLong {
        limit: usize,
    },
    BadSignature {
        subject: String,
        issuer: String,
        error: String,
    },
    Expired {
        subject: String,
        not_after: String,
    },
    NotYetValid {
        subject: String,
        not_before: String,
    },
    /// An issuer that is not a CA (basicConstraints absent or CA:FALSE).
    NotCa {
        subject: String,
    },
    /// An issuer whose keyUsage lacks keyCertSign.
    KeyCertSignMissing {
        subject: String,
        key_usage: Vec<String>,
    },
    PathLenExceeded {
        subject: String,
        path_len: u8,
        intermediates_below: usize,
    },
    UnknownCriticalExtension {
        subject: String,
        extension: String,
    },
    MalformedExtension {
        subject: String,
        extension: String,
        error: String,
    },
    /// A name of `subject` lies outside the permitted subtrees of `constrained_by`.
    NameNotPermitted {
        subject: String,
        name: String,
        constrained_by: String,
    },
    /// A name of `subject` lies inside an excluded subtree of `constrained_by`.
    NameExcluded {
        subject: String,
        name: String,
        constrained_by: String,
        subtree: String,
    },
    /// A name constraint of a kind keychest does not evaluate applies to a name of this
    /// kind in `subject`: failing closed.
    UnsupportedNameConstraint {
        subject: String,
        kind: String,
        constrained_by: String,
    },
    /// extendedKeyUsage lacks the purpose.
    EkuLacksPurpose {
        subject: String,
        purpose: String,
        extended_key_usage: Vec<String>,
    },
    /// The leaf's keyUsage allows none of the usages the purpose needs.
    KeyUsageLacksPurpose {
        subject: String,
        purpose: String,
        key_usage: Vec<String>,
        needs_one_of: Vec<String>,
    },
    HostnameMismatch {
        host: String,
        names: Vec<String>,
    },
    Revoked {
        subject: String,
        serial: String,
        date: String,
        revocation_reason: Option<String>,
    },
    /// CRLs were given but none from this certificate's issuer.
    NoCrl {
        subject: String,
        issuer: String,
    },
    /// A CRL names the issuer but its signature does not verify with the issuer's key.
    CrlBadSignature {
        issuer: String,
        error: String,
    },
    /// The issuer's keyUsage lacks cRLSign, so its CRL cannot be used.
    CrlSignMissing {
        issuer: String,
    },
    CrlExpired {
        issuer: String,
        next_update: String,
    },
    CrlNotYetValid {
        issuer: String,
        this_update: String,
    },
    /// A CRL (or one of its entries) carries a critical extension keychest does not
    /// process (an issuing distribution point, a delta CRL indicator, an indirect entry).
    CrlUnsupported {
        issuer: String,
        extension: String,
    },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Failure::*;
        match self {
            IssuerNotFound { subject, issuer } => write!(
                f,
                "no issuer found for {subject}: no certificate named {issuer} among --chain and --trust (missing intermediate?)"
            ),
            UntrustedRoot { subject } => write!(
                f,
                "the path ends at self-issued {subject}, which is not a trust anchor"
            ),
            PathTooLong { limit } => {
                write!(f, "no trust anchor within {limit} certificates")
            }
            BadSignature {
                subject,
                issuer,
                error,
            } => write!(f, "signature of {subject} by {issuer} is invalid: {error}"),
            Expired { subject, not_after } => write!(f, "{subject} expired on {not_after}"),
            NotYetValid {
                subject,
                not_before,
            } => write!(f, "{subject} is not valid before {not_before}"),
            NotCa { subject } => write!(
                f,
                "{subject} issues certificates but is not a CA (basicConstraints CA:TRUE missing)"
            ),
            KeyCertSignMissing { subject, key_usage } => write!(
                f,
                "{subject} issues certificates but its keyUsage lacks keyCertSign ({})",
                key_usage.join(", ")
            ),
            PathLenExceeded {
                subject,
                path_len,
                intermediates_below,
            } => write!(
                f,
                "{subject} allows pathlen:{path_len} but {intermediates_below} intermediate(s) follow it"
            ),
            UnknownCriticalExtension { subject, extension } => {
                write!(
                    f,
                    "{subject} has a critical extension keychest does not process: {extension}"
                )
            }
            MalformedExtension {
                subject,
                extension,
                error,
            } => write!(f, "{subject}: malformed {extension}: {error}"),
            NameNotPermitted {
                subject,
                name,
                constrained_by,
            } => write!(
                f,
                "{name} of {subject} is outside the names permitted by {constrained_by}"
            ),
            NameExcluded {
                subject,
                name,
                constrained_by,
                subtree,
            } => write!(
                f,
                "{name} of {subject} is excluded by {constrained_by} ({subtree})"
            ),
            UnsupportedNameConstraint {
                subject,
                kind,
                constrained_by,
            } => write!(
                f,
                "{constrained_by} constrains {kind} names, which keychest does not evaluate, and {subject} has one"
            ),
            EkuLacksPurpose {
                subject,
                purpose,
                extended_key_usage,
            } => write!(
                f,
                "{subject}: extendedKeyUsage lacks {purpose} ({})",
                extended_key_usage.join(", ")
            ),
            KeyUsageLacksPurpose {
                subject,
                purpose,
                key_usage,
                needs_one_of,
            } => write!(
                f,
                "{subject}: keyUsage ({}) has none of {} needed for {purpose}",
                key_usage.join(", "),
                needs_one_of.join(", ")
            ),
            HostnameMismatch { host, names } => {
                if names.is_empty() {
                    write!(
                        f,
                        "{host} does not match: the certificate names no DNS or IP address"
                    )
                } else {
                    write!(f, "{host} matches none of {}", names.join(", "))
                }
            }
            Revoked {
                subject,
                serial,
                date,
                revocation_reason,
            } => {
                write!(f, "{subject} (serial {serial}) was revoked on {date}")?;
                if let Some(r) = revocation_reason {
                    write!(f, " ({r})")?;
                }
                Ok(())
            }
            NoCrl { subject, issuer } => write!(
                f,
                "no CRL from {issuer} was given, so {subject} cannot be checked"
            ),
            CrlBadSignature { issuer, error } => {
                write!(f, "the CRL naming {issuer} is not signed by it: {error}")
            }
            CrlSignMissing { issuer } => {
                write!(f, "{issuer} may not sign CRLs (keyUsage lacks cRLSign)")
            }
            CrlExpired {
                issuer,
                next_update,
            } => write!(f, "the CRL of {issuer} expired on {next_update}"),
            CrlNotYetValid {
                issuer,
                this_update,
            } => write!(f, "the CRL of {issuer} is not valid before {this_update}"),
            CrlUnsupported { issuer, extension } => write!(
                f,
                "the CRL of {issuer} has a critical {extension}, which keychest does not process"
            ),
        }
    }
}

/// The result of validating one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether every step passed (no `fail` step).
    pub valid: bool,
    /// The verification time, RFC 3339 UTC.
    pub at: String,
    pub purpose: Option<String>,
    pub host: Option<String>,
    /// The path built, target first, trust anchor last when one was reached.
    pub path: Vec<PathCert>,
    pub steps: Vec<Step>,
}

impl Report {
    /// Every failure, in step order.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.steps.iter().filter_map(|s| match &s.outcome {
            Outcome::Fail { failure } => Some(failure),
            _ => None,
        })
    }
}
