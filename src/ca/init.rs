//! `ca init`: a new root (self-signed) or intermediate (signed by a parent CA) in a folder
//! created 0700, its key written 0600 before anything else and `ca.json` last, so a folder
//! is a CA only once it is complete.

use std::path::Path;

use der::Encode;

use crate::fsio::{self, Mode};
use crate::pem;
use crate::pki::cert::{self, CertError, CertParams};
use crate::pki::constraints;
use crate::pki::key::PrivateKey;
use crate::pki::profile::Profile;

use super::dir::{self, Config, Kind};
use super::index::{self, Index};
use super::issue::new_serial;
use super::policy::{IssueRequest, Note};
use super::{BACKDATE, Ca, CaError, DAY, io_failed, perms};

/// What `ca init` creates.
pub struct NewCa<'a> {
    /// DER Name.
    pub subject: Vec<u8>,
    pub key: &'a PrivateKey,
    /// The key file's PEM (encrypted or not; the caller decides).
    pub key_pem: &'a str,
    pub days: u32,
    /// For an intermediate: pathLenConstraint.
    pub path_len: Option<u8>,
    /// nameConstraints (critical) for the new CA, if any.
    pub name_constraints: Option<constraints::Constraints>,
}

/// Creates a CA in `dir`: a self-signed root, or with `parent` an intermediate signed by the
/// parent CA (and recorded in the parent's index). Returns the new CA and the notes of the
/// parent's issuance.
pub fn init(
    dir_path: &Path,
    new: &NewCa<'_>,
    parent: Option<(&Ca, &PrivateKey)>,
    now: i64,
) -> Result<(Ca, Vec<Note>), CaError> {
    if dir::is_ca(dir_path) {
        return Err(CaError::AlreadyCa(dir_path.to_path_buf()));
    }
    for f in dir::state_files(dir_path) {
        if std::fs::symlink_metadata(&f).is_ok() {
            return Err(CaError::Exists(f));
        }
    }
    perms::create_private_dir(dir_path).map_err(io_failed("create", dir_path))?;
    // Before a parent records the new intermediate: every file can be written.
    for f in dir::state_files(dir_path) {
        fsio::check_output(&f, false)?;
    }
    let spki = new
        .key
        .public_key_info()
        .map_err(CertError::from)?
        .to_der()
        .map_err(CertError::from)?;
    let (cert_der, chain_pem, root_pem, kind, notes) = match parent {
        None => {
            let kid = cert::key_identifier(&spki)?;
            let serial = new_serial(|_| false);
            let der = cert::sign(
                &CertParams {
                    serial: &serial,
                    issuer: &new.subject,
                    subject: &new.subject,
                    spki: &spki,
                    not_before: now - BACKDATE,
                    not_after: now + i64::from(new.days) * DAY,
                    extensions: {
                        let mut e = vec![
                            cert::basic_constraints(true, None)?,
                            cert::key_usage(Profile::Ca.key_usage(false))?,
                            cert::subject_key_id(&kid)?,
                            cert::authority_key_id(&kid)?,
                        ];
                        if let Some(nc) = &new.name_constraints {
                            e.push(nc.extension()?);
                        }
                        e
                    },
                },
                new.key,
            )?;
            let pem = pem::encode("CERTIFICATE", &der);
            (der, String::new(), pem, Kind::Root, Vec::new())
        }
        Some((p, pkey)) => {
            let issued = p.issue(
                pkey,
                &IssueRequest {
                    subject: new.subject.clone(),
                    spki: spki.clone(),
                    sans: Vec::new(),
                    profile: Profile::Ca,
                    days: new.days,
                    path_len: Some(new.path_len.unwrap_or(0)),
                    name_constraints: new.name_constraints.clone(),
                },
                now,
            )?;
            let chain = p.with_chain(&issued.der);
            (
                issued.der,
                chain,
                p.root_pem.clone(),
                Kind::Intermediate,
                issued.notes,
            )
        }
    };
    // The key first: a certificate without its key is useless.
    fsio::write_atomic(
        &dir_path.join(dir::KEY),
        new.key_pem.as_bytes(),
        Mode::Private,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::CERT),
        pem::encode("CERTIFICATE", &cert_der).as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::CHAIN),
        chain_pem.as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(dir::ROOT),
        root_pem.as_bytes(),
        Mode::Public,
        false,
    )?;
    fsio::write_atomic(
        &dir_path.join(index::FILE_NAME),
        Index::default().serialize().as_bytes(),
        Mode::Public,
        false,
    )?;
    let config = Config {
        format: dir::FORMAT,
        kind,
        crl_number: 0,
        created: index::format_time(now),
    };
    // Last: ca.json makes the directory a CA.
    write_config(dir_path, &config)?;
    Ok((Ca::open(dir_path)?, notes))
}

pub(super) fn write_config(dir: &Path, config: &Config) -> Result<(), CaError> {
    let mut json = serde_json::to_string_pretty(config).unwrap_or_default();
    json.push('\n');
    fsio::write_atomic(&dir.join(dir::CONFIG), json.as_bytes(), Mode::Public, true)?;
    Ok(())
}
