//! Shared plumbing of the checks: the context they run in, mapping byte
//! ranges inside string values back to the `.air` file, and visiting every
//! step of a workflow.

use crate::ast::{self, Block, Modifier, Step, StepKind, StrLit, Value, ValueKind};
use crate::model::{AppUnit, Program};
use crate::naming::child_blocks;
use crate::source::SourceMap;
use crate::span::Span;
use std::ops::Range;

/// What every check needs: the program, the app being checked, and the
/// source text (to map offsets inside string literals).
pub struct Cx<'a> {
    pub program: &'a Program,
    pub app: usize,
    pub sources: &'a SourceMap,
}

impl<'a> Cx<'a> {
    pub fn unit(&self) -> Option<&'a AppUnit> {
        self.program.apps.get(self.app)
    }

    /// The span of bytes `range` of a string literal's value. Exact when the
    /// literal is written without escapes; otherwise the whole literal.
    pub fn str_span(&self, lit: &StrLit, range: &Range<usize>) -> Span {
        let text = self.sources.snippet(lit.span);
        let plain = !lit.block
            && text.len() == lit.value.len() + 2
            && text.get(1..text.len() - 1) == Some(lit.value.as_str());
        if plain && range.end <= lit.value.len() {
            let start = lit.span.start + 1 + range.start as u32;
            // A zero-width problem (e.g. "empty") still gets one column.
            let end =
                (lit.span.start + 1 + range.end as u32).max(start + u32::from(range.is_empty()));
            Span {
                file: lit.span.file,
                start,
                end: end.min(lit.span.end),
            }
        } else {
            lit.span
        }
    }

    /// The span of bytes `range` of the string a value evaluates to: inside
    /// a literal when possible, the part of a `+` concatenation holding
    /// them, else the whole value.
    pub fn value_span(&self, value: &Value, range: &Range<usize>) -> Span {
        match &value.kind {
            ValueKind::Str(lit) => self.str_span(lit, range),
            ValueKind::Concat(parts) => {
                let mut at = 0usize;
                for part in parts {
                    let len = crate::check::consts::eval_const(self.program, self.app, part)
                        .map(|v| crate::check::consts::as_concat_text(&v).len())
                        .unwrap_or(0);
                    if range.start < at + len || (range.start == at + len && len == 0) {
                        let local = range.start - at..(range.end - at).min(len);
                        return self.value_span(part, &local);
                    }
                    at += len;
                }
                value.span
            }
            _ => value.span,
        }
    }
}

/// Calls `f` on every step of `block`, nested blocks included, in source
/// order.
pub fn steps<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Step)) {
    for step in &block.steps {
        f(step);
        for child in child_blocks(&step.kind) {
            steps(child, f);
        }
    }
}

/// Every `${ }` written in a workflow's steps (conditions, bodies, loop
/// collections, correlations, modifiers), in source order.
pub fn step_exprs<'a>(step: &'a Step, out: &mut Vec<&'a ast::Expr>) {
    match &step.kind {
        StepKind::Call { body, .. } => body.iter().for_each(|v| value_exprs(v, out)),
        StepKind::Run { input, .. } => input.iter().for_each(|v| value_exprs(v, out)),
        StepKind::Emit { data, .. } => data.iter().for_each(|v| value_exprs(v, out)),
        StepKind::Set { value } => value_exprs(value, out),
        StepKind::Return { value } => value.iter().for_each(|v| value_exprs(v, out)),
        StepKind::WaitFor { correlate, .. } => out.extend(correlate.iter().map(|c| &c.expr)),
        StepKind::If { branches, .. } => out.extend(branches.iter().map(|(e, _)| e)),
        StepKind::Switch { cases, .. } => out.extend(cases.iter().map(|c| &c.cond)),
        StepKind::For {
            collection, while_, ..
        } => {
            out.push(collection);
            out.extend(while_.iter());
        }
        StepKind::Sleep { .. }
        | StepKind::Parallel { .. }
        | StepKind::Try { .. }
        | StepKind::Fail { .. } => {}
    }
    for m in &step.modifiers {
        if let Modifier::When(e) = m {
            out.push(e);
        }
    }
}

/// Every `${ }` inside a value (lists and objects included).
pub fn value_exprs<'a>(value: &'a Value, out: &mut Vec<&'a ast::Expr>) {
    match &value.kind {
        ValueKind::Expr(e) => out.push(e),
        ValueKind::List(items) => items.iter().for_each(|v| value_exprs(v, out)),
        ValueKind::Object(entries) => entries.iter().for_each(|e| value_exprs(&e.value, out)),
        ValueKind::Concat(parts) => parts.iter().for_each(|v| value_exprs(v, out)),
        _ => {}
    }
}

/// Every `${ }` in a declaration's settings (trigger filters, values).
pub fn member_exprs<'a>(members: &'a [ast::Member], out: &mut Vec<&'a ast::Expr>) {
    for m in members {
        match m {
            ast::Member::Assign(a) => value_exprs(&a.value, out),
            ast::Member::Block(b) => b.entries.iter().for_each(|e| value_exprs(&e.value, out)),
            ast::Member::On(t) => {
                if let ast::TriggerKind::Event {
                    filter: Some(f), ..
                } = &t.kind
                {
                    out.push(f);
                }
            }
            ast::Member::Input(..) => {}
        }
    }
}
