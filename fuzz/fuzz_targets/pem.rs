#![no_main]
//! PEM armor parser (several blocks, headers, CRLF).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::pem::parse_all(data);
});
