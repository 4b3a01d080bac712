//! Workflow steps and their modifiers.

use super::Printer;
use super::values::{expr, string, value};
use crate::ast::*;

fn step_start(s: &Step) -> u32 {
    s.doc
        .as_ref()
        .map_or(s.span.start, |d| d.span.start.min(s.span.start))
}

/// The steps of a block, one after the other at the current depth.
pub(super) fn block_body(p: &mut Printer, block: &Block) {
    for (i, s) in block.steps.iter().enumerate() {
        step(p, s, i == 0);
    }
}

/// `{`, the block's steps one level deeper, `}` (no newline after it, so
/// `else`, `catch` or modifiers may follow on the same line).
fn block(p: &mut Printer, b: &Block) {
    p.push("{");
    p.ended(b.span.start + 1);
    p.indent();
    block_body(p, b);
    p.comments_before(b.span.end.saturating_sub(1), true);
    p.dedent();
    p.line("}");
    p.ended(b.span.end);
}

pub(super) fn step(p: &mut Printer, s: &Step, first: bool) {
    p.before_child(step_start(s), first);
    p.doc(&s.doc);
    p.line("");
    if let Some(l) = &s.label {
        p.push(&format!("{}: ", l.name));
    }
    kind(p, &s.kind);
    modifiers(p, s);
    p.ended(s.span.end);
}

/// `head` then an optional value after a space.
fn with_value(p: &mut Printer, head: &str, v: &Option<Value>) {
    p.push(head);
    if let Some(v) = v {
        p.push(" ");
        value(p, v);
    }
}

fn target(t: &Target) -> String {
    match t {
        Target::Step(i) => i.name.clone(),
        Target::End(_) => "end".into(),
        Target::Exit(_) => "exit".into(),
        Target::Continue(_) => "continue".into(),
    }
}

fn kind(p: &mut Printer, k: &StepKind) {
    match k {
        StepKind::Call {
            target,
            method,
            path,
            body,
        } => {
            let mut head = format!("call {}", target.display());
            if let Some((m, _)) = method {
                head.push(' ');
                head.push_str(m.as_str());
            }
            if let Some(path) = path {
                head.push(' ');
                head.push_str(&string(path));
            }
            with_value(p, &head, body);
        }
        StepKind::Run { workflow, input } => {
            with_value(p, &format!("run {}", workflow.name), input)
        }
        StepKind::Emit { event, data } => with_value(p, &format!("emit {}", event.display()), data),
        StepKind::Sleep { duration } => p.push(&format!("wait {}", duration.text)),
        StepKind::WaitFor {
            mode,
            events,
            correlate,
        } => {
            let names: Vec<String> = events.iter().map(Path::display).collect();
            let mut text = match mode {
                WaitMode::One => format!("wait for {}", names.join(", ")),
                WaitMode::All => format!("wait for all({})", names.join(", ")),
                WaitMode::Any => format!("wait for any({})", names.join(", ")),
            };
            if !correlate.is_empty() {
                let parts: Vec<String> = correlate
                    .iter()
                    .map(|c| format!("{} = {}", c.field.name, expr(&c.expr)))
                    .collect();
                text.push_str(&format!(" correlate {}", parts.join(", ")));
            }
            p.push(&text);
        }
        StepKind::Set { value: v } => {
            p.push("set ");
            value(p, v);
        }
        StepKind::If {
            branches,
            otherwise,
        } => {
            for (i, (cond, b)) in branches.iter().enumerate() {
                p.push(if i == 0 { "if " } else { " else if " });
                p.push(&expr(cond));
                p.push(" ");
                block(p, b);
            }
            if let Some(b) = otherwise {
                p.push(" else ");
                block(p, b);
            }
        }
        StepKind::Switch { cases, default } => {
            p.push("switch {");
            p.indent();
            for (i, c) in cases.iter().enumerate() {
                p.before_child(c.span.start, i == 0);
                p.line(&format!("case {} => {}", expr(&c.cond), target(&c.target)));
                p.ended(c.span.end);
            }
            if let Some(t) = default {
                p.before_child(t.span().start, cases.is_empty());
                p.line(&format!("else => {}", target(t)));
                p.ended(t.span().end);
            }
            p.dedent();
            p.line("}");
        }
        StepKind::Parallel { compete, branches } => {
            p.push(if *compete { "race {" } else { "parallel {" });
            p.indent();
            for (i, b) in branches.iter().enumerate() {
                p.before_child(b.span.start, i == 0);
                p.line(&format!("branch {} ", b.name.name));
                block(p, &b.body);
                p.ended(b.span.end);
            }
            p.dedent();
            p.line("}");
        }
        StepKind::For {
            item,
            index,
            collection,
            while_,
            body,
        } => {
            let mut head = format!("for {}", item.name);
            if let Some(i) = index {
                head.push_str(&format!(", {}", i.name));
            }
            head.push_str(&format!(" in {}", expr(collection)));
            if let Some(w) = while_ {
                head.push_str(&format!(" while {}", expr(w)));
            }
            p.push(&head);
            p.push(" ");
            block(p, body);
        }
        StepKind::Try { body, catch } => {
            p.push("try ");
            block(p, body);
            let mut head = String::from(" catch");
            if let Some(e) = &catch.error {
                head.push_str(&format!(" {}", e.display()));
            }
            if let Some(a) = &catch.as_ {
                head.push_str(&format!(" as {}", a.name));
            }
            if let Some(r) = &catch.retry {
                head.push_str(&format!(" {}", retry(r)));
            }
            p.push(&head);
            p.push(" ");
            block(p, &catch.body);
        }
        StepKind::Fail { error, detail } => {
            p.push(&format!("fail {}", error.display()));
            if let Some(d) = detail {
                p.push(&format!(" {}", string(d)));
            }
        }
        StepKind::Return { value: v } => with_value(p, "return", v),
    }
}

fn retry(r: &Retry) -> String {
    let mut s = format!("retry {}", r.attempts);
    if let Some(b) = r.backoff {
        s.push_str(match b {
            Backoff::Constant => " backoff constant",
            Backoff::Linear => " backoff linear",
            Backoff::Exponential => " backoff exponential",
        });
    }
    if let Some(d) = &r.delay {
        s.push_str(&format!(" {}", d.text));
    }
    if let Some(m) = &r.max {
        s.push_str(&format!(" max {}", m.text));
    }
    if let Some(w) = &r.within {
        s.push_str(&format!(" within {}", w.text));
    }
    s
}

fn modifier(m: &Modifier) -> String {
    match m {
        Modifier::Timeout(d) => format!("timeout {}", d.text),
        Modifier::Retry(r) => retry(r),
        Modifier::Then(t) => format!("then {}", target(t)),
        Modifier::When(e) => format!("when {}", expr(e)),
    }
}

/// Modifiers on the step's line when they fit, else one per continuation
/// line, two levels deeper.
fn modifiers(p: &mut Printer, s: &Step) {
    if s.modifiers.is_empty() {
        return;
    }
    let texts: Vec<String> = s.modifiers.iter().map(modifier).collect();
    let joined = texts.join(" ");
    let col = p.out.rsplit('\n').next().map_or(0, |l| l.chars().count());
    let first = s.modifiers.first().map_or(s.span.end, |m| m.span().start);
    let commented = p.has_comments(first.saturating_sub(1), s.span.end);
    if !commented && col + 1 + joined.chars().count() <= super::WIDTH {
        p.push(" ");
        p.push(&joined);
        return;
    }
    p.indent();
    p.indent();
    for (m, text) in s.modifiers.iter().zip(texts) {
        p.comments_before(m.span().start, false);
        p.line(&text);
        p.ended(m.span().end);
    }
    p.dedent();
    p.dedent();
}
