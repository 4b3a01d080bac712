//! The working tree of a local repository, for `air diff` (head = working
//! tree, uncommitted changes included): files that are tracked or untracked
//! but not ignored, read from disk. Also the merge base with the default
//! branch, `air diff`'s default base.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use air_compiler::source::{AppFiles, LoadError, SourceProvider, join_relative};
use git2::{Oid, Repository, Status, StatusOptions};

use super::error::GitError;
use super::tree::Limits;

/// Serves app folders from a repository's working tree.
pub struct WorkdirProvider {
    repo: Repository,
    root: PathBuf,
    limits: Limits,
}

impl std::fmt::Debug for WorkdirProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkdirProvider")
            .field("root", &self.root)
            .finish()
    }
}

impl WorkdirProvider {
    /// The working tree of the repository containing `path`.
    pub fn discover(path: &Path) -> Result<Self, GitError> {
        Self::new(discover_repository(path)?)
    }

    pub fn new(repo: Repository) -> Result<Self, GitError> {
        let err = |detail: String| GitError::Repository {
            path: repo.path().display().to_string(),
            detail,
        };
        let Some(workdir) = repo.workdir() else {
            return Err(err("a bare repository has no working tree".into()));
        };
        let root = workdir
            .canonicalize()
            .map_err(|e| err(format!("cannot resolve the working tree: {e}")))?;
        Ok(WorkdirProvider {
            repo,
            root,
            limits: Limits::default(),
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The working tree's root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    fn listed_files(&self, dir: &str) -> Result<Vec<String>, LoadError> {
        working_tree_files(&self.repo, dir)
            .map_err(|e| LoadError::Io(format!("reading Git status: {}", e.message())))
    }

    fn read(&self, rel: &str, shown: &str, total: &mut usize) -> Result<String, LoadError> {
        let path = self.root.join(rel);
        let real = path
            .canonicalize()
            .map_err(|e| LoadError::Io(format!("`{shown}`: {e}")))?;
        if !real.starts_with(&self.root) {
            return Err(LoadError::OutsideRoot(shown.to_string()));
        }
        let file =
            std::fs::File::open(&real).map_err(|e| LoadError::Io(format!("`{shown}`: {e}")))?;
        let limit = self.limits.max_file_bytes;
        let mut bytes = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError::Io(format!("`{shown}`: {e}")))?;
        if bytes.len() > limit {
            return Err(LoadError::Io(format!(
                "`{shown}` is larger than {limit} bytes; refused"
            )));
        }
        *total = total.saturating_add(bytes.len());
        if *total > self.limits.max_total_bytes {
            return Err(LoadError::Io(format!(
                "the app's files exceed {} bytes in total",
                self.limits.max_total_bytes
            )));
        }
        String::from_utf8(bytes).map_err(|_| LoadError::Io(format!("`{shown}` is not valid UTF-8")))
    }
}

impl SourceProvider for WorkdirProvider {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        let Some(dir) = join_relative("", dir.trim_start_matches("./")) else {
            return Err(LoadError::OutsideRoot(dir.to_string()));
        };
        let full = self.root.join(&dir);
        if !full.is_dir() {
            return Err(LoadError::NotFound(dir));
        }
        let real = full
            .canonicalize()
            .map_err(|e| LoadError::Io(format!("`{dir}`: {e}")))?;
        let Ok(real_rel) = real.strip_prefix(&self.root) else {
            return Err(LoadError::OutsideRoot(dir));
        };
        let real_rel = real_rel.to_string_lossy().replace('\\', "/");
        // Named by its real path, like the disk provider.
        let mut files = AppFiles {
            dir: real_rel.clone(),
            manifest: None,
            sources: Vec::new(),
        };
        let mut total = 0usize;
        let manifest_path = if real_rel.is_empty() {
            "air.toml".to_string()
        } else {
            format!("{real_rel}/air.toml")
        };
        for rel in self.listed_files(&real_rel)? {
            let suffix = if real_rel.is_empty() {
                rel.as_str()
            } else {
                &rel[real_rel.len() + 1..]
            };
            // Hidden entries and build output folders are not part of an app.
            if suffix
                .split('/')
                .any(|c| c.starts_with('.') || c == "target")
            {
                continue;
            }
            let shown = rel.clone();
            if rel == manifest_path {
                files.manifest = Some(self.read(&rel, &shown, &mut total)?);
            } else if rel.ends_with(".air") {
                let text = self.read(&rel, &shown, &mut total)?;
                files.sources.push((shown, text));
            }
            if files.sources.len() > self.limits.max_entries {
                return Err(LoadError::Io(format!(
                    "the app folder holds more than {} files",
                    self.limits.max_entries
                )));
            }
        }
        files.sources.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }
}

/// Tracked files still on disk and untracked files not ignored, below
/// `dir` (repository-relative, "" = all), sorted. Also used by `air diff`
/// to find the apps of the working tree.
pub fn working_tree_files(repo: &Repository, dir: &str) -> Result<Vec<String>, git2::Error> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .include_unmodified(true)
        .exclude_submodules(true);
    if !dir.is_empty() {
        opts.pathspec(format!("{dir}/"));
    }
    let statuses = repo.statuses(Some(&mut opts))?;
    let mut out: Vec<String> = statuses
        .iter()
        .filter(|s| !s.status().intersects(Status::WT_DELETED | Status::IGNORED))
        .filter_map(|s| s.path().map(str::to_string))
        .filter(|p| dir.is_empty() || p.starts_with(&format!("{dir}/")))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The repository containing `path` (searched upwards), for `air diff`.
pub fn discover_repository(path: &Path) -> Result<Repository, GitError> {
    Repository::discover(path).map_err(|e| GitError::Repository {
        path: path.display().to_string(),
        detail: e.message().to_string(),
    })
}

/// The default branch: `origin/HEAD`, else `main`, else `master` (remote
/// tracking branch first, then local). Returns the ref name and its commit.
pub fn default_branch(repo: &Repository) -> Option<(String, Oid)> {
    if let Ok(head) = repo.find_reference("refs/remotes/origin/HEAD")
        && let Ok(resolved) = head.resolve()
        && let Ok(commit) = resolved.peel_to_commit()
    {
        let name = resolved
            .name()
            .unwrap_or("refs/remotes/origin/HEAD")
            .to_string();
        return Some((name, commit.id()));
    }
    [
        "refs/remotes/origin/main",
        "refs/heads/main",
        "refs/remotes/origin/master",
        "refs/heads/master",
    ]
    .iter()
    .find_map(|name| {
        let commit = repo.find_reference(name).ok()?.peel_to_commit().ok()?;
        Some((name.to_string(), commit.id()))
    })
}

/// The merge base of `HEAD` and the default branch, `air diff`'s default
/// base. `None` when there is no HEAD commit, no default branch, or no
/// common history.
pub fn merge_base_with_default(repo: &Repository) -> Option<Oid> {
    let head = repo.head().ok()?.peel_to_commit().ok()?.id();
    let (_, base) = default_branch(repo)?;
    repo.merge_base(head, base).ok()
}

/// The revision `air apply` records for an app applied from a working
/// tree: the `HEAD` commit, with `-dirty` appended when files under `dir`
/// (repository-relative, "" = the whole tree) differ from it, as
/// `git describe --dirty` does. `None` outside a repository or before the
/// first commit.
pub fn working_revision(path: &Path, dir: &str) -> Option<String> {
    let repo = Repository::discover(path).ok()?;
    let head = repo.head().ok()?.peel_to_commit().ok()?.id();
    let mut opts = StatusOptions::new();
    opts.include_untracked(true).include_ignored(false);
    if !dir.is_empty() {
        opts.pathspec(dir);
    }
    let dirty = repo
        .statuses(Some(&mut opts))
        .map(|s| !s.is_empty())
        .unwrap_or(true);
    Some(if dirty {
        format!("{head}-dirty")
    } else {
        head.to_string()
    })
}
