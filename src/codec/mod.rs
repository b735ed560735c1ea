//! Codecs: one module per store format, each converting between bytes and plain data.
//! A codec never knows about the CLI or about other formats.

pub mod pkcs12;
