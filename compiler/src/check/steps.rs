//! Rules on workflow steps that keep the compiled document meaning what
//! the source says:
//!
//! - E0232: a variable (`for x, i`, `catch as e`) named like a runtime
//!   argument of Serverless Workflow (`$context`, `$workflow`, …), which
//!   the compiled expressions themselves use;
//! - E0233: a modifier written twice on one step (`then a then b`): the
//!   document could carry only one;
//! - E0405: `return` inside a `parallel`/`race` branch, whose value the
//!   fork's output would drop;
//! - E0406: a step nested inside an `if`, `for` or `try` of a fork branch
//!   that adds to `$context`: branches run concurrently and only what the
//!   steps written directly in a branch add is carried out of the fork;
//! - E0407: inside a fork, a `$context.<name>` that only the fork's own
//!   steps set: every branch runs on the context as of the fork, so it
//!   would read nothing;
//! - W0304: `catch E` around steps that can never raise `E`;
//! - W0305: `retry … max d`, which reads as a cap on each delay but can
//!   only bound the whole retrying (`within d` says so).

use super::walk::{self, Cx};
use crate::ast::{Block, Catch, Ident, Item, Modifier, Retry, Step, StepKind};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::DeclKind;
use crate::naming::child_blocks;

/// The runtime expression arguments of Serverless Workflow 1.0
/// (dsl.md, "Runtime expression arguments").
pub const RESERVED_VARIABLES: &[&str] = &[
    "context",
    "input",
    "output",
    "workflow",
    "task",
    "runtime",
    "secrets",
    "authorization",
];

pub fn check_app(cx: &Cx, diags: &mut Diagnostics) {
    let Some(unit) = cx.unit() else { return };
    for wf in unit.workflows() {
        block(cx, &wf.body, false, diags);
        nested_writes(&wf.body, Place::Outside, diags);
        fork_reads(&wf.body, diags);
    }
}

/// Where a block stands relative to fork branches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Not inside any branch.
    Outside,
    /// The steps written directly in a branch: what they add to the
    /// context is threaded through the branch's output.
    BranchTop,
    /// Deeper inside a branch (an `if`, `for` or `try` in it).
    BranchNested,
}

/// E0406: a step deeper inside a branch that adds to `$context`. Its
/// task would write the shared context while the other branches run
/// (two read-modify-writes at once lose one), so it is refused.
fn nested_writes(b: &Block, place: Place, diags: &mut Diagnostics) {
    for step in &b.steps {
        if place == Place::BranchNested && step.adds_to_context() {
            let (span, what) = match &step.label {
                Some(l) => (
                    l.span,
                    format!("`{}` would be written to `$context`", l.name),
                ),
                None => (
                    step.span,
                    "its keys would be written to `$context`".to_string(),
                ),
            };
            diags.push(
                Diagnostic::error(
                    Code::E0406,
                    "a step nested in a fork branch's `if`, `for` or `try` adds to `$context`",
                )
                .with_primary(span, format!("{what} while other branches run"))
                .with_help(
                    "only the steps written directly in a branch carry results out of the \
                     fork: move the steps into a workflow of their own and `run` it from the \
                     branch with a label, or move them after the fork",
                ),
            );
        }
        let inner = match (&step.kind, place) {
            (StepKind::Parallel { .. }, _) => Place::BranchTop,
            (_, Place::Outside) => Place::Outside,
            _ => Place::BranchNested,
        };
        for child in child_blocks(&step.kind) {
            nested_writes(child, inner, diags);
        }
    }
}

/// E0407: inside a fork, `$context.<name>` where `<name>` is set only by
/// the fork's own steps (or is the fork's label). Every branch runs on the
/// context as of the fork; the fork's results reach `$context` when it
/// completes.
fn fork_reads(body: &Block, diags: &mut Diagnostics) {
    // Where each context key is set, step by step.
    let mut all_keys: Vec<(&str, &Step)> = Vec::new();
    walk::steps(body, &mut |s| {
        all_keys.extend(s.context_keys().into_iter().map(|k| (k, s)));
    });
    let mut reported = std::collections::HashSet::new();
    walk::steps(body, &mut |fork| {
        let StepKind::Parallel { branches, .. } = &fork.kind else {
            return;
        };
        let inside = |s: &Step| fork.span.start <= s.span.start && s.span.end <= fork.span.end;
        for branch in branches {
            walk::steps(&branch.body, &mut |s| {
                let mut exprs = Vec::new();
                walk::step_exprs(s, &mut exprs);
                for e in exprs {
                    for (span, name) in e.context_reads() {
                        let setters: Vec<&Step> = all_keys
                            .iter()
                            .filter(|(k, _)| *k == name)
                            .map(|(_, s)| *s)
                            .collect();
                        let Some(setter) = setters.first() else {
                            continue;
                        };
                        if !setters.iter().all(|s| inside(s)) || !reported.insert(span) {
                            continue;
                        }
                        let kind = fork.kind.keyword();
                        diags.push(
                            Diagnostic::error(
                                Code::E0407,
                                format!(
                                    "`$context.{name}` is read inside the `{kind}` that sets it"
                                ),
                            )
                            .with_primary(span, "reads the context as of the fork: nothing here")
                            .with_secondary(setter.span, "set here, in the fork")
                            .with_help(format!(
                                "the fork's results reach `$context` when it completes: read \
                                 `$context.{name}` after the `{kind}`, or move the steps that \
                                 need it into a workflow of their own and `run` it from the branch"
                            )),
                        );
                    }
                }
            });
        }
    });
}

fn block(cx: &Cx, b: &Block, in_branch: bool, diags: &mut Diagnostics) {
    for step in &b.steps {
        one(cx, step, in_branch, diags);
        let branch = in_branch || matches!(step.kind, StepKind::Parallel { .. });
        for child in child_blocks(&step.kind) {
            block(cx, child, branch, diags);
        }
    }
}

fn one(cx: &Cx, step: &Step, in_branch: bool, diags: &mut Diagnostics) {
    match &step.kind {
        StepKind::For { item, index, .. } => {
            reserved(item, diags);
            if let Some(i) = index {
                reserved(i, diags);
            }
        }
        StepKind::Try { body, catch } => {
            if let Some(a) = &catch.as_ {
                reserved(a, diags);
            }
            unreachable_catch(cx, body, catch, diags);
            if let Some(r) = &catch.retry {
                retry_max(r, diags);
            }
        }
        StepKind::Return { .. } if in_branch => diags.push(
            Diagnostic::error(Code::E0405, "`return` inside a `parallel` or `race` branch")
                .with_primary(step.span, "its value would be lost")
                .with_help(
                    "label the branch's last step and `return` after the fork, reading \
                     `$context.<fork label>.<branch>`",
                ),
        ),
        _ => {}
    }
    duplicate_modifiers(step, diags);
    for m in &step.modifiers {
        if let Modifier::Retry(r) = m {
            retry_max(r, diags);
        }
    }
}

fn retry_max(r: &Retry, diags: &mut Diagnostics) {
    let Some(max) = &r.max else { return };
    diags.push(
        Diagnostic::warning(
            Code::W0305,
            "`max` bounds the whole retrying, not each delay",
        )
        .with_primary(
            max.span,
            format!("retrying stops {} after the first failure", max.text),
        )
        .with_help(format!(
            "write `within {}` (the same policy, as it reads); Serverless Workflow \
                 cannot cap a single delay",
            max.text
        )),
    );
}

fn reserved(name: &Ident, diags: &mut Diagnostics) {
    if RESERVED_VARIABLES.contains(&name.name.as_str()) {
        diags.push(
            Diagnostic::error(
                Code::E0232,
                format!("`{}` is reserved for the workflow runtime", name.name),
            )
            .with_primary(
                name.span,
                format!("`${}` would hide the runtime's", name.name),
            )
            .with_help(format!(
                "choose another name; reserved: {}",
                RESERVED_VARIABLES.join(", ")
            )),
        );
    }
}

fn duplicate_modifiers(step: &Step, diags: &mut Diagnostics) {
    let word = |m: &Modifier| match m {
        Modifier::Timeout(_) => "timeout",
        Modifier::Retry(_) => "retry",
        Modifier::Then(_) => "then",
        Modifier::When(_) => "when",
    };
    for (i, m) in step.modifiers.iter().enumerate() {
        if let Some(first) = step.modifiers[..i].iter().find(|f| word(f) == word(m)) {
            diags.push(
                Diagnostic::error(Code::E0233, format!("`{}` is given twice", word(m)))
                    .with_primary(m.span(), "second one")
                    .with_secondary(first.span(), "first one")
                    .with_help("keep one"),
            );
        }
    }
}

/// W0304: `catch E` where `E` is a declared error that nothing in the
/// `try` body can raise: no `fail E`, no `run` (a sub-workflow may fail
/// with it) and — unless `E` states an HTTP status, which a failed `call`
/// matches — no `call`.
fn unreachable_catch(cx: &Cx, body: &Block, catch: &Catch, diags: &mut Diagnostics) {
    let Some(path) = &catch.error else { return };
    let Some((_, Item::Error(decl))) = cx.program.lookup_path(cx.app, DeclKind::Error, path) else {
        return; // a standard error (`timeout`, …) or unknown (reported elsewhere)
    };
    let has_status = decl.members.iter().any(|m| m.key.name == "status");
    let mut can_raise = false;
    walk::steps(body, &mut |s| {
        can_raise |= match &s.kind {
            StepKind::Fail { error, .. } => error.display() == path.display(),
            StepKind::Run { .. } => true,
            StepKind::Call { .. } => has_status,
            _ => false,
        };
    });
    if !can_raise {
        let why = if has_status {
            "no step of the `try` raises it: no `fail`, `run` or `call`"
        } else {
            "no step of the `try` raises it (`call` fails with HTTP errors, which match an error only by its `status`)"
        };
        diags.push(
            Diagnostic::warning(
                Code::W0304,
                format!("`catch {}` can never match", path.display()),
            )
            .with_primary(path.span, why)
            .with_help(format!(
                "give `error {}` the HTTP status to catch (`status = 409`), or catch \
                 `communication`",
                path.name.name
            )),
        );
    }
}
