//! The one-line-per-entry store listing (`store list` without `--long`): alias, kind, key
//! type, subject CN, expiry and flags (`EXPIRED`, `expires in N d`, `no-chain`), in aligned
//! columns, then a totals line. The detailed blocks (`--long`, `show STORE`) stay in
//! `listing`.

use std::io::Write;

use super::render::escape;
use crate::store::EntryKind;
use crate::store::summary::EntrySummary;

/// Certificates expiring within this many days are flagged.
const SOON_DAYS: i64 = 30;
/// Longest subject CN printed before it is cut with `…`.
const CN_MAX: usize = 40;
/// Columns are padded to at most this width; a longer alias pushes only its own row.
const ALIAS_PAD: usize = 32;

/// One entry's columns, each value from the store already escaped.
pub struct Row {
    alias: String,
    kind: EntryKind,
    key: String,
    cn: String,
    expires: String,
    flags: Vec<String>,
    expired: bool,
}

/// The columns of one entry; `now` is Unix seconds; `no_java_trust`: a PKCS#12 trusted
/// entry Java will not see.
pub fn row(e: &EntrySummary, now: i64, no_java_trust: bool) -> Row {
    let key = e.key.as_ref().map(key_text).unwrap_or_else(|| "-".into());
    let leaf = e.chain.first();
    let cn = leaf
        .map(|c| truncate(&escape(&common_name(&c.subject)), CN_MAX))
        .unwrap_or_else(|| "-".into());
    let mut flags = Vec::new();
    let mut expired = false;
    let expires = match leaf {
        Some(c) => {
            let date = c.not_after.get(..10).unwrap_or(&c.not_after).to_string();
            if let Some(end) = unix(&c.not_after) {
                let left = end - now;
                if left < 0 {
                    expired = true;
                    flags.push("EXPIRED".into());
                } else if left < SOON_DAYS * 86_400 {
                    flags.push(format!("expires in {} d", left / 86_400));
                }
            }
            escape(&date)
        }
        None => "-".into(),
    };
    if e.kind == EntryKind::PrivateKey && e.chain.is_empty() {
        flags.push("no-chain".into());
    }
    if no_java_trust {
        flags.push("no-java-trust".into());
    }
    Row {
        alias: escape(&e.alias),
        kind: e.kind,
        key,
        cn,
        expires,
        flags,
        expired,
    }
}

/// Writes the rows in aligned columns, then the totals line (`3 entries: 1 private key,
/// 2 trusted certificates; 1 expired (pkcs12 store)`).
pub fn write_rows(out: &mut impl Write, rows: &[Row], format: &str) -> std::io::Result<()> {
    let width = |f: fn(&Row) -> &str| rows.iter().map(|r| f(r).chars().count()).max();
    let wa = width(|r| &r.alias).unwrap_or(0).min(ALIAS_PAD);
    let wk = width(|r| &r.key).unwrap_or(0);
    let wc = width(|r| &r.cn).unwrap_or(0);
    for r in rows {
        let line = format!(
            "{}  {:<12}  {}  {}  {}  {}",
            pad(&r.alias, wa),
            r.kind.to_string(),
            pad(&r.key, wk),
            pad(&r.cn, wc),
            pad(&r.expires, 10),
            r.flags.join(", ")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "{}", totals(rows, format))
}

fn totals(rows: &[Row], format: &str) -> String {
    let count = |k: EntryKind| rows.iter().filter(|r| r.kind == k).count();
    let kinds: Vec<String> = [
        (EntryKind::PrivateKey, "private key", "private keys"),
        (
            EntryKind::TrustedCert,
            "trusted certificate",
            "trusted certificates",
        ),
        (EntryKind::SecretKey, "secret key", "secret keys"),
    ]
    .into_iter()
    .filter_map(|(k, one, many)| match count(k) {
        0 => None,
        n => Some(plural(n, one, many)),
    })
    .collect();
    let mut text = plural(rows.len(), "entry", "entries");
    if !kinds.is_empty() {
        text.push_str(": ");
        text.push_str(&kinds.join(", "));
    }
    let expired = rows.iter().filter(|r| r.expired).count();
    if expired > 0 {
        text.push_str(&format!("; {expired} expired"));
    }
    format!("{text} ({format} store)")
}

/// `1 entry`, `2 entries`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A key's algorithm and size or curve: `EC P-256`, `RSA 2048`, `?` when unknown.
pub fn key_text(k: &crate::store::summary::KeySummary) -> String {
    let alg = k.algorithm.clone().unwrap_or_else(|| "?".into());
    match (&k.curve, k.bits) {
        (Some(c), _) => format!("{alg} {c}"),
        (None, Some(b)) => format!("{alg} {b}"),
        _ => alg,
    }
}

/// The CN of an RFC 4514 subject, or the whole subject when it has none (or cannot be
/// parsed back, which only display text could cause).
fn common_name(subject: &str) -> String {
    crate::pki::name::parse_dn(subject)
        .map(|n| crate::pki::name::short_label(&n))
        .unwrap_or_else(|_| subject.to_string())
}

fn unix(rfc3339: &str) -> Option<i64> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Cuts `s` to `max` characters, the last one `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// `s` padded with spaces to `width` characters.
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::summary::{ChainCert, KeySummary};

    fn entry(alias: &str, not_after: &str, chain: bool) -> EntrySummary {
        EntrySummary {
            alias: alias.into(),
            kind: EntryKind::PrivateKey,
            created: None,
            chain: chain
                .then(|| ChainCert {
                    subject: "CN=web\u{1b}[1m,O=Acme".into(),
                    issuer: "CN=CA".into(),
                    serial: "01".into(),
                    not_before: "2020-01-01T00:00:00Z".into(),
                    not_after: not_after.into(),
                    sha256: "00".into(),
                })
                .into_iter()
                .collect(),
            key: Some(KeySummary {
                algorithm: Some("EC".into()),
                bits: None,
                curve: Some("P-256".into()),
                encrypted: true,
            }),
        }
    }

    #[test]
    fn flags_expiry_and_missing_chain() {
        let now = 1_700_000_000; // 2023-11-14
        let soon = row(&entry("a", "2023-11-26T22:13:20Z", true), now, false);
        assert_eq!(soon.flags, ["expires in 12 d"]);
        assert_eq!(soon.cn, "web\\u{1b}[1m");
        let old = row(&entry("b", "2020-01-01T00:00:00Z", true), now, false);
        assert_eq!(old.flags, ["EXPIRED"]);
        let bare = row(&entry("c", "", false), now, false);
        assert_eq!(bare.flags, ["no-chain"]);
        let mut out = Vec::new();
        write_rows(&mut out, &[soon, old, bare], "pkcs12").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("3 entries: 3 private keys; 1 expired (pkcs12 store)\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 4);
    }

    #[test]
    fn plurals_and_truncation() {
        assert_eq!(plural(1, "entry", "entries"), "1 entry");
        assert_eq!(plural(0, "entry", "entries"), "0 entries");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
