//! `keychest doctor PATH…`: its arguments, the passwords it needs (`--pass`, `--pass-map`),
//! and the three renderings of a report (text, JSON, Prometheus textfile). The checks are
//! `crate::doctor`'s; this file only gathers inputs, prints and picks the exit status.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::common::exit::{self, ERRORS_FOUND, ExitError, WARNINGS_FOUND};
use super::common::io::{is_dash, read_input, write_output};
use super::common::pass::{PassArg, password};
use super::common::render::{escape, sanitize};
use super::common::target::parse_target;
use crate::doctor::{self, Report, Severity, Target, live::LiveTarget, passmap::PassMap};
use crate::secret::Secret;

#[derive(Args, Debug)]
#[command(after_help = concat!(
    "EXAMPLES:\n  keychest doctor ./pki --pass file:pki/password.txt\n",
    "  keychest doctor /etc/ssl/private server.p12 --pass-map passwords.txt --for java8,macos\n",
    "  keychest doctor ./stores --format prometheus > /var/lib/node_exporter/keychest.prom\n",
    "  keychest doctor ./ca --connect internal.example.org:443 --json\n\n",
    "PATH is a certificate, key, CSR, CRL, store (PKCS#12, PEM, JKS, JCEKS), CA directory or folder\n",
    "(walked recursively; symbolic links are not followed out of it). Each finding names its rule\n",
    "(docs/doctor.md), the file and alias, why, and the command that fixes it.\n\n",
    "EXIT STATUS:\n  0  nothing found, or only warnings and notes without --strict\n",
    "  1  warnings found (with --strict)\n  2  usage error (bad option, PATH does not exist)\n",
    "  3  errors found"))]
pub struct DoctorArgs {
    /// Files, CA directories or folders to check
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    // Password for the stores and encrypted keys (unless --pass-map names one) (clap shows PassArg's own help)
    #[command(flatten)]
    pub pass: PassArg,
    /// File of 'GLOB SOURCE' lines giving each store its password source (first match wins)
    #[arg(long, value_name = "FILE")]
    pub pass_map: Option<PathBuf>,
    /// Also check a server: its chain, host name and the client CAs it accepts
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: Vec<String>,
    /// Warn about certificates expiring within this period (e.g. 30d, 12h, 2w)
    #[arg(long, value_name = "PERIOD", default_value = "30d", value_parser = parse_period)]
    pub expiring: i64,
    /// Check that these consumers can read the stores
    #[arg(
        long = "for",
        value_enum,
        value_name = "CONSUMER",
        value_delimiter = ','
    )]
    pub targets: Vec<Target>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Exit 1 when warnings (but no errors) are found
    #[arg(long)]
    pub strict: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    /// node_exporter textfile-collector format
    Prometheus,
}

/// `30d`, `12h`, `90m`, `2w`, `45s` or plain seconds.
fn parse_period(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a period like 30d, 12h or 2w"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("'{s}': the unit must be s, m, h, d or w")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too long"))
}

pub fn run(a: DoctorArgs) -> anyhow::Result<()> {
    // Modes, links and folders are part of what doctor checks: a stream has none of them.
    if a.paths.iter().any(|p| is_dash(p)) {
        return Err(exit::usage(
            "doctor checks files and folders on disk; it does not read standard input ('-')",
        ));
    }
    let format = if a.json { OutputFormat::Json } else { a.format };
    // Every password is read once, up front: a source such as stdin cannot be read twice,
    // and a missing one is a clear error before any work.
    let default_pass: Option<Secret> = password(&a.pass, "Password for the stores", false)?;
    let map = match &a.pass_map {
        Some(p) => {
            let text = String::from_utf8(read_input(p)?)
                .with_context(|| format!("{}: not UTF-8 text", p.display()))?;
            let map = PassMap::parse(&text).with_context(|| format!("{}", p.display()))?;
            let secrets = map
                .sources()
                .map(|s| s.read())
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{}", p.display()))?;
            Some((map, secrets))
        }
        None => None,
    };
    let passwords = |path: &Path| -> Option<Secret> {
        if let Some((map, secrets)) = &map
            && let Some(i) = map.rule_for(path)
        {
            return secrets.get(i).cloned();
        }
        default_pass.clone()
    };
    let connect = a
        .connect
        .iter()
        .map(|t| parse_target(t).map(|(host, port)| LiveTarget { host, port }))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| exit::usage(format!("--connect: {e:#}")))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let report = doctor::check(
        &a.paths,
        &doctor::Options {
            now,
            expiring: a.expiring,
            targets: a.targets.clone(),
            passwords: &passwords,
            connect,
        },
    )
    .map_err(|e| exit::usage(e.to_string()))?;
    let text = match format {
        OutputFormat::Text => render_text(&report),
        OutputFormat::Json => render_json(&report)?,
        OutputFormat::Prometheus => render_prometheus(&report),
    };
    write_output(None, text.as_bytes(), crate::fsio::Mode::Public, false)?;
    let (errors, warnings) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
    );
    if errors > 0 {
        return Err(ExitError {
            code: ERRORS_FOUND,
            message: format!("{errors} error(s) found"),
        }
        .into());
    }
    if warnings > 0 && a.strict {
        return Err(ExitError {
            code: WARNINGS_FOUND,
            message: format!("{warnings} warning(s) found (--strict)"),
        }
        .into());
    }
    Ok(())
}

fn summary_line(r: &Report) -> String {
    format!(
        "{} error(s), {} warning(s), {} note(s) in {} file(s), {} certificate(s)",
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Info),
        r.files_checked,
        r.certificates()
    )
}

pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let alias = f
            .alias
            .as_ref()
            .map(|a| format!(" [{}]", escape(a)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<8}{}  {}{}",
            f.severity.name(),
            f.rule_id,
            escape(&f.file),
            alias
        );
        let _ = writeln!(out, "        {}", escape(&f.why));
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "        fix: {}", escape(fix));
        }
    }
    if r.findings.is_empty() {
        let _ = writeln!(
            out,
            "no problems found in {} file(s), {} certificate(s)",
            r.files_checked,
            r.certificates()
        );
    } else {
        let _ = writeln!(out, "{}", summary_line(r));
    }
    out
}

pub fn render_json(r: &Report) -> anyhow::Result<String> {
    let v = serde_json::json!({
        "findings": r.findings,
        "summary": {
            "files": r.files_checked,
            "certificates": r.certificates(),
            "errors": r.count(Severity::Error),
            "warnings": r.count(Severity::Warning),
            "info": r.count(Severity::Info),
        }
    });
    let mut s = serde_json::to_string_pretty(&v)?;
    s.push('\n');
    Ok(s)
}

/// A Prometheus label value: terminal-safe, then escaped as the text format requires.
fn label(v: &str) -> String {
    sanitize(v)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The node_exporter textfile-collector format (Prometheus text exposition 0.0.4): one
/// expiry gauge per certificate (a certificate repeated under the same file and alias is
/// one series) and the finding counts.
pub fn render_prometheus(r: &Report) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP keychest_cert_not_after_seconds Expiry (notAfter) of a certificate, Unix time.\n",
    );
    out.push_str("# TYPE keychest_cert_not_after_seconds gauge\n");
    let mut series: BTreeMap<String, i64> = BTreeMap::new();
    for e in &r.expiries {
        let key = format!(
            "{{file=\"{}\",alias=\"{}\",subject=\"{}\"}}",
            label(&e.file),
            label(e.alias.as_deref().unwrap_or("")),
            label(&e.subject)
        );
        series
            .entry(key)
            .and_modify(|v| *v = (*v).min(e.not_after))
            .or_insert(e.not_after);
    }
    for (k, v) in &series {
        let _ = writeln!(out, "keychest_cert_not_after_seconds{k} {v}");
    }
    out.push_str("# HELP keychest_doctor_findings Findings of keychest doctor, by severity.\n");
    out.push_str("# TYPE keychest_doctor_findings gauge\n");
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = writeln!(
            out,
            "keychest_doctor_findings{{severity=\"{}\"}} {}",
            s.name(),
            r.count(s)
        );
    }
    out.push_str("# HELP keychest_doctor_rule_findings Findings of keychest doctor, by rule.\n");
    out.push_str("# TYPE keychest_doctor_rule_findings gauge\n");
    let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &r.findings {
        *by_rule.entry((f.rule_id, f.severity.name())).or_default() += 1;
    }
    for ((rule, sev), n) in by_rule {
        let _ = writeln!(
            out,
            "keychest_doctor_rule_findings{{rule=\"{rule}\",severity=\"{sev}\"}} {n}"
        );
    }
    out.push_str("# HELP keychest_doctor_files_checked Files keychest doctor read.\n");
    out.push_str("# TYPE keychest_doctor_files_checked gauge\n");
    let _ = writeln!(out, "keychest_doctor_files_checked {}", r.files_checked);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_period("30d"), Ok(30 * 86_400));
        assert_eq!(parse_period("12h"), Ok(12 * 3600));
        assert_eq!(parse_period("3600"), Ok(3600));
        assert!(parse_period("3x").is_err());
        assert!(parse_period("d").is_err());
    }

    #[test]
    fn prometheus_labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd\u{1b}"), "a\\\"b\\\\c\\nd\\\\u{1b}");
    }
}
