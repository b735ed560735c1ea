//! macOS system keychain (designed in docs/trust.md, not implemented yet): install would run
//! `security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain FILE`,
//! uninstall `security delete-certificate -Z SHA256 /Library/Keychains/System.keychain`,
//! status `security find-certificate -a -Z -p /Library/Keychains/System.keychain`.

use super::super::{TrustError, TrustStore};

pub fn detect() -> Result<Box<dyn TrustStore>, TrustError> {
    Err(TrustError::Unsupported(
        "the macOS system keychain is not supported yet (see docs/trust.md); use --java or --nss"
            .into(),
    ))
}
