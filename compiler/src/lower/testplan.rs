//! `test "…" { … }` blocks → the test bundle `air test` runs: JSON in the
//! shape of `air_engine::plan::TestBundle` (engine/src/plan.rs is the
//! contract; this crate does not depend on the engine and writes
//! `serde_json::Value`s).
//!
//! Every name is resolved to the wire-level value the build gives it, by
//! the functions the build itself uses, so a plan and the objects it
//! tests cannot disagree: events through [`super::event_info`] (what the
//! Triggers filter on), call URLs through [`sw::function_url`] and
//! [`sw::join_path`], errors through the document lowering's own
//! `error_ref`, workflow and step names through `kebab_case` and
//! [`StepNames`].
//!
//! Only the root app's tests are lowered; the checks (check/tests.rs)
//! have run before, so names resolve. Anything that still does not
//! becomes a diagnostic rather than a guess.

use super::sw::{self, Lowerer, Values};
use crate::ast::{
    self, CallPattern, EmitMatch, Expr, HttpMethod, Item, OrderItem, Outcome, TestDecl, TestStmt,
    TestStmtKind, Value, ValueKind, WorkflowDecl,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{AppUnit, DeclKind, Program, kebab_case};
use crate::naming::{StepNames, child_blocks};
use crate::source::SourceMap;
use crate::span::Span;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// The test bundle of the root app: `{"tests": [...], "steps": {...}}`.
/// `None` when there is no root app or something could not be lowered
/// (then `diags` says why).
pub fn test_bundle(
    program: &Program,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<Json> {
    let root = program.root()?;
    let cx = Cx {
        program,
        root,
        sources,
        values: Values { app: root },
    };
    let mut found = Vec::new();
    let mut tests = Vec::new();
    for file in &root.files {
        for t in &file.tests {
            tests.push(cx.test(t, &mut found));
        }
    }
    let steps = cx.step_lines();
    let failed = !found.is_empty();
    diags.extend(found);
    if failed {
        return None;
    }
    Some(json!({ "tests": tests, "steps": steps }))
}

struct Cx<'a> {
    program: &'a Program,
    root: &'a AppUnit,
    sources: &'a SourceMap,
    values: Values<'a>,
}

/// A plan entry or the diagnostic that keeps it from being written.
type Lowered<T> = Result<T, Diagnostic>;

impl Cx<'_> {
    /// `file` (app-relative) and 1-based line of a span.
    fn place(&self, span: Span) -> (String, u32) {
        let path = self.sources.path(span.file);
        let rel = match self.root.dir.as_str() {
            "" => path,
            dir => path
                .strip_prefix(dir)
                .and_then(|p| p.strip_prefix('/'))
                .unwrap_or(path),
        };
        let (line, _) = self.sources.line_col(span);
        (rel.to_string(), u32::try_from(line).unwrap_or(u32::MAX))
    }

    fn test(&self, t: &TestDecl, found: &mut Vec<Diagnostic>) -> Json {
        let (file, line) = self.place(t.span);
        let mut steps = Vec::new();
        for s in &t.stmts {
            match self.stmt(s) {
                Ok(action) => {
                    let mut step = Map::new();
                    step.insert("line".into(), json!(self.place(s.span).1));
                    if let Json::Object(a) = action {
                        step.extend(a);
                    }
                    steps.push(Json::Object(step));
                }
                Err(d) => found.push(d),
            }
        }
        json!({ "name": t.name.value, "file": file, "line": line, "steps": steps })
    }

    /// One statement as `{"<action>": {...}}`.
    fn stmt(&self, s: &TestStmt) -> Lowered<Json> {
        Ok(match &s.kind {
            TestStmtKind::Send {
                event,
                data,
                with,
                after,
            } => {
                let (ty, source) = self.event(event)?;
                let mut spec = Map::new();
                spec.insert("type".into(), json!(ty));
                spec.insert("source".into(), json!(source));
                if let Some(d) = data {
                    spec.insert("data".into(), self.literal(d)?);
                }
                if let Some(w) = with {
                    spec.insert("extensions".into(), self.literal(w)?);
                }
                let mut send = Map::new();
                send.insert("event".into(), Json::Object(spec));
                if let Some(a) = after {
                    send.insert("after_ms".into(), json!(a.millis));
                }
                json!({ "send": send })
            }
            TestStmtKind::Start { workflow, input } => {
                let input = match input {
                    Some(v) => self.literal(v)?,
                    None => json!({}),
                };
                let (namespace, name) = self.workflow(workflow)?;
                json!({ "start": { "namespace": namespace, "workflow": name, "input": input } })
            }
            TestStmtKind::Tick { workflow } => {
                let (namespace, name) = self.workflow(workflow)?;
                json!({ "tick": { "namespace": namespace, "workflow": name } })
            }
            TestStmtKind::Advance { by } => json!({ "advance": { "by_ms": by.millis } }),
            TestStmtKind::Mock {
                call,
                predicate,
                responses,
            } => {
                let (method, url) = self.call(call)?;
                let mut m = Map::new();
                m.insert("method".into(), json!(method));
                m.insert("url".into(), json!(url));
                if let Some(p) = predicate {
                    m.insert("predicate".into(), json!(jq(p)));
                }
                let mut answers = Vec::new();
                for r in responses {
                    let mut a = Map::new();
                    a.insert(
                        "status".into(),
                        json!(r.status.as_ref().map_or(200, |s| s.value)),
                    );
                    if let Some(b) = &r.body {
                        a.insert("body".into(), self.literal(b)?);
                    }
                    a.insert(
                        "delay_ms".into(),
                        json!(r.after.as_ref().map_or(0, |d| d.millis)),
                    );
                    answers.push(Json::Object(a));
                }
                m.insert("responses".into(), Json::Array(answers));
                m.insert("label".into(), json!(call_label(call)));
                json!({ "mock": m })
            }
            TestStmtKind::ExpectEmit { no, matcher, times } => {
                let times = if *no {
                    Some(0)
                } else {
                    times.as_ref().map(|t| t.value)
                };
                json!({ "expect_emit": self.expect_emit(matcher, times)? })
            }
            TestStmtKind::ExpectCall { no, matcher, times } => {
                let times = if *no {
                    Some(0)
                } else {
                    times.as_ref().map(|t| t.value)
                };
                json!({ "expect_call": self.expect_call(&matcher.call, matcher.matcher.as_ref(), times)? })
            }
            TestStmtKind::ExpectWorkflow { workflow, outcome } => {
                let (namespace, name) = self.workflow(workflow)?;
                let (outcome, label) = self.outcome(outcome)?;
                json!({ "expect_workflow": {
                    "namespace": namespace,
                    "workflow": name,
                    "outcome": outcome,
                    "label": format!("workflow {} {label}", workflow.name),
                } })
            }
            TestStmtKind::ExpectOrder { items } => {
                let mut list = Vec::new();
                for item in items {
                    list.push(match item {
                        OrderItem::Emit(m) => json!({ "emit": self.expect_emit(m, None)? }),
                        OrderItem::Call(m) => {
                            json!({ "call": self.expect_call(&m.call, m.matcher.as_ref(), None)? })
                        }
                    });
                }
                json!({ "expect_order": { "items": list } })
            }
            TestStmtKind::AllowEmit { event } => {
                let (ty, _) = self.event(event)?;
                json!({ "allow_emit": { "type": ty } })
            }
        })
    }

    fn expect_emit(&self, m: &EmitMatch, times: Option<u32>) -> Lowered<Map<String, Json>> {
        let (ty, _) = self.event(&m.event)?;
        let mut e = Map::new();
        e.insert("type".into(), json!(ty));
        self.matcher(&mut e, m.matcher.as_ref(), "data")?;
        if let Some(n) = times {
            e.insert("times".into(), json!(n));
        }
        e.insert("label".into(), json!(format!("emit {}", m.event.display())));
        Ok(e)
    }

    fn expect_call(
        &self,
        call: &CallPattern,
        matcher: Option<&Value>,
        times: Option<u32>,
    ) -> Lowered<Map<String, Json>> {
        let (method, url) = self.call(call)?;
        let mut e = Map::new();
        e.insert("method".into(), json!(method));
        e.insert("url".into(), json!(url));
        self.matcher(&mut e, matcher, "body")?;
        if let Some(n) = times {
            e.insert("times".into(), json!(n));
        }
        e.insert("label".into(), json!(call_label(call)));
        Ok(e)
    }

    /// A literal under `key`, or `${ … }` as `predicate`.
    fn matcher(&self, into: &mut Map<String, Json>, m: Option<&Value>, key: &str) -> Lowered<()> {
        match m.map(|v| (&v.kind, v)) {
            Some((ValueKind::Expr(e), _)) => {
                into.insert("predicate".into(), json!(jq(e)));
            }
            Some((_, v)) => {
                into.insert(key.into(), self.literal(v)?);
            }
            None => {}
        }
        Ok(())
    }

    /// The plan's outcome and the words for its label.
    fn outcome(&self, o: &Outcome) -> Lowered<(Json, String)> {
        Ok(match o {
            Outcome::Completes(m) => {
                let mut c = Map::new();
                self.matcher(&mut c, m.as_ref(), "output")?;
                (json!({ "completes": c }), "completes".to_string())
            }
            Outcome::Fails { error, status } => {
                let mut f = Map::new();
                f.insert("error_type".into(), json!(self.error_type(error)?));
                if let Some(s) = status {
                    f.insert("status".into(), json!(s.value));
                }
                let mut label = format!("fails {}", error.display());
                if let Some(s) = status {
                    label.push_str(&format!(" status {}", s.value));
                }
                (json!({ "fails": f }), label)
            }
            Outcome::Context(v) => {
                let mut c = Map::new();
                self.matcher(&mut c, Some(v), "value")?;
                (json!({ "context": c }), "context".to_string())
            }
        })
    }

    /// A literal value as JSON, evaluated as step literals are.
    fn literal(&self, v: &Value) -> Lowered<Json> {
        self.values.json(v).map(|n| n.to_json())
    }

    /// The CloudEvents `type` and `source` of an event.
    fn event(&self, path: &ast::Path) -> Lowered<(String, String)> {
        match self.program.lookup_path(0, DeclKind::Event, path) {
            Some((app, Item::Event(decl))) => {
                let info = super::event_info(self.program, app, decl);
                Ok((info.ce_type, info.source))
            }
            _ => Err(unresolved("event", &path.display(), path.span)),
        }
    }

    /// The document's namespace and name of a workflow of the root app.
    fn workflow(&self, w: &ast::Ident) -> Lowered<(String, String)> {
        match self.root.lookup(DeclKind::Workflow, &w.name) {
            Some(Item::Workflow(decl)) => Ok((
                self.root.manifest.namespace.clone(),
                kebab_case(&decl.name.name),
            )),
            _ => Err(unresolved("workflow", &w.name, w.span)),
        }
    }

    /// Lower-case method and absolute URL of a call, as the build's `call`.
    fn call(&self, c: &CallPattern) -> Lowered<(String, String)> {
        let base = match self.program.lookup_callable(0, &c.target) {
            Some((app, Item::Function(f))) => {
                let ns = self
                    .program
                    .apps
                    .get(app)
                    .map(|a| a.manifest.namespace.as_str())
                    .unwrap_or_default();
                sw::function_url(&f.name.name, ns)
            }
            Some((app, Item::Service(s))) => {
                let values = Values {
                    app: self.program.apps.get(app).unwrap_or(self.root),
                };
                let url = s.members.iter().find_map(|m| match m {
                    ast::Member::Assign(a) if a.key.name == "url" => Some(&a.value),
                    _ => None,
                });
                match url {
                    Some(v) => values.string(v)?,
                    None => String::new(),
                }
            }
            _ => {
                return Err(unresolved(
                    "function or service",
                    &c.target.display(),
                    c.target.span,
                ));
            }
        };
        let method = c.method.map_or(HttpMethod::Post, |(m, _)| m);
        Ok((
            method.as_str().to_ascii_lowercase(),
            sw::join_path(base, c.path.as_ref()),
        ))
    }

    /// The type URI of `fails E`: what the document's `use.errors` (or the
    /// spec, for a built-in kind) gives that error, through the document
    /// lowering's own resolution.
    fn error_type(&self, path: &ast::Path) -> Lowered<String> {
        let placeholder;
        let wf = match self.root.workflows().next() {
            Some(w) => w,
            None => {
                placeholder = empty_workflow(path.span);
                &placeholder
            }
        };
        let mut lw = Lowerer {
            program: self.program,
            app: 0,
            unit: self.root,
            wf,
            doc_name: String::new(),
            names: StepNames::default(),
            values: Values { app: self.root },
            errors: Default::default(),
            diags: Vec::new(),
            has_return: false,
            loop_exit: None,
            in_branch: false,
        };
        match lw.error_ref(path) {
            Some(r) => Ok(r.type_uri),
            None => Err(lw
                .diags
                .pop()
                .unwrap_or_else(|| unresolved("error", &path.display(), path.span))),
        }
    }

    /// document name → step name → `file:line`, for every workflow of the
    /// root app (the names the `air.dev/step` metadata carries).
    fn step_lines(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut all = BTreeMap::new();
        for w in self.root.workflows() {
            let names = StepNames::of(w);
            let mut lines = BTreeMap::new();
            let mut stack: Vec<&ast::Block> = vec![&w.body];
            while let Some(block) = stack.pop() {
                for step in &block.steps {
                    let (file, line) = self.place(step.span);
                    lines.insert(names.get(step), format!("{file}:{line}"));
                    stack.extend(child_blocks(&step.kind));
                }
            }
            all.insert(kebab_case(&w.name.name), lines);
        }
        all
    }
}

/// `call payments POST "/charges"`, `call inventory`: a call as written,
/// normalised (one space apart, the path quoted as JSON).
fn call_label(c: &CallPattern) -> String {
    let mut s = format!("call {}", c.target.display());
    if let Some((m, _)) = c.method {
        s.push(' ');
        s.push_str(m.as_str());
    }
    if let Some(p) = &c.path {
        s.push(' ');
        s.push_str(&Json::from(p.value.as_str()).to_string());
    }
    s
}

/// The jq program of a predicate (without `${ }`).
fn jq(e: &Expr) -> String {
    e.source.trim().to_string()
}

fn unresolved(what: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(Code::E0550, format!("unknown {what} `{name}`"))
        .with_primary(span, format!("no {what} of this name"))
}

/// A workflow with nothing in it, for resolving errors in an app that has
/// no workflow (error resolution reads no part of it).
fn empty_workflow(span: Span) -> WorkflowDecl {
    WorkflowDecl {
        doc: None,
        name: ast::Ident {
            name: String::new(),
            span,
        },
        members: Vec::new(),
        body: ast::Block {
            steps: Vec::new(),
            span,
        },
        order: Vec::new(),
        span,
    }
}
