//! Values in `test` blocks: `send` data against the event's data type
//! (as `emit` data is checked), jq syntax of every predicate (and `.data`
//! paths of `expect emit` predicates against the event's type), HTTP
//! statuses in range, literals where a literal is expected, and the
//! CloudEvents attributes of `send … with`.

use super::jq::{Memo, check_expr};
use super::types::{Shape, check_value, event_data};
use super::walk::Cx;
use crate::ast::{
    self, Count, EmitMatch, Expr, OrderItem, Outcome, TestStmtKind, Value, ValueKind,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};

/// Attributes a `send` takes from the event's declaration (or the CloudEvents
/// version): `with` cannot set them. `source` can be: a test may play a
/// producer elsewhere (and so exercise a `where` on the source).
const FIXED_ATTRIBUTES: &[&str] = &["type", "data", "specversion"];

pub fn check_app(cx: &Cx, diags: &mut Diagnostics) {
    let Some(unit) = cx.unit() else { return };
    let memo = &mut Memo::default();
    for t in unit.files.iter().flat_map(|f| f.tests.iter()) {
        for s in &t.stmts {
            match &s.kind {
                TestStmtKind::Send {
                    event, data, with, ..
                } => {
                    if let Some(d) = data {
                        literal(d, diags);
                        if let Some((app, fields)) = event_data(cx.program, cx.app, event) {
                            check_value(cx, d, Shape::Struct(app, fields), diags, 0);
                        }
                    }
                    if let Some(w) = with {
                        literal(w, diags);
                        attributes(w, diags);
                    }
                }
                TestStmtKind::Start { input, .. } => {
                    if let Some(v) = input {
                        literal(v, diags);
                    }
                }
                TestStmtKind::Tick { .. } | TestStmtKind::Advance { .. } => {}
                TestStmtKind::AllowEmit { .. } => {}
                TestStmtKind::Mock {
                    predicate,
                    responses,
                    ..
                } => {
                    if let Some(p) = predicate {
                        check_expr(cx, p, &[], diags, memo);
                    }
                    for r in responses {
                        if let Some(s) = &r.status {
                            status(s, diags);
                        }
                        if let Some(b) = &r.body {
                            literal(b, diags);
                        }
                    }
                }
                TestStmtKind::ExpectEmit { matcher, .. } => emit_match(cx, matcher, diags, memo),
                TestStmtKind::ExpectCall { matcher, .. } => {
                    self::matcher(cx, matcher.matcher.as_ref(), &[], diags, memo);
                }
                TestStmtKind::ExpectWorkflow { outcome, .. } => match outcome {
                    Outcome::Completes(m) => self::matcher(cx, m.as_ref(), &[], diags, memo),
                    Outcome::Context(v) => self::matcher(cx, Some(v), &[], diags, memo),
                    Outcome::Fails {
                        status: Some(s), ..
                    } => status(s, diags),
                    Outcome::Fails { .. } => {}
                },
                TestStmtKind::ExpectOrder { items } => {
                    for item in items {
                        match item {
                            OrderItem::Emit(m) => emit_match(cx, m, diags, memo),
                            OrderItem::Call(m) => {
                                self::matcher(cx, m.matcher.as_ref(), &[], diags, memo);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `emit E [data | ${ … }]`: a predicate runs on the whole event, so its
/// `.data` paths follow E's data type.
fn emit_match<'a>(cx: &Cx, m: &'a EmitMatch, diags: &mut Diagnostics, memo: &mut Memo<'a>) {
    matcher(
        cx,
        m.matcher.as_ref(),
        std::slice::from_ref(&m.event),
        diags,
        memo,
    );
}

/// A literal (checked as one) or a `${ … }` predicate (checked as jq).
fn matcher<'a>(
    cx: &Cx,
    m: Option<&'a Value>,
    events: &[ast::Path],
    diags: &mut Diagnostics,
    memo: &mut Memo<'a>,
) {
    match m.map(|v| (v, &v.kind)) {
        Some((_, ValueKind::Expr(e))) => check_expr(cx, e, events, diags, memo),
        Some((v, _)) => literal(v, diags),
        None => {}
    }
}

/// Test data is literal: a `${ … }` inside it would only be compared as
/// text, never evaluated.
fn literal(v: &Value, diags: &mut Diagnostics) {
    let mut exprs: Vec<&Expr> = Vec::new();
    super::walk::value_exprs(v, &mut exprs);
    for e in exprs {
        diags.push(
            Diagnostic::error(
                Code::E0314,
                "a runtime expression inside test data",
            )
            .with_primary(e.span, "test data is compared or sent as written")
            .with_help(
                "write the literal value; to test a condition, give the whole match as `${ … }` (a predicate)",
            ),
        );
    }
}

/// `with { … }`: CloudEvents context attributes, whose names are lower-case
/// ASCII letters and digits and whose values are scalars.
fn attributes(w: &Value, diags: &mut Diagnostics) {
    let ValueKind::Object(entries) = &w.kind else {
        return;
    };
    for e in entries {
        let name = e.key.name.as_str();
        let why = if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            Some("CloudEvents attribute names are lower-case letters and digits".to_string())
        } else if FIXED_ATTRIBUTES.contains(&name) {
            Some(format!("`{name}` comes from the event's declaration"))
        } else if matches!(
            e.value.kind,
            ValueKind::Object(_) | ValueKind::List(_) | ValueKind::Null
        ) {
            Some("an attribute's value is a string, number or boolean".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            diags.push(
                Diagnostic::error(Code::E0315, format!("`{name}` cannot be set with `with`"))
                    .with_primary(e.span, why)
                    .with_help(
                        "`with` adds context attributes such as `subject: \"o-1\"` or extensions \
                     (`tenant: \"acme\"`); the data goes before `with`",
                    ),
            );
        }
    }
}

fn status(s: &Count, diags: &mut Diagnostics) {
    if !(100..=599).contains(&s.value) {
        diags.push(
            Diagnostic::error(Code::E0313, format!("{} is not an HTTP status", s.value))
                .with_primary(s.span, "statuses go from 100 to 599")
                .with_help("to answer with a number, give the status first: `200 42`"),
        );
    }
}
