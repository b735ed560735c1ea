//! Linux system trust: a PEM file in the distribution's anchors folder, then its refresh
//! command, which rebuilds the bundles OpenSSL, curl, GnuTLS and (on Debian, through its
//! hook) Java read. The distribution is recognised from /etc/os-release.

use std::path::{Path, PathBuf};

use super::super::{
    Anchor, Presence, Step, TrustError, TrustStore, dir_writable, on_path, pem_fingerprints, run,
};
use crate::fsio::{self, Mode};

/// Where a distribution keeps local anchors and how it rebuilds its bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distro {
    pub name: &'static str,
    /// Folder of local anchors (PEM files).
    pub anchors: &'static str,
    /// File name ending the refresh command picks up.
    pub ext: &'static str,
    /// The command that rebuilds the trust bundles.
    pub refresh: &'static [&'static str],
    /// The PEM bundle clients read, to see whether a certificate is trusted.
    pub bundle: &'static str,
    /// Folder where the refresh links each anchor (`NAME.pem` and its `HASH.0`) and leaves
    /// those links dangling when the anchor goes, unless told `--fresh`; keychest removes
    /// its own links instead of rebuilding every other one.
    pub links: Option<&'static str>,
}

const DEBIAN: Distro = Distro {
    name: "Debian/Ubuntu",
    anchors: "/usr/local/share/ca-certificates",
    ext: "crt",
    refresh: &["update-ca-certificates"],
    bundle: "/etc/ssl/certs/ca-certificates.crt",
    links: Some("/etc/ssl/certs"),
};

const ALPINE: Distro = Distro {
    name: "Alpine",
    anchors: "/usr/local/share/ca-certificates",
    ext: "crt",
    refresh: &["update-ca-certificates"],
    bundle: "/etc/ssl/certs/ca-certificates.crt",
    links: None,
};

const FEDORA: Distro = Distro {
    name: "Fedora/RHEL",
    anchors: "/etc/pki/ca-trust/source/anchors",
    ext: "pem",
    refresh: &["update-ca-trust", "extract"],
    bundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    links: None,
};

/// Arch's p11-kit store: the folder `trust anchor --store` feeds, extracted with
/// `trust extract-compat` (what `update-ca-trust` runs there).
const ARCH: Distro = Distro {
    name: "Arch",
    anchors: "/etc/ca-certificates/trust-source/anchors",
    ext: "crt",
    refresh: &["trust", "extract-compat"],
    bundle: "/etc/ssl/certs/ca-certificates.crt",
    links: None,
};

/// The distribution family named by /etc/os-release text (`ID`, then `ID_LIKE`).
pub fn detect_distro(os_release: &str) -> Option<Distro> {
    let field = |key: &str| -> Vec<String> {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(|v| {
                v.trim_matches(['"', '\''])
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default()
    };
    field("ID")
        .into_iter()
        .chain(field("ID_LIKE"))
        .find_map(|id| match id.as_str() {
            "debian" | "ubuntu" => Some(DEBIAN),
            "alpine" => Some(ALPINE),
            "fedora" | "rhel" | "centos" => Some(FEDORA),
            "arch" | "archlinux" => Some(ARCH),
            _ => None,
        })
}

pub fn detect() -> Result<Box<dyn TrustStore>, TrustError> {
    let text = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .unwrap_or_default();
    let distro = detect_distro(&text).ok_or_else(|| {
        TrustError::Unsupported(
            "unknown Linux distribution (supported: Debian/Ubuntu, Fedora/RHEL, Alpine, Arch)"
                .into(),
        )
    })?;
    if !on_path(distro.refresh[0]) {
        return Err(TrustError::Unsupported(format!(
            "{} not found: install the distribution's ca-certificates package",
            distro.refresh[0]
        )));
    }
    Ok(Box::new(LinuxStore { distro }))
}

pub struct LinuxStore {
    pub distro: Distro,
}

impl LinuxStore {
    fn file(&self, a: &Anchor) -> PathBuf {
        Path::new(self.distro.anchors).join(format!("{}.{}", a.label(), self.distro.ext))
    }

    fn ours(&self, a: &Anchor) -> bool {
        std::fs::read(self.file(a)).is_ok_and(|b| pem_fingerprints(&b).contains(&a.sha256))
    }

    fn refresh_text(&self) -> String {
        self.distro.refresh.join(" ")
    }

    fn need_root(&self) -> Result<(), TrustError> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err(TrustError::NeedsRoot {
                target: format!("the {} system store", self.distro.name),
            });
        }
        Ok(())
    }

    /// Removes `LABEL.pem` in the links folder and the hash links pointing at it.
    fn remove_links(&self, a: &Anchor) -> Vec<String> {
        let Some(dir) = self.distro.links else {
            return vec![];
        };
        let name = format!("{}.pem", a.label());
        let mut removed = Vec::new();
        let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
        for e in entries {
            let path = e.path();
            let is_ours = e.file_name().to_str() == Some(name.as_str())
                || std::fs::read_link(&path)
                    .is_ok_and(|t| t.file_name().and_then(|f| f.to_str()) == Some(name.as_str()));
            let is_link =
                std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            if is_ours && is_link && std::fs::remove_file(&path).is_ok() {
                removed.push(format!("removed link {}", path.display()));
            }
        }
        removed
    }

    fn refresh(&self) -> Result<String, TrustError> {
        let out = run(self.distro.refresh[0], &self.distro.refresh[1..], None)?;
        let summary = out
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.contains("Running hooks"))
            .map(|l| format!(" ({})", l.trim().trim_end_matches('.')))
            .unwrap_or_default();
        Ok(format!("ran {}{summary}", self.refresh_text()))
    }
}

impl TrustStore for LinuxStore {
    fn kind(&self) -> &'static str {
        "system"
    }

    fn location(&self) -> String {
        format!("{} {}", self.distro.name, self.distro.anchors)
    }

    fn status(&self, a: &Anchor) -> Result<Presence, TrustError> {
        let bundle = std::fs::read(self.distro.bundle).unwrap_or_default();
        Ok(Presence {
            trusted: pem_fingerprints(&bundle).contains(&a.sha256),
            installed_by_keychest: self.ours(a),
        })
    }

    fn plan_install(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        let p = self.status(a)?;
        if p.trusted {
            return Ok(vec![]);
        }
        self.need_root()?;
        let mut steps = Vec::new();
        if !p.installed_by_keychest {
            steps.push(Step(format!("write {}", self.file(a).display())));
        }
        steps.push(Step(format!("run {}", self.refresh_text())));
        Ok(steps)
    }

    fn install(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        if self.plan_install(a)?.is_empty() {
            return Ok(vec![]);
        }
        let file = self.file(a);
        let mut done = Vec::new();
        if !self.ours(a) {
            std::fs::create_dir_all(self.distro.anchors).map_err(|cause| TrustError::Read {
                action: "create",
                path: self.distro.anchors.into(),
                cause,
            })?;
            if !dir_writable(Path::new(self.distro.anchors)) {
                return Err(TrustError::NotWritable {
                    target: self.location(),
                    path: self.distro.anchors.into(),
                });
            }
            fsio::write_atomic(&file, a.pem().as_bytes(), Mode::Public, true)?;
            done.push(format!("wrote {}", file.display()));
        }
        done.push(self.refresh()?);
        Ok(done)
    }

    fn plan_uninstall(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        if !self.ours(a) {
            return Ok(vec![]);
        }
        self.need_root()?;
        Ok(vec![
            Step(format!("remove {}", self.file(a).display())),
            Step(format!("run {}", self.refresh_text())),
        ])
    }

    fn uninstall(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        if self.plan_uninstall(a)?.is_empty() {
            return Ok(vec![]);
        }
        let file = self.file(a);
        std::fs::remove_file(&file).map_err(|cause| TrustError::Read {
            action: "remove",
            path: file.clone(),
            cause,
        })?;
        let mut done = vec![format!("removed {}", file.display())];
        done.extend(self.remove_links(a));
        done.push(self.refresh()?);
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_are_recognised_from_os_release() {
        let name = |t: &str| detect_distro(t).map(|d| d.name);
        assert_eq!(name("ID=debian\nVERSION_ID=\"12\""), Some("Debian/Ubuntu"));
        assert_eq!(name("ID=ubuntu\nID_LIKE=debian"), Some("Debian/Ubuntu"));
        assert_eq!(
            name("ID=linuxmint\nID_LIKE=\"ubuntu debian\""),
            Some("Debian/Ubuntu")
        );
        assert_eq!(
            name("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\""),
            Some("Fedora/RHEL")
        );
        assert_eq!(name("ID=fedora"), Some("Fedora/RHEL"));
        assert_eq!(name("ID=alpine"), Some("Alpine"));
        assert_eq!(name("ID=arch"), Some("Arch"));
        assert_eq!(name("ID=endeavouros\nID_LIKE=arch"), Some("Arch"));
        assert_eq!(name("ID=nixos"), None);
        assert_eq!(name(""), None);
    }
}
