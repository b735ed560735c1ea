//! Exit codes (docs/cli.md) and the error that carries one to `main`.

pub const OK: i32 = 0;
pub const FAILURE: i32 = 1;
pub const USAGE: i32 = 2;
/// select/connect: no entry matches what the server accepts.
pub const NO_CANDIDATE: i32 = 3;
/// select/connect: several entries match and no choice was possible.
pub const SEVERAL: i32 = 4;
/// select/connect: the user cancelled the prompt.
pub const CANCELLED: i32 = 5;
/// select: the server did not ask for a client certificate.
pub const NO_CLIENT_AUTH: i32 = 6;
/// connect: the handshake failed, the server is untrusted, or it rejected the client.
pub const HANDSHAKE_FAILED: i32 = 7;
/// verify: the certificate's path is not valid (the report says which check failed).
pub const NOT_VALID: i32 = 8;
/// doctor: errors were found.
pub const ERRORS_FOUND: i32 = 3;
/// doctor --strict: warnings (and no errors) were found.
pub const WARNINGS_FOUND: i32 = 1;

/// An error that carries its own exit code (anything else exits 1).
#[derive(Debug)]
pub struct ExitError {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for ExitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitError {}

/// A usage mistake found after parsing (an option another one needs): exit 2, like clap's.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    ExitError {
        code: USAGE,
        message: message.into(),
    }
    .into()
}
