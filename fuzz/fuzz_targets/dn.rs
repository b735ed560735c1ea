#![no_main]
//! DN strings: RFC 4514 and OpenSSL's one-line `/O=Acme/CN=x` form; printing what parsed.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(name) = keychest::pki::name::parse_dn(s) {
            let _ = keychest::pki::name::to_rfc4514(&name);
        }
        if let Ok(name) = keychest::pki::name::parse_dn_oneline(s) {
            let _ = keychest::pki::name::to_rfc4514(&name);
        }
    }
});
