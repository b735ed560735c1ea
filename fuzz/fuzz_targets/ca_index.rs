#![no_main]
//! The local CA's index file.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(index) = keychest::ca::index::Index::parse(s) {
            let _ = index.serialize();
        }
    }
});
