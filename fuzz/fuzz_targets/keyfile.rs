#![no_main]
//! Private key files: PKCS#8 (plain and encrypted), SEC1, PKCS#1, OpenSSL traditional.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keychest::pki::keyfile::load_private_key(data, &mut || {
        Ok(zeroize::Zeroizing::new("changeit".to_string()))
    });
});
