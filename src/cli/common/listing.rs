//! Store listings (`store list`, and `show` on a keystore): one line per entry with a
//! totals line (`list_line`), or with `--long` a header with the store's protection and
//! warnings then a block per entry, or streamed JSON.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use super::list_line;
use super::pass::PassArg;
use super::render::escape;
use super::stores::{Loaded, load_bytes};
use crate::codec;
use crate::store::summary::{self, EntrySummary};
use crate::store::{EntryBody, EntryKind, Format, SecretEntryData};

/// How a store is listed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// One line per entry and a totals line.
    Lines,
    /// The protection header and a block per entry.
    Long,
    /// JSON (docs/json.md).
    Json,
}

/// Lists a store.
pub fn show_store(
    path: &Path,
    bytes: Vec<u8>,
    pass: &PassArg,
    style: ListStyle,
) -> anyhow::Result<()> {
    let mut loaded = load_bytes(path, &bytes, pass.source()?, false)?;
    drop(bytes);
    describe_secrets(&mut loaded);
    // Looked up once per entry: a truststore `openssl pkcs12 -export` wrote has every
    // trusted alias in it.
    let no_java_trust: HashSet<&str> = loaded
        .info
        .without_java_trust
        .iter()
        .map(String::as_str)
        .collect();
    // Entries are summarised one at a time, so a 10,000-entry store never has all its
    // summaries in memory at once (the one-line listing keeps only its short rows, to align
    // the columns).
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match style {
        ListStyle::Json => write_list_json(&mut out, &loaded, &no_java_trust)?,
        ListStyle::Long => {
            write_list_header(&mut out, &loaded)?;
            for e in &loaded.store.entries {
                write_list_entry(&mut out, &summary::summarize(e), &no_java_trust)?;
            }
        }
        ListStyle::Lines => write_lines(&mut out, &loaded, &no_java_trust)?,
    }
    out.flush()?;
    Ok(())
}

#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    #[serde(flatten)]
    entry: &'a EntrySummary,
    /// PKCS#12 trusted entries: whether the bag carries Java's trust attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    java_trust_attribute: Option<bool>,
}

fn write_list_json(
    out: &mut impl Write,
    loaded: &Loaded,
    no_java_trust: &HashSet<&str>,
) -> anyhow::Result<()> {
    let head = serde_json::json!({
        "format": loaded.format,
        "integrity_checked": loaded.info.integrity_checked,
        "protection": loaded.info.protection,
        "warnings": loaded.info.warnings,
    });
    let head = serde_json::to_string_pretty(&head)?;
    // The head object without its closing brace, then the entries array streamed.
    write!(
        out,
        "{},\n  \"entries\": [",
        head.trim_end().trim_end_matches('}').trim_end()
    )?;
    for (i, e) in loaded.store.entries.iter().enumerate() {
        let s = summary::summarize(e);
        let java = (loaded.format == Format::Pkcs12 && s.kind == EntryKind::TrustedCert)
            .then(|| !no_java_trust.contains(s.alias.as_str()));
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(
            &mut *out,
            &JsonEntry {
                entry: &s,
                java_trust_attribute: java,
            },
        )?;
    }
    writeln!(out, "\n  ]\n}}")?;
    Ok(())
}

/// One line per entry (rows are small, so all are kept to align the columns), the totals,
/// then the store's warnings.
fn write_lines(
    out: &mut impl Write,
    loaded: &Loaded,
    no_java_trust: &HashSet<&str>,
) -> std::io::Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let rows: Vec<list_line::Row> = loaded
        .store
        .entries
        .iter()
        .map(|e| {
            let s = summary::summarize(e);
            let no_trust = loaded.format == Format::Pkcs12
                && s.kind == EntryKind::TrustedCert
                && no_java_trust.contains(s.alias.as_str());
            list_line::row(&s, now, no_trust)
        })
        .collect();
    list_line::write_rows(out, &rows, &loaded.format.to_string())?;
    for w in &loaded.info.warnings {
        writeln!(out, "warning: {}", escape(w))?;
    }
    Ok(())
}

fn write_list_header(out: &mut impl Write, loaded: &Loaded) -> std::io::Result<()> {
    writeln!(
        out,
        "{} store, {}",
        loaded.format,
        list_line::plural(loaded.store.entries.len(), "entry", "entries")
    )?;
    for p in &loaded.info.protection {
        writeln!(out, "  {}", escape(p))?;
    }
    for w in &loaded.info.warnings {
        writeln!(out, "  warning: {}", escape(w))?;
    }
    Ok(())
}

fn write_list_entry(
    out: &mut impl Write,
    e: &EntrySummary,
    no_java_trust: &HashSet<&str>,
) -> std::io::Result<()> {
    let key = e.key.as_ref().map(list_line::key_text).unwrap_or_default();
    let note = if no_java_trust.contains(e.alias.as_str()) {
        "  (no Java trust attribute: Java does not list it)"
    } else {
        ""
    };
    // Each value from the store is escaped on its own: a line break in an alias must not
    // start a line that looks like keychest's.
    writeln!(
        out,
        "{}  {}  {}{}",
        escape(&e.alias),
        e.kind,
        escape(&key),
        note
    )?;
    if let Some(leaf) = e.chain.first() {
        writeln!(out, "    subject: {}", escape(&leaf.subject))?;
        writeln!(out, "    issuer:  {}", escape(&leaf.issuer))?;
        writeln!(out, "    expires: {}", escape(&leaf.not_after))?;
        writeln!(out, "    sha256:  {}", leaf.sha256)?;
        if e.chain.len() > 1 {
            writeln!(out, "    chain:   {} certificates", e.chain.len())?;
        }
    } else if e.kind == EntryKind::PrivateKey {
        writeln!(out, "    (no certificate)")?;
    }
    Ok(())
}

/// With the store password at hand, opens sealed secret keys to show their algorithm; one
/// that cannot be opened is listed with a warning naming it.
fn describe_secrets(loaded: &mut Loaded) {
    let Some(pw) = loaded.password.clone() else {
        return;
    };
    for entry in &mut loaded.store.entries {
        if let EntryBody::SecretKey { key } = &mut entry.body
            && let SecretEntryData::Sealed { format, bytes } = key
        {
            match codec::open_secret(*format, bytes, &pw) {
                Ok(open) => *key = SecretEntryData::Open(open),
                Err(e) => loaded.info.warnings.push(format!(
                    "secret key '{}' cannot be opened: {e}",
                    entry.alias
                )),
            }
        }
    }
}
