//! Issuance policy: what a certificate request may ask for and what the CA decides itself.
//! A CSR contributes its subject and key (verbatim) and its SANs; the profile decides key
//! usages, basic constraints and key identifiers; validity is clamped to the CA's; a server
//! certificate always carries a name in its SAN (RFC 6125 clients ignore the CN).

use der::Decode;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::{BACKDATE, COMMON_NAME, Ca, CaError, DAY};
use crate::pki::cert;
use crate::pki::csr::{self, CsrError};
use crate::pki::profile::Profile;
use crate::pki::{constraints, inspect, name, oids, san, signed};

/// Something the user should be told about an issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The requested validity would have outlived the CA: notAfter is the CA's.
    Clamped { requested: i64, not_after: i64 },
    /// Extensions requested in the CSR that were not copied (policy: only SAN is copied).
    DroppedExtensions(Vec<String>),
    /// The CSR's SANs were replaced by `--san`.
    SansOverridden,
    /// A server certificate without SAN got its CN as a SAN.
    CnAsSan(String),
}

/// What to certify: the subject and key come from a request (verbatim) or a new key.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// DER Name.
    pub subject: Vec<u8>,
    /// DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    pub sans: Vec<GeneralName>,
    pub profile: Profile,
    pub days: u32,
    /// pathLenConstraint for the `ca` profile.
    pub path_len: Option<u8>,
    /// nameConstraints for the `ca` profile (`ca init --permit/--exclude`).
    pub name_constraints: Option<constraints::Constraints>,
}

/// Policy for a received CSR (docs/ca.md): its signature must verify; its subject and public
/// key are copied byte for byte; of the extensions it requests only subjectAltName is copied
/// (unless `san_override` replaces it); everything else — key usages, basic constraints, key
/// identifiers, unknown extensions — is decided by the profile and reported as dropped.
pub fn request_from_csr(
    csr_der: &[u8],
    profile: Profile,
    days: u32,
    path_len: Option<u8>,
    subject_override: Option<Vec<u8>>,
    san_override: Option<Vec<GeneralName>>,
) -> Result<(IssueRequest, Vec<Note>), CaError> {
    let req = csr::parse_and_verify(csr_der)?;
    let malformed = || CsrError::Malformed("cannot locate subject and key".into());
    let elems = signed::tbs_bytes(csr_der)
        .and_then(signed::sequence_elements)
        .ok_or_else(malformed)?;
    let (subject, spki) = match (elems.get(1), elems.get(2)) {
        (Some(s), Some(k)) => (s.to_vec(), k.to_vec()),
        _ => return Err(malformed().into()),
    };
    let mut notes = Vec::new();
    let mut csr_sans = Vec::new();
    let mut dropped = Vec::new();
    for ext in csr::requested_extensions(&req)? {
        if ext.extn_id == oids::EXT_SUBJECT_ALT_NAME {
            let parsed = SubjectAltName::from_der(ext.extn_value.as_bytes())
                .map_err(|e| CsrError::Malformed(format!("subjectAltName: {e}")))?;
            csr_sans.extend(parsed.0);
        } else {
            dropped.push(inspect::extension_name(&ext.extn_id));
        }
    }
    if !dropped.is_empty() {
        notes.push(Note::DroppedExtensions(dropped));
    }
    let sans = match san_override {
        Some(s) => {
            if !csr_sans.is_empty() {
                notes.push(Note::SansOverridden);
            }
            s
        }
        // The names the request asks for are certified only if a CA may certify them.
        None => {
            for (i, name) in csr_sans.iter().enumerate() {
                san::check_requested(name).map_err(|why| {
                    CsrError::Malformed(format!("subjectAltName entry {}: {why}", i + 1))
                })?;
            }
            csr_sans
        }
    };
    Ok((
        IssueRequest {
            subject: subject_override.unwrap_or(subject),
            spki,
            sans,
            profile,
            days,
            path_len,
            name_constraints: None,
        },
        notes,
    ))
}

/// What the CA decided for one request, before a serial is drawn.
pub(super) struct Decision {
    pub sans: Vec<GeneralName>,
    pub extensions: Vec<Extension>,
    pub subject: Name,
    pub not_before: i64,
    pub not_after: i64,
    pub notes: Vec<Note>,
}

/// Applies the profile and the CA's constraints to `req` at `now`.
pub(super) fn decide(ca: &Ca, req: &IssueRequest, now: i64) -> Result<Decision, CaError> {
    let mut notes = Vec::new();
    let mut sans = req.sans.clone();
    let subject =
        Name::from_der(&req.subject).map_err(|e| CsrError::Malformed(format!("subject: {e}")))?;
    if req.profile.is_server() && sans.is_empty() {
        let cn = name::first_value(&subject, &COMMON_NAME).ok_or(CaError::NoNames)?;
        match san::classify(&cn) {
            Ok(g @ (GeneralName::DnsName(_) | GeneralName::IpAddress(_))) => {
                notes.push(Note::CnAsSan(san::display(&g)));
                sans.push(g);
            }
            _ => return Err(CaError::NoServerName(cn)),
        }
    }
    // Refused up front: a peer would reject a name outside any CA's constraints anyway.
    constraints::check_chain(&sans, &ca.chain_ders())?;
    let path_len = if req.profile.is_ca() {
        let wanted = req.path_len.unwrap_or(0);
        match ca.path_len() {
            Some(0) => return Err(CaError::PathLenExhausted(0)),
            Some(limit) if wanted >= limit => {
                return Err(CaError::PathLenTooLarge {
                    wanted,
                    limit: limit - 1,
                });
            }
            _ => Some(wanted),
        }
    } else {
        None
    };
    let rsa = spki::SubjectPublicKeyInfoRef::from_der(&req.spki)
        .map(|s| s.algorithm.oid == oids::RSA_ENCRYPTION)
        .unwrap_or(false);
    let ca_key_id = ca.key_id()?;
    let mut extensions = vec![
        cert::basic_constraints(req.profile.is_ca(), path_len)?,
        cert::key_usage(req.profile.key_usage(rsa))?,
    ];
    let eku = req.profile.extended_key_usage();
    if !eku.is_empty() {
        extensions.push(cert::extended_key_usage(eku)?);
    }
    extensions.push(cert::subject_key_id(&cert::key_identifier(&req.spki)?)?);
    extensions.push(cert::authority_key_id(&ca_key_id)?);
    if let Some(nc) = req
        .name_constraints
        .as_ref()
        .filter(|_| req.profile.is_ca())
    {
        extensions.push(nc.extension()?);
    }
    if !sans.is_empty() {
        // An empty subject makes the SAN the only name: it must be critical (§4.2.1.6).
        extensions.push(cert::subject_alt_name(&sans, req.subject == [0x30, 0x00])?);
    }
    let requested = now + i64::from(req.days) * DAY;
    let (_, ca_not_after) = ca.validity();
    let not_after = if requested > ca_not_after {
        notes.push(Note::Clamped {
            requested,
            not_after: ca_not_after,
        });
        ca_not_after
    } else {
        requested
    };
    Ok(Decision {
        sans,
        extensions,
        subject,
        not_before: now - BACKDATE,
        not_after,
        notes,
    })
}
