//! [`SourceProvider`] over the file system, for `air check`, `air build` and
//! `air apply` on a local folder. Symlinks are resolved and anything that
//! ends up outside the repository root is refused.

use air_compiler::source::{AppFiles, LoadError, SourceProvider};
use std::path::{Path, PathBuf};

/// Files bigger than this are refused: compiling untrusted content must be
/// bounded in memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads app folders below `root` (the repository root).
#[derive(Clone, Debug)]
pub struct DiskProvider {
    root: PathBuf,
}

impl DiskProvider {
    /// `root` must exist; it is canonicalized so containment checks are exact.
    pub fn new(root: &Path) -> Result<Self, LoadError> {
        let root = root
            .canonicalize()
            .map_err(|e| LoadError::Io(format!("{}: {e}", root.display())))?;
        Ok(DiskProvider { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The repository-relative, '/'-separated form of `path` (which must
    /// exist), or `OutsideRoot`.
    pub fn relative(&self, path: &Path) -> Result<String, LoadError> {
        let canon = path
            .canonicalize()
            .map_err(|_| LoadError::NotFound(path.display().to_string()))?;
        let rel = canon
            .strip_prefix(&self.root)
            .map_err(|_| LoadError::OutsideRoot(path.display().to_string()))?;
        Ok(to_slash(rel))
    }

    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| LoadError::Io(format!("{}: {e}", path.display())))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(LoadError::Io(format!(
                "{}: file is {} bytes, over the limit of {MAX_FILE_BYTES}",
                path.display(),
                meta.len()
            )));
        }
        let bytes =
            std::fs::read(path).map_err(|e| LoadError::Io(format!("{}: {e}", path.display())))?;
        String::from_utf8(bytes)
            .map_err(|_| LoadError::Io(format!("{}: not valid UTF-8", path.display())))
    }

    /// Collect every `*.air` file below `dir`, following symlinks that stay
    /// inside the root, skipping hidden folders.
    fn walk(
        &self,
        dir: &Path,
        out: &mut Vec<(String, String)>,
        depth: usize,
    ) -> Result<(), LoadError> {
        if depth > 64 {
            return Err(LoadError::Io(format!(
                "{}: folders nested too deep",
                dir.display()
            )));
        }
        let entries =
            std::fs::read_dir(dir).map_err(|e| LoadError::Io(format!("{}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::Io(format!("{}: {e}", dir.display())))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let path = entry.path();
            let canon = match path.canonicalize() {
                Ok(c) => c,
                Err(_) => continue, // dangling symlink: nothing to read
            };
            if !canon.starts_with(&self.root) {
                return Err(LoadError::OutsideRoot(self.display_rel(&path)));
            }
            if canon.is_dir() {
                self.walk(&path, out, depth + 1)?;
            } else if name.ends_with(".air") {
                let text = self.read(&canon)?;
                out.push((self.display_rel(&path), text));
            }
        }
        Ok(())
    }

    /// Repository-relative path of a path below the root, as written (not
    /// resolved), so diagnostics name the file the user knows.
    fn display_rel(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => to_slash(rel),
            Err(_) => path.display().to_string(),
        }
    }
}

fn to_slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

impl SourceProvider for DiskProvider {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        let path = self.root.join(dir);
        if !path.exists() {
            return Err(LoadError::NotFound(dir.to_string()));
        }
        let canon = path
            .canonicalize()
            .map_err(|e| LoadError::Io(format!("{dir}: {e}")))?;
        if !canon.starts_with(&self.root) {
            return Err(LoadError::OutsideRoot(dir.to_string()));
        }
        if !canon.is_dir() {
            return Err(LoadError::NotFound(dir.to_string()));
        }
        let manifest_path = canon.join("air.toml");
        let manifest = if manifest_path.is_file() {
            Some(self.read(&manifest_path)?)
        } else {
            None
        };
        let mut sources = Vec::new();
        // Walk the path as given (not canonical) so reported paths match the
        // user's view; containment is checked on canonical paths.
        self.walk(
            &self.root.join(to_slash(
                canon.strip_prefix(&self.root).unwrap_or(Path::new("")),
            )),
            &mut sources,
            0,
        )?;
        sources.sort();
        Ok(AppFiles {
            dir: to_slash(canon.strip_prefix(&self.root).unwrap_or(Path::new(""))),
            manifest,
            sources,
        })
    }
}

/// The repository root for an app folder: `--root` if given, else the
/// nearest ancestor holding `.git`, else the app folder's parent.
pub fn find_root(app: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(r) = explicit {
        return r.to_path_buf();
    }
    let app = app.canonicalize().unwrap_or_else(|_| app.to_path_buf());
    let mut cur = Some(app.as_path());
    while let Some(dir) = cur {
        if dir.join(".git").exists() {
            return dir.to_path_buf();
        }
        cur = dir.parent();
    }
    app.parent().map(Path::to_path_buf).unwrap_or(app)
}
