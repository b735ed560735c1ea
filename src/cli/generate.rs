//! `keychest generate man DIR` and `keychest generate completions SHELL`: documentation and
//! shell integration generated from the same clap definitions the program parses with.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::args::{Cli, GenerateCommand, Shell};
use crate::fsio::{self, Mode};

pub fn run(cmd: GenerateCommand) -> anyhow::Result<()> {
    match cmd {
        GenerateCommand::Man { dir, force } => {
            let pages = man_pages()?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, text) in &pages {
                fsio::write_atomic(&dir.join(name), text, Mode::Public, force)?;
            }
            eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
            Ok(())
        }
        GenerateCommand::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut out = std::io::stdout();
            match shell {
                Shell::Bash => clap_complete::generate(
                    clap_complete::Shell::Bash,
                    &mut cmd,
                    "keychest",
                    &mut out,
                ),
                Shell::Zsh => clap_complete::generate(
                    clap_complete::Shell::Zsh,
                    &mut cmd,
                    "keychest",
                    &mut out,
                ),
                Shell::Fish => clap_complete::generate(
                    clap_complete::Shell::Fish,
                    &mut cmd,
                    "keychest",
                    &mut out,
                ),
            }
            Ok(())
        }
    }
}

/// Every man page: (file name, roff text), one per command and subcommand.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages)?;
    Ok(pages)
}

fn collect(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut text = Vec::new();
    man.render(&mut text)?;
    pages.push((man.get_filename(), text));
    Ok(())
}

/// Whether the pages in `dir` are exactly what this build generates.
pub fn man_pages_current(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut stale = Vec::new();
    for (name, text) in man_pages()? {
        if std::fs::read(dir.join(&name)).ok().as_deref() != Some(text.as_slice()) {
            stale.push(name);
        }
    }
    Ok(stale)
}
