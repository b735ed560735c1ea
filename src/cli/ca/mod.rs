//! `keychest ca init|sign|issue|list|revoke|crl`: one file per verb; this file holds the
//! verb list, its dispatch, and what the verbs share (`--profile`, opening a CA and its key).
//! The CA itself lives in `crate::ca`; these files parse options, get passwords, print
//! notes on stderr and write outputs.

mod crl;
mod init;
mod issue;
mod list;
mod revoke;
mod sign;

use std::path::Path;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use super::common::keys::load_key;
use super::common::pass::PassArg;
use crate::ca::Ca;
use crate::pki::key::PrivateKey;
use crate::pki::profile::Profile;

#[derive(Subcommand, Debug)]
pub enum CaCommand {
    /// Create a root CA in a directory, or with --parent an intermediate CA
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca init ./root --subject 'CN=Dev Root,O=Acme' --pass env:CA_PASS\n",
        "  keychest ca init ./inter --subject 'CN=Dev Issuing CA' --parent ./root --parent-pass env:CA_PASS\n\n",
        "Without --pass the CA key is written unencrypted (mode 0600). Roots are valid 10 years,\n",
        "intermediates 5 years (never longer than their parent). Layout: docs/ca.md.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Init(init::InitArgs),
    /// Sign a certificate request (PKCS#10) with the CA
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca sign ./inter --csr server.csr --out server.crt --chain\n",
        "  keychest ca sign ./inter --csr client.csr --profile client --days 30 > client.crt\n",
        "  keytool -certreq -alias app -keystore app.p12 -file app.csr && keychest ca sign ./inter --csr app.csr --san dns:app.internal\n\n",
        "The request's signature is checked; its subject and public key are copied byte for byte.\n",
        "Only its subjectAltName extension is copied (--san replaces it); other requested\n",
        "extensions are ignored and listed on stderr. A server certificate without SAN gets its\n",
        "CN as SAN. Validity is 398 days by default, never beyond the CA's own.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Sign(sign::SignArgs),
    /// Create a key and certificate in one step for names (DNS, IP, e-mail, URI), like mkcert
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca issue ./inter example.test '*.example.test' 127.0.0.1 ::1\n",
        "    writes example.test.key (0600) and example.test.crt (leaf + intermediates)\n",
        "  keychest ca issue ./inter alice@example.test --profile client --out-dir certs\n",
        "  keychest ca issue ./inter app.internal --subject 'CN=app,OU=Payments,O=Acme'\n\n",
        "The first name is the subject CN (unless --subject) and the file name ('*' becomes\n",
        "'_wildcard'). --out-dir is created when missing. A subordinate CA is made with\n",
        "'ca init --parent', not here.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (bad input, not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Issue(issue::IssueArgs),
    /// List the certificates the CA issued
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca list ./inter\n  keychest ca list ./inter --json\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (not a CA, corrupt index)\n  2  usage error"))]
    List(list::ListArgs),
    /// Mark a certificate revoked (publish it with 'ca crl')
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca revoke ./inter 5C1E0F...\n  keychest ca revoke ./inter --cert server.crt --reason keyCompromise\n\n",
        "Reasons: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,\n",
        "cessationOfOperation, certificateHold, privilegeWithdrawn.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (unknown serial, already revoked, not a CA)\n  2  usage error"))]
    Revoke(revoke::RevokeArgs),
    /// Write a CRL (v2) of the revoked certificates
    #[command(after_help = concat!(
        "EXAMPLES:\n  keychest ca crl ./inter --out inter.crl\n  openssl crl -in inter.crl -CAfile ./inter/ca.crt -noout -verify\n\n",
        "Each CRL gets the next CRL number; a copy is kept in DIR/crl.pem.\n\n",
        "EXIT STATUS:\n  0  success\n  1  failure (not a CA, expired CA, wrong password, I/O error)\n  2  usage error"))]
    Crl(crl::CrlArgs),
}

/// `--profile`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ProfileArg {
    /// TLS server: digitalSignature (+keyEncipherment for RSA), serverAuth
    Server,
    /// TLS client: digitalSignature, clientAuth
    Client,
    /// TLS server and client
    ServerClient,
    /// Subordinate CA (see --path-len)
    Ca,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Server => Profile::Server,
            ProfileArg::Client => Profile::Client,
            ProfileArg::ServerClient => Profile::ServerClient,
            ProfileArg::Ca => Profile::Ca,
        }
    }
}

pub fn run(cmd: CaCommand) -> anyhow::Result<()> {
    match cmd {
        CaCommand::Init(a) => init::run(a),
        CaCommand::Sign(a) => sign::run(a),
        CaCommand::Issue(a) => issue::run(a),
        CaCommand::List(a) => list::run(a),
        CaCommand::Revoke(a) => revoke::run(a),
        CaCommand::Crl(a) => crl::run(a),
    }
}

/// Opens a CA and checks it is valid now.
fn open_ca(dir: &Path, when: i64) -> anyhow::Result<Ca> {
    let ca = Ca::open(dir)?;
    ca.check_valid(when)
        .with_context(|| format!("cannot use the CA in {}", dir.display()))?;
    Ok(ca)
}

/// Loads the CA key and checks that it belongs to the CA certificate.
fn ca_key(ca: &Ca, pass: &PassArg) -> anyhow::Result<PrivateKey> {
    let key = load_key(&ca.key_path(), pass)?;
    ca.check_key(&key)?;
    Ok(key)
}
