//! JKS and JCEKS keystores. Layered bottom up, with no cycles:
//! - `error`: the codec's one error type, imported by everything else here;
//! - `ser`: the bounded Java serialization reader (`ser::read`) and writer (`ser::write`),
//!   and Java's modified UTF-8;
//! - `protect`: the JDK's framing of protected keys (private keys in an
//!   `EncryptedPrivateKeyInfo`, JCEKS secret keys in a serialized `SealedObject`), on the
//!   cryptography of [`crate::pbe::sun`];
//! - `container`: the file format (magic, entries, keyed SHA-1 digest), as plain data;
//! - `model`: those entries ↔ the neutral [`crate::store::Keystore`], re-exported here.

pub mod container;
pub mod error;
mod model;
pub mod protect;
pub mod ser;

pub use error::JksError;
pub use model::{JavaStoreError, decode, encode, open_secret, protect_key};
