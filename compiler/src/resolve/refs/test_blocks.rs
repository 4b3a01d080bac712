//! Names in `test` blocks: every event, workflow, function, service and
//! error a test mentions resolves (with the did-you-mean of any other
//! reference), test names are unique in the app, a `call` in a test has
//! the form its target takes, and `tick` names a scheduled workflow.
//!
//! Tests run against the root app only, and what they mention never
//! counts as a use: a declaration only a test refers to is still unused.

use super::{BUILTIN_ERRORS, Used, Walker};
use crate::ast::{
    CallPattern, EmitMatch, Ident, Item, Member, OrderItem, Outcome, Path, TestDecl, TestStmtKind,
    TriggerKind,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{DeclKind, Program};
use crate::span::Span;
use std::collections::BTreeMap;

/// Check the root app's test blocks.
pub(super) fn check_tests(program: &Program, diags: &mut Diagnostics) {
    let Some(root) = program.root() else { return };
    let mut w = Walker {
        program,
        app: 0,
        diags,
        // Thrown away: tests are no use of a declaration.
        used: Used::new(),
    };
    let mut names: BTreeMap<&str, Span> = BTreeMap::new();
    for t in root.files.iter().flat_map(|f| f.tests.iter()) {
        match names.get(t.name.value.as_str()) {
            Some(first) => w.diags.push(
                Diagnostic::error(
                    Code::E0229,
                    format!("two tests are named \"{}\"", t.name.value),
                )
                .with_primary(t.name.span, "named again here")
                .with_secondary(*first, "first named here")
                .with_help("test names say which test failed, so each must be unique in the app"),
            ),
            None => {
                names.insert(t.name.value.as_str(), t.name.span);
            }
        }
        w.test(t);
    }
}

impl Walker<'_, '_> {
    fn test(&mut self, t: &TestDecl) {
        for s in &t.stmts {
            match &s.kind {
                TestStmtKind::Send {
                    event, data, with, ..
                } => {
                    self.event(event);
                    self.opt_value(data);
                    self.opt_value(with);
                }
                TestStmtKind::Start { workflow, input } => {
                    self.workflow(workflow);
                    self.opt_value(input);
                }
                TestStmtKind::Tick { workflow } => {
                    if self.workflow(workflow) {
                        self.scheduled(workflow);
                    }
                }
                TestStmtKind::Advance { .. } => {}
                TestStmtKind::Mock {
                    call, responses, ..
                } => {
                    self.call(call);
                    for r in responses {
                        self.opt_value(&r.body);
                    }
                }
                TestStmtKind::ExpectEmit { matcher, .. } => self.emit_match(matcher),
                TestStmtKind::ExpectCall { matcher, .. } => {
                    self.call(&matcher.call);
                    self.opt_value(&matcher.matcher);
                }
                TestStmtKind::ExpectWorkflow { workflow, outcome } => {
                    self.workflow(workflow);
                    match outcome {
                        Outcome::Completes(v) => self.opt_value(v),
                        Outcome::Context(v) => self.value(v, false),
                        Outcome::Fails { error, .. } => {
                            self.path(error, &[DeclKind::Error], "error", BUILTIN_ERRORS);
                        }
                    }
                }
                TestStmtKind::ExpectOrder { items } => {
                    for item in items {
                        match item {
                            OrderItem::Emit(m) => self.emit_match(m),
                            OrderItem::Call(m) => {
                                self.call(&m.call);
                                self.opt_value(&m.matcher);
                            }
                        }
                    }
                }
                TestStmtKind::AllowEmit { event } => {
                    self.event(event);
                }
            }
        }
    }

    fn event(&mut self, p: &Path) -> bool {
        self.path(p, &[DeclKind::Event], "event", &[])
    }

    fn emit_match(&mut self, m: &EmitMatch) {
        self.event(&m.event);
        self.opt_value(&m.matcher);
    }

    /// A workflow of this app (as `run` names them).
    fn workflow(&mut self, w: &Ident) -> bool {
        let p = Path {
            alias: None,
            name: w.clone(),
            span: w.span,
        };
        self.path(&p, &[DeclKind::Workflow], "workflow", &[])
    }

    /// `tick` fires a schedule: the workflow must have one.
    fn scheduled(&mut self, w: &Ident) {
        let Some(Item::Workflow(decl)) = self.unit().lookup(DeclKind::Workflow, &w.name) else {
            return;
        };
        let has_schedule = decl.members.iter().any(|m| {
            matches!(
                m,
                Member::On(t) if matches!(t.kind, TriggerKind::Schedule { .. })
            )
        });
        if !has_schedule {
            let d = Diagnostic::error(
                Code::E0231,
                format!("workflow `{}` has no schedule to tick", w.name),
            )
            .with_primary(w.span, "no `on schedule` in this workflow")
            .with_secondary(decl.name.span, "declared here")
            .with_help(format!(
                "start it directly with `start {}`, or give it `on schedule \"…\"`",
                w.name
            ));
            self.diags.push(d);
        }
    }

    /// A service is always called with a method and a path (the grammar
    /// has them together); a function with neither (a POST to its root) or,
    /// as in a workflow's `call fn GET "/path"`, with both.
    fn call(&mut self, c: &CallPattern) {
        let kinds = [DeclKind::Function, DeclKind::Service];
        if !self.path(&c.target, &kinds, "function or service", &[]) {
            return;
        }
        let target = c.target.display();
        let d = match (self.program.lookup_callable(self.app, &c.target), c.method) {
            (Some((_, Item::Service(_))), None) => Diagnostic::error(
                Code::E0230,
                format!("`{target}` is a service: say which method and path"),
            )
            .with_primary(c.span, "a service call needs `METHOD \"/path\"`")
            .with_help(format!(
                "write `call {target} POST \"/path\"`, as the workflow does"
            )),
            _ => return,
        };
        self.diags.push(d);
    }
}
