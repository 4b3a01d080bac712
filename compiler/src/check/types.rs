//! Literal data against declared types: `emit E { … }` against the event's
//! `data`, `run wf { … }` against the workflow's `input T` (or its first
//! start event's data type). `${ }` stands for any type; `params.x` and
//! `+` concatenations are checked by their compile-time value.
//!
//! `call` bodies are not checked: functions and services declare no input
//! type in the language yet, so the callee's type is never known.

use super::consts::{as_integer, eval_const};
use super::walk::{Cx, steps};
use crate::ast::{
    self, Fields, Item, Member, ObjectEntry, Primitive, StepKind, StrLit, TriggerKind, TypeBody,
    TypeExpr, TypeExprKind, Value, ValueKind,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::model::{DeclKind, Program};
use crate::span::Span;
use serde_json::Value as Json;

/// What a type expression means once named types are followed. The
/// `usize` is the app whose names the inner types use.
#[derive(Clone, Copy, Debug)]
pub enum Shape<'a> {
    Struct(usize, &'a Fields),
    List(usize, &'a TypeExpr),
    Map(usize, &'a TypeExpr),
    Prim(Primitive),
    Enum(&'a [StrLit]),
    /// An unresolved name (already reported) or a too-deep alias chain.
    Unknown,
}

/// Follow named types (and aliases) to the shape of `ty`, written in app `app`.
pub fn shape_of<'a>(program: &'a Program, app: usize, ty: &'a TypeExpr) -> Shape<'a> {
    shape_at(program, app, ty, 0)
}

fn shape_at<'a>(program: &'a Program, app: usize, ty: &'a TypeExpr, depth: usize) -> Shape<'a> {
    if depth > 64 {
        return Shape::Unknown;
    }
    match &ty.kind {
        TypeExprKind::Primitive(p) => Shape::Prim(*p),
        TypeExprKind::List(t) => Shape::List(app, t),
        TypeExprKind::Map(t) => Shape::Map(app, t),
        TypeExprKind::Enum(lits) => Shape::Enum(lits),
        TypeExprKind::Named(path) => match program.lookup_path(app, DeclKind::Type, path) {
            Some((target, Item::Type(decl))) => match &decl.body {
                TypeBody::Struct(fields) => Shape::Struct(target, fields),
                TypeBody::Alias(t) => shape_at(program, target, t, depth + 1),
            },
            _ => Shape::Unknown,
        },
    }
}

/// The `data { … }` of the event `path` refers to (from app `app`), and the
/// app it is declared in. `None` when the event does not resolve or
/// declares no data.
pub fn event_data<'a>(
    program: &'a Program,
    app: usize,
    path: &ast::Path,
) -> Option<(usize, &'a Fields)> {
    let (target, item) = program.lookup_path(app, DeclKind::Event, path)?;
    let Item::Event(ev) = item else { return None };
    ev.members.iter().find_map(|m| match m {
        ast::EventMember::Data(f) => Some((target, f)),
        ast::EventMember::Assign(_) => None,
    })
}

/// The type a workflow's input has: `input T`, else its first start
/// event's data.
fn workflow_input<'a>(
    program: &'a Program,
    app: usize,
    w: &'a ast::WorkflowDecl,
) -> Option<Shape<'a>> {
    for m in &w.members {
        if let Member::Input(ty, _) = m {
            return Some(shape_of(program, app, ty));
        }
    }
    w.members.iter().find_map(|m| match m {
        Member::On(t) => match &t.kind {
            TriggerKind::Event { event, .. } => {
                event_data(program, app, event).map(|(a, f)| Shape::Struct(a, f))
            }
            _ => None,
        },
        _ => None,
    })
}

pub fn check_app(cx: &Cx, diags: &mut Diagnostics) {
    let Some(unit) = cx.unit() else { return };
    for w in unit.workflows() {
        steps(&w.body, &mut |step| match &step.kind {
            StepKind::Emit {
                event,
                data: Some(data),
            } => {
                if let Some((app, fields)) = event_data(cx.program, cx.app, event) {
                    check_value(cx, data, Shape::Struct(app, fields), diags, 0);
                }
            }
            StepKind::Run {
                workflow,
                input: Some(input),
            } => {
                if let Some(Item::Workflow(callee)) =
                    unit.lookup(DeclKind::Workflow, &workflow.name)
                    && let Some(shape) = workflow_input(cx.program, cx.app, callee)
                {
                    check_value(cx, input, shape, diags, 0);
                }
            }
            _ => {}
        });
    }
}

/// How a shape reads in messages.
fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Struct(..) => "an object".to_string(),
        Shape::List(..) => "a list".to_string(),
        Shape::Map(..) => "an object (map)".to_string(),
        Shape::Prim(Primitive::Integer) => "an integer".to_string(),
        Shape::Prim(p) => format!("a {}", p.as_str()),
        Shape::Enum(lits) => format!("one of {}", enum_list(lits)),
        Shape::Unknown => "a value".to_string(),
    }
}

fn enum_list(lits: &[StrLit]) -> String {
    lits.iter()
        .map(|l| format!("\"{}\"", l.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_of(v: &Value) -> &'static str {
    match &v.kind {
        ValueKind::Str(_) | ValueKind::Concat(_) => "a string",
        ValueKind::Number(n) if n.as_i64().is_some() => "an integer",
        ValueKind::Number(_) => "a number",
        ValueKind::Bool(_) => "a boolean",
        ValueKind::Null => "null",
        ValueKind::Duration(_) => "a duration",
        ValueKind::List(_) => "a list",
        ValueKind::Object(_) => "an object",
        ValueKind::Expr(_) => "an expression",
        ValueKind::Param(_) => "a param",
        ValueKind::Secret { .. } => "a secret reference",
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "a string",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::Bool(_) => "a boolean",
        Json::Null => "null",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn mismatch(span: Span, shape: &Shape, found: &str) -> Diagnostic {
    let want = describe(shape);
    Diagnostic::error(Code::E0322, format!("expected {want}, found {found}"))
        .with_primary(span, format!("expected {want}"))
        .with_help(format!(
            "write {want} here, or a `${{ … }}` computed at run time"
        ))
}

pub(super) fn check_value(cx: &Cx, v: &Value, shape: Shape, diags: &mut Diagnostics, depth: usize) {
    if depth > 128 {
        return;
    }
    match (&v.kind, shape) {
        (ValueKind::Expr(_), _) | (_, Shape::Unknown | Shape::Prim(Primitive::Any)) => {}
        (ValueKind::Param(p), _) => {
            if let Some(json) = eval_const(cx.program, cx.app, v)
                && let Some(mut d) = check_json(cx, &json, shape, v.span, 0)
            {
                d = d.with_note(format!("`params.{}` is {}", p.name, json));
                diags.push(d);
            }
        }
        (ValueKind::Concat(_), _) => {
            if let Some(json) = eval_const(cx.program, cx.app, v)
                && let Some(d) = check_json(cx, &json, shape, v.span, 0)
            {
                diags.push(d);
            }
        }
        (ValueKind::Str(s), Shape::Enum(lits)) => {
            if !lits.iter().any(|l| l.value == s.value) {
                let sugg = suggest(&s.value, lits.iter().map(|l| l.value.as_str()));
                let mut d = Diagnostic::error(
                    Code::E0323,
                    format!("\"{}\" is not one of the allowed values", s.value),
                )
                .with_primary(v.span, format!("allowed: {}", enum_list(lits)));
                d = match sugg {
                    Some(x) => d.with_help(format!("did you mean \"{x}\"?")),
                    None => d.with_help(format!("use one of {}", enum_list(lits))),
                };
                diags.push(d);
            }
        }
        (ValueKind::Str(_) | ValueKind::Duration(_), Shape::Prim(Primitive::String))
        | (ValueKind::Number(_), Shape::Prim(Primitive::Number))
        | (ValueKind::Bool(_), Shape::Prim(Primitive::Boolean)) => {}
        (ValueKind::Number(n), Shape::Prim(Primitive::Integer)) => {
            let json = super::consts::number(&n.text);
            if json.as_ref().and_then(as_integer).is_none() {
                diags.push(mismatch(v.span, &shape, "a number with a fraction"));
            }
        }
        (ValueKind::List(items), Shape::List(app, t)) => {
            let inner = shape_of(cx.program, app, t);
            for item in items {
                check_value(cx, item, inner, diags, depth + 1);
            }
        }
        (ValueKind::Object(entries), Shape::Map(app, t)) => {
            let inner = shape_of(cx.program, app, t);
            for e in entries {
                check_value(cx, &e.value, inner, diags, depth + 1);
            }
        }
        (ValueKind::Object(entries), Shape::Struct(app, fields)) => {
            check_object(cx, v, entries, app, fields, diags, depth);
        }
        _ => diags.push(mismatch(v.span, &shape, kind_of(v))),
    }
}

fn check_object(
    cx: &Cx,
    v: &Value,
    entries: &[ObjectEntry],
    app: usize,
    fields: &Fields,
    diags: &mut Diagnostics,
    depth: usize,
) {
    for e in entries {
        match fields.fields.iter().find(|f| f.name.name == e.key.name) {
            Some(f) => {
                let mut inner = Diagnostics::new();
                check_value(
                    cx,
                    &e.value,
                    shape_of(cx.program, app, &f.ty),
                    &mut inner,
                    depth + 1,
                );
                for mut d in inner {
                    // A problem with the field's own value: show its declaration.
                    if d.primary_span() == Some(e.value.span) {
                        d = d.with_secondary(
                            f.ty.span,
                            format!("`{}` is declared here", f.name.name),
                        );
                    }
                    diags.push(d);
                }
            }
            None => {
                let names = fields.fields.iter().map(|f| f.name.name.as_str());
                let mut d =
                    Diagnostic::error(Code::E0320, format!("unknown field `{}`", e.key.name))
                        .with_primary(e.key.span, "not in the declared type")
                        .with_secondary(fields.span, "fields declared here");
                d = match suggest(&e.key.name, names) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("declared fields: {}", field_list(fields))),
                };
                diags.push(d);
            }
        }
    }
    let missing: Vec<&str> = fields
        .fields
        .iter()
        .filter(|f| !f.optional && !entries.iter().any(|e| e.key.name == f.name.name))
        .map(|f| f.name.name.as_str())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let plural = if missing.len() > 1 { "s" } else { "" };
        diags.push(
            Diagnostic::error(
                Code::E0321,
                format!("missing required field{plural} {list}"),
            )
            .with_primary(v.span, format!("missing {list}"))
            .with_secondary(fields.span, "declared here")
            .with_help(format!(
                "add {list}, or mark the field{plural} optional with `?` in the type"
            )),
        );
    }
}

fn field_list(fields: &Fields) -> String {
    fields
        .fields
        .iter()
        .map(|f| f.name.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A compile-time JSON value against a shape; the first problem found,
/// located at `span` (the `params.x` or `+` expression).
fn check_json(cx: &Cx, json: &Json, shape: Shape, span: Span, depth: usize) -> Option<Diagnostic> {
    if depth > 128 {
        return None;
    }
    match (json, shape) {
        (_, Shape::Unknown | Shape::Prim(Primitive::Any)) => None,
        (Json::String(s), Shape::Enum(lits)) => (!lits.iter().any(|l| l.value == *s)).then(|| {
            Diagnostic::error(
                Code::E0323,
                format!("\"{s}\" is not one of the allowed values"),
            )
            .with_primary(span, format!("allowed: {}", enum_list(lits)))
        }),
        (Json::String(_), Shape::Prim(Primitive::String))
        | (Json::Number(_), Shape::Prim(Primitive::Number))
        | (Json::Bool(_), Shape::Prim(Primitive::Boolean)) => None,
        (Json::Number(_), Shape::Prim(Primitive::Integer)) => as_integer(json)
            .is_none()
            .then(|| mismatch(span, &shape, "a number with a fraction")),
        (Json::Array(items), Shape::List(app, t)) => {
            let inner = shape_of(cx.program, app, t);
            items
                .iter()
                .find_map(|i| check_json(cx, i, inner, span, depth + 1))
        }
        (Json::Object(map), Shape::Map(app, t)) => {
            let inner = shape_of(cx.program, app, t);
            map.values()
                .find_map(|i| check_json(cx, i, inner, span, depth + 1))
        }
        (Json::Object(map), Shape::Struct(app, fields)) => {
            if let Some(k) = map
                .keys()
                .find(|k| !fields.fields.iter().any(|f| f.name.name == **k))
            {
                return Some(
                    Diagnostic::error(Code::E0320, format!("unknown field `{k}`"))
                        .with_primary(span, "value has a field the type lacks")
                        .with_help(format!("declared fields: {}", field_list(fields))),
                );
            }
            if let Some(f) = fields
                .fields
                .iter()
                .find(|f| !f.optional && !map.contains_key(&f.name.name))
            {
                return Some(
                    Diagnostic::error(
                        Code::E0321,
                        format!("missing required field `{}`", f.name.name),
                    )
                    .with_primary(span, format!("missing `{}`", f.name.name)),
                );
            }
            fields.fields.iter().find_map(|f| {
                let v = map.get(&f.name.name)?;
                check_json(cx, v, shape_of(cx.program, app, &f.ty), span, depth + 1)
            })
        }
        _ => Some(mismatch(span, &shape, json_kind(json))),
    }
}
