//! `doctor`: finds what will break in keystores, certificates, keys and CA directories
//! before it breaks, and says the command that fixes it. This module owns the finding type,
//! the options and the two-phase run: every file is read and parsed once ([`model`]), then
//! each rule family looks at the parsed files (and, for chains, at the pool of every
//! certificate seen). The library returns findings and expiry data; it never prints.
//!
//! Rule families, one file each: [`validity`], [`chain`], [`keys`], [`names`], [`stores`],
//! [`ca_dir`], [`live`]. Every rule id is listed with its source in docs/doctor.md.

use std::path::{Path, PathBuf};

use serde::Serialize;

pub mod ca_dir;
pub mod chain;
pub mod keys;
pub mod live;
pub mod load;
pub mod model;
pub mod names;
pub mod passmap;
pub mod stores;
pub mod validity;
pub mod walk;

pub use stores::Target;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem: where, which rule, why (one line), and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable rule id, `family.name` (docs/doctor.md).
    pub rule_id: &'static str,
    /// The file (or `host:port` for live checks), as given or found by the walk.
    pub file: String,
    /// The store entry, when the finding is about one.
    pub alias: Option<String>,
    pub why: String,
    /// A command that fixes it, where one exists.
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, rule_id: &'static str, file: &Path, why: String) -> Finding {
        Finding {
            severity,
            rule_id,
            file: file.display().to_string(),
            alias: None,
            why,
            fix: None,
        }
    }

    pub fn alias(mut self, alias: Option<&str>) -> Finding {
        self.alias = alias.map(str::to_string);
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// A certificate's expiry, for monitoring (`--format prometheus`).
#[derive(Debug, Clone, Serialize)]
pub struct Expiry {
    pub file: String,
    pub alias: Option<String>,
    pub subject: String,
    /// Unix seconds.
    pub not_after: i64,
}

/// Looks up the password of a store or key file; `None` when none was given for it.
pub type PasswordFor<'a> = dyn Fn(&Path) -> Option<zeroize::Zeroizing<String>> + Sync + 'a;

pub struct Options<'a> {
    /// Unix seconds: the time validity is judged at.
    pub now: i64,
    /// Certificates expiring within this many seconds get `validity.expiring`.
    pub expiring: i64,
    /// Consumers the stores must be readable by (`--for`).
    pub targets: Vec<Target>,
    pub passwords: &'a PasswordFor<'a>,
    /// Servers to check live (`--connect`).
    pub connect: Vec<live::LiveTarget>,
}

/// What a run found.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub expiries: Vec<Expiry>,
    pub files_checked: usize,
}

impl Report {
    /// Certificates checked: one per certificate of every entry, as listed in `expiries`.
    pub fn certificates(&self) -> usize {
        self.expiries.len()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
}

/// Checks every path: files, CA directories and folders (walked recursively).
pub fn check(paths: &[PathBuf], opts: &Options<'_>) -> Result<Report, DoctorError> {
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(DoctorError::NotFound(p.clone()));
        }
    }
    let walked = walk::walk(paths);
    let mut report = Report::default();
    report.findings.extend(walked.findings);

    // Phase 1: read and parse each file once.
    let (files, distinct) = load::load_all(&walked.files, opts);
    report.files_checked = files.len();

    // The pool of every certificate seen, for chains that end short.
    let lookup = model::Pool::new(&distinct);

    // Phase 2: the rules, file by file (in parallel: chains verify signatures).
    let per_file = load::par_map(&files, |f| {
        let mut out = f.findings.clone();
        for g in &f.groups {
            validity::check_group(f, g, opts, &mut out);
            names::check_group(f, g, &mut out);
            keys::check_group(f, g, &mut out);
            chain::check_group(f, g, &lookup, &mut out);
        }
        keys::check_file(f, &mut out);
        stores::check_file(f, opts, &mut out);
        out
    });
    report.findings.extend(per_file.into_iter().flatten());
    for f in &files {
        for g in &f.groups {
            for c in &g.certs {
                report.expiries.push(Expiry {
                    file: f.path.display().to_string(),
                    alias: g.alias.clone(),
                    subject: c.subject.clone(),
                    not_after: c.not_after,
                });
            }
        }
    }
    for t in &opts.connect {
        live::check(t, &files, &lookup, opts, &mut report.findings);
    }
    for dir in &walked.ca_dirs {
        ca_dir::check(dir, opts.now, &mut report.findings);
    }
    dedupe(&mut report.findings);
    Ok(report)
}

/// Removes repeated findings (a certificate in two entries of one file is reported per
/// entry, but the same finding twice is noise) and sorts by file, then severity.
fn dedupe(findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.rule_id, f.file.clone(), f.alias.clone(), f.why.clone())));
    findings.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then(b.severity.cmp(&a.severity))
            .then(a.rule_id.cmp(b.rule_id))
            .then(a.alias.cmp(&b.alias))
    });
}

/// Quotes a path for a shell command line when it needs quoting.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
