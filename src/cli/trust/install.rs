//! `keychest trust install | uninstall | status`: owns their arguments, lists every change
//! before it is made, asks (on a terminal) or takes `--yes`, and renders what the
//! `trust` library reports. The three verbs share one file because they share the choice of
//! stores and the plan/apply walk over them.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::common::render::escape;
use crate::pki::constraints::Constraints;
use crate::trust::{self, Anchor, Presence, Selection, TrustStore};

/// Which trust stores to act on (none named: every store found).
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The operating system's trust store (Linux: Debian/Ubuntu, Fedora/RHEL, Alpine, Arch; needs root)
    #[arg(long)]
    pub system: bool,
    /// The JDK's cacerts (from JAVA_HOME, java on PATH, or /etc/ssl/certs/java/cacerts)
    #[arg(long)]
    pub java: bool,
    /// This Java keystore instead of the JDK's cacerts (implies --java)
    #[arg(long, value_name = "PATH")]
    pub cacerts: Option<PathBuf>,
    /// Password of cacerts: pass:, env:, file:, fd:, stdin [default: changeit]
    #[arg(long, value_name = "SRC")]
    pub cacerts_pass: Option<String>,
    /// NSS databases: ~/.pki/nssdb (Chromium; created if missing) and Firefox profiles (needs certutil)
    #[arg(long)]
    pub nss: bool,
    /// This NSS database directory instead (repeatable; implies --nss)
    #[arg(long, value_name = "DIR")]
    pub nssdb: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// The root to trust: a certificate file, a CA directory (its root), or a pki new directory
    pub cert: PathBuf,
    #[command(flatten)]
    pub stores: StoreArgs,
    /// Make the changes without asking (for scripts)
    #[arg(long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The root to look for: a certificate file, a CA directory, or a pki new directory
    pub cert: PathBuf,
    #[command(flatten)]
    pub stores: StoreArgs,
    /// Print JSON (schema in docs/json.md)
    #[arg(long)]
    pub json: bool,
}

fn selection(s: &StoreArgs) -> anyhow::Result<Selection> {
    let cacerts_password = match &s.cacerts_pass {
        Some(src) => {
            let src: crate::secret::SecretSource = src.parse()?;
            Some(crate::secret::obtain(Some(&src), "Password of cacerts", false)?.to_string())
        }
        None => None,
    };
    Ok(Selection {
        system: s.system,
        java: s.java || s.cacerts.is_some(),
        nss: s.nss || !s.nssdb.is_empty(),
        cacerts: s.cacerts.clone(),
        cacerts_password,
        nssdbs: s.nssdb.clone(),
    })
}

fn stores(s: &StoreArgs) -> anyhow::Result<Vec<Box<dyn TrustStore>>> {
    let (found, notes) = trust::discover(&selection(s)?)?;
    for n in notes {
        eprintln!("keychest: note: {}", escape(&n));
    }
    if found.is_empty() {
        bail!("no trust store found (name one with --system, --java or --nss)");
    }
    Ok(found)
}

fn store_name(s: &dyn TrustStore) -> String {
    escape(&format!("{} {}", s.kind(), s.location()))
}

fn warn_unconstrained(a: &Anchor) {
    if !a.is_constrained() {
        eprintln!(
            "keychest: warning: {} has no name constraints: whoever gets its private key can \
             impersonate ANY website or server to the programs that trust it. Prefer a \
             constrained root ('keychest pki new', or 'keychest ca init --permit').",
            escape(&a.subject)
        );
    }
}

fn confirm(yes: bool, what: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !crate::secret::can_prompt() {
        bail!("not confirmed: run on a terminal to be asked, or give --yes (nothing was changed)");
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(what)
        .default(false)
        .interact_on(&dialoguer::console::Term::stderr())
        .context("prompt failed")?;
    if !ok {
        bail!("not confirmed: nothing was changed");
    }
    Ok(())
}

/// Plans every store first (a store that cannot be changed stops everything before any
/// change), lists the changes, confirms, then applies them store by store.
fn change(a: InstallArgs, install: bool) -> anyhow::Result<()> {
    let anchor = Anchor::load(&a.cert)?;
    let stores = stores(&a.stores)?;
    let mut planned = Vec::new();
    for s in &stores {
        let steps = if install {
            s.plan_install(&anchor)
        } else {
            s.plan_uninstall(&anchor)
        }
        .with_context(|| store_name(s.as_ref()))?;
        planned.push(steps);
    }
    let subject = escape(&anchor.subject);
    if planned.iter().all(Vec::is_empty) {
        eprintln!(
            "keychest: {subject}: nothing to do ({})",
            if install {
                "already trusted in every store"
            } else {
                "keychest installed it in none of these stores"
            }
        );
        return Ok(());
    }
    if install {
        warn_unconstrained(&anchor);
    }
    eprintln!(
        "keychest will {} {subject} (SHA-256 {}):",
        if install { "trust" } else { "stop trusting" },
        anchor.sha256
    );
    for (s, steps) in stores.iter().zip(&planned) {
        for step in steps {
            eprintln!("  {}: {}", store_name(s.as_ref()), escape(&step.0));
        }
    }
    confirm(a.yes, "Make these changes?")?;
    for (s, steps) in stores.iter().zip(&planned) {
        if steps.is_empty() {
            continue;
        }
        let done = if install {
            s.install(&anchor)
        } else {
            s.uninstall(&anchor)
        }
        .with_context(|| store_name(s.as_ref()))?;
        for d in done {
            eprintln!("keychest: {}: {}", store_name(s.as_ref()), escape(&d));
        }
    }
    Ok(())
}

pub fn run_install(a: InstallArgs) -> anyhow::Result<()> {
    change(a, true)
}

pub fn run_uninstall(a: InstallArgs) -> anyhow::Result<()> {
    change(a, false)
}

#[derive(serde::Serialize)]
struct StatusJson {
    certificate: CertJson,
    stores: Vec<StoreJson>,
}

#[derive(serde::Serialize)]
struct CertJson {
    subject: String,
    sha256: String,
    name_constraints: Option<ConstraintsJson>,
}

#[derive(serde::Serialize)]
struct ConstraintsJson {
    permitted: Vec<String>,
    excluded: Vec<String>,
}

#[derive(serde::Serialize)]
struct StoreJson {
    store: &'static str,
    location: String,
    #[serde(flatten)]
    presence: Option<Presence>,
    error: Option<String>,
}

pub fn run_status(a: StatusArgs) -> anyhow::Result<()> {
    let anchor = Anchor::load(&a.cert)?;
    let stores = stores(&a.stores)?;
    let rows: Vec<StoreJson> = stores
        .iter()
        .map(|s| {
            let r = s.status(&anchor);
            StoreJson {
                store: s.kind(),
                location: s.location(),
                error: r.as_ref().err().map(|e| e.to_string()),
                presence: r.ok(),
            }
        })
        .collect();
    let status = StatusJson {
        certificate: CertJson {
            subject: anchor.subject.clone(),
            sha256: anchor.sha256.clone(),
            name_constraints: anchor.constraints.as_ref().map(|c| ConstraintsJson {
                permitted: Constraints::display(&c.permitted),
                excluded: Constraints::display(&c.excluded),
            }),
        },
        stores: rows,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    let c = &status.certificate;
    println!("{}", escape(&c.subject));
    println!("  SHA-256 {}", c.sha256);
    match &c.name_constraints {
        Some(n) => println!(
            "  name constraints: permitted [{}], excluded [{}]",
            escape(&n.permitted.join(", ")),
            escape(&n.excluded.join(", "))
        ),
        None => println!("  name constraints: none (can vouch for any name)"),
    }
    for r in &status.stores {
        let state = match (&r.presence, &r.error) {
            (Some(p), _) if p.trusted && p.installed_by_keychest => {
                "trusted (installed by keychest)".to_string()
            }
            (Some(p), _) if p.trusted => "trusted (not by keychest)".to_string(),
            (Some(p), _) if p.installed_by_keychest => {
                "not trusted (keychest's entry is present: run install again)".to_string()
            }
            (Some(_), _) => "not trusted".to_string(),
            (None, e) => format!("unknown: {}", e.as_deref().unwrap_or_default()),
        };
        println!("{:<7} {}  {}", r.store, escape(&r.location), escape(&state));
    }
    Ok(())
}
