#![no_main]
//! JCEKS sealed secret keys: the Java serialization reader and the unsealing.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::codec::java::protect::open_sealed_secret_key(data, "changeit");
});
