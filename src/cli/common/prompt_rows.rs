//! The rows of the client-certificate prompt: one line per candidate that fits the
//! terminal (alias, store file name, issuer CN, expiry date, key type; cells cut with `…`,
//! never wrapped, since wrapped lines stay on screen after dialoguer clears its own), and
//! a theme that shows why the highlighted row matched on a line under it.

use std::fmt;

use dialoguer::theme::{SimpleTheme, Theme};

use super::list_line::{pad, truncate};
use super::render::escape;

/// One candidate's cells, before layout.
pub struct Cells {
    pub alias: String,
    pub store_file: String,
    pub issuer_cn: String,
    pub expires: String,
    pub key: String,
}

/// Narrowest a flexible column (alias, file, issuer) is squeezed to.
const MIN_CELL: usize = 6;
/// What the theme puts before a row (`> ` or two spaces).
const PREFIX: usize = 2;

/// Lays the cells out in aligned columns, each row at most `width - 2` characters (the
/// prompt's `> ` prefix included it fits `width`). The widest of alias, file and issuer
/// gives way first.
pub fn layout(cells: &[Cells], width: usize) -> Vec<String> {
    let col = |f: fn(&Cells) -> &str| {
        cells
            .iter()
            .map(|c| f(c).chars().count())
            .max()
            .unwrap_or(0)
    };
    let mut w = [
        col(|c| &c.alias),
        col(|c| &c.store_file),
        col(|c| &c.issuer_cn),
        col(|c| &c.expires),
        col(|c| &c.key),
    ];
    let room = width.saturating_sub(PREFIX + 1);
    let gaps = 2 * (w.len() - 1);
    while w.iter().sum::<usize>() + gaps > room {
        let widest = (0..3).max_by_key(|&i| w[i]).unwrap_or(0);
        if w[widest] <= MIN_CELL {
            break;
        }
        w[widest] -= 1;
    }
    cells
        .iter()
        .map(|c| {
            let parts = [&c.alias, &c.store_file, &c.issuer_cn, &c.expires, &c.key];
            let line = parts
                .iter()
                .zip(w)
                .map(|(s, width)| pad(&truncate(s, width), width))
                .collect::<Vec<_>>()
                .join("  ");
            // Whatever the squeeze left (a very narrow terminal) is cut, never wrapped.
            truncate(line.trim_end(), room)
        })
        .collect()
}

/// The prompt's look: dialoguer's plain theme, plus a detail line under the highlighted
/// row (rows are matched by text; each row's detail is given with it).
pub struct DetailTheme {
    pub rows: Vec<(String, String)>,
    pub width: usize,
}

impl DetailTheme {
    fn detail(&self, text: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|(r, _)| r == text)
            .map(|(_, d)| d.as_str())
            .filter(|d| !d.is_empty())
    }
}

impl Theme for DetailTheme {
    fn format_select_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        SimpleTheme.format_select_prompt(f, prompt)
    }

    fn format_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        active: bool,
    ) -> fmt::Result {
        write!(f, "{} {}", if active { ">" } else { " " }, text)?;
        if active && let Some(d) = self.detail(text) {
            let room = self.width.saturating_sub(5);
            write!(f, "\n    {}", truncate(&escape(d), room))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(alias: &str) -> Cells {
        Cells {
            alias: alias.into(),
            store_file: "clients-of-the-integration-environment.p12".into(),
            issuer_cn: "Example Corporation Issuing CA for Client Authentication G4".into(),
            expires: "2027-05-01".into(),
            key: "EC P-256".into(),
        }
    }

    #[test]
    fn rows_fit_the_width() {
        let c = [cells("alice-with-a-rather-long-alias"), cells("bob")];
        for width in [40, 80, 120, 200] {
            let rows = layout(&c, width);
            for r in &rows {
                assert!(r.chars().count() + PREFIX <= width, "{width}: {r}");
            }
            assert!(rows[1].starts_with("bob "), "{rows:?}");
        }
        let wide = layout(&c, 200);
        assert!(!wide[0].contains('…'), "{wide:?}");
        let narrow = layout(&c, 80);
        assert!(
            narrow[0].contains('…') && narrow[0].contains("2027-05-01"),
            "{narrow:?}"
        );
    }

    #[test]
    fn detail_only_under_the_active_row() {
        let t = DetailTheme {
            rows: vec![("row".into(), "issued by CN=CA".into())],
            width: 80,
        };
        let mut s = String::new();
        t.format_select_prompt_item(&mut s, "row", true).unwrap();
        assert_eq!(s, "> row\n    issued by CN=CA");
        s.clear();
        t.format_select_prompt_item(&mut s, "row", false).unwrap();
        assert_eq!(s, "  row");
    }
}
