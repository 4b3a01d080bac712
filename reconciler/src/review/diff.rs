//! `air diff`: compile the apps of a repository at two revisions (read
//! straight from Git objects, or the working tree for uncommitted changes)
//! and report what changed: Kubernetes objects with a field-level diff,
//! workflows in words (steps, transitions, triggers, events), and
//! diagnostics new in head or resolved since base.
//!
//! The report is plain data ([`Report`], serialisable: the `--format json`
//! contract documented in docs/diff.md); [`human`] and [`markdown`] render
//! it, [`crate::post`] publishes the Markdown as a pull request comment.

mod apps;
pub(crate) mod flow;
pub mod human;
pub mod markdown;
pub(crate) mod objects;
mod side;

use crate::git::OBJECT_READ_FAILED;
use air_compiler::source::{AppFiles, LoadError, SourceProvider};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

pub use apps::AppSnapshot;
pub use flow::{Flow, Transition};
pub use objects::{FieldChange, ObjectRef, diff_values};
pub use side::{Revision, Side};

/// Version of the JSON document; bumped only on incompatible changes.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// What to compare.
#[derive(Clone, Debug, Default)]
pub struct DiffRequest {
    /// `--base REV`; `None` = merge base of head with the default branch.
    pub base: Option<String>,
    /// `--head REV`; `None` = the working tree (uncommitted changes included).
    pub head: Option<String>,
    /// Repository-relative folder: an app (holding air.toml in either
    /// revision) or a folder whose apps are all compared ("" = root).
    pub path: String,
    /// Environment overlay (`--env`).
    pub env: Option<String>,
}

/// The whole comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub base: Revision,
    pub head: Revision,
    /// Apps that changed (unchanged apps are left out), sorted by path.
    pub apps: Vec<AppDiff>,
    /// How many apps were compared, changed or not.
    pub apps_compared: usize,
}

impl Report {
    /// Whether anything differs (exit code 1 of `air diff`).
    pub fn has_changes(&self) -> bool {
        !self.apps.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppStatus {
    Added,
    Removed,
    Changed,
    Unchanged,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Added => "added",
            AppStatus::Removed => "removed",
            AppStatus::Changed => "changed",
            AppStatus::Unchanged => "unchanged",
        }
    }
}

/// One app's changes.
#[derive(Clone, Debug, Serialize)]
pub struct AppDiff {
    /// Repository-relative folder ("" = root).
    pub path: String,
    /// `[app] name` from air.toml (head's, else base's), when readable.
    pub name: Option<String>,
    pub status: AppStatus,
    /// `null` when the app does not exist in that revision.
    pub base_compiles: Option<bool>,
    pub head_compiles: Option<bool>,
    pub objects: ObjectChanges,
    pub workflows: Vec<WorkflowChange>,
    pub diagnostics: DiagnosticChanges,
    /// Sentences about the comparison itself ("base does not compile: …").
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ObjectChanges {
    pub added: Vec<ObjectRef>,
    pub removed: Vec<ObjectRef>,
    pub changed: Vec<ChangedObject>,
}

impl ObjectChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangedObject {
    #[serde(rename = "ref")]
    pub object: ObjectRef,
    pub fields: Vec<FieldChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowStatus {
    Added,
    Removed,
    Changed,
}

/// A workflow's change in words.
#[derive(Clone, Debug, Serialize)]
pub struct WorkflowChange {
    pub name: String,
    pub status: WorkflowStatus,
    pub steps_added: Vec<String>,
    pub steps_removed: Vec<String>,
    pub transitions_added: Vec<Transition>,
    pub transitions_removed: Vec<Transition>,
    pub triggers_added: Vec<String>,
    pub triggers_removed: Vec<String>,
    /// Events the workflow now consumes (start or `wait for`) / no longer.
    pub consumes_added: Vec<String>,
    pub consumes_removed: Vec<String>,
    /// Events the workflow now emits / no longer.
    pub produces_added: Vec<String>,
    pub produces_removed: Vec<String>,
    /// The graphs themselves (for diagrams); not part of the JSON.
    #[serde(skip)]
    pub base_flow: Option<Flow>,
    #[serde(skip)]
    pub head_flow: Option<Flow>,
}

/// A diagnostic as compared across revisions: by code, message and file
/// (the line is informative only — unrelated edits move it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiagnosticEntry {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DiagnosticChanges {
    pub new: Vec<DiagnosticEntry>,
    pub resolved: Vec<DiagnosticEntry>,
}

/// Why `air diff` could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error("{0}")]
    Revision(String),
    #[error("`{path}`: {detail}")]
    Path { path: String, detail: String },
    #[error("no app under `{0}` in either revision (no air.toml found)")]
    NoApps(String),
    #[error("reading the app folder `{dir}`: {detail}")]
    Load { dir: String, detail: String },
}

/// Compare two revisions of the repository at `repo_path` (any path
/// inside its working tree or `.git`).
pub fn diff_repository(repo_path: &Path, req: &DiffRequest) -> Result<Report, DiffError> {
    let repo = crate::git::discover_repository(repo_path)?;
    let (base, head) = side::resolve_sides(&repo, req)?;
    let base_apps = apps::discover(&repo, &base, &req.path)?;
    let head_apps = apps::discover(&repo, &head, &req.path)?;
    let mut dirs: Vec<String> = base_apps.iter().chain(head_apps.iter()).cloned().collect();
    dirs.sort();
    dirs.dedup();
    if dirs.is_empty() {
        return Err(DiffError::NoApps(display_dir(&req.path)));
    }
    // The two revisions compile independently: one thread each. A git2
    // handle cannot be shared between threads, so each opens its own.
    let git_dir = repo.path().to_path_buf();
    let env = req.env.as_deref();
    let (base_snaps, head_snaps) = std::thread::scope(|s| {
        let b = s.spawn(|| compile_side(&git_dir, &base, &base_apps, env));
        let h = compile_side(&git_dir, &head, &head_apps, env);
        let b = b.join().unwrap_or_else(|_| {
            Err(DiffError::Revision(
                "compiling the base revision failed unexpectedly".to_string(),
            ))
        });
        (b, h)
    });
    let (base_snaps, head_snaps) = (base_snaps?, head_snaps?);
    let mut out = Vec::new();
    for dir in &dirs {
        let d = apps::compare(dir, base_snaps.get(dir), head_snaps.get(dir));
        if d.status != AppStatus::Unchanged {
            out.push(d);
        }
    }
    Ok(Report {
        format_version: FORMAT_VERSION,
        base: base.revision(),
        head: head.revision(),
        apps: out,
        apps_compared: dirs.len(),
    })
}

/// Compile every app of one revision. A revision whose Git objects cannot
/// be read (a corrupt repository) is an error of the comparison, not a
/// change of the app.
fn compile_side(
    git_dir: &Path,
    side: &Side,
    dirs: &[String],
    env: Option<&str>,
) -> Result<BTreeMap<String, AppSnapshot>, DiffError> {
    let provider = side::provider(git_dir, side)?;
    let mut out = BTreeMap::new();
    for dir in dirs {
        let watched = Watched {
            inner: provider.as_ref(),
            failure: Mutex::new(None),
        };
        let snapshot = AppSnapshot::compile(&watched, dir, env);
        let failure = watched
            .failure
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(detail) = failure {
            return Err(DiffError::Load {
                dir: display_dir(dir),
                detail: format!("{}: {detail}", side.revision().label),
            });
        }
        out.insert(dir.clone(), snapshot);
    }
    Ok(out)
}

/// A provider that keeps the first failure to read Git objects.
struct Watched<'a> {
    inner: &'a dyn SourceProvider,
    failure: Mutex<Option<String>>,
}

impl SourceProvider for Watched<'_> {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        let loaded = self.inner.load_app(dir);
        if let Err(LoadError::Io(message)) = &loaded
            && message.starts_with(OBJECT_READ_FAILED)
            && let Ok(mut failure) = self.failure.lock()
        {
            failure.get_or_insert_with(|| message.clone());
        }
        loaded
    }
}

/// `.` for the repository root, else the folder.
pub fn display_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.to_string()
    }
}
