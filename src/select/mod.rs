//! Client-certificate selection: which key entries fit a server's CertificateRequest
//! (acceptable CA names, signature schemes), ranked, each with its reasons. Pure: no I/O,
//! no prompting (the CLI implements the choosing).

pub mod ca_names;
pub mod rank;
pub mod schemes;
