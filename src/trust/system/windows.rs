//! Windows machine store (designed in docs/trust.md, not implemented yet): install would run
//! `certutil -addstore -f Root FILE`, uninstall `certutil -delstore Root SHA1-THUMBPRINT`,
//! status `certutil -store Root SHA1-THUMBPRINT`.

use super::super::{TrustError, TrustStore};

pub fn detect() -> Result<Box<dyn TrustStore>, TrustError> {
    Err(TrustError::Unsupported(
        "the Windows certificate store is not supported yet (see docs/trust.md); use --java or --nss"
            .into(),
    ))
}
