//! Password options and how they become secrets: `--pass` (the shared `PassArg`), the other
//! `SRC` options (`--out-pass`, `--key-pass`, ...), and per-alias key passwords.

use clap::Args;

use crate::secret::{self, Secret, SecretSource};
use crate::store::alias::AliasKey;

/// A password option: `--pass SRC`, or `--pass` alone to be asked on the terminal.
#[derive(Args, Debug, Clone, Default)]
pub struct PassArg {
    /// Password source: pass:TEXT, env:VAR, file:PATH, fd:N or stdin (alone: prompt)
    #[arg(long = "pass", value_name = "SRC", num_args = 0..=1, default_missing_value = "prompt")]
    pub pass: Option<String>,
}

impl PassArg {
    /// None: not given. Some(None): prompt. Some(Some(src)): read from src.
    pub fn source(&self) -> anyhow::Result<Option<Option<SecretSource>>> {
        secret_opt(&self.pass)
    }
}

/// A secret option other than `--pass`: `SRC`, or given alone to be asked on the terminal.
pub fn secret_opt(value: &Option<String>) -> anyhow::Result<Option<Option<SecretSource>>> {
    match value.as_deref() {
        None => Ok(None),
        Some("prompt") => Ok(Some(None)),
        Some("stdin") if super::io::stdin_taken() => Err(super::exit::usage(
            "a file given as - already reads standard input: give the password with env:, file: or fd:",
        )),
        Some(s) => Ok(Some(Some(s.parse()?))),
    }
}

/// Reads a secret option: Some(secret) when given (from its source or a prompt).
pub fn opt_secret(
    value: &Option<String>,
    prompt: &str,
    confirm: bool,
) -> anyhow::Result<Option<Secret>> {
    match secret_opt(value)? {
        None => Ok(None),
        Some(src) => Ok(Some(secret::obtain(src.as_ref(), prompt, confirm)?)),
    }
}

/// Gets a password when `--pass` was given (from its source, or by prompting).
/// `confirm` asks twice, for a new secret.
pub fn password(arg: &PassArg, prompt: &str, confirm: bool) -> anyhow::Result<Option<Secret>> {
    opt_secret(&arg.pass, prompt, confirm)
}

/// Gets a password that is needed now: from `--pass` if given, else by prompting on a
/// terminal, else a clear error.
pub fn required_password(arg: &PassArg, prompt: &str) -> anyhow::Result<Secret> {
    let src = arg.source()?.flatten();
    Ok(secret::obtain(src.as_ref(), prompt, false)?)
}

/// Key passwords given as `SRC` (all keys) or `ALIAS=SRC`.
pub struct KeyPasswords(Vec<(Option<String>, Secret)>);

impl KeyPasswords {
    pub fn none() -> KeyPasswords {
        KeyPasswords(Vec::new())
    }

    pub fn parse(values: &[String]) -> anyhow::Result<KeyPasswords> {
        let mut out = Vec::new();
        for v in values {
            let is_source = v.starts_with("pass:")
                || v.starts_with("env:")
                || v.starts_with("file:")
                || v.starts_with("fd:")
                || v == "stdin";
            let (alias, src) = match v.split_once('=') {
                Some((a, s)) if !is_source => (Some(a.to_string()), s),
                _ => (None, v.as_str()),
            };
            let src: SecretSource = src.parse()?;
            out.push((alias, src.read()?));
        }
        Ok(KeyPasswords(out))
    }

    /// The password for `alias`: one given for it (ignoring case as Java does, like every
    /// alias comparison), else one given for all keys.
    pub fn for_alias(&self, alias: &str) -> Option<&str> {
        let key = AliasKey::folded(alias);
        self.0
            .iter()
            .find(|(a, _)| a.as_deref().is_some_and(|a| AliasKey::folded(a) == key))
            .or_else(|| self.0.iter().find(|(a, _)| a.is_none()))
            .map(|(_, s)| s.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_passwords_match_aliases_ignoring_case_beyond_ascii() {
        let pws = KeyPasswords::parse(&[
            "Zertifikat-Ä=pass:umlaut".to_string(),
            "pass:fallback".to_string(),
        ])
        .unwrap();
        assert_eq!(pws.for_alias("zertifikat-ä"), Some("umlaut"));
        assert_eq!(pws.for_alias("ZERTIFIKAT-Ä"), Some("umlaut"));
        assert_eq!(pws.for_alias("zertifikat-a"), Some("fallback"));
        assert_eq!(KeyPasswords::none().for_alias("x"), None);
    }
}
