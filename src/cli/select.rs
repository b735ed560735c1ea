//! `keychest select`: choose the client certificate a server will accept. The choosing
//! routine here is shared with `connect`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use super::args::{PassArg, SelectArgs};
use super::render::escape;
use super::store::{KeyPasswords, Loaded, load_store, save_store, unlock_all};
use super::{ExitError, exit, remember};
use crate::codec;
use crate::fsio::{self, Mode};
use crate::pki::{inspect, key::PrivateKey, keyfile};
use crate::probe::{self, ProbeOptions, ServerTrust};
use crate::select::rank::{self, Candidate, Evaluation, Request};
use crate::select::schemes::SigScheme;
use crate::select::{self as sel, ChosenBy, Decision, Policy, ca_names};
use crate::store::{EntryBody, Format, Keystore, keyprotect};

/// `HOST:PORT`, `[v6]:PORT`, or `HOST` (port 443).
pub fn parse_target(target: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (h, p) = rest.split_once(']').context("unclosed '[' in address")?;
        (h.to_string(), p.strip_prefix(':'))
    } else {
        match target.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p)),
            _ => (target.to_string(), None),
        }
    };
    if host.is_empty() {
        bail!("'{target}': missing host");
    }
    let port = match port {
        Some(p) => p
            .parse()
            .with_context(|| format!("'{target}': '{p}' is not a port number"))?,
        None => 443,
    };
    Ok((host, port))
}

/// Loads the `--store` files with one `--pass` for all or one per store.
pub fn load_stores(paths: &[PathBuf], passes: &[String]) -> anyhow::Result<Vec<Loaded>> {
    if passes.len() > 1 && passes.len() != paths.len() {
        bail!(
            "give one --pass for all stores or one per --store ({} stores, {} passwords)",
            paths.len(),
            passes.len()
        );
    }
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pass = PassArg {
                pass: passes.get(i).or(passes.first()).cloned(),
            };
            let loaded = load_store(p, &pass)?;
            if let Some(w) = integrity_warning(p, &loaded) {
                eprintln!("warning: {w}");
            }
            Ok(loaded)
        })
        .collect()
}

/// A store whose integrity could not be checked (a PKCS#12 without MAC, a JKS/JCEKS opened
/// without its password): anyone who could write the file may have changed it.
pub fn integrity_warning(path: &std::path::Path, loaded: &Loaded) -> Option<String> {
    if loaded.info.integrity_checked {
        return None;
    }
    match loaded.format {
        Format::Pkcs12 => Some(format!(
            "{}: PKCS#12 without integrity check (no MAC): anyone who can write the file can change it",
            path.display()
        )),
        Format::Jks | Format::Jceks => Some(format!(
            "{}: integrity not checked (no store password given)",
            path.display()
        )),
        _ => None,
    }
}

/// The choice `select --remember` stored for `target`, if its store is among `stores`;
/// a remembered choice whose store was not given is announced, not silently dropped.
pub fn remembered_choice(target: &str, stores: &[PathBuf]) -> Option<(usize, String)> {
    let r = remember::lookup(target).ok().flatten()?;
    match stores.iter().position(|p| remember::same_file(p, &r.store)) {
        Some(i) => Some((i, r.alias)),
        None => {
            eprintln!(
                "note: the choice remembered for {} ('{}' in {}) is not used: that store was not given",
                escape(target),
                escape(&r.alias),
                escape(&r.store.display().to_string())
            );
            None
        }
    }
}

/// Everything needed to rank the key entries of some stores.
pub struct Pool<'a> {
    pub stores: &'a [Loaded],
    pub paths: &'a [PathBuf],
    /// `--key-pass [ALIAS=]SRC`: key passwords that differ from the store password.
    pub key_passwords: Option<&'a KeyPasswords>,
}

impl Pool<'_> {
    pub fn rank(
        &self,
        ca_names: &[Vec<u8>],
        schemes: Option<&[SigScheme]>,
        tls13: bool,
    ) -> Vec<Evaluation> {
        let mut candidates = Vec::new();
        let mut pool = Vec::new();
        for (si, loaded) in self.stores.iter().enumerate() {
            for e in &loaded.store.entries {
                pool.extend(e.certificates().iter().cloned());
                if let EntryBody::PrivateKey { chain, .. } = &e.body {
                    candidates.push(Candidate {
                        store: si,
                        alias: &e.alias,
                        chain,
                    });
                }
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        rank::rank(
            &candidates,
            &pool,
            &Request {
                ca_names,
                schemes,
                tls13,
                now,
            },
        )
    }

    pub fn path(&self, store: usize) -> String {
        self.paths[store].display().to_string()
    }

    /// Decrypts the chosen entry's key (no other key is ever decrypted).
    pub fn key_of(&self, eval: &Evaluation) -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
        let loaded = &self.stores[eval.store];
        let entry = loaded
            .store
            .entries
            .iter()
            .find(|e| e.alias == eval.alias)
            .context("entry vanished")?;
        let EntryBody::PrivateKey { key, .. } = &entry.body else {
            bail!("'{}' has no private key", eval.alias);
        };
        let pw = self
            .key_passwords
            .and_then(|k| k.for_alias(&eval.alias))
            .or(loaded.password.as_deref().map(|s| s.as_str()))
            .unwrap_or("");
        keyprotect::decrypt(key, pw).with_context(|| format!("entry '{}'", eval.alias))
    }
}

fn cn_of(name: &str) -> String {
    name.split(',')
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(name)
        .to_string()
}

fn match_text(e: &Evaluation) -> String {
    match &e.matched {
        Some(rank::Match::AnyCa) => "server accepts any CA".into(),
        Some(rank::Match::LeafIssuer { name }) => format!("issued by {name}"),
        Some(rank::Match::Chain { name, depth }) => format!("chain reaches {name} (depth {depth})"),
        None => String::new(),
    }
}

/// One line describing a candidate, for lists and the prompt.
pub fn candidate_line(pool: &Pool, e: &Evaluation) -> String {
    let leaf = e.leaf.as_ref();
    escape(&format!(
        "{}  [{}]  {}  issuer {}  expires {}  {}  ({})",
        e.alias,
        pool.path(e.store),
        leaf.map(|l| cn_of(&l.subject)).unwrap_or_default(),
        leaf.map(|l| cn_of(&l.issuer)).unwrap_or_default(),
        leaf.map(|l| l.not_after.as_str()).unwrap_or_default(),
        e.key_label(),
        match_text(e)
    ))
}

/// Prints why each entry matched or not.
pub fn explain(pool: &Pool, ranked: &[Evaluation]) {
    for e in ranked {
        let status = if e.candidate {
            format!("candidate: {}", match_text(e))
        } else {
            e.rejections
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        };
        eprintln!(
            "{}",
            escape(&format!("{} [{}]: {}", e.alias, pool.path(e.store), status))
        );
    }
}

pub struct ChoiceOptions<'a> {
    pub alias: Option<&'a str>,
    pub first: bool,
    pub non_interactive: bool,
    pub remembered: Option<(usize, String)>,
}

/// Runs the decision and, when several fit, the prompt. Returns the index into `ranked`.
pub fn choose(pool: &Pool, ranked: &[Evaluation], opts: &ChoiceOptions) -> anyhow::Result<usize> {
    let policy = Policy {
        alias: opts.alias,
        first: opts.first,
        remembered: opts.remembered.as_ref().map(|(s, a)| (*s, a.as_str())),
    };
    let mut decision = sel::decide(ranked, &policy);
    if let Decision::RememberedIgnored(inner) = decision {
        let alias = opts
            .remembered
            .as_ref()
            .map(|(_, a)| a.as_str())
            .unwrap_or("");
        eprintln!(
            "warning: the remembered choice '{}' no longer matches this server; ignoring it",
            escape(alias)
        );
        decision = *inner;
    }
    match decision {
        Decision::Chosen { index, why } => {
            if why == ChosenBy::Remembered {
                eprintln!("using the remembered choice '{}'", escape(&ranked[index].alias));
            }
            Ok(index)
        }
        Decision::NoCandidate => Err(ExitError {
            code: exit::NO_CANDIDATE,
            message: format!(
                "no entry matches what the server accepts ({} entries considered; --explain says why)",
                ranked.len()
            ),
        }
        .into()),
        Decision::AliasNotCandidate { alias, index } => {
            let why = match index {
                Some(i) => ranked[i]
                    .rejections
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                None => "no private-key entry has that alias".into(),
            };
            Err(ExitError {
                code: exit::NO_CANDIDATE,
                message: format!("'{}' is not a candidate: {}", escape(&alias), escape(&why)),
            }
            .into())
        }
        Decision::Ask(indices) => {
            let interactive = !opts.non_interactive && crate::secret::can_prompt();
            if !interactive {
                eprintln!("several entries match:");
                for &i in &indices {
                    eprintln!("  {}", candidate_line(pool, &ranked[i]));
                }
                return Err(ExitError {
                    code: exit::SEVERAL,
                    message: format!(
                        "{} entries match and no choice is possible without a terminal: use --alias A or --first",
                        indices.len()
                    ),
                }
                .into());
            }
            let items: Vec<String> = indices.iter().map(|&i| candidate_line(pool, &ranked[i])).collect();
            let picked = dialoguer::Select::new()
                .with_prompt("Client certificate (Esc cancels)")
                .items(&items)
                .default(0)
                .interact_on_opt(&dialoguer::console::Term::stderr())
                .context("prompt failed")?;
            match picked {
                Some(p) => Ok(indices[p]),
                None => Err(ExitError {
                    code: exit::CANCELLED,
                    message: "cancelled".into(),
                }
                .into()),
            }
        }
        Decision::RememberedIgnored(_) => unreachable!("handled above"),
    }
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
        let bytes = super::io::read_input(file)?;
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
        .context("give --connect HOST:PORT or --ca-names FILE")?;
    let (host, port) = parse_target(target)?;
    let sni = a.servername.clone().unwrap_or_else(|| host.clone());
    let anchors =
        super::connect::trust_anchors(a.truststore.as_deref(), a.truststore_pass.as_ref())?;
    let anchored_by = match &a.truststore {
        Some(p) => p.display().to_string(),
        None => "the system trust anchors".into(),
    };
    let no_anchors = anchors.certs.is_empty();
    eprintln!(
        "connecting to {}, {}",
        escape(&format!("{host}:{port}")),
        super::connect::sni_text(&sni)
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
    if let Some(leaf) = record.server_chain.first()
        && let Ok(c) = inspect::certificate(leaf)
    {
        let verdict = match &record.chain_verification {
            Some(Ok(())) => format!("trusted by {}", escape(&anchored_by)),
            Some(Err(e)) => format!("NOT trusted: {}", escape(e)),
            None if no_anchors => format!(
                "NOT verified: {} holds no usable trust anchor",
                escape(&anchored_by)
            ),
            None => "NOT verified".into(),
        };
        eprintln!("server: {}", escape(&c.subject));
        eprintln!("server chain: {verdict}");
    }
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

/// Option combinations clap cannot express, refused before any handshake (exit 2).
fn validate(a: &SelectArgs) -> anyhow::Result<()> {
    let usage = |message: &str| -> anyhow::Result<()> {
        Err(ExitError {
            code: exit::USAGE,
            message: message.to_string(),
        }
        .into())
    };
    if a.connect.is_none() && a.ca_names.is_none() {
        return usage("give --connect HOST:PORT or --ca-names FILE");
    }
    if a.export_p12.is_some() && a.out_pass.is_none() {
        return usage("--export-p12 needs --out-pass SRC (the exported PKCS#12's password)");
    }
    if (a.truststore.is_some() || a.truststore_pass.is_some()) && a.connect.is_none() {
        return usage("--truststore is for --connect");
    }
    Ok(())
}

pub fn run(a: SelectArgs) -> anyhow::Result<()> {
    if let Some(target) = &a.forget {
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
        return Ok(());
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
    let (names, schemes) = (&request.names, &request.schemes);
    let pool = Pool {
        stores: &stores,
        paths: &a.stores,
        key_passwords: Some(&key_passwords),
    };
    let ranked = pool.rank(names, schemes.as_deref(), request.tls13);
    if a.explain {
        explain(&pool, &ranked);
    }
    let server_key = a
        .connect
        .as_deref()
        .map(parse_target)
        .transpose()?
        .map(|(h, p)| format!("{h}:{p}"));
    let remembered = server_key
        .as_deref()
        .and_then(|k| remembered_choice(k, &a.stores));
    let choice = choose(
        &pool,
        &ranked,
        &ChoiceOptions {
            alias: a.alias.as_deref(),
            first: a.first,
            non_interactive: a.non_interactive,
            remembered,
        },
    );
    // Everything that can fail happens before the choice is printed: a printed choice
    // means exit 0.
    let outcome = choice.and_then(|index| {
        let chosen = &ranked[index];
        export_choice(&a, &pool, chosen)?;
        if a.remember
            && let Some(key) = &server_key
        {
            remember::store(key, &a.stores[chosen.store], &chosen.alias)?;
            eprintln!("remembered '{}' for {key}", escape(&chosen.alias));
        }
        Ok(index)
    });
    if a.json {
        let doc = serde_json::json!({
            "ca_names": names.iter().map(|n| der::Decode::from_der(n).map(|n: x509_cert::name::Name| crate::pki::name::to_rfc4514(&n)).unwrap_or_default()).collect::<Vec<_>>(),
            "signature_schemes": schemes.as_ref().map(|s| s.iter().map(|x| x.name()).collect::<Vec<_>>()),
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
            "chosen": outcome.as_ref().ok().map(|&i| serde_json::json!({"store": pool.path(ranked[i].store), "alias": ranked[i].alias})),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
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

fn export_choice(a: &SelectArgs, pool: &Pool, chosen: &Evaluation) -> anyhow::Result<()> {
    if a.export_cert.is_none() && a.export_p12.is_none() {
        return Ok(());
    }
    let pkcs8 = pool.key_of(chosen)?;
    let out_pw = super::store::opt_secret(&a.out_pass, "Password for the exported key", true)?;
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
        let pw = out_pw.context("--export-p12 needs --out-pass SRC")?;
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
        unlock_all(&mut one, None, &super::store::KeyPasswords::none())?;
        save_store(p12, Format::Pkcs12, &one, Some(&pw), None, a.force)?;
    }
    Ok(())
}
