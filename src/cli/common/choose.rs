//! Choosing a client certificate, shared by `select` (before a handshake) and `connect`
//! (inside one): the pool of key entries from the `--store` files, ranking, the decision,
//! the prompt when several fit, and the exit codes when none can be chosen.

use std::path::PathBuf;

use anyhow::{Context, bail};

use super::exit::{self, ExitError};
use super::pass::{KeyPasswords, PassArg};
use super::prompt_rows::{Cells, DetailTheme, layout};
use super::render::escape;
use super::stores::{Loaded, integrity_warning, load_store};
use crate::select::rank::{self, Candidate, Evaluation, Request};
use crate::select::schemes::SigScheme;
use crate::select::{self as sel, ChosenBy, Decision, Policy};
use crate::store::{EntryBody, keyprotect};

/// Loads the `--store` files with one `--pass` for all or one per store, warning about
/// each store whose integrity could not be checked.
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

/// Everything needed to rank the key entries of some stores.
pub struct Pool<'a> {
    pub stores: &'a [Loaded],
    pub paths: &'a [PathBuf],
    /// `--key-pass [ALIAS=]SRC`: key passwords that differ from the store password.
    pub key_passwords: Option<&'a KeyPasswords>,
}

impl Pool<'_> {
    /// Ranks every key entry; `tls13` says the schemes came from a TLS 1.3 request, where
    /// an ECDSA scheme also binds the curve.
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

/// A candidate's cells for the prompt: alias, store file name, issuer CN, expiry date, key.
fn cells_of(pool: &Pool, e: &Evaluation) -> Cells {
    let leaf = e.leaf.as_ref();
    let file = pool.paths[e.store]
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| pool.path(e.store));
    Cells {
        alias: escape(&e.alias),
        store_file: escape(&file),
        issuer_cn: escape(&leaf.map(|l| cn_of(&l.issuer)).unwrap_or_default()),
        expires: escape(
            leaf.map(|l| l.not_after.get(..10).unwrap_or(&l.not_after))
                .unwrap_or_default(),
        ),
        key: e.key_label(),
    }
}

/// One line describing a candidate, for the list printed when no prompt is possible.
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
        Decision::Ask(indices) => ask(pool, ranked, &indices, opts.non_interactive),
        Decision::RememberedIgnored(_) => unreachable!("handled above"),
    }
}

/// Several candidates fit: a prompt on a terminal, else exit 4 listing them.
fn ask(
    pool: &Pool,
    ranked: &[Evaluation],
    indices: &[usize],
    non_interactive: bool,
) -> anyhow::Result<usize> {
    let interactive = !non_interactive && crate::secret::can_prompt();
    if !interactive {
        eprintln!("several entries match:");
        for &i in indices {
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
    let term = dialoguer::console::Term::stderr();
    let width = term.size().1 as usize;
    let cells: Vec<Cells> = indices
        .iter()
        .map(|&i| cells_of(pool, &ranked[i]))
        .collect();
    let items = layout(&cells, width);
    let theme = DetailTheme {
        rows: items
            .iter()
            .zip(indices)
            .map(|(r, &i)| (r.clone(), format!("matches: {}", match_text(&ranked[i]))))
            .collect(),
        width,
    };
    // report(false): nothing is left on screen after the choice (stdout carries it).
    let picked = dialoguer::Select::with_theme(&theme)
        .with_prompt("Client certificate (Esc cancels)")
        .items(&items)
        .default(0)
        .report(false)
        .interact_on_opt(&term)
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
