//! Every place a name is declared or used, across the app and the apps it
//! imports: what definition, references, rename and hover look up.
//! Occurrences carry repository-relative paths rather than `FileId`s, so
//! occurrences of two compilations of the same app (see `analysis`) can
//! be mixed.

use air_compiler::ast::{
    Block, CallPattern, EmitMatch, EventMember, Expr, Fields, Ident, Item, Member, Modifier,
    OrderItem, Outcome, Path, Step, StepKind, Target, TestDecl, TestStmtKind, TriggerKind,
    TypeBody, TypeExpr, TypeExprKind, Value, ValueKind,
};
use air_compiler::model::{DeclKind, Program};
use air_compiler::naming::child_blocks;
use air_compiler::{SourceMap, Span};

/// What a name stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A declaration of app `app` (an index into `Program::apps`); an
    /// import's alias is a declaration of kind `Import`.
    Decl {
        app: usize,
        kind: DeclKind,
        name: String,
    },
    /// A step label of a workflow (labels are unique in a workflow).
    Label {
        app: usize,
        workflow: String,
        name: String,
    },
}

/// One declaration or use of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Repository-relative path of the file.
    pub file: String,
    pub start: usize,
    pub end: usize,
    pub key: Key,
    /// The declaration itself (not a use).
    pub is_def: bool,
}

#[derive(Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// Index every app of `program` (files named through `sources`);
    /// files in `skip` are left out.
    pub fn build(program: &Program, sources: &SourceMap, skip: &[String]) -> Index {
        let mut w = Walker {
            program,
            sources,
            skip,
            app: 0,
            workflow: String::new(),
            out: Vec::new(),
        };
        for (app, unit) in program.apps.iter().enumerate() {
            w.app = app;
            for item in unit.items() {
                w.item(item);
            }
            // Names in tests resolve in the app the tests belong to (only
            // the root app's run, but an imported app's are its own).
            for t in unit.files.iter().flat_map(|f| f.tests.iter()) {
                w.test(t);
            }
        }
        Index { occurrences: w.out }
    }

    /// The occurrence under a byte offset of a file (an offset just past a
    /// name counts, so a cursor at its end finds it).
    pub fn at(&self, file: &str, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.file == file && o.start <= offset && offset <= o.end)
            .min_by_key(|o| o.end - o.start)
    }

    pub fn definition(&self, key: &Key) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| o.is_def && o.key == *key)
    }

    pub fn all<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| o.key == *key)
    }

    /// Merge occurrences of another index (see `analysis`).
    pub fn extend(&mut self, other: Index) {
        self.occurrences.extend(other.occurrences);
    }
}

struct Walker<'a> {
    program: &'a Program,
    sources: &'a SourceMap,
    skip: &'a [String],
    app: usize,
    workflow: String,
    out: Vec<Occurrence>,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, key: Key, is_def: bool) {
        let file = self.sources.path(span.file);
        if self.skip.iter().any(|s| s == file) {
            return;
        }
        self.out.push(Occurrence {
            file: file.to_string(),
            start: span.start as usize,
            end: span.end as usize,
            key,
            is_def,
        });
    }

    fn decl_key(&self, app: usize, kind: DeclKind, name: &str) -> Key {
        Key::Decl {
            app,
            kind,
            name: name.to_string(),
        }
    }

    /// A use of a workflow of this app by its bare name (`run`, and
    /// `start`, `tick`, `expect workflow` in tests).
    fn workflow_use(&mut self, workflow: &Ident) {
        if self
            .program
            .apps
            .get(self.app)
            .is_some_and(|u| u.symbols.contains(DeclKind::Workflow, &workflow.name))
        {
            let key = self.decl_key(self.app, DeclKind::Workflow, &workflow.name);
            self.push(workflow.span, key, false);
        }
    }

    /// A use of `alias.Name` or `Name` that resolves through `lookup`.
    fn path(&mut self, path: &Path, kinds: &[DeclKind]) {
        if let Some(alias) = &path.alias {
            let key = self.decl_key(self.app, DeclKind::Import, &alias.name);
            self.push(alias.span, key, false);
        }
        let found = kinds
            .iter()
            .find_map(|&k| self.program.lookup_path(self.app, k, path));
        if let Some((app, item)) = found {
            let key = self.decl_key(app, DeclKind::of(item), &path.name.name);
            self.push(path.name.span, key, false);
        }
    }

    fn item(&mut self, item: &Item) {
        self.workflow.clear();
        let name = item.name();
        let key = self.decl_key(self.app, DeclKind::of(item), &name.name);
        self.push(name.span, key, true);
        match item {
            Item::Type(t) => match &t.body {
                TypeBody::Struct(f) => self.fields(f),
                TypeBody::Alias(e) => self.type_expr(e),
            },
            Item::Event(e) => {
                for m in &e.members {
                    match m {
                        EventMember::Assign(a) => self.value(&a.value),
                        EventMember::Data(f) => self.fields(f),
                    }
                }
            }
            Item::Error(e) => e.members.iter().for_each(|a| self.value(&a.value)),
            Item::Param(p) => {
                self.type_expr(&p.ty);
                if let Some(v) = &p.default {
                    self.value(v);
                }
            }
            Item::Function(f) => self.members(&f.members),
            Item::Service(s) => self.members(&s.members),
            Item::Workflow(w) => {
                self.workflow.clone_from(&w.name.name);
                self.members(&w.members);
                self.block(&w.body);
            }
            Item::Import(_) => {}
        }
    }

    fn fields(&mut self, fields: &Fields) {
        for f in &fields.fields {
            self.type_expr(&f.ty);
        }
    }

    fn type_expr(&mut self, e: &TypeExpr) {
        match &e.kind {
            TypeExprKind::Named(p) => self.path(p, &[DeclKind::Type]),
            TypeExprKind::List(inner) | TypeExprKind::Map(inner) => self.type_expr(inner),
            TypeExprKind::Primitive(_) | TypeExprKind::Enum(_) => {}
        }
    }

    fn members(&mut self, members: &[Member]) {
        for m in members {
            match m {
                Member::Assign(a) => self.value(&a.value),
                Member::Block(b) => b.entries.iter().for_each(|e| self.value(&e.value)),
                Member::On(t) => {
                    if let TriggerKind::Event { event, filter } = &t.kind {
                        self.path(event, &[DeclKind::Event]);
                        if let Some(f) = filter {
                            self.expr(f);
                        }
                    }
                }
                Member::Input(t, _) => self.type_expr(t),
            }
        }
    }

    fn block(&mut self, block: &Block) {
        for step in &block.steps {
            self.step(step);
        }
    }

    fn label_key(&self, name: &str) -> Key {
        Key::Label {
            app: self.app,
            workflow: self.workflow.clone(),
            name: name.to_string(),
        }
    }

    fn step(&mut self, step: &Step) {
        if let Some(l) = &step.label {
            let key = self.label_key(&l.name);
            self.push(l.span, key, true);
        }
        match &step.kind {
            StepKind::Call { target, body, .. } => {
                self.path(target, &[DeclKind::Function, DeclKind::Service]);
                self.opt_value(body.as_ref());
            }
            StepKind::Run { workflow, input } => {
                self.workflow_use(workflow);
                self.opt_value(input.as_ref());
            }
            StepKind::Emit { event, data } => {
                self.path(event, &[DeclKind::Event]);
                self.opt_value(data.as_ref());
            }
            StepKind::WaitFor {
                events, correlate, ..
            } => {
                events.iter().for_each(|e| self.path(e, &[DeclKind::Event]));
                correlate.iter().for_each(|c| self.expr(&c.expr));
            }
            StepKind::Set { value } => self.value(value),
            StepKind::If { branches, .. } => branches.iter().for_each(|(c, _)| self.expr(c)),
            StepKind::Switch { cases, default } => {
                for c in cases {
                    self.expr(&c.cond);
                    self.target(&c.target);
                }
                if let Some(t) = default {
                    self.target(t);
                }
            }
            StepKind::For {
                collection, while_, ..
            } => {
                self.expr(collection);
                if let Some(w) = while_ {
                    self.expr(w);
                }
            }
            StepKind::Try { catch, .. } => {
                if let Some(e) = &catch.error {
                    self.path(e, &[DeclKind::Error]);
                }
            }
            StepKind::Fail { error, .. } => self.path(error, &[DeclKind::Error]),
            StepKind::Return { value } => self.opt_value(value.as_ref()),
            StepKind::Sleep { .. } | StepKind::Parallel { .. } => {}
        }
        for m in &step.modifiers {
            match m {
                Modifier::Then(t) => self.target(t),
                Modifier::When(e) => self.expr(e),
                Modifier::Timeout(_) | Modifier::Retry(_) => {}
            }
        }
        for b in child_blocks(&step.kind) {
            self.block(b);
        }
    }

    fn target(&mut self, t: &Target) {
        if let Target::Step(l) = t {
            let key = self.label_key(&l.name);
            self.push(l.span, key, false);
        }
    }

    fn opt_value(&mut self, v: Option<&Value>) {
        if let Some(v) = v {
            self.value(v);
        }
    }

    fn value(&mut self, v: &Value) {
        match &v.kind {
            ValueKind::Param(name) => {
                let key = self.decl_key(self.app, DeclKind::Param, &name.name);
                self.push(name.span, key, false);
            }
            ValueKind::Expr(e) => self.expr(e),
            ValueKind::List(vs) | ValueKind::Concat(vs) => vs.iter().for_each(|v| self.value(v)),
            ValueKind::Object(entries) => entries.iter().for_each(|e| self.value(&e.value)),
            _ => {}
        }
    }

    /// `$context.<label>` inside a `${ }` names a step's result.
    fn expr(&mut self, e: &Expr) {
        if self.workflow.is_empty() {
            return;
        }
        for (span, name) in e.context_reads() {
            let key = self.label_key(name);
            self.push(span, key, false);
        }
    }
}

/// Names in `test` blocks: events sent, emitted or allowed, workflows
/// started, ticked or expected, functions and services mocked or
/// expected, errors a run fails with, and the step labels an
/// `expect workflow … context` names (object keys at its top level,
/// `$context.<label>` in a predicate).
impl Walker<'_> {
    fn test(&mut self, t: &TestDecl) {
        for s in &t.stmts {
            self.workflow.clear();
            match &s.kind {
                TestStmtKind::Send {
                    event, data, with, ..
                } => {
                    self.path(event, &[DeclKind::Event]);
                    self.opt_value(data.as_ref());
                    self.opt_value(with.as_ref());
                }
                TestStmtKind::Start { workflow, input } => {
                    self.workflow_use(workflow);
                    self.opt_value(input.as_ref());
                }
                TestStmtKind::Tick { workflow } => self.workflow_use(workflow),
                TestStmtKind::Advance { .. } => {}
                TestStmtKind::Mock {
                    call, responses, ..
                } => {
                    self.call_pattern(call);
                    responses
                        .iter()
                        .for_each(|r| self.opt_value(r.body.as_ref()));
                }
                TestStmtKind::ExpectEmit { matcher, .. } => self.emit_match(matcher),
                TestStmtKind::ExpectCall { matcher, .. } => {
                    self.call_pattern(&matcher.call);
                    self.opt_value(matcher.matcher.as_ref());
                }
                TestStmtKind::ExpectWorkflow { workflow, outcome } => {
                    self.workflow_use(workflow);
                    match outcome {
                        Outcome::Completes(v) => self.opt_value(v.as_ref()),
                        Outcome::Fails { error, .. } => self.path(error, &[DeclKind::Error]),
                        Outcome::Context(v) => {
                            // The run's final `$context`: its keys are the
                            // workflow's step labels.
                            self.workflow.clone_from(&workflow.name);
                            if let ValueKind::Object(entries) = &v.kind {
                                for e in entries {
                                    self.context_key(&e.key.name, e.key.span);
                                    self.value(&e.value);
                                }
                            } else {
                                self.value(v);
                            }
                        }
                    }
                }
                TestStmtKind::ExpectOrder { items } => {
                    for item in items {
                        match item {
                            OrderItem::Emit(m) => self.emit_match(m),
                            OrderItem::Call(m) => {
                                self.call_pattern(&m.call);
                                self.opt_value(m.matcher.as_ref());
                            }
                        }
                    }
                }
                TestStmtKind::AllowEmit { event } => self.path(event, &[DeclKind::Event]),
            }
        }
        self.workflow.clear();
    }

    fn emit_match(&mut self, m: &EmitMatch) {
        self.path(&m.event, &[DeclKind::Event]);
        self.opt_value(m.matcher.as_ref());
    }

    fn call_pattern(&mut self, c: &CallPattern) {
        self.path(&c.target, &[DeclKind::Function, DeclKind::Service]);
    }

    /// A key of an expected context, when it is a label of the workflow
    /// (a key naming no step is the test's business, not a reference).
    fn context_key(&mut self, name: &str, span: Span) {
        let is_label = self
            .program
            .apps
            .get(self.app)
            .and_then(|u| u.lookup(DeclKind::Workflow, &self.workflow))
            .is_some_and(|item| matches!(item, Item::Workflow(w) if has_label(&w.body, name)));
        if is_label {
            let key = self.label_key(name);
            self.push(span, key, false);
        }
    }
}

/// Whether a step of `block` (at any depth) carries the label `name`.
fn has_label(block: &Block, name: &str) -> bool {
    block.steps.iter().any(|s| {
        s.label.as_ref().is_some_and(|l| l.name == name)
            || child_blocks(&s.kind).iter().any(|b| has_label(b, name))
    })
}

/// Characters of an identifier (ASCII letters, digits, `_`).
pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
