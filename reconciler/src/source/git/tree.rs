//! Reading an app folder from a commit's tree — Git objects only, never a
//! checkout. Symlinks stored in the tree are followed only while they stay
//! inside the repository, and sizes are bounded so an untrusted repository
//! cannot exhaust memory.

use air_compiler::source::{AppFiles, LoadError, SourceProvider, join_relative};
use git2::{ObjectType, Oid, Repository, Tree};

use super::error::GitError;

/// How a failure to read the repository's objects (a corrupt or missing
/// object) begins: `air diff` tells it from problems of the app's files.
pub const OBJECT_READ_FAILED: &str = "reading Git objects";

const MODE_TREE: i32 = 0o040000;
const MODE_LINK: i32 = 0o120000;
const MODE_SUBMODULE: i32 = 0o160000;

/// Bounds on what one `load_app` may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file (`air.toml` or `*.air`).
    pub max_file_bytes: usize,
    /// All files of one app together.
    pub max_total_bytes: usize,
    /// Tree entries visited (bounds huge or deeply linked trees).
    pub max_entries: usize,
    /// Symlinks followed while resolving one path.
    pub max_symlink_hops: usize,
    /// Folder nesting below the app folder.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_total_bytes: 64 << 20,
            max_entries: 100_000,
            max_symlink_hops: 40,
            max_depth: 64,
        }
    }
}

/// Serves app folders from one tree of a repository.
pub struct TreeProvider {
    repo: Repository,
    tree: Oid,
    limits: Limits,
}

impl std::fmt::Debug for TreeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeProvider")
            .field("repo", &self.repo.path())
            .field("tree", &self.tree)
            .finish()
    }
}

/// A path resolved inside the tree.
enum Node {
    Tree(Oid, String),
    Blob(Oid),
    Missing,
}

struct Walk {
    entries: usize,
    total: usize,
    files: AppFiles,
}

impl TreeProvider {
    /// Serve the given tree.
    pub fn new(repo: Repository, tree: Oid) -> Self {
        TreeProvider {
            repo,
            tree,
            limits: Limits::default(),
        }
    }

    /// Serve the tree of a revision (`HEAD`, a branch, a commit id, …).
    pub fn for_revision(repo: Repository, rev: &str) -> Result<Self, GitError> {
        let err = |e: git2::Error| GitError::Repository {
            path: repo.path().display().to_string(),
            detail: format!("cannot resolve `{rev}`: {}", e.message()),
        };
        let tree = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_tree())
            .map(|t| t.id())
            .map_err(err)?;
        Ok(TreeProvider::new(repo, tree))
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    fn io(e: git2::Error) -> LoadError {
        LoadError::Io(format!("{OBJECT_READ_FAILED}: {}", e.message()))
    }

    fn root(&self) -> Result<Tree<'_>, LoadError> {
        self.repo.find_tree(self.tree).map_err(Self::io)
    }

    /// Resolve a repository-relative path, following symlinks inside the
    /// repository. `shown` names the path in errors.
    fn resolve(&self, path: &str, shown: &str) -> Result<Node, LoadError> {
        let mut todo: Vec<String> = components(path);
        todo.reverse();
        let mut real: Vec<String> = Vec::new();
        let mut tree = self.root()?;
        let mut hops = 0;
        while let Some(name) = todo.pop() {
            let Some((mode, id)) = tree.get_name(&name).map(|e| (e.filemode(), e.id())) else {
                return Ok(Node::Missing);
            };
            match mode {
                MODE_TREE => {
                    tree = self.repo.find_tree(id).map_err(Self::io)?;
                    real.push(name);
                }
                MODE_LINK => {
                    hops += 1;
                    if hops > self.limits.max_symlink_hops {
                        return Err(LoadError::Io(format!(
                            "`{shown}`: more than {} symlinks to follow (a loop?)",
                            self.limits.max_symlink_hops
                        )));
                    }
                    let target = self.link_target(id, shown)?;
                    let Some(joined) = join_relative(&real.join("/"), &target) else {
                        return Err(LoadError::OutsideRoot(format!(
                            "{shown} (symlink `{}` -> `{target}`)",
                            join(&real.join("/"), &name)
                        )));
                    };
                    // Restart from the root with the link replaced by its target.
                    let mut next = components(&joined);
                    while let Some(rest) = todo.pop() {
                        next.push(rest);
                    }
                    next.reverse();
                    todo = next;
                    real.clear();
                    tree = self.root()?;
                }
                MODE_SUBMODULE => return Ok(Node::Missing),
                _ => {
                    return Ok(if todo.is_empty() {
                        Node::Blob(id)
                    } else {
                        Node::Missing
                    });
                }
            }
        }
        Ok(Node::Tree(tree.id(), real.join("/")))
    }

    fn link_target(&self, blob: Oid, shown: &str) -> Result<String, LoadError> {
        let blob = self.repo.find_blob(blob).map_err(Self::io)?;
        if blob.size() > 4096 {
            return Err(LoadError::Io(format!(
                "`{shown}`: symlink target is too long"
            )));
        }
        String::from_utf8(blob.content().to_vec())
            .map_err(|_| LoadError::Io(format!("`{shown}`: symlink target is not UTF-8")))
    }

    fn read_text(&self, blob: Oid, shown: &str, walk: &mut Walk) -> Result<String, LoadError> {
        let odb = self.repo.odb().map_err(Self::io)?;
        let (size, kind) = odb.read_header(blob).map_err(Self::io)?;
        if kind != ObjectType::Blob {
            return Err(LoadError::Io(format!("`{shown}` is not a file")));
        }
        if size > self.limits.max_file_bytes {
            return Err(LoadError::Io(format!(
                "`{shown}` is {size} bytes; files over {} bytes are refused",
                self.limits.max_file_bytes
            )));
        }
        walk.total = walk.total.saturating_add(size);
        if walk.total > self.limits.max_total_bytes {
            return Err(LoadError::Io(format!(
                "the app's files exceed {} bytes in total",
                self.limits.max_total_bytes
            )));
        }
        let blob = self.repo.find_blob(blob).map_err(Self::io)?;
        String::from_utf8(blob.content().to_vec())
            .map_err(|_| LoadError::Io(format!("`{shown}` is not valid UTF-8")))
    }

    /// Collect `*.air` below a folder. `real` is the folder's real path
    /// (for resolving links), `shown` its path as the user sees it,
    /// `ancestors` the trees being walked (to stop symlink cycles).
    fn walk(
        &self,
        tree: Oid,
        real: &str,
        shown: &str,
        depth: usize,
        ancestors: &mut Vec<Oid>,
        walk: &mut Walk,
    ) -> Result<(), LoadError> {
        if depth > self.limits.max_depth {
            return Err(LoadError::Io(format!(
                "`{shown}` is nested more than {} folders deep",
                self.limits.max_depth
            )));
        }
        if ancestors.contains(&tree) {
            // A symlink back to an enclosing folder: already being walked.
            return Ok(());
        }
        ancestors.push(tree);
        let tree_obj = self.repo.find_tree(tree).map_err(Self::io)?;
        for entry in tree_obj.iter() {
            walk.entries += 1;
            if walk.entries > self.limits.max_entries {
                return Err(LoadError::Io(format!(
                    "the app folder holds more than {} entries",
                    self.limits.max_entries
                )));
            }
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                continue;
            };
            // Same file set as the CLI's disk provider: hidden entries and
            // build output folders are not part of an app.
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let path = join(shown, name);
            let is_air = name.ends_with(".air");
            let is_manifest = depth == 0 && name == "air.toml";
            match entry.filemode() {
                MODE_TREE => self.walk(
                    entry.id(),
                    &join(real, name),
                    &path,
                    depth + 1,
                    ancestors,
                    walk,
                )?,
                MODE_SUBMODULE => {}
                MODE_LINK => match self.resolve(&join(real, name), &path)? {
                    Node::Tree(oid, target_real) => {
                        self.walk(oid, &target_real, &path, depth + 1, ancestors, walk)?
                    }
                    Node::Blob(oid) if is_air || is_manifest => {
                        let text = self.read_text(oid, &path, walk)?;
                        push(walk, is_manifest, path, text);
                    }
                    // Dangling links (and links to non-app files) hold
                    // nothing to read, as on disk.
                    _ => {}
                },
                _ if is_air || is_manifest => {
                    let text = self.read_text(entry.id(), &path, walk)?;
                    push(walk, is_manifest, path, text);
                }
                _ => {}
            }
        }
        ancestors.pop();
        Ok(())
    }
}

fn push(walk: &mut Walk, is_manifest: bool, path: String, text: String) {
    if is_manifest {
        walk.files.manifest = Some(text);
    } else {
        walk.files.sources.push((path, text));
    }
}

fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_string)
        .collect()
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

impl SourceProvider for TreeProvider {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        let Some(dir) = join_relative("", dir.trim_start_matches("./")) else {
            return Err(LoadError::OutsideRoot(dir.to_string()));
        };
        let (tree, real) = match self.resolve(&dir, &dir)? {
            Node::Tree(oid, real) => (oid, real),
            Node::Blob(_) | Node::Missing => return Err(LoadError::NotFound(dir)),
        };
        // Like the disk provider, an app folder reached through a symlink
        // is named by its real path; links below it keep their own names.
        let mut walk = Walk {
            entries: 0,
            total: 0,
            files: AppFiles {
                dir: real.clone(),
                manifest: None,
                sources: Vec::new(),
            },
        };
        self.walk(tree, &real, &real, 0, &mut Vec::new(), &mut walk)?;
        walk.files.sources.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(walk.files)
    }
}
