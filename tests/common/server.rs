//! Peer servers on 127.0.0.1 for the network tests (`openssl s_server`, Java, small Python
//! servers): a free port, a process whose output goes to a log file and which is killed when
//! dropped, and a poll helper for waiting on it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `f` every 50 ms until it returns Some or `limit` passes.
pub fn poll<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A peer server process, killed when dropped.
pub struct Server {
    child: Child,
    /// Kept open: s_server quits on end of input.
    _stdin: Option<ChildStdin>,
    pub port: u16,
    log: PathBuf,
}

impl Server {
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    /// Waits until the log contains `needle` `count` times.
    pub fn wait_log(&self, needle: &str, count: usize) -> bool {
        poll(Duration::from_secs(5), || {
            (self.log().matches(needle).count() >= count).then_some(())
        })
        .is_some()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `openssl s_server` on 127.0.0.1:`port` serving `cert` with `key`, with the options
/// `extra`, started by [`spawn_server`] (its output in `log_dir`).
pub fn openssl_s_server(
    port: u16,
    cert: &Path,
    key: &Path,
    extra: &[&str],
    log_dir: &Path,
) -> Server {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert"])
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(extra);
    spawn_server(cmd, port, "s_server", log_dir)
}

/// Starts `cmd` (listening on `port`) with its output in `log_dir/NAME-PORT.log`, and waits
/// up to 20 s until the port accepts connections.
pub fn spawn_server(mut cmd: Command, port: u16, name: &str, log_dir: &Path) -> Server {
    let log = log_dir.join(format!("{name}-{port}.log"));
    let file = std::fs::File::create(&log).unwrap();
    cmd.stdin(Stdio::piped())
        .stdout(file.try_clone().unwrap())
        .stderr(file);
    let mut child = cmd.spawn().expect("spawn server");
    let stdin = child.stdin.take();
    let server = Server {
        child,
        _stdin: stdin,
        port,
        log,
    };
    let up = poll(Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).ok()
    });
    assert!(up.is_some(), "{name} did not listen: {}", server.log());
    server
}
