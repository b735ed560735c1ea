#![no_main]
//! Format sniffing: never panics, whatever the bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::codec::sniff(data);
});
