//! Certificate requests and certificates made by openssl, the peer, for the tests that need
//! what keychest would not make itself (names outside constraints, SHA-1, control
//! characters, short serials). A self-signed certificate is [`super::openssl_self_signed`].

use std::path::Path;

use super::{p, peer};

/// A certificate request `csr` named `subject` for a new EC P-256 key written, unencrypted,
/// to `key`, made by `openssl req -new`; `extra` options (`-utf8`, `-addext …`, `-outform
/// DER`) follow the common ones.
pub fn openssl_csr(key: &Path, csr: &Path, subject: &str, extra: &[&str]) {
    let mut args = vec![
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        p(key),
        "-subj",
        subject,
        "-out",
        p(csr),
    ];
    args.extend_from_slice(extra);
    peer("openssl", &args);
}

/// The certificate `cert` for the request `csr`, valid for `days`, signed by the CA
/// certificate `ca` with its key `ca_key` by `openssl x509 -req`; `extra` options
/// (`-set_serial N`, `-CAcreateserial`, `-extfile F`, `-sha1`) follow the common ones.
pub fn openssl_sign(csr: &Path, ca: &Path, ca_key: &Path, cert: &Path, days: u32, extra: &[&str]) {
    let days = days.to_string();
    let mut args = vec![
        "x509",
        "-req",
        "-in",
        p(csr),
        "-CA",
        p(ca),
        "-CAkey",
        p(ca_key),
        "-days",
        &days,
        "-out",
        p(cert),
    ];
    args.extend_from_slice(extra);
    peer("openssl", &args);
}
