//! What several commands share: exit codes, file and stdout I/O, password options, loading
//! and saving stores (and rewriting one in place), store listings, client-certificate
//! choice, server addresses, remembered choices, CA notes, and terminal-safe rendering.
//! Rule: command files import these modules and never each other; nothing here imports a
//! command file.

pub mod aliases;
pub mod ca_notes;
pub mod choose;
pub mod exit;
pub mod help_text;
pub mod io;
pub mod key_type;
pub mod keys;
pub mod list_line;
pub mod listing;
pub mod pass;
pub mod prompt_rows;
pub mod remember;
pub mod render;
pub mod rewrite;
pub mod stores;
pub mod target;
