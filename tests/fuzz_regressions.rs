//! Replays `fuzz/regressions/<target>/` — each target's minimised seeds, hand-made edge cases
//! and every input a fuzzer or property test ever failed on — through the same call as the
//! fuzz target, on stable Rust. Decoding may fail; it must not panic, and must finish quickly.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The files in `fuzz/regressions/<target>/`, sorted. A missing or empty folder fails the
/// test: a replay that replays nothing would pass without checking anything.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (every fuzz target needs its regressions)",
            dir.display()
        )
    });
    let mut out: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert!(
        !out.is_empty(),
        "{}: no inputs (every fuzz target needs its regressions)",
        dir.display()
    );
    out.sort();
    out
}

fn replay(target: &str, f: impl Fn(&[u8])) {
    for (path, bytes) in inputs(target) {
        let start = Instant::now();
        f(&bytes);
        let took = start.elapsed();
        // Generous for debug builds on a busy machine; the bugs were hangs of minutes.
        assert!(
            took < Duration::from_secs(20),
            "{}: took {took:?}",
            path.display()
        );
    }
}

/// Every target in `fuzz/fuzz_targets/` has a replay below (and so, through [`inputs`], a
/// folder of regressions): a new target cannot be left out unnoticed.
#[test]
fn every_fuzz_target_is_replayed() {
    let this = include_str!("fuzz_regressions.rs");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut targets = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        targets += 1;
        assert!(
            this.contains(&format!("fn {name}() {{\n    replay(\"{name}\"")),
            "fuzz target {name} has no replay in tests/fuzz_regressions.rs"
        );
    }
    assert!(targets >= 10, "{}: {targets} targets", dir.display());
}

#[test]
fn sniff() {
    replay("sniff", |d| {
        let _ = keychest::codec::sniff(d);
    });
}

#[test]
fn pem() {
    replay("pem", |d| {
        let _ = keychest::pem::parse_all(d);
    });
}

#[test]
fn inspect() {
    replay("inspect", |d| {
        let _ = keychest::pki::inspect::inspect(d, &mut || None);
    });
}

#[test]
fn keyfile() {
    replay("keyfile", |d| {
        let _ = keychest::pki::keyfile::load_private_key(d, &mut || {
            Ok(zeroize::Zeroizing::new("changeit".to_string()))
        });
    });
}

#[test]
fn pkcs12() {
    replay("pkcs12", |d| {
        let _ = keychest::codec::pkcs12::decode(d, Some("changeit"));
        let _ = keychest::codec::pkcs12::decode(d, None);
    });
}

#[test]
fn jks() {
    replay("jks", |d| {
        let _ = keychest::codec::java::container::decode(d, Some("changeit"));
        let _ = keychest::codec::java::container::decode(d, None);
    });
}

#[test]
fn jks_sealed() {
    replay("jks_sealed", |d| {
        let _ = keychest::codec::java::protect::open_sealed_secret_key(d, "changeit");
    });
}

#[test]
fn dn() {
    replay("dn", |d| {
        if let Ok(s) = std::str::from_utf8(d) {
            if let Ok(name) = keychest::pki::name::parse_dn(s) {
                let _ = keychest::pki::name::to_rfc4514(&name);
            }
            if let Ok(name) = keychest::pki::name::parse_dn_oneline(s) {
                let _ = keychest::pki::name::to_rfc4514(&name);
            }
        }
    });
}

#[test]
fn ca_names() {
    replay("ca_names", |d| {
        let _ = keychest::select::ca_names::parse(d);
    });
}

#[test]
fn ca_index() {
    replay("ca_index", |d| {
        if let Ok(s) = std::str::from_utf8(d)
            && let Ok(index) = keychest::ca::index::Index::parse(s)
        {
            let _ = index.serialize();
        }
    });
}
