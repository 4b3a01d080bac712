//! [`SourceProvider`] over the file system, for `air check`, `air build` and
//! `air apply` on a local folder. Symlinks are resolved and anything that
//! ends up outside the repository root is refused.

use air_compiler::source::{AppFiles, LoadError, SourceProvider};
use std::path::{Path, PathBuf};

/// Files bigger than this are refused: compiling untrusted content must be
/// bounded in memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Folder nesting below the app folder (as the Git tree source).
const MAX_DEPTH: usize = 64;

/// Entries visited in one app (as the Git tree source): bounds huge trees
/// and trees that links make large.
const MAX_ENTRIES: usize = 100_000;

/// What one `load_app` walk has gathered.
#[derive(Default)]
struct Walk {
    entries: usize,
    sources: Vec<(String, String)>,
}

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
    /// inside the root, skipping hidden folders. `ancestors` holds the real
    /// folders being walked: a link back to one of them is not followed
    /// (as in the Git tree source), so loops end instead of multiplying
    /// every file (false "declared twice") or the work (two loop links).
    fn walk(
        &self,
        dir: &Path,
        ancestors: &mut Vec<PathBuf>,
        walk: &mut Walk,
    ) -> Result<(), LoadError> {
        if ancestors.len() > MAX_DEPTH {
            return Err(LoadError::Io(format!(
                "{}: folders nested too deep",
                dir.display()
            )));
        }
        let real = dir
            .canonicalize()
            .map_err(|e| LoadError::Io(format!("{}: {e}", dir.display())))?;
        if ancestors.contains(&real) {
            return Ok(());
        }
        ancestors.push(real);
        let entries =
            std::fs::read_dir(dir).map_err(|e| LoadError::Io(format!("{}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::Io(format!("{}: {e}", dir.display())))?;
            walk.entries += 1;
            if walk.entries > MAX_ENTRIES {
                return Err(LoadError::Io(format!(
                    "the app folder holds more than {MAX_ENTRIES} entries"
                )));
            }
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
                self.walk(&path, ancestors, walk)?;
            } else if name.ends_with(".air") {
                let text = self.read(&canon)?;
                walk.sources.push((self.display_rel(&path), text));
            }
        }
        ancestors.pop();
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
        let mut walk = Walk::default();
        // Walk the path as given (not canonical) so reported paths match the
        // user's view; containment is checked on canonical paths.
        self.walk(
            &self.root.join(to_slash(
                canon.strip_prefix(&self.root).unwrap_or(Path::new("")),
            )),
            &mut Vec::new(),
            &mut walk,
        )?;
        let mut sources = walk.sources;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const APP: &str = "workflow hello {\n  on http\n  return { ok: true }\n}\n";

    fn app_with(links: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("tmp");
        let app = tmp.path().join("app");
        std::fs::create_dir_all(app.join("sub")).expect("mkdir");
        std::fs::write(app.join("air.toml"), "name = \"hello\"\n").expect("write");
        std::fs::write(app.join("sub/a.air"), APP).expect("write");
        for (link, target) in links {
            symlink(target, app.join(link)).expect("link");
        }
        tmp
    }

    fn sources(tmp: &tempfile::TempDir) -> Vec<String> {
        let provider = DiskProvider::new(tmp.path()).expect("root");
        let files = provider.load_app("app").expect("load");
        files.sources.into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn a_link_back_to_an_enclosing_folder_is_walked_once() {
        let tmp = app_with(&[("sub/up", "..")]);
        assert_eq!(sources(&tmp), vec!["app/sub/a.air".to_string()]);
    }

    #[test]
    fn two_loop_links_end() {
        let tmp = app_with(&[("sub/up", ".."), ("sub/again", "."), ("loop", ".")]);
        assert_eq!(sources(&tmp), vec!["app/sub/a.air".to_string()]);
    }

    #[test]
    fn a_link_to_a_sibling_folder_is_followed() {
        let tmp = app_with(&[("other", "sub")]);
        assert_eq!(
            sources(&tmp),
            vec!["app/other/a.air".to_string(), "app/sub/a.air".to_string()]
        );
    }
}
