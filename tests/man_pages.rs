//! The committed man pages (docs/man/man1/) are what this build generates: regenerate them
//! with `keychest generate man docs/man --force` when a command's help changes.

use std::path::Path;

#[test]
fn committed_man_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man/man1");
    let stale = keychest::cli::man_pages_current(&dir).unwrap();
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; run `keychest generate man docs/man --force`"
    );
    let expected: Vec<String> = keychest::cli::man_pages()
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&name),
            "docs/man/man1/{name} is no longer generated: delete it"
        );
    }
}

#[test]
fn completions_generate_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keychest"))
            .args(["generate", "completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("keychest") && text.contains("select"),
            "{shell}"
        );
    }
}
