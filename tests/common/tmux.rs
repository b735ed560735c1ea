//! A private tmux server for the tests that need a real terminal (the select prompt, the
//! trust confirmation prompt): the test starts a command in a detached session, reads the
//! screen and sends keys.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A detached tmux session of a tmux server of its own (a socket name no other test
/// uses), killed when dropped, so a failing test leaves no server behind.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `cmd` (run by the shell) in a detached session `cols` wide and `rows` high.
    pub fn start(cmd: &str, cols: u16, rows: u16) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "keychest-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let t = Tmux { socket };
        t.run(&[
            "new-session",
            "-d",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            cmd,
        ]);
        t
    }

    /// Runs `tmux ARGS` against this server; returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The text on the screen (`capture-pane -p`).
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p"])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// `s` as one word for `sh`, in single quotes.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
