//! `keychest generate man DIR` and `keychest generate completions SHELL`: documentation and
//! shell integration generated from the same clap definitions the program parses with
//! (handed in by the caller, so this file needs no other command).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use super::common::help_text;
use crate::fsio::{self, Mode};

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// Write a man page per command into DIR/man1
    #[command(
        after_help = "EXAMPLES:\n  keychest generate man /usr/local/share/man\n  keychest generate man ~/.local/share/man && MANPATH=~/.local/share/man man keychest-pki-new\n  keychest generate man docs/man --force\n\nEXIT STATUS:\n  0  success\n  1  failure (I/O error, page exists without --force)\n  2  usage error"
    )]
    Man {
        /// Directory for the pages: they go to DIR/man1 (so MANPATH=DIR finds them)
        dir: PathBuf,
        /// Replace existing pages
        #[arg(long)]
        force: bool,
    },
    /// Print a completion script for SHELL on stdout
    #[command(
        after_help = "EXAMPLES:\n  keychest generate completions bash > /etc/bash_completion.d/keychest\n  keychest generate completions zsh > ~/.zfunc/_keychest\n  keychest generate completions fish > ~/.config/fish/completions/keychest.fish\n\nEXIT STATUS:\n  0  success\n  2  usage error"
    )]
    Completions {
        /// The shell the script is for
        shell: Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `app` is the whole command-line interface, which the pages and scripts describe.
pub fn run(cmd: GenerateCommand, app: clap::Command) -> anyhow::Result<()> {
    match cmd {
        GenerateCommand::Man { dir, force } => {
            let pages = man_pages(app)?;
            // man(1) looks for section 1 pages in MANPATH/man1.
            let dir = dir.join("man1");
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, _) in &pages {
                fsio::check_writable(&dir.join(name), force)?;
            }
            for (name, text) in &pages {
                fsio::write_atomic(&dir.join(name), text, Mode::Public, force)?;
            }
            eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
            Ok(())
        }
        GenerateCommand::Completions { shell } => {
            let mut cmd = app;
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
pub fn man_pages(app: clap::Command) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = app.disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages)?;
    Ok(pages)
}

fn collect(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages)?;
    }
    // clap_mangen puts the after-help text in one filled EXTRA section; it is rendered
    // here instead, a section each (EXAMPLES, FILES, EXIT STATUS), unwrapped.
    let after = cmd.get_after_help().map(|s| s.to_string());
    let bare = cmd
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(bare);
    let mut text = Vec::new();
    man.render(&mut text)?;
    let mut text = String::from_utf8(text)?;
    // Left-adjusted throughout: justified option text spreads words apart in a terminal.
    if let Some(th) = text.find("\n.TH ")
        && let Some(end) = text[th + 1..].find('\n')
    {
        text.insert_str(th + 1 + end + 1, ".ad l\n");
    }
    if let Some(after) = after {
        let extra = help_text::to_roff(&help_text::sections(&after));
        match text.find("\n.SH VERSION") {
            Some(i) => text.insert_str(i + 1, &extra),
            None => text.push_str(&extra),
        }
    }
    pages.push((man.get_filename(), text.into_bytes()));
    Ok(())
}

/// The pages in `dir` (a `man1` directory) that differ from what this build generates.
pub fn man_pages_current(app: clap::Command, dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut stale = Vec::new();
    for (name, text) in man_pages(app)? {
        if std::fs::read(dir.join(&name)).ok().as_deref() != Some(text.as_slice()) {
            stale.push(name);
        }
    }
    Ok(stale)
}
