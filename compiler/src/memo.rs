//! Per-workflow results kept between compilations, for callers that
//! compile the same app again and again with one place changed (the
//! language server: each keystroke). With [`crate::parse::cache`] a
//! keystroke re-parses only the edited file; with this it re-checks the
//! graph and re-lowers only the workflows the edit could change.
//!
//! Two results are kept, each a pure function of what its key covers:
//!
//! - a workflow's control-flow findings (`graph::flow::check_cfg`) depend
//!   on its own tree alone. The key is the workflow's file id, span and
//!   source text: the parser builds the same tree, spans included, from
//!   the same text at the same place.
//! - a workflow's lowering diagnostics (`lower::sw::workflow_tree`) also
//!   depend on the declarations it names. Their key adds a fingerprint of
//!   everything but the root app's workflow bodies: every source file's
//!   text with those bodies cut out, the workflows' names, and the params
//!   and manifest in force. Editing a workflow body re-lowers that
//!   workflow only; editing anything else re-lowers them all.
//!
//! Entries no compilation asked for since the last [`WorkflowMemo::sweep`]
//! are dropped there (unless no compilation reached that stage: a typo in
//! a name stops before the checks, and its fix finds every result kept),
//! so the memo holds no more than one app's workflows.
//! The findings come back exactly as computed (tests compare a compilation
//! with the memo to one without, edit after edit).

use crate::ast::WorkflowDecl;
use crate::diagnostic::Diagnostic;
use crate::model::Program;
use crate::span::FileId;
use crate::span::SourceMap;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// What identifies one workflow's tree: where it is and its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorkflowKey {
    file: FileId,
    start: u32,
    end: u32,
    text: String,
}

impl WorkflowKey {
    pub fn of(wf: &WorkflowDecl, sources: &SourceMap) -> WorkflowKey {
        WorkflowKey {
            file: wf.span.file,
            start: wf.span.start,
            end: wf.span.end,
            text: sources.snippet(wf.span).to_string(),
        }
    }
}

/// Kept results, each with the sweep it was last asked for in.
#[derive(Debug)]
struct Kept<K, V> {
    by_key: HashMap<K, (V, u64)>,
    /// Whether anything was asked since the last sweep: a compilation
    /// that stopped before this stage (a name error stops it before the
    /// checks) says nothing about which workflows are gone.
    asked: bool,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept {
            by_key: HashMap::new(),
            asked: false,
        }
    }
}

impl<K, V> Kept<K, V> {
    fn sweep(&mut self, generation: u64) {
        if std::mem::take(&mut self.asked) {
            self.by_key.retain(|_, (_, seen)| *seen == generation);
        }
    }
}

/// Results kept per workflow; shared by the checking threads, hence the
/// locks (held only to look up or store, never while computing).
#[derive(Debug, Default)]
pub struct WorkflowMemo {
    graphs: Mutex<Kept<WorkflowKey, Vec<Diagnostic>>>,
    documents: Mutex<Kept<(WorkflowKey, u64), Vec<Diagnostic>>>,
    generation: std::sync::atomic::AtomicU64,
    reused: AtomicUsize,
    computed: AtomicUsize,
}

/// How many workflow results a compilation took from the memo and how
/// many it computed (for tests and benches).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoStats {
    pub reused: usize,
    pub computed: usize,
}

impl WorkflowMemo {
    pub fn new() -> WorkflowMemo {
        WorkflowMemo::default()
    }

    /// The control-flow findings of the workflow at `key`, computed by
    /// `compute` unless kept.
    pub fn graph(
        &self,
        key: WorkflowKey,
        compute: impl FnOnce() -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        self.get_or(&self.graphs, key, compute)
    }

    /// The lowering diagnostics of the workflow at `key` in the
    /// declarations fingerprinted by `env` ([`env_fingerprint`]).
    pub fn document(
        &self,
        key: WorkflowKey,
        env: u64,
        compute: impl FnOnce() -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        self.get_or(&self.documents, (key, env), compute)
    }

    fn get_or<K: Hash + Eq>(
        &self,
        kept: &Mutex<Kept<K, Vec<Diagnostic>>>,
        key: K,
        compute: impl FnOnce() -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let generation = self.generation.load(Ordering::Relaxed);
        {
            let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.asked = true;
            if let Some((found, seen)) = kept.by_key.get_mut(&key) {
                *seen = generation;
                self.reused.fetch_add(1, Ordering::Relaxed);
                return found.clone();
            }
        }
        self.computed.fetch_add(1, Ordering::Relaxed);
        let found = compute();
        kept.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_key
            .insert(key, (found.clone(), generation));
        found
    }

    /// Drop every result not asked for since the last sweep (workflows
    /// edited, renamed or deleted since), in each stage that was asked
    /// anything at all. Call once per round of compilations of the app.
    pub fn sweep(&self) {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        self.graphs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sweep(generation);
        self.documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sweep(generation);
    }

    /// The results reused and computed since the last call.
    pub fn take_stats(&self) -> MemoStats {
        MemoStats {
            reused: self.reused.swap(0, Ordering::Relaxed),
            computed: self.computed.swap(0, Ordering::Relaxed),
        }
    }

    /// The number of results kept.
    pub fn len(&self) -> usize {
        let graphs = self
            .graphs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_key
            .len();
        let documents = self
            .documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_key
            .len();
        graphs + documents
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The fingerprint of everything a root workflow's lowering may read
/// besides its own tree (see the module documentation).
pub(crate) fn env_fingerprint(program: &Program, sources: &SourceMap) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut cuts: Vec<(FileId, u32, u32, &str)> = program
        .root()
        .map(|root| {
            root.workflows()
                .map(|w| (w.span.file, w.span.start, w.span.end, w.name.name.as_str()))
                .collect()
        })
        .unwrap_or_default();
    cuts.sort_unstable();
    for (id, file) in sources.files() {
        id.0.hash(&mut h);
        file.path.hash(&mut h);
        let mut at = 0usize;
        for &(_, start, end, name) in cuts.iter().filter(|c| c.0 == id) {
            file.text.get(at..start as usize).hash(&mut h);
            name.hash(&mut h);
            at = end as usize;
        }
        file.text.get(at..).hash(&mut h);
    }
    for unit in &program.apps {
        format!("{:?}{:?}", unit.manifest, unit.params).hash(&mut h);
    }
    h.finish()
}
