//! `test "…" { … }` blocks: one statement per line, clauses in the
//! grammar's order, values broken like everywhere else.

use super::Printer;
use super::values::{expr, string, value};
use crate::ast::*;

/// Where a test block's text starts, its doc comment included.
pub(super) fn test_start(t: &TestDecl) -> u32 {
    doc_start(&t.doc, t.span.start)
}

fn doc_start(doc: &Option<Doc>, start: u32) -> u32 {
    doc.as_ref().map_or(start, |d| d.span.start.min(start))
}

pub(super) fn test(p: &mut Printer, t: &TestDecl) {
    p.doc(&t.doc);
    p.line(&format!("test {} {{", string(&t.name)));
    p.ended(t.name.span.end);
    p.indent();
    for (i, s) in t.stmts.iter().enumerate() {
        p.before_child(doc_start(&s.doc, s.span.start), i == 0);
        p.doc(&s.doc);
        p.line("");
        stmt(p, &s.kind);
        p.ended(s.span.end);
    }
    p.comments_before(t.span.end.saturating_sub(1), true);
    p.dedent();
    p.line("}");
    p.ended(t.span.end);
}

/// `head`, then ` value` when there is one.
fn head_value(p: &mut Printer, head: &str, v: Option<&Value>) {
    p.push(head);
    if let Some(v) = v {
        p.push(" ");
        value(p, v);
    }
}

fn stmt(p: &mut Printer, k: &TestStmtKind) {
    match k {
        TestStmtKind::Send {
            event,
            data,
            with,
            after,
        } => {
            head_value(p, &format!("send {}", event.display()), data.as_ref());
            if let Some(w) = with {
                head_value(p, " with", Some(w));
            }
            if let Some(d) = after {
                p.push(&format!(" after {}", d.text));
            }
        }
        TestStmtKind::Start { workflow, input } => {
            head_value(p, &format!("start {}", workflow.name), input.as_ref());
        }
        TestStmtKind::Tick { workflow } => p.push(&format!("tick {}", workflow.name)),
        TestStmtKind::Advance { by } => p.push(&format!("advance {}", by.text)),
        TestStmtKind::Mock {
            call,
            predicate,
            responses,
        } => {
            p.push(&format!("mock {}", call_pattern(call)));
            if let Some(e) = predicate {
                p.push(&format!(" where {}", expr(e)));
            }
            for (i, r) in responses.iter().enumerate() {
                p.push(if i == 0 { " => " } else { " then " });
                response(p, r);
            }
        }
        TestStmtKind::ExpectEmit { no, matcher, times } => {
            p.push(if *no { "expect no " } else { "expect " });
            emit_match(p, matcher);
            times_clause(p, times);
        }
        TestStmtKind::ExpectCall { no, matcher, times } => {
            p.push(if *no { "expect no " } else { "expect " });
            call_match(p, matcher);
            times_clause(p, times);
        }
        TestStmtKind::ExpectWorkflow { workflow, outcome } => {
            let head = format!("expect workflow {}", workflow.name);
            match outcome {
                Outcome::Completes(v) => head_value(p, &format!("{head} completes"), v.as_ref()),
                Outcome::Fails { error, status } => {
                    let mut s = format!("{head} fails {}", error.display());
                    if let Some(n) = status {
                        s.push_str(&format!(" status {}", n.value));
                    }
                    p.push(&s);
                }
                Outcome::Context(v) => head_value(p, &format!("{head} context"), Some(v)),
            }
        }
        TestStmtKind::ExpectOrder { items } => {
            p.push("expect order {");
            p.indent();
            for (i, item) in items.iter().enumerate() {
                let span = match item {
                    OrderItem::Emit(m) => m.span,
                    OrderItem::Call(m) => m.span,
                };
                p.before_child(span.start, i == 0);
                p.line("");
                match item {
                    OrderItem::Emit(m) => emit_match(p, m),
                    OrderItem::Call(m) => call_match(p, m),
                }
                p.ended(span.end);
            }
            p.dedent();
            if items.is_empty() {
                p.push("}");
            } else {
                p.line("}");
            }
        }
        TestStmtKind::AllowEmit { event } => p.push(&format!("allow emit {}", event.display())),
    }
}

/// `call target [METHOD "path"]`
pub(super) fn call_pattern(c: &CallPattern) -> String {
    let mut s = format!("call {}", c.target.display());
    if let Some((m, _)) = c.method {
        s.push(' ');
        s.push_str(m.as_str());
    }
    if let Some(path) = &c.path {
        s.push(' ');
        s.push_str(&string(path));
    }
    s
}

fn emit_match(p: &mut Printer, m: &EmitMatch) {
    head_value(
        p,
        &format!("emit {}", m.event.display()),
        m.matcher.as_ref(),
    );
}

fn call_match(p: &mut Printer, m: &CallMatch) {
    head_value(p, &call_pattern(&m.call), m.matcher.as_ref());
}

fn times_clause(p: &mut Printer, times: &Option<Count>) {
    if let Some(n) = times {
        p.push(&format!(" times {}", n.value));
    }
}

/// `[STATUS] [VALUE] [after DURATION]`
fn response(p: &mut Printer, r: &MockResponse) {
    match (&r.status, &r.body) {
        (Some(s), body) => head_value(p, &s.value.to_string(), body.as_ref()),
        (None, Some(b)) => value(p, b),
        (None, None) => {}
    }
    if let Some(d) = &r.after {
        p.push(&format!(" after {}", d.text));
    }
}
