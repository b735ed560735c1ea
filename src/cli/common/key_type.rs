//! `--type` as clap parses it: a bad key type is a usage error (exit 2) like any other bad
//! option value, and help and shell completions offer the canonical names. The spellings
//! `pki::key::KeyType` also accepts (`p256`, `rsa`, …) keep working.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;

use crate::pki::key::KeyType;

/// The names offered in help and completions.
const NAMES: [&str; 7] = [
    "ec:p256", "ec:p384", "ec:p521", "ed25519", "rsa:2048", "rsa:3072", "rsa:4096",
];

/// `value_parser = KeyTypeParser` on a `KeyType` field.
#[derive(Clone, Copy, Debug)]
pub struct KeyTypeParser;

impl TypedValueParser for KeyTypeParser {
    type Value = KeyType;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<KeyType, clap::Error> {
        let text = value.to_string_lossy();
        text.parse::<KeyType>().map_err(|e| {
            let option = arg
                .and_then(|a| a.get_long())
                .map(|l| format!("--{l}: "))
                .unwrap_or_default();
            let mut cmd = cmd.clone();
            cmd.error(ErrorKind::InvalidValue, format!("{option}{e}"))
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(NAMES.iter().map(PossibleValue::new)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_name_parses() {
        for n in NAMES {
            assert_eq!(n.parse::<KeyType>().unwrap().to_string(), n);
        }
    }
}
