#![no_main]
//! `show`'s decoder: DER/PEM certificates, CSRs, CRLs, keys (no password available).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::pki::inspect::inspect(data, &mut || None);
});
