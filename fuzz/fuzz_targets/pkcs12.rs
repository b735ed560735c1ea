#![no_main]
//! PKCS#12 decoder, with the fixtures' password and without a password.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::codec::pkcs12::decode(data, Some("changeit"));
    let _ = keychest::codec::pkcs12::decode(data, None);
});
