#![no_main]
//! JKS/JCEKS decoder, with and without the store password.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::codec::java::container::decode(data, Some("changeit"));
    let _ = keychest::codec::java::container::decode(data, None);
});
