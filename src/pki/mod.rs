//! PKI objects: keys, names, requests, certificates and their inspection. Nothing here
//! touches the terminal.
pub mod cert;
pub mod chain;
pub mod constraints;
pub mod crl;
pub mod csr;
pub mod inspect;
pub mod key;
pub mod keyfile;
pub mod name;
pub mod oids;
pub mod path;
pub mod profile;
pub mod san;
pub mod signed;
pub mod verify;
