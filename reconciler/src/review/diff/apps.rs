//! Finding the apps of a revision and comparing one app's two snapshots.

use super::flow::{self, WorkflowFacts};
use super::objects::{self, ObjectRef};
use super::side::Side;
use super::{
    AppDiff, AppStatus, ChangedObject, DiagnosticChanges, DiagnosticEntry, DiffError,
    ObjectChanges, WorkflowChange, WorkflowStatus,
};
use air_compiler::{CompileOptions, Severity, SourceProvider};
use git2::{Repository, TreeWalkMode, TreeWalkResult};
use serde_json::Value;
use std::collections::BTreeMap;

/// Folders holding `air.toml` at or below `path` in one revision, sorted.
pub fn discover(repo: &Repository, side: &Side, path: &str) -> Result<Vec<String>, DiffError> {
    let mut manifests = match side {
        Side::Commit { id, .. } => tree_manifests(repo, *id)?,
        Side::WorkingTree => workdir_manifests(repo)?,
    };
    manifests.retain(|dir| path.is_empty() || dir == path || dir.starts_with(&format!("{path}/")));
    // Hidden folders and build output are not part of any app.
    manifests.retain(|dir| !dir.split('/').any(|c| c.starts_with('.') || c == "target"));
    manifests.sort();
    manifests.dedup();
    Ok(manifests)
}

fn parent_dir(file: &str) -> String {
    match file.rfind('/') {
        Some(i) => file[..i].to_string(),
        None => String::new(),
    }
}

fn tree_manifests(repo: &Repository, commit: git2::Oid) -> Result<Vec<String>, DiffError> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| DiffError::Revision(format!("reading commit {commit}: {}", e.message())))?;
    let mut out = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |root, entry| {
        if entry.name_bytes() == b"air.toml" && entry.kind() == Some(git2::ObjectType::Blob) {
            out.push(root.trim_end_matches('/').to_string());
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| DiffError::Revision(format!("walking commit {commit}: {}", e.message())))?;
    Ok(out)
}

fn workdir_manifests(repo: &Repository) -> Result<Vec<String>, DiffError> {
    let files = crate::git::working_tree_files(repo, "").map_err(|e| {
        DiffError::Revision(format!("reading the working tree status: {}", e.message()))
    })?;
    Ok(files
        .into_iter()
        .filter(|p| p == "air.toml" || p.ends_with("/air.toml"))
        .map(|p| parent_dir(&p))
        .collect())
}

/// What one revision of one app compiles to.
#[derive(Clone, Debug, Default)]
pub struct AppSnapshot {
    pub name: Option<String>,
    /// No errors (the objects are the app's real output).
    pub compiles: bool,
    pub objects: BTreeMap<ObjectRef, Value>,
    pub workflows: BTreeMap<String, WorkflowFacts>,
    pub diagnostics: Vec<DiagnosticEntry>,
}

impl AppSnapshot {
    /// Compile the app in `dir` as `air build` would, keeping the objects
    /// as data, the workflows' step graphs and the diagnostics.
    pub fn compile(provider: &dyn SourceProvider, dir: &str, env: Option<&str>) -> AppSnapshot {
        let opts = CompileOptions {
            app_dir: dir.to_string(),
            env: env.map(str::to_string),
        };
        let mut c = air_compiler::compile::front(provider, &opts);
        let mut objects = BTreeMap::new();
        if !c.diagnostics.has_errors()
            && let Some(program) = &c.program
        {
            let lowered = air_compiler::lower::lower(program, &c.sources, &mut c.diagnostics);
            if !c.diagnostics.has_errors()
                && let Some(lowered) = lowered
            {
                objects.extend(objects::compiled_objects(&lowered));
            }
            c.diagnostics.sort();
        }
        let compiles = !c.diagnostics.has_errors() && c.program.is_some();
        let root = c.program.as_ref().and_then(|p| p.root());
        let workflows = root
            .map(|r| {
                r.workflows()
                    .map(|w| (w.name.name.clone(), flow::facts(w)))
                    .collect()
            })
            .unwrap_or_default();
        let name = root
            .map(|r| r.manifest.name.clone())
            .filter(|n| !n.is_empty());
        let diagnostics = c
            .diagnostics
            .iter()
            .map(|d| {
                let span = d.primary_span();
                DiagnosticEntry {
                    code: d.code.to_string(),
                    severity: match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Note => "note",
                    }
                    .to_string(),
                    message: d.message.clone(),
                    file: span.map(|s| c.sources.path(s.file).to_string()),
                    line: span.map(|s| c.sources.line_col(s).0),
                }
            })
            .collect();
        AppSnapshot {
            name,
            compiles,
            objects: if compiles { objects } else { BTreeMap::new() },
            workflows,
            diagnostics,
        }
    }
}

/// Compare one app's two snapshots (`None` = the app does not exist there).
pub fn compare(dir: &str, base: Option<&AppSnapshot>, head: Option<&AppSnapshot>) -> AppDiff {
    let mut notes = Vec::new();
    let empty = AppSnapshot::default();
    let b = base.unwrap_or(&empty);
    let h = head.unwrap_or(&empty);
    let mut objs = ObjectChanges::default();
    match (base, head) {
        (Some(b), Some(h)) if b.compiles && h.compiles => {
            objs = diff_objects(&b.objects, &h.objects);
        }
        (Some(b), Some(h)) if !b.compiles && h.compiles => {
            notes
                .push("base does not compile: every object of head is listed as added".to_string());
            objs.added = h.objects.keys().cloned().collect();
        }
        (Some(_), Some(h)) if !h.compiles => {
            notes.push(
                "head does not compile: its objects are unknown, see the new diagnostics"
                    .to_string(),
            );
        }
        (None, Some(h)) => {
            if h.compiles {
                objs.added = h.objects.keys().cloned().collect();
            } else {
                notes.push("head does not compile: its objects are unknown".to_string());
            }
        }
        (Some(b), None) => {
            if b.compiles {
                objs.removed = b.objects.keys().cloned().collect();
            } else {
                notes.push("base did not compile: its objects are unknown".to_string());
            }
        }
        _ => {}
    }
    let workflows = diff_workflows(&b.workflows, &h.workflows);
    let diagnostics = diff_diagnostics(&b.diagnostics, &h.diagnostics);
    let status = match (base, head) {
        (None, _) => AppStatus::Added,
        (_, None) => AppStatus::Removed,
        _ if !objs.is_empty()
            || !workflows.is_empty()
            || !diagnostics.new.is_empty()
            || !diagnostics.resolved.is_empty()
            || b.compiles != h.compiles =>
        {
            AppStatus::Changed
        }
        _ => AppStatus::Unchanged,
    };
    AppDiff {
        path: dir.to_string(),
        name: h.name.clone().or_else(|| b.name.clone()),
        status,
        base_compiles: base.map(|s| s.compiles),
        head_compiles: head.map(|s| s.compiles),
        objects: objs,
        workflows,
        diagnostics,
        notes,
    }
}

fn diff_objects(
    base: &BTreeMap<ObjectRef, Value>,
    head: &BTreeMap<ObjectRef, Value>,
) -> ObjectChanges {
    let mut out = ObjectChanges::default();
    for (r, hv) in head {
        match base.get(r) {
            None => out.added.push(r.clone()),
            Some(bv) if bv != hv => out.changed.push(ChangedObject {
                object: r.clone(),
                fields: objects::diff_values(bv, hv),
            }),
            Some(_) => {}
        }
    }
    out.removed = base
        .keys()
        .filter(|r| !head.contains_key(*r))
        .cloned()
        .collect();
    out
}

fn diff_workflows(
    base: &BTreeMap<String, WorkflowFacts>,
    head: &BTreeMap<String, WorkflowFacts>,
) -> Vec<WorkflowChange> {
    let mut names: Vec<&String> = base.keys().chain(head.keys()).collect();
    names.sort();
    names.dedup();
    let none = WorkflowFacts::default();
    let mut out = Vec::new();
    for name in names {
        let (b, h) = (base.get(name), head.get(name));
        if b == h {
            continue;
        }
        let status = match (b, h) {
            (None, _) => WorkflowStatus::Added,
            (_, None) => WorkflowStatus::Removed,
            _ => WorkflowStatus::Changed,
        };
        let (bf, hf) = (b.unwrap_or(&none), h.unwrap_or(&none));
        let change = WorkflowChange {
            name: name.clone(),
            status,
            steps_added: minus(&hf.flow.step_names(), &bf.flow.step_names()),
            steps_removed: minus(&bf.flow.step_names(), &hf.flow.step_names()),
            transitions_added: minus(&hf.flow.transitions, &bf.flow.transitions),
            transitions_removed: minus(&bf.flow.transitions, &hf.flow.transitions),
            triggers_added: minus(&hf.triggers, &bf.triggers),
            triggers_removed: minus(&bf.triggers, &hf.triggers),
            consumes_added: minus(&hf.consumes, &bf.consumes),
            consumes_removed: minus(&bf.consumes, &hf.consumes),
            produces_added: minus(&hf.produces, &bf.produces),
            produces_removed: minus(&bf.produces, &hf.produces),
            base_flow: b.map(|f| f.flow.clone()),
            head_flow: h.map(|f| f.flow.clone()),
        };
        out.push(change);
    }
    out
}

/// Items of `a` not in `b`, in `a`'s order.
fn minus<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

fn diag_key(d: &DiagnosticEntry) -> (&str, &str, Option<&str>) {
    (&d.code, &d.message, d.file.as_deref())
}

/// New and resolved diagnostics, compared as multisets of (code, message,
/// file): moving a warning to another line is not a change.
fn diff_diagnostics(base: &[DiagnosticEntry], head: &[DiagnosticEntry]) -> DiagnosticChanges {
    let mut unmatched: Vec<Option<&DiagnosticEntry>> = base.iter().map(Some).collect();
    let mut new = Vec::new();
    for h in head {
        let slot = unmatched
            .iter_mut()
            .find(|b| b.is_some_and(|b| diag_key(b) == diag_key(h)));
        match slot {
            Some(s) => *s = None,
            None => new.push(h.clone()),
        }
    }
    DiagnosticChanges {
        new,
        resolved: unmatched.into_iter().flatten().cloned().collect(),
    }
}
