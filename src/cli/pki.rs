//! `keychest pki new DIR`: a whole test PKI in one command — root and intermediate CAs,
//! server and client certificates, and ready-to-use stores (PKCS#12, PEM, and JKS on
//! request), like mkcert and step, with the commands to use them printed at the end.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use der::Encode;

use super::args::PkiNewArgs;
use super::ca::{now, print_notes};
use super::key::generate;
use super::store::save_store;
use crate::ca::{self, IssueRequest};
use crate::fsio::{self, Mode};
use crate::pki::key::{KeyType, PrivateKey};
use crate::pki::profile::Profile;
use crate::pki::{constraints, keyfile, name, san};
use crate::store::{Entry, EntryBody, Format, Keystore, PrivateKeyData};

/// One end-entity certificate made for the PKI.
struct Leaf {
    name: String,
    key: PrivateKey,
    der: Vec<u8>,
}

fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

pub fn run_new(a: PkiNewArgs) -> anyhow::Result<()> {
    let kind: KeyType = a.key_type.parse()?;
    let hosts: Vec<String> = a
        .hosts
        .split(',')
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    if hosts.is_empty() {
        bail!("--hosts needs at least one name or address");
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
    for c in &clients {
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
    let dir = &a.dir;
    let root_dir = dir.join("root-ca");
    let inter_dir = dir.join("intermediate-ca");
    for d in [&root_dir, &inter_dir] {
        if ca::dir::is_ca(d) && !a.force {
            bail!(
                "{} already holds a CA: choose a new DIR, or --force to replace the whole test PKI",
                d.display()
            );
        }
    }
    // Every output is checked before any work, so a refusal changes nothing.
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
    for c in &clients {
        for ext in ["p12", "crt", "key"] {
            outputs.push(dir.join(format!("{c}.{ext}")));
        }
    }
    if a.jks {
        outputs.push(dir.join("server.jks"));
        outputs.push(dir.join("truststore.jks"));
        outputs.extend(clients.iter().map(|c| dir.join(format!("{c}.jks"))));
    }
    let password_file = dir.join("password.txt");
    if a.pass.pass.is_none() {
        outputs.push(password_file.clone());
    }
    for o in &outputs {
        fsio::check_writable(o, a.force)?;
    }
    if a.force {
        // Replacing a test PKI replaces its CAs too; only directories pki new made (CA
        // directories under the fixed names) are removed.
        for d in [&root_dir, &inter_dir] {
            if ca::dir::is_ca(d) {
                std::fs::remove_dir_all(d)
                    .with_context(|| format!("cannot remove {}", d.display()))?;
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let password = match &a.pass.pass {
        Some(_) => super::io::required_password(&a.pass, "Password for the stores and CA keys")?,
        None => zeroize::Zeroizing::new(random_password()),
    };
    let t = now();

    // CA keys are encrypted with a password the user chose (`--pass`). A generated password
    // is stored in password.txt beside them, where encrypting with it would protect
    // nothing; then they are left unencrypted, 0600, as mkcert does.
    let ca_key_password = a.pass.pass.is_some().then(|| password.as_str());
    let root_key = generate(kind)?;
    let root_pem = keyfile::to_pkcs8_pem(&root_key, ca_key_password)?;
    let (root, _) = ca::init(
        &root_dir,
        &ca::NewCa {
            subject: name::parse_dn(&format!(
                "CN=keychest test root CA {},O=keychest test PKI",
                short_id(t)
            ))?
            .to_der()?,
            key: &root_key,
            key_pem: &root_pem,
            days: ca::ROOT_DAYS,
            path_len: None,
            // What a local test PKI serves, so a leaked root key cannot vouch for the internet.
            name_constraints: (!a.unconstrained).then(|| constraints::local_defaults(&sans)),
        },
        None,
        t,
    )?;
    let inter_key = generate(kind)?;
    let inter_pem = keyfile::to_pkcs8_pem(&inter_key, ca_key_password)?;
    let (inter, notes) = ca::init(
        &inter_dir,
        &ca::NewCa {
            subject: name::parse_dn(&format!(
                "CN=keychest test intermediate CA {},O=keychest test PKI",
                short_id(t)
            ))?
            .to_der()?,
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

    let issue = |cn: &str, sans: Vec<_>, profile: Profile| -> anyhow::Result<Leaf> {
        let key = generate(kind)?;
        let issued = inter.issue(
            &inter_key,
            &IssueRequest {
                subject: name::parse_dn(&format!("CN={}", name::escape_value(cn)))?.to_der()?,
                spki: key.public_key_info()?.to_der()?,
                sans,
                profile,
                days: ca::LEAF_DAYS,
                path_len: None,
                name_constraints: None,
            },
            t,
        )?;
        print_notes(&issued.notes);
        Ok(Leaf {
            name: cn.to_string(),
            key,
            der: issued.der,
        })
    };
    let server = issue(&hosts[0], sans, Profile::Server)?;
    let client_leaves = clients
        .iter()
        .map(|c| issue(c, vec![], Profile::Client))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let root_der = root.cert_der.clone();
    let inter_der = inter.cert_der.clone();
    let pw = Some(password.as_str());
    let write_leaf = |stem: &str, leaf: &Leaf| -> anyhow::Result<()> {
        let chain = vec![leaf.der.clone(), inter_der.clone(), root_der.clone()];
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
        save_store(
            &dir.join(format!("{stem}.p12")),
            Format::Pkcs12,
            &store,
            pw,
            None,
            a.force,
        )?;
        if a.jks {
            save_store(
                &dir.join(format!("{stem}.jks")),
                Format::Jks,
                &store,
                pw,
                None,
                a.force,
            )?;
        }
        let pem_chain = crate::codec::pem::encode_certs(&chain[..2]);
        fsio::write_atomic(
            &dir.join(format!("{stem}.crt")),
            pem_chain.as_bytes(),
            Mode::Public,
            a.force,
        )?;
        let key_pem = keyfile::to_pkcs8_pem(&leaf.key, None)?;
        fsio::write_atomic(
            &dir.join(format!("{stem}.key")),
            key_pem.as_bytes(),
            Mode::Private,
            a.force,
        )?;
        Ok(())
    };
    write_leaf("server", &server)?;
    for (c, leaf) in clients.iter().zip(&client_leaves) {
        write_leaf(c, leaf)?;
    }
    let trust = Keystore {
        entries: vec![Entry {
            alias: "root-ca".into(),
            created_ms: Some(t * 1000),
            body: EntryBody::TrustedCert {
                cert: root_der.clone(),
            },
        }],
    };
    save_store(
        &dir.join("truststore.p12"),
        Format::Pkcs12,
        &trust,
        pw,
        None,
        a.force,
    )?;
    if a.jks {
        save_store(
            &dir.join("truststore.jks"),
            Format::Jks,
            &trust,
            pw,
            None,
            a.force,
        )?;
    }
    fsio::write_atomic(
        &dir.join("ca-bundle.pem"),
        crate::codec::pem::encode_certs(&[root_der]).as_bytes(),
        Mode::Public,
        a.force,
    )?;
    if a.pass.pass.is_none() {
        let mut text = password.to_string();
        text.push('\n');
        fsio::write_atomic(&password_file, text.as_bytes(), Mode::Private, a.force)?;
    }
    print_usage(
        dir,
        &server.name,
        &client_leaves,
        a.pass.pass.is_none(),
        a.jks,
    );
    Ok(())
}

fn short_id(t: i64) -> String {
    // Tells test PKIs apart in trust stores without leaking anything.
    format!("{:x}", t & 0xffff_ffff)
}

fn print_usage(dir: &Path, host: &str, clients: &[Leaf], generated: bool, jks: bool) {
    let d = dir.display();
    let pw = if generated {
        format!("$(cat {d}/password.txt)")
    } else {
        "<your --pass>".to_string()
    };
    let c = clients.first().map(|l| l.name.as_str()).unwrap_or("client");
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    println!("Test PKI written to {d}:");
    let rows = [
        (
            "root-ca/, intermediate-ca/".to_string(),
            if generated {
                format!(
                    "the CAs, keys unencrypted 0600 (more: keychest ca issue {d}/intermediate-ca NAME)"
                )
            } else {
                format!(
                    "the CAs, keys encrypted with your --pass (more: keychest ca issue {d}/intermediate-ca NAME --pass ...)"
                )
            },
        ),
        (
            format!("server.p12, {c}.p12"),
            format!(
                "key + chain (PKCS#12{})",
                if jks { "; JKS too" } else { "" }
            ),
        ),
        (
            "truststore.p12".to_string(),
            "the root CA as a trusted entry".to_string(),
        ),
        (
            format!("server.crt/.key, {c}.crt/.key"),
            "leaf + intermediate, and the key (unencrypted, 0600)".to_string(),
        ),
        ("ca-bundle.pem".to_string(), "the root CA".to_string()),
    ];
    for (file, what) in rows {
        println!("  {file:<34} {what}");
    }
    if generated {
        println!(
            "  {:<34} the store and CA key password (0600)",
            "password.txt"
        );
    }
    println!();
    println!("Try it:");
    println!(
        "  openssl s_server -accept 8443 -cert {d}/server.crt -cert_chain {d}/server.crt -key {d}/server.key -CAfile {d}/ca-bundle.pem -Verify 1 -www"
    );
    println!(
        "  curl --cacert {d}/ca-bundle.pem --cert {d}/{c}.crt --key {d}/{c}.key https://{host}:8443/"
    );
    println!(
        "  openssl s_client -connect {host}:8443 -CAfile {d}/ca-bundle.pem -cert {d}/{c}.crt -cert_chain {d}/{c}.crt -key {d}/{c}.key"
    );
    println!(
        "  java -Djavax.net.ssl.keyStore={d}/server.p12 -Djavax.net.ssl.keyStorePassword={pw} \\"
    );
    println!(
        "       -Djavax.net.ssl.trustStore={d}/truststore.p12 -Djavax.net.ssl.trustStorePassword={pw} ..."
    );
}
