//! A TCP stream whose every read and write is bounded by one deadline for the whole
//! operation. A per-call socket timeout alone does not bound a handshake: a server that
//! sends one byte every 2 s never trips a 3 s read timeout, while rustls keeps reading.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

pub struct DeadlineStream {
    sock: TcpStream,
    deadline: Instant,
}

/// Whether an I/O error is a timeout (socket timeouts show as WouldBlock on Unix).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl DeadlineStream {
    pub fn new(sock: TcpStream, deadline: Instant) -> Self {
        DeadlineStream { sock, deadline }
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Runs `f` with an earlier deadline (never a later one).
    pub fn with_deadline<T>(&mut self, earlier: Instant, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.deadline;
        self.deadline = saved.min(earlier);
        let out = f(self);
        self.deadline = saved;
        out
    }

    /// Arms the socket timeouts with the time left, or fails when none is.
    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline reached"));
        }
        self.sock.set_read_timeout(Some(left))?;
        self.sock.set_write_timeout(Some(left))
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        self.sock.read(buf)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm()?;
        self.sock.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}
