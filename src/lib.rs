//! keychest: keystores, truststores and test PKIs.
//!
//! The library holds all logic; `src/main.rs` and `cli/` only parse, call and render.
pub mod asn1;
pub mod ca;
pub mod cli;
pub mod codec;
pub mod doctor;
pub mod fsio;
pub mod pbe;
pub mod pem;
pub mod pki;
pub mod probe;
pub mod secret;
pub mod select;
pub mod store;
pub mod trust;
