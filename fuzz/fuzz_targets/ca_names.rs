#![no_main]
//! The CA-names file (`openssl s_client` output, PEM certificates, DN lines).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::select::ca_names::parse(data);
});
