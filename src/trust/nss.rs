//! NSS databases (`cert9.db`): the one Chromium reads on Linux (~/.pki/nssdb) and each
//! Firefox profile's. They are SQLite files NSS must change itself, so this goes through
//! NSS's `certutil` (package libnss3-tools) rather than writing the files.

use std::path::{Path, PathBuf};

use super::{
    Anchor, Presence, Step, TrustError, TrustStore, dir_writable, on_path, pem_fingerprints, run,
};

/// Trust flags for a CA that issues TLS server certificates: `C` in the SSL column.
const TRUST_FLAGS: &str = "C,,";

/// Fails, naming the package, when `certutil` is missing.
pub fn certutil_available() -> Result<(), TrustError> {
    if on_path("certutil") {
        Ok(())
    } else {
        Err(TrustError::MissingTool {
            tool: "certutil",
            package: "libnss3-tools (Debian/Ubuntu), nss-tools (Fedora/RHEL, Alpine), nss (Arch)",
        })
    }
}

/// ~/.pki/nssdb (when it exists, or when `create_shared` since the user asked for NSS) and
/// every Firefox profile holding a cert9.db (also the snap package's).
pub fn find_databases(home: Option<&Path>, create_shared: bool) -> Vec<PathBuf> {
    let Some(home) = home else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let shared = home.join(".pki").join("nssdb");
    if create_shared || shared.join("cert9.db").is_file() {
        out.push(shared);
    }
    for root in [
        home.join(".mozilla/firefox"),
        home.join("snap/firefox/common/.mozilla/firefox"),
    ] {
        let mut profiles: Vec<PathBuf> = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("cert9.db").is_file())
            .collect();
        profiles.sort();
        out.extend(profiles);
    }
    out
}

/// `certutil -L` lines: nickname (may contain spaces), then the trust flags.
fn parse_listing(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip_while(|l| !l.contains("SSL,S/MIME,JAR/XPI"))
        .skip(1)
        .filter_map(|l| {
            let l = l.trim_end();
            let (nick, flags) = l.rsplit_once(char::is_whitespace)?;
            let nick = nick.trim_end();
            (!nick.is_empty()).then(|| (nick.to_string(), flags.to_string()))
        })
        .collect()
}

pub struct NssDb {
    dir: PathBuf,
}

impl NssDb {
    pub fn new(dir: PathBuf) -> NssDb {
        NssDb { dir }
    }

    fn db_arg(&self) -> String {
        format!("sql:{}", self.dir.display())
    }

    fn exists(&self) -> bool {
        self.dir.join("cert9.db").is_file()
    }

    /// Nicknames whose certificate is `a`, with their trust flags.
    fn matches(&self, a: &Anchor) -> Result<Vec<(String, String)>, TrustError> {
        if !self.exists() {
            return Ok(vec![]);
        }
        let db = self.db_arg();
        let listing = run("certutil", &["-L", "-d", &db], None)?;
        let mut out = Vec::new();
        for (nick, flags) in parse_listing(&listing) {
            let pem = run("certutil", &["-L", "-d", &db, "-n", &nick, "-a"], None)?;
            if pem_fingerprints(pem.as_bytes()).contains(&a.sha256) {
                out.push((nick, flags));
            }
        }
        Ok(out)
    }

    /// Where `a` stands, from its nicknames ([`NssDb::matches`]).
    fn presence(found: &[(String, String)], a: &Anchor) -> Presence {
        let label = a.label();
        Presence {
            trusted: found
                .iter()
                .any(|(_, f)| f.split(',').next().is_some_and(|ssl| ssl.contains('C'))),
            installed_by_keychest: found.iter().any(|(n, _)| *n == label),
        }
    }

    /// What installing `a` takes, given its nicknames: nothing when it is trusted already,
    /// else (if the database can be changed) creating the database when needed and adding it.
    fn install_steps(
        &self,
        found: &[(String, String)],
        a: &Anchor,
    ) -> Result<Vec<Step>, TrustError> {
        if Self::presence(found, a).trusted {
            return Ok(vec![]);
        }
        self.check_writable()?;
        let mut steps = Vec::new();
        if !self.exists() {
            steps.push(Step(format!(
                "create the NSS database {} (empty password)",
                self.dir.display()
            )));
        }
        steps.push(Step(format!(
            "run certutil -A -d {} -n {} -t {TRUST_FLAGS}",
            self.db_arg(),
            a.label()
        )));
        Ok(steps)
    }

    fn check_writable(&self) -> Result<(), TrustError> {
        let dir = if self.dir.exists() {
            self.dir.as_path()
        } else {
            self.dir.parent().unwrap_or(Path::new("/"))
        };
        if dir.exists() && !dir_writable(dir) {
            return Err(TrustError::NotWritable {
                target: "NSS database".into(),
                path: self.dir.clone(),
            });
        }
        Ok(())
    }
}

impl TrustStore for NssDb {
    fn kind(&self) -> &'static str {
        "nss"
    }

    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn status(&self, a: &Anchor) -> Result<Presence, TrustError> {
        Ok(Self::presence(&self.matches(a)?, a))
    }

    fn plan_install(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        self.install_steps(&self.matches(a)?, a)
    }

    fn install(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        // Listed once: the plan's checks and the nickname to replace come from one listing.
        let found = self.matches(a)?;
        if self.install_steps(&found, a)?.is_empty() {
            return Ok(vec![]);
        }
        let db = self.db_arg();
        let mut done = Vec::new();
        if !self.exists() {
            std::fs::create_dir_all(&self.dir).map_err(|cause| TrustError::Read {
                action: "create",
                path: self.dir.clone(),
                cause,
            })?;
            run("certutil", &["-N", "-d", &db, "--empty-password"], None)?;
            done.push(format!("created {}", self.dir.display()));
        }
        let label = a.label();
        // A nickname of ours left with other trust flags is replaced, not duplicated.
        if Self::presence(&found, a).installed_by_keychest {
            run("certutil", &["-D", "-d", &db, "-n", &label], None)?;
        }
        let pem = a.pem();
        run(
            "certutil",
            &["-A", "-d", &db, "-n", &label, "-t", TRUST_FLAGS, "-a"],
            Some(pem.as_bytes()),
        )?;
        done.push(format!(
            "ran certutil -A -d {db} -n {label} -t {TRUST_FLAGS}"
        ));
        Ok(done)
    }

    fn plan_uninstall(&self, a: &Anchor) -> Result<Vec<Step>, TrustError> {
        if !self.status(a)?.installed_by_keychest {
            return Ok(vec![]);
        }
        self.check_writable()?;
        Ok(vec![Step(format!(
            "run certutil -D -d {} -n {}",
            self.db_arg(),
            a.label()
        ))])
    }

    fn uninstall(&self, a: &Anchor) -> Result<Vec<String>, TrustError> {
        if self.plan_uninstall(a)?.is_empty() {
            return Ok(vec![]);
        }
        let db = self.db_arg();
        let label = a.label();
        run("certutil", &["-D", "-d", &db, "-n", &label], None)?;
        Ok(vec![format!("ran certutil -D -d {db} -n {label}")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certutil_listing_is_parsed_with_spaces_in_nicknames() {
        let text = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nkeychest-0011223344556677                                    C,,  \nMy Corp Root CA                                              CT,C,C\n";
        assert_eq!(
            parse_listing(text),
            vec![
                ("keychest-0011223344556677".to_string(), "C,,".to_string()),
                ("My Corp Root CA".to_string(), "CT,C,C".to_string())
            ]
        );
    }
}
