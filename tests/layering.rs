//! The module layering of docs/architecture.md, held by a test: every `crate::…` and `super::…`
//! path in `src/**/*.rs` is resolved to the module it names, and
//! 1. an import between top-level modules must be allowed by [`ALLOWED`] (the table in
//!    docs/architecture.md), so a new upward import fails with the rule it broke;
//! 2. inside `cli`, a command file never imports another command file (shared modules only);
//! 3. no two modules import each other, directly or round a longer circle.
//!
//! Plain text reading, no parser: paths are found wherever `crate::` or `super::` occurs outside
//! comments and string literals, which is how the code names other modules.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Which top-level modules each top-level module may use (docs/architecture.md, "Layers").
const ALLOWED: &[(&str, &[&str])] = &[
    ("main", &["cli"]),
    ("lib", &[]),
    (
        "cli",
        &[
            "doctor", "probe", "select", "trust", "codec", "store", "ca", "pki", "pbe", "asn1",
            "pem", "fsio", "secret",
        ],
    ),
    (
        "doctor",
        &[
            "probe", "select", "codec", "store", "ca", "pki", "pbe", "asn1", "pem", "fsio",
            "secret",
        ],
    ),
    ("probe", &["select", "store", "pki", "pem"]),
    ("select", &["store", "pki", "pem"]),
    ("trust", &["codec", "store", "ca", "pki", "pem", "fsio"]),
    ("codec", &["store", "pki", "pbe", "asn1", "pem"]),
    ("ca", &["pki", "pem", "fsio"]),
    ("store", &["pki", "pbe"]),
    ("pki", &["pbe", "pem"]),
    ("pbe", &["asn1"]),
    ("asn1", &[]),
    ("pem", &[]),
    ("fsio", &[]),
    ("secret", &[]),
];

/// `cli` modules that every command may use; everything else under `cli/` is a command.
const CLI_SHARED: &[&str] = &["common"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/codec/java/error.rs` → ["codec", "java", "error"]; `mod.rs` names its folder.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") && parts.len() > 1 {
        parts.pop();
    }
    parts
}

/// Source text without comments and string literals, so docs that mention a path don't count.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// The module paths a file refers to, as written after `crate::` / `super::`, resolved to
/// absolute module paths (they may run past the module into an item; see [`longest_module`]).
fn references(file: &Path, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let me = module_of(file);
    let code = code_only(&fs::read_to_string(file).unwrap());
    let mut refs = BTreeSet::new();
    let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
    for (start, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let before = code[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let tail = &code[start..];
        let path: Vec<&str> = tail
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap()
            .split("::")
            .filter(|s| !s.is_empty())
            .collect();
        // `self` module path of this file: a `foo.rs` or `foo/mod.rs` is module `foo`.
        let mut base: Vec<String> = if path[0] == "crate" {
            Vec::new()
        } else {
            me.clone()
        };
        let mut rest = &path[..];
        if path[0] == "crate" {
            rest = &path[1..];
        } else {
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        // `{a, b}` groups: the text after `::` may be a brace; only the common prefix counts.
        let mut full = base;
        full.extend(rest.iter().map(|s| s.to_string()));
        if let Some(m) = longest_module(&full, modules) {
            refs.insert(m);
        }
        let _ = is_mod_rs;
    }
    refs
}

fn longest_module(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    files
        .iter()
        .map(|f| {
            let me = module_of(f);
            let refs = references(f, &modules)
                .into_iter()
                // A module using its own children (or itself) is not an import between modules.
                .filter(|r| !r.starts_with(&me))
                .collect();
            (me, refs)
        })
        .collect()
}

#[test]
fn top_level_modules_follow_the_layer_table() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    for (from, refs) in graph() {
        let top = from[0].as_str();
        let may = allowed
            .get(top)
            .unwrap_or_else(|| panic!("module `{top}` is not in the layer table of tests/layering.rs and docs/architecture.md"));
        for to in refs {
            let target = to[0].as_str();
            if target != top && !may.contains(&target) {
                broken.push(format!(
                    "{} uses {}: `{top}` may use only {:?}",
                    from.join("::"),
                    to.join("::"),
                    may
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "upward or sideways imports:\n{}",
        broken.join("\n")
    );
}

#[test]
fn cli_command_files_use_only_shared_cli_modules() {
    let mut broken = Vec::new();
    for (from, refs) in graph() {
        if from[0] != "cli" || from.len() < 2 || CLI_SHARED.contains(&from[1].as_str()) {
            continue;
        }
        for to in refs {
            if to[0] == "cli"
                && to.len() >= 2
                && to[1] != from[1]
                && !CLI_SHARED.contains(&to[1].as_str())
            {
                broken.push(format!("{} uses {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "cli command files must not import each other:\n{}",
        broken.join("\n")
    );
}

#[test]
fn no_import_circles() {
    let g = graph();
    // Tarjan-free check: a depth-first search that reports the first back edge as a circle.
    fn visit(
        node: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        circles: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut c: Vec<String> = stack[i..].iter().map(|m| m.join("::")).collect();
            c.push(node.join("::"));
            circles.push(c.join(" -> "));
            return;
        }
        stack.push(node.clone());
        for next in g.get(node).into_iter().flatten() {
            // A reference to a module's parent (its `mod.rs`) is how children reach shared items.
            if node.starts_with(next) {
                continue;
            }
            visit(next, g, stack, done, circles);
        }
        stack.pop();
        done.insert(node.clone());
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in g.keys() {
        visit(node, &g, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}
