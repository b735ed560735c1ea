//! `keychest select`: choose the client certificate a server will accept, from a live
//! handshake or a CA-names file, and optionally export or remember the choice.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use super::common::choose::{ChoiceOptions, Pool, choose, explain, load_stores};
use super::common::exit::{self, ExitError, usage};
use super::common::io::read_input;
use super::common::pass::{KeyPasswords, opt_secret};
use super::common::remember;
use super::common::render::escape;
use super::common::stores::{save_store, unlock_all};
use super::common::target::{parse_target, sni_text, trust_anchors};
use crate::codec;
use crate::fsio::{self, Mode};
use crate::pki::{inspect, key::PrivateKey, keyfile};
use crate::probe::{self, HandshakeRecord, ProbeOptions, ServerTrust};
use crate::select::ca_names;
use crate::select::rank::Evaluation;
use crate::select::schemes::SigScheme;
use crate::store::{EntryBody, Format, Keystore};

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest select --store me.p12 --pass env:P --connect api.example.org:443\n",
    "  keychest select --store a.p12 --store b.jks --pass pass:x --pass pass:y --ca-names cas.txt --explain\n",
    "  keychest select --store me.p12 --pass env:P --connect api.example.org:443 --first --export-cert me.crt --export-key me.key\n",
    "  keychest select --forget api.example.org:443\n\n",
    "EXIT STATUS:\n  0  an entry was chosen (and exported; the choice is printed only then)\n  1  failure (bad input, unreachable server, not TLS, wrong password)\n  2  usage error (also: neither --connect nor --ca-names; --export-p12 without --out-pass)\n  3  no entry matches what the server accepts\n  4  several entries match and no choice was possible (no terminal, or --non-interactive)\n  5  cancelled at the prompt\n  6  the server did not ask for a client certificate"))]
pub struct SelectArgs {
    /// A store holding client certificates (repeatable)
    #[arg(
        long = "store",
        value_name = "STORE",
        required_unless_present = "forget"
    )]
    pub stores: Vec<PathBuf>,
    /// Store password: one for all stores, or one per --store in the same order
    #[arg(long = "pass", value_name = "SRC")]
    pub passes: Vec<String>,
    /// Learn the acceptable CA names from a live handshake with HOST:PORT
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "ca_names")]
    pub connect: Option<String>,
    /// SNI name for --connect (default: the host)
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Trust anchors for verifying the --connect server (any store format; default: the system's)
    #[arg(long, value_name = "FILE")]
    pub truststore: Option<PathBuf>,
    /// Password of --truststore, if it has one
    #[arg(long, value_name = "SRC")]
    pub truststore_pass: Option<String>,
    /// Key passwords that differ from the store password: SRC, or ALIAS=SRC (repeatable)
    #[arg(long, value_name = "[ALIAS=]SRC")]
    pub key_pass: Vec<String>,
    /// Acceptable CA names from a file: certificates, DNs one per line, or s_client output
    #[arg(long, value_name = "FILE")]
    pub ca_names: Option<PathBuf>,
    /// Choose this entry (it must be a candidate)
    #[arg(long, conflicts_with = "first")]
    pub alias: Option<String>,
    /// Choose the best-ranked candidate without asking
    #[arg(long)]
    pub first: bool,
    /// Never prompt: with several candidates, exit 4 listing them
    #[arg(long)]
    pub non_interactive: bool,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
    /// Write the chosen certificate chain (PEM) here
    #[arg(long, value_name = "FILE", requires = "export_key")]
    pub export_cert: Option<PathBuf>,
    /// Write the chosen private key (PEM, mode 0600) here
    #[arg(long, value_name = "FILE", requires = "export_cert")]
    pub export_key: Option<PathBuf>,
    /// Write the chosen entry as a PKCS#12 here (needs --out-pass)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["export_cert", "export_key"])]
    pub export_p12: Option<PathBuf>,
    /// Password for the exported key or PKCS#12
    #[arg(long, value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub out_pass: Option<String>,
    /// Explain, for every entry in every store, why it matched or not (on stderr)
    #[arg(long)]
    pub explain: bool,
    /// Remember the choice for HOST:PORT (30 days)
    #[arg(long, requires = "connect")]
    pub remember: bool,
    /// Forget the remembered choice for HOST:PORT
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["connect", "ca_names", "remember"])]
    pub forget: Option<String>,
    /// Seconds for the whole --connect handshake (larger values count as 86400)
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub timeout: u64,
    /// Replace existing export files
    #[arg(long)]
    pub force: bool,
}

/// What the server accepts: CA names (DER; empty = any), signature schemes when known, and
/// whether they came from TLS 1.3.
struct ServerRequest {
    names: Vec<Vec<u8>>,
    schemes: Option<Vec<SigScheme>>,
    tls13: bool,
}

/// The acceptable CA names and schemes, from a live handshake or a file.
fn request_from(a: &SelectArgs) -> anyhow::Result<ServerRequest> {
    if let Some(file) = &a.ca_names {
        let bytes = read_input(file)?;
        let names = ca_names::parse(&bytes).with_context(|| format!("{}", file.display()))?;
        return Ok(ServerRequest {
            names,
            schemes: None,
            tls13: false,
        });
    }
    let target = a
        .connect
        .as_deref()
        .ok_or_else(|| usage("give --connect HOST:PORT or --ca-names FILE"))?;
    let (host, port) = parse_target(target)?;
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let anchors = trust_anchors(a.truststore.as_deref(), a.truststore_pass.as_ref())?;
    let anchored_by = match &a.truststore {
        Some(p) => p.display().to_string(),
        None => "the system trust anchors".into(),
    };
    let no_anchors = anchors.certs.is_empty();
    eprintln!(
        "connecting to {}, {}",
        escape(&format!("{host}:{port}")),
        sni_text(&sni)
    );
    // No client certificate is sent: the handshake only learns what the server accepts,
    // so an unverified server is reported, not refused.
    let record = probe::handshake(ProbeOptions {
        host: &host,
        port,
        server_name: &sni,
        timeout: Duration::from_secs(a.timeout),
        trust: ServerTrust::Report(anchors.certs),
        chooser: None,
        verdict_grace: None,
    })
    .map_err(|e| anyhow::anyhow!(escape(&e.to_string())))?;
    print_server(&record, &anchored_by, no_anchors);
    let tls13 = record.version.as_deref() == Some("TLSv1_3");
    match record.certificate_request {
        Some(req) => {
            eprintln!(
                "server accepts {}",
                if req.ca_names.is_empty() {
                    "certificates from any CA".to_string()
                } else {
                    format!("{} CA names", req.ca_names.len())
                }
            );
            Ok(ServerRequest {
                names: req.ca_names,
                schemes: Some(req.schemes),
                tls13: tls13 || req.tls13,
            })
        }
        None => match record.failure {
            Some(f) if record.server_chain.is_empty() => {
                bail!(
                    "TLS handshake with {} failed: {}",
                    escape(target),
                    escape(&f)
                )
            }
            _ => Err(ExitError {
                code: exit::NO_CLIENT_AUTH,
                message: format!("{} did not ask for a client certificate", escape(target)),
            }
            .into()),
        },
    }
}

/// The server's certificate and whether its chain verified against `anchored_by`.
fn print_server(record: &HandshakeRecord, anchored_by: &str, no_anchors: bool) {
    let Some(c) = record
        .server_chain
        .first()
        .and_then(|leaf| inspect::certificate(leaf).ok())
    else {
        return;
    };
    let verdict = match &record.chain_verification {
        Some(Ok(())) => format!("trusted by {}", escape(anchored_by)),
        Some(Err(e)) => format!("NOT trusted: {}", escape(e)),
        None if no_anchors => format!(
            "NOT verified: {} holds no usable trust anchor",
            escape(anchored_by)
        ),
        None => "NOT verified".into(),
    };
    eprintln!("server: {}", escape(&c.subject));
    eprintln!("server chain: {verdict}");
}

/// Option combinations clap cannot express, refused before any handshake (exit 2).
fn validate(a: &SelectArgs) -> anyhow::Result<()> {
    if a.connect.is_none() && a.ca_names.is_none() {
        return Err(usage("give --connect HOST:PORT or --ca-names FILE"));
    }
    if a.export_p12.is_some() && a.out_pass.is_none() {
        return Err(usage(
            "--export-p12 needs --out-pass SRC (the exported PKCS#12's password)",
        ));
    }
    if (a.truststore.is_some() || a.truststore_pass.is_some()) && a.connect.is_none() {
        return Err(usage("--truststore is for --connect"));
    }
    Ok(())
}

pub fn run(a: SelectArgs) -> anyhow::Result<()> {
    if let Some(target) = &a.forget {
        return forget(target);
    }
    validate(&a)?;
    for out in [&a.export_cert, &a.export_key, &a.export_p12]
        .into_iter()
        .flatten()
    {
        fsio::check_writable(out, a.force)?;
    }
    let key_passwords = KeyPasswords::parse(&a.key_pass)?;
    let stores = load_stores(&a.stores, &a.passes)?;
    let request = request_from(&a)?;
    let pool = Pool {
        stores: &stores,
        paths: &a.stores,
        key_passwords: Some(&key_passwords),
    };
    let ranked = pool.rank(&request.names, request.schemes.as_deref(), request.tls13);
    if a.explain {
        explain(&pool, &ranked);
    }
    let server_key = a
        .connect
        .as_deref()
        .map(parse_target)
        .transpose()?
        .map(|(h, p)| format!("{h}:{p}"));
    let choice = choose(
        &pool,
        &ranked,
        &ChoiceOptions {
            alias: a.alias.as_deref(),
            first: a.first,
            non_interactive: a.non_interactive,
            remembered: server_key
                .as_deref()
                .and_then(|k| remember::choice_for(k, &a.stores)),
        },
    );
    // Everything that can fail happens before the choice is printed: a printed choice
    // means exit 0.
    let outcome = choice.and_then(|index| {
        finish(&a, &pool, &ranked[index], server_key.as_deref())?;
        Ok(index)
    });
    if a.json {
        print_json(
            &pool,
            &ranked,
            &request.names,
            request.schemes.as_deref(),
            &outcome,
        )?;
    }
    let chosen = &ranked[outcome?];
    if !a.json {
        println!(
            "{}\t{}",
            escape(&chosen.alias),
            escape(&pool.path(chosen.store))
        );
    }
    Ok(())
}

/// What follows a choice: the exports, then `--remember`.
fn finish(
    a: &SelectArgs,
    pool: &Pool,
    chosen: &Evaluation,
    server_key: Option<&str>,
) -> anyhow::Result<()> {
    export_choice(a, pool, chosen)?;
    if a.remember
        && let Some(key) = server_key
    {
        remember::store(key, &a.stores[chosen.store], &chosen.alias)?;
        eprintln!("remembered '{}' for {key}", escape(&chosen.alias));
    }
    Ok(())
}

/// `--forget HOST:PORT`.
fn forget(target: &str) -> anyhow::Result<()> {
    let (host, port) = parse_target(target)?;
    let removed = remember::forget(&format!("{host}:{port}"))?;
    eprintln!(
        "{}",
        if removed {
            "forgotten"
        } else {
            "nothing was remembered for that server"
        }
    );
    Ok(())
}

/// `--json`: what the server accepts, every entry with its verdict, and the choice (also
/// when there is none, so scripts see why).
fn print_json(
    pool: &Pool,
    ranked: &[Evaluation],
    names: &[Vec<u8>],
    schemes: Option<&[SigScheme]>,
    choice: &anyhow::Result<usize>,
) -> anyhow::Result<()> {
    let doc = serde_json::json!({
        "ca_names": names.iter().map(|n| der::Decode::from_der(n).map(|n: x509_cert::name::Name| crate::pki::name::to_rfc4514(&n)).unwrap_or_default()).collect::<Vec<_>>(),
        "signature_schemes": schemes.map(|s| s.iter().map(|x| x.name()).collect::<Vec<_>>()),
        "entries": ranked.iter().map(|e| serde_json::json!({
            "store": pool.path(e.store),
            "alias": e.alias,
            "candidate": e.candidate,
            "match": e.matched,
            "rejections": e.rejections,
            "subject": e.leaf.as_ref().map(|l| &l.subject),
            "issuer": e.leaf.as_ref().map(|l| &l.issuer),
            "not_after": e.leaf.as_ref().map(|l| &l.not_after),
            "key": e.key_label(),
        })).collect::<Vec<_>>(),
        "chosen": choice.as_ref().ok().map(|&i| serde_json::json!({"store": pool.path(ranked[i].store), "alias": ranked[i].alias})),
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

fn export_choice(a: &SelectArgs, pool: &Pool, chosen: &Evaluation) -> anyhow::Result<()> {
    if a.export_cert.is_none() && a.export_p12.is_none() {
        return Ok(());
    }
    let pkcs8 = pool.key_of(chosen)?;
    let out_pw = opt_secret(&a.out_pass, "Password for the exported key", true)?;
    if let (Some(cert), Some(key_path)) = (&a.export_cert, &a.export_key) {
        let key = PrivateKey::from_pkcs8_der(&pkcs8)?;
        let pem = keyfile::to_pkcs8_pem(&key, out_pw.as_deref().map(|s| s.as_str()))?;
        fsio::write_atomic(key_path, pem.as_bytes(), Mode::Private, a.force)?;
        fsio::write_atomic(
            cert,
            codec::pem::encode_certs(&chosen.chain).as_bytes(),
            Mode::Public,
            a.force,
        )?;
    }
    if let Some(p12) = &a.export_p12 {
        let pw = out_pw.ok_or_else(|| usage("--export-p12 needs --out-pass SRC"))?;
        let mut one = Keystore {
            entries: vec![crate::store::Entry {
                alias: chosen.alias.clone(),
                created_ms: None,
                body: EntryBody::PrivateKey {
                    key: crate::store::PrivateKeyData::Pkcs8(pkcs8),
                    chain: chosen.chain.clone(),
                },
            }],
        };
        unlock_all(&mut one, None, &KeyPasswords::none())?;
        save_store(p12, Format::Pkcs12, &one, Some(&pw), None, a.force)?;
    }
    Ok(())
}
