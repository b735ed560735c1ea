//! Stores made by openssl for the store tests.

use std::path::Path;

use super::{p, peer};

/// `openssl pkcs12 -export` of the key `key` with the certificates in `certs` (leaf first)
/// into `out`, protected with `-passout PASSOUT` (`pass:…`, `file:…`); `extra` options
/// (`-name`, `-legacy`, `-keypbe`, …) follow the common ones.
pub fn openssl_pkcs12(key: &Path, certs: &Path, passout: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        p(key),
        "-in",
        p(certs),
        "-passout",
        passout,
        "-out",
        p(out),
    ];
    args.extend_from_slice(extra);
    peer("openssl", &args);
}
