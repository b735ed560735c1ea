//! What the commands that issue certificates (`ca`, `pki new`) share: the clock they issue
//! at, and how the CA's notes (clamped validity, dropped extensions, ...) are printed.

use super::render::escape;
use crate::ca::{Note, index};

/// The current time. `KEYCHEST_TEST_NOW` (Unix seconds) overrides it, for tests of expiry.
pub fn now() -> i64 {
    if let Some(t) = std::env::var("KEYCHEST_TEST_NOW")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return t;
    }
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A `keychest: note: ...` line on stderr.
pub fn note(text: &str) {
    eprintln!("keychest: note: {}", escape(text));
}

pub fn print_notes(notes: &[Note]) {
    for n in notes {
        match n {
            Note::Clamped {
                requested,
                not_after,
            } => note(&format!(
                "validity clamped to the CA's: not after {} (requested {})",
                index::format_time(*not_after),
                index::format_time(*requested)
            )),
            Note::DroppedExtensions(names) => note(&format!(
                "ignored extensions requested in the CSR (the profile decides them): {}",
                names.join(", ")
            )),
            Note::SansOverridden => {
                note("the CSR's subject alternative names were replaced by --san")
            }
            Note::CnAsSan(s) => note(&format!("the CSR has no SAN; added its CN as {s}")),
        }
    }
}
