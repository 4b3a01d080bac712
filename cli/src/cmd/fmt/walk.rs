//! Which files `air fmt` may touch. A cloned repository is untrusted: its
//! links may point anywhere (home folder, back into the tree) and its
//! `*.air` entries need not be files (a FIFO would block the read forever).
//! So the walk never leaves the folder it was given, walks each real
//! folder once (symlink loops end), and names what it skips and why.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folders nested deeper than this are refused (bounds the recursion).
const MAX_DEPTH: usize = 256;

const OUTSIDE: &str = "symlink to a path outside the folder being formatted";

/// One `.air` file to format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The path as the user sees it (through links), for messages.
    pub shown: PathBuf,
    /// The canonical path of the regular file; writes go here, so a
    /// symlinked `.air` file stays a symlink.
    pub real: PathBuf,
}

/// What a walk found: files to format and entries skipped (with why).
#[derive(Debug, Default)]
pub struct Found {
    pub targets: Vec<Target>,
    pub skipped: Vec<String>,
}

/// Collect the `.air` files of one argument. A folder is the boundary of
/// its own walk; a file's boundary is the folder it is named in.
pub fn collect(path: &Path, found: &mut Found) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let meta = std::fs::metadata(path).map_err(err)?;
    if meta.is_dir() {
        let boundary = path.canonicalize().map_err(err)?;
        let mut walk = Walk {
            boundary: &boundary,
            visited: HashSet::new(),
            found,
        };
        return walk.folder(path, &boundary, 0);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let boundary = parent.canonicalize().map_err(err)?;
    let mut walk = Walk {
        boundary: &boundary,
        visited: HashSet::new(),
        found,
    };
    walk.file(path);
    Ok(())
}

struct Walk<'a> {
    boundary: &'a Path,
    /// Real folders already walked: each is walked once, so links back
    /// into the tree (loops or not) cannot multiply the work.
    visited: HashSet<PathBuf>,
    found: &'a mut Found,
}

impl Walk<'_> {
    fn skip(&mut self, shown: &Path, why: &str) {
        self.found
            .skipped
            .push(format!("{}: {why}", shown.display()));
    }

    /// Walk a folder whose canonical path is `real` (inside the boundary).
    fn folder(&mut self, shown: &Path, real: &Path, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{}: folders nested more than {MAX_DEPTH} deep",
                shown.display()
            ));
        }
        if !self.visited.insert(real.to_path_buf()) {
            return Ok(());
        }
        let err = |e: std::io::Error| format!("{}: {e}", shown.display());
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(shown).map_err(err)? {
            entries.push(entry.map_err(err)?);
        }
        // Sorted, so which of two names for one folder is walked (and shown)
        // does not depend on the file system's order.
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(err)?;
            if kind.is_dir() {
                let real = path.canonicalize().map_err(err)?;
                self.folder(&path, &real, depth + 1)?;
            } else if kind.is_symlink() {
                self.link(&path, name.ends_with(".air"), depth)?;
            } else if name.ends_with(".air") {
                self.file(&path);
            }
        }
        Ok(())
    }

    /// A symlink found in a folder: followed only while it stays inside
    /// the boundary.
    fn link(&mut self, path: &Path, is_air: bool, depth: usize) -> Result<(), String> {
        let real = match path.canonicalize() {
            Ok(r) => r,
            Err(e) => {
                if is_air || e.raw_os_error() == Some(ELOOP) {
                    self.skip(path, &broken_link(&e));
                }
                return Ok(());
            }
        };
        if !real.starts_with(self.boundary) {
            if is_air || real.is_dir() {
                self.skip(path, OUTSIDE);
            }
            return Ok(());
        }
        if real.is_dir() {
            return self.folder(path, &real, depth + 1);
        }
        if is_air {
            self.file(path);
        }
        Ok(())
    }

    /// A named `.air` entry (a file or a link to one).
    fn file(&mut self, path: &Path) {
        let real = match path.canonicalize() {
            Ok(r) => r,
            Err(e) => return self.skip(path, &broken_link(&e)),
        };
        if !real.starts_with(self.boundary) {
            return self.skip(path, OUTSIDE);
        }
        match std::fs::metadata(&real) {
            Ok(m) if m.is_file() => self.found.targets.push(Target {
                shown: path.to_path_buf(),
                real,
            }),
            Ok(_) => self.skip(path, "not a regular file"),
            Err(e) => self.skip(path, &e.to_string()),
        }
    }
}

/// "Too many levels of symbolic links" (std has no stable error kind).
const ELOOP: i32 = libc::ELOOP;

fn broken_link(e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(ELOOP) {
        "symlink loop".to_string()
    } else if e.kind() == std::io::ErrorKind::NotFound {
        "broken symlink".to_string()
    } else {
        e.to_string()
    }
}

/// Sort by the shown path and keep one name per real file, so a file
/// reached through two names is formatted once.
pub fn dedup(targets: &mut Vec<Target>) {
    targets.sort_by(|a, b| a.shown.cmp(&b.shown));
    let mut seen = HashSet::new();
    targets.retain(|t| seen.insert(t.real.clone()));
}
