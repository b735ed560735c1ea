//! The operating system's trust store. Each OS has its own file behind `cfg(target_os)`;
//! [`detect`] returns the store of the OS this build runs on. Linux is implemented; the
//! macOS and Windows designs (docs/trust.md) have their places here so they can be filled
//! in without restructuring.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{Distro, LinuxStore, detect_distro};

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "windows")]
mod windows;

use super::{TrustError, TrustStore};

/// The system store of this machine, or why there is none keychest can use.
pub fn detect() -> Result<Box<dyn TrustStore>, TrustError> {
    #[cfg(target_os = "linux")]
    {
        linux::detect()
    }
    #[cfg(target_os = "macos")]
    {
        macos::detect()
    }
    #[cfg(target_os = "windows")]
    {
        windows::detect()
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        Err(TrustError::Unsupported(
            "installing into this operating system's trust store is not supported".into(),
        ))
    }
}
