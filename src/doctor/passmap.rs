//! `--pass-map FILE`: which password source opens which store. One rule per line,
//! `GLOB SOURCE` (`prod/*.p12 env:PROD_PASS`); blank lines and `#` comments are ignored;
//! the first matching line wins. A glob without `/` is matched against the file name; one
//! starting with `/` against the whole path; any other against the path's trailing
//! components (`prod/*.p12` matches `/srv/prod/a.p12`). `*` matches within a path component, `**`
//! across components, `?` one character. Hand-written: the glob crates bring far more than
//! these three wildcards need.

use std::path::Path;

use crate::secret::SecretSource;

#[derive(Debug)]
pub struct PassMap {
    rules: Vec<(String, SecretSource)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PassMapError {
    #[error("line {line}: expected 'GLOB SOURCE'")]
    Syntax { line: usize },
    /// Prints its cause rather than exposing it, so the cause is said once.
    #[error("line {line}: {cause}")]
    Source {
        line: usize,
        cause: crate::secret::SecretError,
    },
}

impl PassMap {
    pub fn parse(text: &str) -> Result<PassMap, PassMapError> {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (glob, src) = line
                .split_once(char::is_whitespace)
                .ok_or(PassMapError::Syntax { line: i + 1 })?;
            let src: SecretSource = src
                .trim()
                .parse()
                .map_err(|cause| PassMapError::Source { line: i + 1, cause })?;
            rules.push((glob.to_string(), src));
        }
        Ok(PassMap { rules })
    }

    /// The sources, in rule order (so a caller can read each once).
    pub fn sources(&self) -> impl Iterator<Item = &SecretSource> {
        self.rules.iter().map(|(_, s)| s)
    }

    /// The index (in [`Self::sources`] order) of the first rule matching `path`.
    pub fn rule_for(&self, path: &Path) -> Option<usize> {
        let src = self.source_for(path)?;
        self.rules.iter().position(|(_, s)| std::ptr::eq(s, src))
    }

    /// The source for `path`, from the first rule that matches.
    pub fn source_for(&self, path: &Path) -> Option<&SecretSource> {
        let full = path.to_string_lossy();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        self.rules.iter().find_map(|(g, s)| {
            let hit = if !g.contains('/') {
                glob_match(g.as_bytes(), name.as_bytes())
            } else if g.starts_with('/') {
                glob_match(g.as_bytes(), full.as_bytes())
            } else {
                // Relative: the path's trailing components (`prod/*.p12` matches
                // `/srv/prod/a.p12`).
                let f = full.as_bytes();
                (0..f.len())
                    .filter(|&i| i == 0 || f[i - 1] == b'/')
                    .any(|i| glob_match(g.as_bytes(), &f[i..]))
            };
            hit.then_some(s)
        })
    }
}

/// `*` (not across `/`), `**` (across), `?` (one character), anything else literally.
pub fn glob_match(pat: &[u8], text: &[u8]) -> bool {
    match pat.first() {
        None => text.is_empty(),
        Some(b'*') if pat.get(1) == Some(&b'*') => {
            let rest = pat[2..].strip_prefix(b"/").unwrap_or(&pat[2..]);
            (0..=text.len()).any(|i| glob_match(rest, &text[i..]))
                || (0..=text.len()).any(|i| glob_match(&pat[2..], &text[i..]))
        }
        Some(b'*') => {
            let mut i = 0;
            loop {
                if glob_match(&pat[1..], &text[i..]) {
                    return true;
                }
                if i == text.len() || text[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        Some(b'?') => !text.is_empty() && text[0] != b'/' && glob_match(&pat[1..], &text[1..]),
        Some(c) => text.first() == Some(c) && glob_match(&pat[1..], &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.p12", b"server.p12"));
        assert!(!glob_match(b"*.p12", b"a/server.p12"));
        assert!(glob_match(b"**/*.p12", b"a/b/server.p12"));
        assert!(glob_match(b"**/*.p12", b"server.p12"));
        assert!(glob_match(b"prod/?.jks", b"prod/a.jks"));
        assert!(!glob_match(b"prod/?.jks", b"prod/ab.jks"));
    }

    #[test]
    fn first_rule_wins() {
        let m = PassMap::parse("# stores\n*.p12 pass:one\nserver.* pass:two\n").unwrap();
        assert_eq!(
            m.source_for(Path::new("x/server.p12")),
            Some(&"pass:one".parse().unwrap())
        );
        assert_eq!(
            m.source_for(Path::new("x/server.jks")),
            Some(&"pass:two".parse().unwrap())
        );
        assert!(m.source_for(Path::new("x/ca.crt")).is_none());
        let m = PassMap::parse("prod/*.p12 pass:p\n/abs/*.jks pass:a\n").unwrap();
        assert!(m.source_for(Path::new("/srv/prod/a.p12")).is_some());
        assert!(m.source_for(Path::new("/srv/preprod/a.p12")).is_none());
        assert!(m.source_for(Path::new("/abs/a.jks")).is_some());
        assert!(m.source_for(Path::new("/x/abs/a.jks")).is_none());
        assert!(PassMap::parse("lonely\n").is_err());
    }
}
