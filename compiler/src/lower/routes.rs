//! Event routing: which CloudEvents reach the engine, through which
//! Trigger, at which endpoint. docs/runtime.md is the contract these
//! functions implement; keep the two in step.
//!
//! - A workflow's `on E [where …]` clauses are grouped by CloudEvents
//!   `type`: one Trigger per (workflow, type), so an event matching two
//!   clauses still starts one run ("several `on` = any of them").
//! - The group's filter is the type alone when one clause has no `where`,
//!   the CESQL `(A) OR (B)` when every `where` translates, and otherwise
//!   the type alone plus a guard task at the top of the document (the
//!   engine applies the jq predicates; see [`guard_condition`]).
//! - Every event a workflow of the app waits for gets one Trigger per
//!   type to the engine's event ingress ([`awaited_events`]).

use super::cesql;
use crate::ast::{self, Expr, Item, Member, StepKind, TriggerKind, WorkflowDecl};
use crate::lower::concat;
use crate::lower::sw::values::{expr_body, json_string};
use crate::model::{DeclKind, Program, kebab_case};
use crate::span::Span;

/// Where the engine starts workflow `workflow` of namespace `ns`.
pub fn start_url(runtime_url: &str, ns: &str, workflow: &str) -> String {
    concat(&[
        runtime_url.trim_end_matches('/'),
        "/workflows/",
        ns,
        "/",
        &kebab_case(workflow),
    ])
}

/// Where the engine receives the events its waiting runs of namespace
/// `ns` listen for.
pub fn ingress_url(runtime_url: &str, ns: &str) -> String {
    concat(&[runtime_url.trim_end_matches('/'), "/events/", ns])
}

/// The ingress address of broker `broker` in namespace `ns` (where the
/// engine posts the events `emit` produces).
pub fn broker_url(ns: &str, broker: &str) -> String {
    concat(&[
        "http://broker-ingress.knative-eventing.svc.cluster.local/",
        ns,
        "/",
        broker,
    ])
}

/// One `on E [where …]` clause.
pub struct Clause<'a> {
    pub span: Span,
    pub filter: Option<&'a Expr>,
    /// The `where` as CESQL, or why it has no CESQL form.
    pub cesql: Option<Result<String, String>>,
}

/// The `on` clauses of one declaration that share a CloudEvents type.
pub struct EventStart<'a> {
    /// The event the first clause names (it names the Trigger).
    pub event: &'a ast::Path,
    pub ce_type: String,
    pub clauses: Vec<Clause<'a>>,
}

/// What a Trigger of an [`EventStart`] filters on besides the type.
#[derive(Debug, PartialEq)]
pub enum Filter<'a> {
    /// Nothing: one clause takes every event of the type.
    TypeOnly,
    /// A CESQL expression holding every clause.
    Cesql(String),
    /// At least one `where` has no CESQL form: the Trigger passes every
    /// event of the type and the engine applies the predicates.
    Engine { why: &'a str, at: Span },
}

impl EventStart<'_> {
    pub fn filter(&self) -> Filter<'_> {
        if self.clauses.iter().any(|c| c.cesql.is_none()) {
            return Filter::TypeOnly;
        }
        let mut parts = Vec::with_capacity(self.clauses.len());
        for c in &self.clauses {
            match (&c.cesql, c.filter) {
                (Some(Ok(sql)), _) => parts.push(sql.as_str()),
                (Some(Err(why)), Some(f)) => {
                    return Filter::Engine {
                        why: why.as_str(),
                        at: f.span,
                    };
                }
                _ => return Filter::TypeOnly,
            }
        }
        match parts.as_slice() {
            [one] => Filter::Cesql((*one).to_string()),
            many => Filter::Cesql(
                many.iter()
                    .map(|p| concat(&["(", p, ")"]))
                    .collect::<Vec<_>>()
                    .join(" OR "),
            ),
        }
    }
}

/// The `on Event` clauses of `members` (declared in app `app`), grouped
/// by CloudEvents type in the order their first clause appears. Clauses
/// naming an unknown event are left out (resolve reports them).
pub fn event_starts<'a>(
    program: &Program,
    app: usize,
    members: &'a [Member],
) -> Vec<EventStart<'a>> {
    let mut out: Vec<EventStart<'a>> = Vec::new();
    for m in members {
        let Member::On(ast::Trigger {
            kind: TriggerKind::Event { event, filter },
            span,
        }) = m
        else {
            continue;
        };
        let Some((decl_app, Item::Event(decl))) = program.lookup_path(app, DeclKind::Event, event)
        else {
            continue;
        };
        let ce_type = super::event_info(program, decl_app, decl).ce_type;
        let clause = Clause {
            span: *span,
            filter: filter.as_ref(),
            cesql: filter.as_ref().map(|f| cesql::translate(&f.source)),
        };
        match out.iter_mut().find(|s| s.ce_type == ce_type) {
            Some(s) => s.clauses.push(clause),
            None => out.push(EventStart {
                event,
                ce_type,
                clauses: vec![clause],
            }),
        }
    }
    out
}

/// `( SRC )`, the closing parenthesis on its own line when a jq comment
/// would swallow it.
fn paren(src: &str) -> String {
    let close = if src.contains('#') { "\n)" } else { ")" };
    concat(&["(", src, close])
}

/// The jq condition (on the workflow input) under which a run of
/// workflow `wf` must end at once: the input is an event of a type whose
/// Trigger filters on the type alone ([`Filter::Engine`]) and none of
/// that type's `where`s holds. `None` when every filter is applied by a
/// Trigger.
pub fn guard_condition(program: &Program, app: usize, wf: &WorkflowDecl) -> Option<String> {
    let mut refused = Vec::new();
    for start in event_starts(program, app, &wf.members) {
        if !matches!(start.filter(), Filter::Engine { .. }) {
            continue;
        }
        let any = start
            .clauses
            .iter()
            .filter_map(|c| c.filter.map(|f| paren(&expr_body(f))))
            .collect::<Vec<_>>()
            .join(" or ");
        refused.push(concat(&[
            "(.type == ",
            &json_string(&start.ce_type),
            " and (",
            &any,
            " | not))",
        ]));
    }
    if refused.is_empty() {
        None
    } else {
        Some(refused.join(" or "))
    }
}

/// An event type some workflow of the app waits for.
pub struct Awaited<'a> {
    /// The event as the first `wait for` naming it writes it.
    pub event: &'a ast::Path,
    pub ce_type: String,
    /// The workflow of that first `wait for` and the step's span.
    pub workflow: &'a ast::Ident,
    pub span: Span,
}

/// Every event type the workflows of app `app` wait for (`wait for E`,
/// `all(…)`, `any(…)`), once each, in source order.
pub fn awaited_events<'a>(
    program: &Program,
    app: usize,
    workflows: &[&'a WorkflowDecl],
) -> Vec<Awaited<'a>> {
    let mut out: Vec<Awaited<'a>> = Vec::new();
    for wf in workflows {
        crate::check::walk::steps(&wf.body, &mut |step| {
            let StepKind::WaitFor { events, .. } = &step.kind else {
                return;
            };
            for event in events {
                let Some((decl_app, Item::Event(decl))) =
                    program.lookup_path(app, DeclKind::Event, event)
                else {
                    continue;
                };
                let ce_type = super::event_info(program, decl_app, decl).ce_type;
                if out.iter().all(|a| a.ce_type != ce_type) {
                    out.push(Awaited {
                        event,
                        ce_type,
                        workflow: &wf.name,
                        span: step.span,
                    });
                }
            }
        });
    }
    out
}
