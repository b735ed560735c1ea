//! docs/guide.md's `bash` blocks run here, section by section, each section in a fresh
//! folder with `keychest` on PATH, so the guide cannot drift from the tool.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::free_port;

/// (section title, script) for every `## ` section that has `bash` blocks.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            out.push((title.to_string(), String::new()));
        } else if line.trim() == "```bash" {
            in_block = true;
        } else if line.trim() == "```" && in_block {
            in_block = false;
        } else if in_block && let Some((_, script)) = out.last_mut() {
            script.push_str(line);
            script.push('\n');
        }
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

#[test]
fn every_guide_recipe_runs_as_written() {
    if !common::have(&["openssl", "keytool", "curl"]) {
        return;
    }
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")).unwrap();
    let recipes = sections(&guide);
    assert!(recipes.len() >= 5, "the guide has its recipes");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_keychest"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (title, script) in recipes {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("PORT", free_port().to_string())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("recipe '{title}' did not finish in 120 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "recipe '{title}' failed:\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
