//! The text after a command's options (EXAMPLES, FILES, EXIT STATUS, notes) as help and man
//! pages show it. clap wraps that text to the terminal and puts it in one justified EXTRA
//! man section; commands wrapped mid-line cannot be copied, so here it is split into its
//! sections and rendered unwrapped: one command per line in `--help`, and each section
//! (`.SH EXAMPLES`, ...) in no-fill, left-adjusted roff in the man pages.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// One section of the after-help text: a `TITLE:` line and its lines, or (title None) a
/// paragraph of notes.
#[derive(Debug, PartialEq)]
pub struct Section {
    pub title: Option<String>,
    pub lines: Vec<String>,
}

/// Splits after-help text: a line `EXAMPLES:` (capitals and spaces, then a colon) opens a
/// section whose indented lines follow; an unindented line outside a heading is a note.
pub fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let heading = line
            .strip_suffix(':')
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_uppercase() || c == ' '));
        if let Some(h) = heading {
            out.push(Section {
                title: Some(h.to_string()),
                lines: Vec::new(),
            });
            open = true;
        } else if line.trim().is_empty() {
            open = false;
        } else if open && line.starts_with(' ') {
            if let Some(s) = out.last_mut() {
                s.lines.push(line.to_string());
            }
        } else {
            match out.last_mut() {
                Some(s) if s.title.is_none() && !open => s.lines.push(line.to_string()),
                _ => out.push(Section {
                    title: None,
                    lines: vec![line.to_string()],
                }),
            }
            open = false;
        }
    }
    out
}

/// The sections as roff: `.SH TITLE`, then the lines in no-fill mode (never wrapped or
/// justified); notes as a left-adjusted paragraph under NOTES.
pub fn to_roff(sections: &[Section]) -> String {
    let mut roff = String::new();
    let mut notes_open = false;
    for s in sections {
        match &s.title {
            Some(t) => {
                roff.push_str(&format!(".SH \"{}\"\n.nf\n", escape(t)));
                for l in &s.lines {
                    // Two spaces of indent in help text; roff's section body is indented.
                    let l = l.strip_prefix("  ").unwrap_or(l);
                    roff.push_str(&escape_line(l));
                    roff.push('\n');
                }
                roff.push_str(".fi\n");
                notes_open = false;
            }
            None => {
                if !notes_open {
                    roff.push_str(".SH NOTES\n");
                    notes_open = true;
                }
                roff.push_str(".PP\n.ad l\n");
                for l in &s.lines {
                    roff.push_str(&escape_line(l));
                    roff.push('\n');
                }
            }
        }
    }
    roff
}

/// Roff escapes: backslashes and hyphens (so `--pass` is not a typographic dash).
fn escape(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

/// A text line: escaped, and guarded when it would start with a control character.
fn escape_line(s: &str) -> String {
    let e = escape(s);
    if e.starts_with('.') || e.starts_with('\'') {
        format!("\\&{e}")
    } else {
        e
    }
}

/// Prints the help of the command `args` asked about (`keychest store list --help`,
/// `keychest help store list`), with its after-help text unwrapped after clap's part.
/// Returns false when that command has no after-help (clap's own rendering is then right).
pub fn print_help(mut root: clap::Command, args: &[OsString]) -> bool {
    root.build();
    let long = args.iter().any(|a| a == "--help");
    let mut cmd = &root;
    for a in args.iter().skip(1) {
        let Some(a) = a.to_str() else { continue };
        if a == "help" && std::ptr::eq(cmd, &root) {
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        match cmd.find_subcommand(a) {
            Some(sub) => cmd = sub,
            None => break,
        }
    }
    let Some(after) = cmd.get_after_help().map(|s| s.to_string()) else {
        return false;
    };
    let mut bare = cmd
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let help = if long {
        bare.render_long_help()
    } else {
        bare.render_help()
    };
    let mut out = std::io::stdout().lock();
    let text = if out.is_terminal() {
        help.ansi().to_string()
    } else {
        help.to_string()
    };
    let _ = writeln!(out, "{}\n\n{}", text.trim_end(), after.trim_end());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "EXAMPLES:\n  keychest pki new ./pki --hosts a,b\n\nWithout --pass the key is plain.\nSee docs.\n\nEXIT STATUS:\n  0  success\n  2  usage error";

    #[test]
    fn splits_sections_and_notes() {
        let s = sections(TEXT);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].title.as_deref(), Some("EXAMPLES"));
        assert_eq!(s[0].lines, ["  keychest pki new ./pki --hosts a,b"]);
        assert_eq!(s[1].title, None);
        assert_eq!(s[1].lines.len(), 2);
        assert_eq!(s[2].title.as_deref(), Some("EXIT STATUS"));
        assert_eq!(s[2].lines.len(), 2);
    }

    #[test]
    fn roff_is_unfilled_and_escaped() {
        let r = to_roff(&sections(TEXT));
        assert!(
            r.starts_with(".SH \"EXAMPLES\"\n.nf\nkeychest pki new ./pki \\-\\-hosts a,b\n.fi\n"),
            "{r}"
        );
        assert!(
            r.contains(".SH NOTES\n.PP\n.ad l\nWithout \\-\\-pass"),
            "{r}"
        );
        assert!(r.contains(".SH \"EXIT STATUS\"\n.nf\n0  success\n"), "{r}");
        assert_eq!(escape_line(".x"), "\\&.x");
    }
}
