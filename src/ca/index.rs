//! The CA's index of issued certificates, `index.tsv`: one line per certificate, tab-separated,
//! human-readable and safe to edit by hand. The format is documented in docs/ca.md:
//!
//! ```text
//! serial→status→not_after→revoked_at→reason→subject→sans→file
//! 5c1e…→V→2027-12-31T12:00:00Z→-→-→CN=example.org→DNS:example.org→certs/5c1e….pem
//! ```
//! (→ is a tab.)
//!
//! The first line is the header, exactly as above. Blank lines and lines starting with `#`
//! are ignored (and not kept when the index is rewritten). Empty values are written `-`.
//! In `subject` and `sans` a backslash escapes tab (`\t`), newline (`\n`), carriage return
//! (`\r`) and itself (`\\`); `sans` items are separated by `,` and a comma inside an item
//! is written `\,`.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::pki::crl::Reason;

pub const FILE_NAME: &str = "index.tsv";
pub const HEADER: &str = "serial\tstatus\tnot_after\trevoked_at\treason\tsubject\tsans\tfile";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    #[error("{file} line {line}: {reason}")]
    Line {
        file: &'static str,
        line: usize,
        reason: String,
    },
    #[error("cannot read {file}: {reason}")]
    Read { file: &'static str, reason: String },
}

fn line_err(line: usize, reason: impl Into<String>) -> IndexError {
    IndexError::Line {
        file: FILE_NAME,
        line,
        reason: reason.into(),
    }
}

/// V (valid: issued, not revoked) or R (revoked), as in OpenSSL's `index.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Status {
    #[serde(rename = "valid")]
    Valid,
    #[serde(rename = "revoked")]
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    /// Lowercase hex of the serial number's DER content bytes.
    pub serial: String,
    pub status: Status,
    /// Unix seconds.
    #[serde(serialize_with = "ser_time")]
    pub not_after: i64,
    #[serde(serialize_with = "ser_opt_time")]
    pub revoked_at: Option<i64>,
    pub reason: Option<Reason>,
    /// RFC 4514 text of the subject.
    pub subject: String,
    /// Display form of each SAN (`DNS:x`, `IP Address:1.2.3.4`, …).
    pub sans: Vec<String>,
    /// Where the certificate is kept, relative to the CA directory.
    pub file: Option<String>,
}

fn ser_time<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

fn ser_opt_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_time(*t)),
        None => s.serialize_none(),
    }
}

/// RFC 3339 UTC text, seconds precision.
pub fn format_time(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| secs.to_string())
}

fn parse_time(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

fn escape(s: &str, comma: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ',' if comma => out.push_str("\\,"),
            c => out.push(c),
        }
    }
    out
}

/// Splits on unescaped `sep` (when given) and unescapes each part.
fn unescape_split(s: &str, sep: Option<char>) -> Result<Vec<String>, String> {
    let mut parts = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let e = chars.next().ok_or("dangling backslash")?;
            let cur = parts.last_mut().ok_or("empty")?;
            match e {
                '\\' => cur.push('\\'),
                't' => cur.push('\t'),
                'n' => cur.push('\n'),
                'r' => cur.push('\r'),
                ',' => cur.push(','),
                other => return Err(format!("unknown escape \\{other}")),
            }
        } else if Some(c) == sep {
            parts.push(String::new());
        } else if let Some(cur) = parts.last_mut() {
            cur.push(c);
        }
    }
    Ok(parts)
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

impl Record {
    /// The record as one index line, without its newline.
    pub fn to_line(&self) -> String {
        let sans: Vec<String> = self.sans.iter().map(|s| escape(s, true)).collect();
        [
            self.serial.clone(),
            match self.status {
                Status::Valid => "V".into(),
                Status::Revoked => "R".into(),
            },
            format_time(self.not_after),
            self.revoked_at
                .map(format_time)
                .unwrap_or_else(|| "-".into()),
            self.reason
                .map(|r| r.name().to_string())
                .unwrap_or_else(|| "-".into()),
            dash(&escape(&self.subject, false)).to_string(),
            dash(&sans.join(",")).to_string(),
            dash(&escape(self.file.as_deref().unwrap_or(""), false)).to_string(),
        ]
        .join("\t")
    }

    fn from_line(line: &str, n: usize) -> Result<Record, IndexError> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 8 {
            return Err(line_err(
                n,
                format!("expected 8 tab-separated fields, found {}", f.len()),
            ));
        }
        let serial = f[0].to_ascii_lowercase();
        if serial.is_empty()
            || !serial.len().is_multiple_of(2)
            || !serial.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(line_err(
                n,
                format!("serial '{}' is not even-length hex", f[0]),
            ));
        }
        let status = match f[1] {
            "V" => Status::Valid,
            "R" => Status::Revoked,
            other => return Err(line_err(n, format!("status '{other}' is not V or R"))),
        };
        let not_after = parse_time(f[2])
            .ok_or_else(|| line_err(n, format!("not_after '{}' is not an RFC 3339 time", f[2])))?;
        let revoked_at =
            match f[3] {
                "-" => None,
                t => Some(parse_time(t).ok_or_else(|| {
                    line_err(n, format!("revoked_at '{t}' is not an RFC 3339 time"))
                })?),
            };
        let reason = match f[4] {
            "-" => None,
            r => Some(r.parse::<Reason>().map_err(|e| line_err(n, e))?),
        };
        if status == Status::Revoked && revoked_at.is_none() {
            return Err(line_err(n, "status R needs a revoked_at time"));
        }
        if status == Status::Valid && (revoked_at.is_some() || reason.is_some()) {
            return Err(line_err(
                n,
                "status V must have '-' for revoked_at and reason",
            ));
        }
        let one = |s: &str| -> Result<String, IndexError> {
            if s == "-" {
                return Ok(String::new());
            }
            let mut v = unescape_split(s, None).map_err(|e| line_err(n, e))?;
            Ok(v.pop().unwrap_or_default())
        };
        let sans = match f[6] {
            "-" => Vec::new(),
            s => unescape_split(s, Some(',')).map_err(|e| line_err(n, e))?,
        };
        let file = one(f[7])?;
        Ok(Record {
            serial,
            status,
            not_after,
            revoked_at,
            reason,
            subject: one(f[5])?,
            sans,
            file: (!file.is_empty()).then_some(file),
        })
    }
}

/// The whole index, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    pub records: Vec<Record>,
}

impl Index {
    pub fn parse(text: &str) -> Result<Index, IndexError> {
        let records = Reader::new(text.as_bytes()).collect::<Result<Vec<_>, _>>()?;
        Ok(Index { records })
    }

    pub fn serialize(&self) -> String {
        let mut out = String::from(HEADER);
        out.push('\n');
        for r in &self.records {
            out.push_str(&r.to_line());
            out.push('\n');
        }
        out
    }

    pub fn find(&self, serial: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.serial == serial)
    }

    pub fn find_mut(&mut self, serial: &str) -> Option<&mut Record> {
        self.records.iter_mut().find(|r| r.serial == serial)
    }

    pub fn revoked_count(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.status == Status::Revoked)
            .count()
    }
}

/// A structural check of every line, for commands that only append (issuing): 8 fields,
/// an even-length hex serial, status `V` or `R`. Dates, reasons, escapes and duplicate
/// serials are left to the commands that read whole records ([`Reader`]): parsing them
/// costs 1.6 µs a line, which at 100,000 records would make issuing one certificate take
/// 160 ms, while this check takes a few.
pub fn check_structure(text: &str) -> Result<(), IndexError> {
    let mut lines = text.split('\n').enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end_matches('\r') == HEADER => {}
        Some((_, "")) | None => return Ok(()),
        Some(_) => {
            return Err(line_err(
                1,
                "missing header line (expected the column names)",
            ));
        }
    }
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let tabs = line.bytes().filter(|&b| b == b'\t').count();
        if tabs != 7 {
            return Err(line_err(
                n,
                format!("expected 8 tab-separated fields, found {}", tabs + 1),
            ));
        }
        let mut fields = line.splitn(3, '\t');
        let serial = fields.next().unwrap_or_default();
        let status = fields.next().unwrap_or_default();
        if serial.is_empty()
            || !serial.len().is_multiple_of(2)
            || !serial.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(line_err(
                n,
                format!("serial '{serial}' is not even-length hex"),
            ));
        }
        if status != "V" && status != "R" {
            return Err(line_err(n, format!("status '{status}' is not V or R")));
        }
    }
    Ok(())
}

/// Whether a line of the index has serial `serial` (lowercase hex), case-insensitively.
pub fn has_serial(text: &str, serial: &str) -> bool {
    text.split('\n').skip(1).any(|line| {
        line.split_once('\t')
            .is_some_and(|(s, _)| s.eq_ignore_ascii_case(serial))
    })
}

/// Reads an index record by record, so a caller that prints them (`ca list`) needs memory
/// for one line, not the whole index: the header is checked first, each line as it comes,
/// and a serial seen twice is reported at its second line. Linear in the index size.
pub struct Reader<R> {
    lines: std::io::Lines<R>,
    line: usize,
    seen: std::collections::HashSet<String>,
    failed: bool,
}

impl<R: std::io::BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader {
            lines: input.lines(),
            line: 0,
            seen: Default::default(),
            failed: false,
        }
    }

    fn next_line(&mut self) -> Option<Result<String, IndexError>> {
        let line = self.lines.next()?;
        self.line += 1;
        Some(line.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => line_err(self.line, "not UTF-8 text"),
            _ => IndexError::Read {
                file: FILE_NAME,
                reason: e.to_string(),
            },
        }))
    }
}

impl<R: std::io::BufRead> Iterator for Reader<R> {
    type Item = Result<Record, IndexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = (|| {
            if self.line == 0 {
                match self.next_line()? {
                    Ok(h) if h.trim_end_matches('\r') == HEADER => {}
                    Ok(_) => {
                        return Some(Err(line_err(
                            1,
                            "missing header line (expected the column names)",
                        )));
                    }
                    Err(e) => return Some(Err(e)),
                }
            }
            loop {
                let line = match self.next_line()? {
                    Ok(l) => l,
                    Err(e) => return Some(Err(e)),
                };
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let r = match Record::from_line(line, self.line) {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                };
                if !self.seen.insert(r.serial.clone()) {
                    return Some(Err(line_err(
                        self.line,
                        format!("serial {} appears twice", r.serial),
                    )));
                }
                return Some(Ok(r));
            }
        })();
        if matches!(result, Some(Err(_))) {
            self.failed = true;
        }
        result
    }
}

/// Appends one record to the index file at `path` (the caller holds the CA's lock): one
/// `write` of one line with O_APPEND, so issuing does not rewrite the whole index, then an
/// fsync. A file without the header gets it first; a last line without its newline (a hand
/// edit) gets one, so the new record starts its own line.
pub fn append(path: &std::path::Path, record: &Record) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let mut line = String::new();
    if len == 0 {
        line.push_str(HEADER);
        line.push('\n');
    } else {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            line.push('\n');
        }
    }
    line.push_str(&record.to_line());
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Index {
        Index {
            records: vec![
                Record {
                    serial: "7a01".into(),
                    status: Status::Valid,
                    not_after: 1_800_000_000,
                    revoked_at: None,
                    reason: None,
                    subject: "CN=a\tb,O=Acme\\, Inc.".into(),
                    sans: vec!["DNS:example.org".into(), "URI:x:a,b".into()],
                    file: Some("certs/7a01.pem".into()),
                },
                Record {
                    serial: "01ff".into(),
                    status: Status::Revoked,
                    not_after: 1_800_000_000,
                    revoked_at: Some(1_700_000_000),
                    reason: Some(Reason::KeyCompromise),
                    subject: String::new(),
                    sans: vec![],
                    file: None,
                },
            ],
        }
    }

    #[test]
    fn round_trips() {
        let idx = sample();
        let text = idx.serialize();
        assert!(text.starts_with(HEADER));
        assert!(
            text.contains(
                "\tR\t2027-01-15T08:00:00Z\t2023-11-14T22:13:20Z\tkeyCompromise\t-\t-\t-\n"
            )
        );
        assert_eq!(Index::parse(&text).unwrap(), idx);
    }

    #[test]
    fn append_adds_one_line_and_the_header_when_needed() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join(FILE_NAME);
        let idx = sample();
        append(&p, &idx.records[0]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{HEADER}\n{}\n", idx.records[0].to_line())
        );
        // A hand edit that dropped the last newline.
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.pop();
        std::fs::write(&p, text).unwrap();
        append(&p, &idx.records[1]).unwrap();
        assert_eq!(
            Index::parse(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            idx
        );
    }

    #[test]
    fn the_quick_check_and_serial_lookup() {
        let text = sample().serialize();
        check_structure(&text).unwrap();
        assert!(has_serial(&text, "7a01") && has_serial(&text, "01ff"));
        assert!(!has_serial(&text, "7a") && !has_serial(&text, "serial"));
        check_structure("").unwrap();
        let upper = format!("{HEADER}\n# note\n\n7A\tV\t2030-01-01T00:00:00Z\t-\t-\t-\t-\t-\r\n");
        check_structure(&upper).unwrap();
        assert!(has_serial(&upper, "7a"));
        for (line, want) in [
            ("7a\tV\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-", "expected 8"),
            ("zz\tV\tsoon", "expected 8"),
            ("7\tV\t-\t-\t-\t-\t-\t-", "not even-length hex"),
            ("7a\tX\t-\t-\t-\t-\t-\t-", "not V or R"),
        ] {
            let err = check_structure(&format!("{HEADER}\n{line}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("line 2") && err.contains(want), "{err}");
        }
        assert!(check_structure("garbage\n").is_err());
    }

    #[test]
    fn empty_file_is_empty_index() {
        assert_eq!(Index::parse("").unwrap(), Index::default());
        assert_eq!(
            Index::parse(&format!("{HEADER}\n")).unwrap(),
            Index::default()
        );
    }

    #[test]
    fn ignores_comments_and_blank_lines() {
        let text =
            format!("{HEADER}\n# hand note\n\n7a\tV\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-\t-\r\n");
        let idx = Index::parse(&text).unwrap();
        assert_eq!(idx.records.len(), 1);
        assert_eq!(idx.records[0].subject, "CN=x");
    }

    #[test]
    fn bad_lines_name_their_line() {
        let cases = [
            ("7a\tV\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-", "expected 8"),
            (
                "zz\tV\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-\t-",
                "not even-length hex",
            ),
            (
                "7a\tX\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-\t-",
                "not V or R",
            ),
            ("7a\tV\tyesterday\t-\t-\tCN=x\t-\t-", "not an RFC 3339"),
            (
                "7a\tR\t2030-01-01T00:00:00Z\t-\t-\tCN=x\t-\t-",
                "needs a revoked_at",
            ),
            (
                "7a\tR\t2030-01-01T00:00:00Z\t2029-01-01T00:00:00Z\tbogus\tCN=x\t-\t-",
                "unknown revocation reason",
            ),
            (
                "7a\tV\t2030-01-01T00:00:00Z\t-\t-\tCN=x\\q\t-\t-",
                "unknown escape",
            ),
        ];
        for (line, want) in cases {
            let text = format!("{HEADER}\n\n{line}\n");
            let err = Index::parse(&text).unwrap_err().to_string();
            assert!(err.starts_with("index.tsv line 3: "), "{err}");
            assert!(err.contains(want), "{err} (wanted {want})");
        }
        let dup = format!(
            "{HEADER}\n7a\tV\t2030-01-01T00:00:00Z\t-\t-\t-\t-\t-\n7A\tV\t2030-01-01T00:00:00Z\t-\t-\t-\t-\t-\n"
        );
        assert!(
            Index::parse(&dup)
                .unwrap_err()
                .to_string()
                .contains("line 3: serial 7a appears twice")
        );
        assert!(
            Index::parse("garbage\n")
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
    }
}
