//! Remembered client-certificate choices (`select --remember`), one JSON file in the user's
//! config directory: `$XDG_CONFIG_HOME/keychest/remembered.json` (or `~/.config/...`).
//! Each entry expires after 30 days; an entry that no longer matches is ignored by the
//! caller with a warning.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::render::escape;
use crate::fsio::{self, Mode};

const DAYS: i64 = 30;

#[derive(Serialize, Deserialize, Clone)]
pub struct Remembered {
    pub store: PathBuf,
    pub alias: String,
    /// Unix seconds after which the choice is ignored.
    pub expires: i64,
}

fn file() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context("no config directory: set HOME or XDG_CONFIG_HOME")?;
    Ok(base.join("keychest").join("remembered.json"))
}

fn now() -> i64 {
    crate::store::ops::now_ms() / 1000
}

fn read_all(path: &Path) -> anyhow::Result<BTreeMap<String, Remembered>> {
    match fsio::read_input(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is corrupt (delete it to start over)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_all(path: &Path, map: &BTreeMap<String, Remembered>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fsio::write_atomic(
        path,
        serde_json::to_string_pretty(map)?.as_bytes(),
        Mode::Private,
        true,
    )?;
    Ok(())
}

pub fn lookup(server: &str) -> anyhow::Result<Option<Remembered>> {
    let map = read_all(&file()?)?;
    Ok(map.get(server).filter(|r| r.expires > now()).cloned())
}

pub fn store(server: &str, store_path: &Path, alias: &str) -> anyhow::Result<()> {
    let path = file()?;
    let mut map = read_all(&path)?;
    let store = std::fs::canonicalize(store_path).unwrap_or_else(|_| store_path.to_path_buf());
    map.insert(
        server.to_string(),
        Remembered {
            store,
            alias: alias.to_string(),
            expires: now() + DAYS * 86_400,
        },
    );
    write_all(&path, &map)
}

pub fn forget(server: &str) -> anyhow::Result<bool> {
    let path = file()?;
    let mut map = read_all(&path)?;
    let removed = map.remove(server).is_some();
    if removed {
        write_all(&path, &map)?;
    }
    Ok(removed)
}

/// The choice remembered for `server`, as (index into `stores`, alias), when it names one
/// of the stores given now. A remembered choice whose store was not given is announced on
/// stderr, not silently dropped (the docs promise it).
pub fn choice_for(server: &str, stores: &[PathBuf]) -> Option<(usize, String)> {
    let r = lookup(server).ok().flatten()?;
    match stores.iter().position(|p| same_file(p, &r.store)) {
        Some(i) => Some((i, r.alias)),
        None => {
            eprintln!(
                "note: the choice remembered for {} ('{}' in {}) is not used: that store was not given",
                escape(server),
                escape(&r.alias),
                escape(&r.store.display().to_string())
            );
            None
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
