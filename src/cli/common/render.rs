//! Terminal output helpers: escaping untrusted text, fingerprints, a certificate's summary
//! lines, the spinner.

use std::io::IsTerminal;
use std::time::Duration;

use crate::pki::inspect;

/// The one escaping of untrusted text (from a certificate, a store, a server): every C0 and
/// C1 control character including CR and LF, DEL, and the bidi controls are shown as
/// `\u{..}`, so such text can neither move the cursor, start a line, nor reorder what
/// follows it.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        );
        if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`escape`] for a block keychest laid out itself: its line breaks stay, everything else
/// is escaped line by line. Only the final error line uses it (its line breaks then become
/// spaces); untrusted values are escaped one by one with [`escape`] where they are printed,
/// since a newline inside a value passes here.
pub fn sanitize(s: &str) -> String {
    s.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// `AB:CD:...` uppercase with colons, as keytool and openssl print fingerprints.
pub fn colon_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap_or("").to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

/// A certificate as lines: keychest's labels, the certificate's own text escaped, and the
/// fingerprint keychest computed on a line of its own (so a forged line inside a name can
/// never sit where the fingerprint is expected).
pub fn cert_lines(index: usize, der: &[u8], indent: &str) -> Vec<String> {
    match inspect::certificate(der) {
        Ok(c) => vec![
            format!("{indent}[{index}] {}", escape(&c.subject)),
            format!("{indent}    issuer  {}", escape(&c.issuer)),
            format!("{indent}    expires {}", escape(&c.not_after)),
            format!("{indent}    SHA-256 {}", colon_hex(&c.fingerprints.sha256)),
        ],
        Err(e) => vec![format!(
            "{indent}[{index}] unparsable certificate: {}",
            escape(&e.to_string())
        )],
    }
}

/// A spinner on stderr while slow work runs; nothing at all when stderr is not a terminal.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    pub fn start(message: &str) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_bidi() {
        assert_eq!(sanitize("CN=a\u{1b}[31m"), "CN=a\\u{1b}[31m");
        assert_eq!(sanitize("x\u{202e}y\r"), "x\\u{202e}y\\u{d}");
        assert_eq!(sanitize("café"), "café");
        assert_eq!(sanitize("a\nb\u{7f}"), "a\nb\\u{7f}");
        assert_eq!(
            escape("CN=x\nSHA-256: AA\r\u{85}\u{200f}"),
            "CN=x\\u{a}SHA-256: AA\\u{d}\\u{85}\\u{200f}"
        );
    }
}
