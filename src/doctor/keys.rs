//! Key rules: a key that does not match its certificate, RSA keys under 2048 bits, weak or
//! unsupported curves, SHA-1 and MD5 signatures (self-signed roots excepted: their own
//! signature is never checked), unencrypted private key files that group or others can
//! read, and CA keys not kept at mode 0600.

use std::path::Path;

use der::Decode;
use spki::{ObjectIdentifier as Oid, SubjectPublicKeyInfoOwned};

use super::model::{Cert, Group, GroupKind, Loaded};
use super::{Finding, Severity, shell_quote};
use crate::pki::key::same_public_key;
use crate::pki::{inspect, oids};

const MIN_RSA_BITS: u32 = 2048;
const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
const MD2_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
const DSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");

pub fn check_group(f: &Loaded, g: &Group, out: &mut Vec<Finding>) {
    let alias = g.alias.as_deref();
    let file = shell_quote(&f.path.display().to_string());
    if g.kind == GroupKind::KeyEntry
        && let (Some(key), Some(leaf)) = (&g.key, g.certs.first())
        && let Some(spki) = &key.spki
        && !same_public_key(spki, leaf.spki_der())
    {
        let why = match &key.from {
            Some(k) => format!(
                "the key in {} does not match the certificate '{}'",
                k.display(),
                leaf.subject
            ),
            None => format!(
                "the private key does not match the certificate '{}'",
                leaf.subject
            ),
        };
        out.push(
            Finding::new(Severity::Error, "keys.mismatch", &f.path, why)
                .alias(alias)
                .fix(match alias {
                    Some(a) => format!(
                        "keychest store import {file} --key KEY --chain CHAIN --alias {} --force --pass SRC (with the matching key and chain)",
                        shell_quote(a)
                    ),
                    None => "pair the certificate with its own key (keychest show FILE prints both public-key fingerprints)".into(),
                }),
        );
    }
    for c in &g.certs {
        cert_key_rules(f, alias, c, out);
    }
}

fn cert_key_rules(f: &Loaded, alias: Option<&str>, c: &Cert, out: &mut Vec<Finding>) {
    let spki = c.cert.tbs_certificate().subject_public_key_info();
    if let Some(why) = weak_key(spki) {
        out.push(
            Finding::new(
                Severity::Error,
                why.0,
                &f.path,
                format!("'{}': {}", c.subject, why.1),
            )
            .alias(alias)
            .fix("keychest key new --type ec:p256 --out NEW.key, then a new CSR and certificate for it"),
        );
    }
    let alg = c.cert.signature_algorithm().oid;
    let weak = match alg {
        oids::SHA1_WITH_RSA | oids::ECDSA_WITH_SHA1 | DSA_WITH_SHA1 => Some("SHA-1"),
        MD5_WITH_RSA => Some("MD5"),
        MD2_WITH_RSA => Some("MD2"),
        _ => None,
    };
    // A self-signed root's own signature is never relied on: trust comes from the store.
    if let Some(hash) = weak
        && !c.self_signed()
    {
        out.push(
            Finding::new(
                Severity::Error,
                "keys.weak-signature",
                &f.path,
                format!(
                    "'{}' is signed with {hash}: browsers, Java (jdk.certpath.disabledAlgorithms) and OpenSSL 3 at level 1+ reject it",
                    c.subject
                ),
            )
            .alias(alias)
            .fix("reissue it with SHA-256: keychest ca sign CA_DIR --csr REQ.csr"),
        );
    }
}

/// (rule id, why) when a public key is too weak.
fn weak_key(spki: &SubjectPublicKeyInfoOwned) -> Option<(&'static str, String)> {
    let info = inspect::public_key_info(spki);
    if spki.algorithm.oid == oids::RSA_ENCRYPTION || spki.algorithm.oid == oids::RSASSA_PSS {
        let bits = info.bits?;
        return (bits < MIN_RSA_BITS).then(|| {
            (
                "keys.rsa-too-small",
                format!("RSA {bits}-bit key: under {MIN_RSA_BITS} bits is factorable and refused by current clients (NIST SP 800-131A)"),
            )
        });
    }
    if spki.algorithm.oid == oids::EC_PUBLIC_KEY {
        let curve: Option<Oid> = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as().ok());
        return match curve {
            Some(oids::SECP256R1 | oids::SECP384R1 | oids::SECP521R1) => None,
            Some(c) => Some((
                "keys.weak-curve",
                format!(
                    "EC key on curve {}: TLS clients accept only P-256, P-384 and P-521 (RFC 8446 §4.2.7), and curves under 256 bits are weak",
                    oids::name(&c)
                ),
            )),
            None => Some((
                "keys.weak-curve",
                "EC key with explicit or unnamed curve parameters: rejected by TLS clients (RFC 5480 §2.1.1)".into(),
            )),
        };
    }
    None
}

/// Rules on a private key file: readable by others when unencrypted, and key strength.
pub fn check_file(f: &Loaded, out: &mut Vec<Finding>) {
    let Some(k) = &f.key_file else {
        return;
    };
    let file = shell_quote(&f.path.display().to_string());
    if !k.encrypted && f.mode & 0o044 != 0 && !is_ca_key(&f.path) {
        out.push(
            Finding::new(
                Severity::Error,
                "keys.file-readable",
                &f.path,
                format!(
                    "unencrypted private key readable by {} (mode {:04o})",
                    if f.mode & 0o004 != 0 {
                        "everyone"
                    } else {
                        "its group"
                    },
                    f.mode & 0o7777
                ),
            )
            .fix(format!("chmod 600 {file}")),
        );
    }
    // A key with certificates beside it is judged through them.
    if f.groups.is_empty()
        && let Some(spki) = &k.spki
        && let Ok(spki) = SubjectPublicKeyInfoOwned::from_der(spki)
        && let Some((rule, why)) = weak_key(&spki)
    {
        out.push(
            Finding::new(Severity::Error, rule, &f.path, why)
                .fix("keychest key new --type ec:p256 --out NEW.key"),
        );
    }
}

/// `ca.key` directly in a CA directory (judged by `keys.ca-key-mode` instead).
fn is_ca_key(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == crate::ca::dir::KEY)
        && path.parent().is_some_and(crate::ca::dir::is_ca)
}

/// The CA key must be 0600 whether or not it is encrypted: an encrypted key readable by
/// others is open to offline password guessing.
pub fn check_ca_key(path: &Path, mode: u32, out: &mut Vec<Finding>) {
    if mode & 0o077 != 0 {
        out.push(
            Finding::new(
                Severity::Error,
                "keys.ca-key-mode",
                path,
                format!(
                    "the CA key has mode {:04o}: only its owner may have access (0600)",
                    mode & 0o7777
                ),
            )
            .fix(format!(
                "chmod 600 {}",
                shell_quote(&path.display().to_string())
            )),
        );
    }
}
