//! The walker: turns the paths given into the files to read and the CA directories to
//! check. Folders are walked recursively in name order; symbolic links are followed only
//! when they point inside the folder being walked (a link out of it, or a loop, is skipped
//! and reported), so checking `/etc/ssl` never wanders off into the rest of the disk.

use std::path::{Path, PathBuf};

use super::{Finding, Severity};
use crate::ca;

/// A file to read.
#[derive(Debug, Clone)]
pub struct FileRef {
    pub path: PathBuf,
    /// Named on the command line (so an unrecognised file is reported, not skipped).
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<FileRef>,
    pub ca_dirs: Vec<PathBuf>,
    pub findings: Vec<Finding>,
}

/// Deepest folder nesting followed.
const MAX_DEPTH: usize = 32;

pub fn walk(paths: &[PathBuf]) -> Walked {
    let mut w = Walked::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let root = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                walk_dir(p, &root, 0, &mut w);
            }
            Ok(_) => w.files.push(FileRef {
                path: p.clone(),
                explicit: true,
            }),
            Err(e) => w.findings.push(Finding::new(
                Severity::Error,
                "file.unreadable",
                p,
                format!("cannot read: {e}"),
            )),
        }
    }
    w
}

fn walk_dir(dir: &Path, root: &Path, depth: usize, w: &mut Walked) {
    if ca::dir::is_ca(dir) {
        w.ca_dirs.push(dir.to_path_buf());
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            w.findings.push(Finding::new(
                Severity::Error,
                "file.unreadable",
                dir,
                format!("cannot list the folder: {e}"),
            ));
            return;
        }
    };
    entries.sort();
    // Links not followed, by kind (out of the folder / to a folder): one finding per kind
    // and folder, so /etc/ssl/certs's hundreds of links do not bury the rest.
    let mut skipped: [Vec<PathBuf>; 2] = [Vec::new(), Vec::new()];
    for path in entries {
        let Ok(lmeta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let is_link = lmeta.file_type().is_symlink();
        if is_link {
            // Followed only inside the walked folder; a folder link is never followed,
            // which rules out loops.
            let inside = std::fs::canonicalize(&path).is_ok_and(|t| t.starts_with(root));
            let target_is_file = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
            if !inside || !target_is_file {
                skipped[usize::from(inside)].push(path);
                continue;
            }
            w.files.push(FileRef {
                path,
                explicit: false,
            });
            continue;
        }
        if lmeta.is_dir() {
            if depth < MAX_DEPTH {
                walk_dir(&path, root, depth + 1, w);
            }
        } else if lmeta.is_file() {
            w.files.push(FileRef {
                path,
                explicit: false,
            });
        }
    }
    for (links, what) in skipped
        .iter()
        .zip(["out of the folder checked", "to a folder"])
    {
        match links.as_slice() {
            [] => {}
            [one] => w.findings.push(Finding::new(
                Severity::Info,
                "file.link-skipped",
                one,
                format!("symbolic link {what}: not followed"),
            )),
            [first, ..] => w.findings.push(Finding::new(
                Severity::Info,
                "file.link-skipped",
                dir,
                format!(
                    "{} symbolic links {what} not followed (the first: {})",
                    links.len(),
                    first.file_name().unwrap_or_default().to_string_lossy()
                ),
            )),
        }
    }
}
