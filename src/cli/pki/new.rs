//! `keychest pki new DIR`: root and intermediate CAs, server and client certificates, and
//! ready-to-use stores (PKCS#12, PEM, and JKS on request), like mkcert and step, with the
//! commands to use them printed at the end. Every input and output is checked before any
//! work, so a refusal changes nothing; `--force` replaces the whole previous PKI (its CAs
//! and every certificate file its intermediate issued), so no stale client is left behind.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use der::Encode;
use x509_cert::ext::pkix::name::GeneralName;

use super::usage::{Made, print_usage};
use crate::ca::{self, Ca, IssueRequest};
use crate::cli::common::ca_notes::{now, print_notes};
use crate::cli::common::exit::usage;
use crate::cli::common::key_type::KeyTypeParser;
use crate::cli::common::keys::generate;
use crate::cli::common::pass::{PassArg, required_password};
use crate::cli::common::stores::save_store;
use crate::fsio::{self, Mode};
use crate::pki::chain::CertFacts;
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::profile::Profile;
use crate::pki::{constraints, keyfile, name, san};
use crate::store::{Entry, EntryBody, Format, Keystore, PrivateKeyData};

#[derive(Args, Debug)]
pub struct PkiNewArgs {
    /// Directory for the PKI (created when missing)
    pub dir: PathBuf,
    /// Names and addresses of the server certificate (the first is its CN)
    #[arg(long, default_value = "localhost,127.0.0.1,::1", value_name = "LIST")]
    pub hosts: String,
    /// A client certificate to make (repeatable; default: one named "client")
    #[arg(long, value_name = "NAME")]
    pub client: Vec<String>,
    /// Key type for every key
    #[arg(
        long = "type",
        short = 't',
        default_value = "ec:p256",
        value_name = "TYPE",
        value_parser = KeyTypeParser
    )]
    pub key_type: KeyType,
    // Password for the stores and CA keys (default: generated into DIR/password.txt) (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// Also write server.jks, CLIENT.jks and truststore.jks
    #[arg(long)]
    pub jks: bool,
    /// Validity of the server and client certificates, in days
    #[arg(long, value_name = "N", default_value_t = ca::LEAF_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,
    /// Organization (O=) of every certificate's subject (default: the CAs' is "keychest test PKI", the leaves have none)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
    /// Do not limit the root to localhost, .localhost, .test, .internal, loopback addresses
    /// and --hosts (name constraints); such a root can vouch for any site if its key leaks
    #[arg(long)]
    pub unconstrained: bool,
}

/// What the arguments ask for, checked.
struct Plan {
    dir: PathBuf,
    kind: KeyType,
    hosts: Vec<String>,
    sans: Vec<GeneralName>,
    clients: Vec<String>,
    root_dir: PathBuf,
    inter_dir: PathBuf,
    password_file: PathBuf,
    /// The password was generated (into password.txt), not chosen with `--pass`.
    generated: bool,
    jks: bool,
    force: bool,
    /// Leave the root without name constraints (`--unconstrained`).
    unconstrained: bool,
    days: u32,
    org: Option<String>,
}

/// One end-entity certificate made for the PKI.
struct Leaf {
    key: PrivateKey,
    der: Vec<u8>,
}

/// The two CAs, and the intermediate's key that signs the leaves.
struct Cas {
    root: Ca,
    inter: Ca,
    inter_key: PrivateKey,
}

pub fn run(a: PkiNewArgs) -> anyhow::Result<()> {
    let plan = plan(&a)?;
    check_outputs(&plan)?;
    // The password before anything is written: a prompt that fails changes nothing.
    let password = if plan.generated {
        zeroize::Zeroizing::new(random_password())
    } else {
        required_password(&a.pass, "Password for the stores and CA keys")?
    };
    if plan.force {
        remove_old_pki(&plan)?;
    }
    std::fs::create_dir_all(&plan.dir)
        .with_context(|| format!("cannot create {}", plan.dir.display()))?;
    // password.txt first, so no store is ever locked with a password that was not saved.
    if plan.generated {
        let mut text = password.to_string();
        text.push('\n');
        fsio::write_atomic(
            &plan.password_file,
            text.as_bytes(),
            Mode::Private,
            plan.force,
        )?;
    }
    let t = now();
    // CA keys are encrypted with a password the user chose (`--pass`). A generated password
    // is stored in password.txt beside them, where encrypting with it would protect
    // nothing; then they are left unencrypted, 0600, as mkcert does.
    let ca_key_password = (!plan.generated).then(|| password.as_str());
    let cas = make_cas(&plan, ca_key_password, t)?;
    let server = issue(
        &plan,
        &cas,
        &plan.hosts[0],
        plan.sans.clone(),
        Profile::Server,
        t,
    )?;
    let clients = plan
        .clients
        .iter()
        .map(|c| issue(&plan, &cas, c, vec![], Profile::Client, t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pw = password.as_str();
    write_leaf(&plan, &cas, "server", &server, pw, t)?;
    for (c, leaf) in plan.clients.iter().zip(&clients) {
        write_leaf(&plan, &cas, c, leaf, pw, t)?;
    }
    write_trust(&plan, &cas, pw, t)?;
    let names: Vec<&str> = plan.clients.iter().map(String::as_str).collect();
    print_usage(&Made {
        dir: &plan.dir,
        host: &plan.hosts[0],
        clients: &names,
        generated: plan.generated,
        jks: plan.jks,
    });
    Ok(())
}

fn plan(a: &PkiNewArgs) -> anyhow::Result<Plan> {
    let kind: KeyType = a.key_type;
    let hosts: Vec<String> = a
        .hosts
        .split(',')
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    if hosts.is_empty() {
        return Err(usage("--hosts needs at least one name or address"));
    }
    let sans = hosts
        .iter()
        .map(|h| san::classify(h))
        .collect::<Result<Vec<_>, _>>()?;
    let clients: Vec<String> = if a.client.is_empty() {
        vec!["client".into()]
    } else {
        a.client.clone()
    };
    let mut seen = std::collections::HashSet::new();
    for c in &clients {
        // Case-insensitive: on macOS and Windows `Alice.p12` and `alice.p12` are one file.
        if !seen.insert(c.to_lowercase()) {
            return Err(usage(format!("--client '{c}' is given twice")));
        }
        if matches!(
            c.as_str(),
            "server" | "truststore" | "ca-bundle" | "password"
        ) || c.is_empty()
        {
            bail!("client name '{c}' clashes with a file pki new writes; choose another");
        }
        if c.contains(['/', '\0']) {
            bail!("client name '{c}' must not contain '/'");
        }
    }
    Ok(Plan {
        root_dir: a.dir.join("root-ca"),
        inter_dir: a.dir.join("intermediate-ca"),
        password_file: a.dir.join("password.txt"),
        dir: a.dir.clone(),
        kind,
        hosts,
        sans,
        clients,
        generated: a.pass.pass.is_none(),
        jks: a.jks,
        force: a.force,
        unconstrained: a.unconstrained,
        days: a.days,
        org: a.org.clone(),
    })
}

/// Refuses existing CAs and files (without `--force`) before anything is made.
fn check_outputs(plan: &Plan) -> anyhow::Result<()> {
    for d in [&plan.root_dir, &plan.inter_dir] {
        if ca::dir::is_ca(d) && !plan.force {
            bail!(
                "{} already holds a CA: choose a new DIR, or --force to replace the whole test PKI",
                d.display()
            );
        }
    }
    let dir = &plan.dir;
    let mut outputs: Vec<PathBuf> = [
        "server.p12",
        "truststore.p12",
        "server.crt",
        "server.key",
        "ca-bundle.pem",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    for c in &plan.clients {
        for ext in ["p12", "crt", "key"] {
            outputs.push(dir.join(format!("{c}.{ext}")));
        }
    }
    if plan.jks {
        outputs.push(dir.join("server.jks"));
        outputs.push(dir.join("truststore.jks"));
        outputs.extend(plan.clients.iter().map(|c| dir.join(format!("{c}.jks"))));
    }
    if plan.generated {
        outputs.push(plan.password_file.clone());
    }
    for o in &outputs {
        fsio::check_writable(o, plan.force)?;
    }
    Ok(())
}

/// Replacing a test PKI replaces all of it: its CA directories (under the fixed names), and
/// every `NAME.crt` the old intermediate issued with its `NAME.key/.p12/.jks` (clients the
/// new run does not make would otherwise stay, no longer verifying against the new CA).
fn remove_old_pki(plan: &Plan) -> anyhow::Result<()> {
    if let Ok(old) = Ca::open(&plan.inter_dir)
        && let Some(old_inter) = CertFacts::of(&old.cert_der)
        && let Ok(files) = std::fs::read_dir(&plan.dir)
    {
        for f in files.flatten() {
            let path = f.path();
            if path.extension().and_then(|e| e.to_str()) != Some("crt") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Some(leaf) = crate::pem::parse_all(&bytes)
                .ok()
                .and_then(|b| b.into_iter().next())
                .and_then(|b| CertFacts::of(&b.der))
            else {
                continue;
            };
            // Files are removed, so the key identifiers must agree too (when both are
            // present), not only the names.
            let keys_agree = match (&leaf.aki, &old_inter.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            };
            if !leaf.issued_by(&old_inter) || !keys_agree {
                continue;
            }
            for ext in ["crt", "key", "p12", "jks"] {
                let p = path.with_extension(ext);
                if p.exists() {
                    std::fs::remove_file(&p)
                        .with_context(|| format!("cannot remove {}", p.display()))?;
                }
            }
        }
    }
    // The old generated password no longer opens anything when the new one is `--pass`.
    if !plan.generated && ca::dir::is_ca(&plan.inter_dir) && plan.password_file.exists() {
        std::fs::remove_file(&plan.password_file)
            .with_context(|| format!("cannot remove {}", plan.password_file.display()))?;
    }
    for d in [&plan.root_dir, &plan.inter_dir] {
        if ca::dir::is_ca(d) {
            std::fs::remove_dir_all(d).with_context(|| format!("cannot remove {}", d.display()))?;
        }
    }
    Ok(())
}

fn make_cas(plan: &Plan, key_password: Option<&str>, t: i64) -> anyhow::Result<Cas> {
    let root_key = generate(plan.kind)?;
    let root_pem = keyfile::to_pkcs8_pem(&root_key, key_password)?;
    let (root, _) = ca::init(
        &plan.root_dir,
        &ca::NewCa {
            subject: ca_subject(plan.org.as_deref(), "root", t)?,
            key: &root_key,
            key_pem: &root_pem,
            days: ca::ROOT_DAYS,
            path_len: None,
            // What a local test PKI serves, so a leaked root key cannot vouch for the internet.
            name_constraints: (!plan.unconstrained)
                .then(|| constraints::local_defaults(&plan.sans)),
        },
        None,
        t,
    )?;
    let inter_key = generate(plan.kind)?;
    let inter_pem = keyfile::to_pkcs8_pem(&inter_key, key_password)?;
    let (inter, notes) = ca::init(
        &plan.inter_dir,
        &ca::NewCa {
            subject: ca_subject(plan.org.as_deref(), "intermediate", t)?,
            key: &inter_key,
            key_pem: &inter_pem,
            days: ca::INTERMEDIATE_DAYS,
            path_len: Some(0),
            name_constraints: None,
        },
        Some((&root, &root_key)),
        t,
    )?;
    print_notes(&notes);
    Ok(Cas {
        root,
        inter,
        inter_key,
    })
}

/// `CN=keychest test root CA 5f3a...,O=keychest test PKI` (or `O=` `--org`), DER.
fn ca_subject(org: Option<&str>, which: &str, t: i64) -> anyhow::Result<Vec<u8>> {
    // The short id tells test PKIs apart in trust stores without leaking anything.
    let dn = format!(
        "CN=keychest test {which} CA {:x},O={}",
        t & 0xffff_ffff,
        name::escape_value(org.unwrap_or("keychest test PKI"))
    );
    Ok(name::parse_dn(&dn)?.to_der()?)
}

/// `CN=NAME`, with `,O=ORG` when `--org` is given, DER.
fn leaf_subject(cn: &str, org: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut dn = format!("CN={}", name::escape_value(cn));
    if let Some(o) = org {
        dn.push_str(&format!(",O={}", name::escape_value(o)));
    }
    Ok(name::parse_dn(&dn)?.to_der()?)
}

/// A new key and its certificate from the intermediate CA.
fn issue(
    plan: &Plan,
    cas: &Cas,
    cn: &str,
    sans: Vec<GeneralName>,
    profile: Profile,
    t: i64,
) -> anyhow::Result<Leaf> {
    let key = generate(plan.kind)?;
    let issued = cas.inter.issue(
        &cas.inter_key,
        &IssueRequest {
            subject: leaf_subject(cn, plan.org.as_deref())?,
            spki: key.public_key_info()?.to_der()?,
            sans,
            profile,
            days: plan.days,
            path_len: None,
            name_constraints: None,
        },
        t,
    )?;
    print_notes(&issued.notes);
    Ok(Leaf {
        key,
        der: issued.der,
    })
}

/// STEM.p12 (and STEM.jks), STEM.crt (leaf + intermediate) and STEM.key (unencrypted, 0600).
fn write_leaf(
    plan: &Plan,
    cas: &Cas,
    stem: &str,
    leaf: &Leaf,
    pw: &str,
    t: i64,
) -> anyhow::Result<()> {
    let chain = vec![
        leaf.der.clone(),
        cas.inter.cert_der.clone(),
        cas.root.cert_der.clone(),
    ];
    let store = Keystore {
        entries: vec![Entry {
            alias: stem.to_string(),
            created_ms: Some(t * 1000),
            body: EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(leaf.key.to_pkcs8_der()?),
                chain: chain.clone(),
            },
        }],
    };
    write_stores(plan, stem, &store, pw)?;
    let pem_chain = crate::codec::pem::encode_certs(&chain[..2]);
    let dir = &plan.dir;
    fsio::write_atomic(
        &dir.join(format!("{stem}.crt")),
        pem_chain.as_bytes(),
        Mode::Public,
        plan.force,
    )?;
    let key_pem = keyfile::to_pkcs8_pem(&leaf.key, None)?;
    fsio::write_atomic(
        &dir.join(format!("{stem}.key")),
        key_pem.as_bytes(),
        Mode::Private,
        plan.force,
    )?;
    Ok(())
}

/// truststore.p12 (and .jks) and ca-bundle.pem: the root CA.
fn write_trust(plan: &Plan, cas: &Cas, pw: &str, t: i64) -> anyhow::Result<()> {
    let trust = Keystore {
        entries: vec![Entry {
            alias: "root-ca".into(),
            created_ms: Some(t * 1000),
            body: EntryBody::TrustedCert {
                cert: cas.root.cert_der.clone(),
            },
        }],
    };
    write_stores(plan, "truststore", &trust, pw)?;
    fsio::write_atomic(
        &plan.dir.join("ca-bundle.pem"),
        crate::codec::pem::encode_certs(std::slice::from_ref(&cas.root.cert_der)).as_bytes(),
        Mode::Public,
        plan.force,
    )?;
    Ok(())
}

/// STEM.p12, and STEM.jks with `--jks`.
fn write_stores(plan: &Plan, stem: &str, store: &Keystore, pw: &str) -> anyhow::Result<()> {
    let p12 = plan.dir.join(format!("{stem}.p12"));
    save_store(&p12, Format::Pkcs12, store, Some(pw), None, plan.force)?;
    if plan.jks {
        let jks = plan.dir.join(format!("{stem}.jks"));
        save_store(&jks, Format::Jks, store, Some(pw), None, plan.force)?;
    }
    Ok(())
}

fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}
