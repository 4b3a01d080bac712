//! The two sides of a diff: a commit (read from Git objects) or the
//! working tree, and how `--base` / `--head` resolve to them.

use super::{DiffError, DiffRequest};
use crate::git::{TreeProvider, WorkdirProvider, default_branch};
use air_compiler::SourceProvider;
use git2::{Oid, Repository};
use serde::Serialize;
use std::path::Path;

/// One side of the comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// The working tree: tracked and untracked (not ignored) files on disk.
    WorkingTree,
    /// A commit; `label` says how it was chosen (`main`, `merge base with
    /// origin/main`, …).
    Commit { id: Oid, label: String },
}

/// A side as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// What was asked for, or how it was chosen.
    pub label: String,
    /// Full commit id; `null` for the working tree.
    pub commit: Option<String>,
}

impl Revision {
    /// `main (3f2a9c01de)`, or only the short id when the label is the id
    /// itself; `tick` wraps the id (a backtick in Markdown).
    pub fn describe(&self, tick: &str) -> String {
        match &self.commit {
            Some(c) => {
                let short = c.get(..10).unwrap_or(c);
                if c.starts_with(&self.label) {
                    format!("{tick}{short}{tick}")
                } else {
                    format!("{} ({tick}{short}{tick})", self.label)
                }
            }
            None => self.label.clone(),
        }
    }
}

impl Side {
    pub fn revision(&self) -> Revision {
        match self {
            Side::WorkingTree => Revision {
                label: "working tree".to_string(),
                commit: None,
            },
            Side::Commit { id, label } => Revision {
                label: label.clone(),
                commit: Some(id.to_string()),
            },
        }
    }
}

fn commit_of(repo: &Repository, rev: &str) -> Result<Oid, DiffError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| DiffError::Revision(format!("cannot resolve `{rev}`: {}", e.message())))
}

/// Resolve `--base` / `--head`: head defaults to the working tree, base to
/// the merge base of head (or HEAD) with the default branch.
pub fn resolve_sides(repo: &Repository, req: &DiffRequest) -> Result<(Side, Side), DiffError> {
    let head = match &req.head {
        None => Side::WorkingTree,
        Some(rev) => Side::Commit {
            id: commit_of(repo, rev)?,
            label: rev.clone(),
        },
    };
    let base = match &req.base {
        Some(rev) => Side::Commit {
            id: commit_of(repo, rev)?,
            label: rev.clone(),
        },
        None => {
            let Some((branch, tip)) = default_branch(repo) else {
                return Err(DiffError::Revision(
                    "no default branch found (origin/HEAD, main or master); pass --base REV"
                        .to_string(),
                ));
            };
            let from = match &head {
                Side::Commit { id, .. } => *id,
                Side::WorkingTree => repo
                    .head()
                    .and_then(|h| h.peel_to_commit())
                    .map(|c| c.id())
                    .map_err(|e| {
                        DiffError::Revision(format!(
                            "the repository has no HEAD commit ({}); pass --base REV",
                            e.message()
                        ))
                    })?,
            };
            let short = branch
                .strip_prefix("refs/remotes/")
                .or_else(|| branch.strip_prefix("refs/heads/"))
                .unwrap_or(&branch)
                .to_string();
            let id = repo.merge_base(from, tip).map_err(|e| {
                DiffError::Revision(format!(
                    "no common history with `{short}` ({}); pass --base REV",
                    e.message()
                ))
            })?;
            Side::Commit {
                id,
                label: format!("merge base with {short}"),
            }
        }
    };
    Ok((base, head))
}

/// A source provider for one side, on its own handle on the repository
/// at `git_dir` (providers own theirs; a handle stays on one thread).
pub fn provider(git_dir: &Path, side: &Side) -> Result<Box<dyn SourceProvider>, DiffError> {
    let repo = Repository::open(git_dir).map_err(|e| {
        DiffError::Git(crate::git::GitError::Repository {
            path: git_dir.display().to_string(),
            detail: e.message().to_string(),
        })
    })?;
    Ok(match side {
        Side::WorkingTree => Box::new(WorkdirProvider::new(repo)?),
        Side::Commit { id, .. } => {
            let tree = repo
                .find_commit(*id)
                .and_then(|c| c.tree())
                .map(|t| t.id())
                .map_err(|e| {
                    DiffError::Revision(format!("reading commit {id}: {}", e.message()))
                })?;
            Box::new(TreeProvider::new(repo, tree))
        }
    })
}
