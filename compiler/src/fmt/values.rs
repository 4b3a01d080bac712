//! Values, strings, types and expressions.

use super::Printer;
use crate::ast::*;
use crate::span::Span;

/// A string literal in canonical form: `"…"` with escapes. (Block strings
/// are printed by [`value`], which knows the indentation.)
pub(super) fn string(s: &StrLit) -> String {
    quote(&s.value)
}

pub(super) fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn expr(e: &Expr) -> String {
    format!("${{{}}}", e.source)
}

pub(super) fn type_expr(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Primitive(p) => p.as_str().to_string(),
        TypeExprKind::List(inner) => format!("[{}]", type_expr(inner)),
        TypeExprKind::Map(inner) => format!("map<{}>", type_expr(inner)),
        TypeExprKind::Named(p) => p.display(),
        TypeExprKind::Enum(items) => items.iter().map(string).collect::<Vec<_>>().join(" | "),
    }
}

/// The one-line form of a value, or `None` when it cannot be on one line
/// (a block string, or something that does not fit is decided by callers).
pub(super) fn inline(v: &Value) -> Option<String> {
    Some(match &v.kind {
        ValueKind::Str(s) if s.block => return None,
        ValueKind::Str(s) => string(s),
        ValueKind::Number(n) => n.text.clone(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Null => "null".to_string(),
        ValueKind::Duration(d) => d.text.clone(),
        ValueKind::Expr(e) => expr(e),
        ValueKind::Param(p) => format!("params.{}", p.name),
        ValueKind::Secret { name, key } => format!("secret({}, {})", string(name), string(key)),
        ValueKind::Concat(parts) => {
            let parts: Option<Vec<String>> = parts.iter().map(inline).collect();
            parts?.join(" + ")
        }
        ValueKind::List(items) => {
            let items: Option<Vec<String>> = items.iter().map(inline).collect();
            format!("[{}]", items?.join(", "))
        }
        ValueKind::Object(entries) if entries.is_empty() => "{}".to_string(),
        ValueKind::Object(entries) => {
            let mut parts = Vec::with_capacity(entries.len());
            for e in entries {
                if e.doc.is_some() {
                    return None;
                }
                parts.push(format!("{}: {}", key(&e.key), inline(&e.value)?));
            }
            format!("{{ {} }}", parts.join(", "))
        }
    })
}

fn key(k: &ObjectKey) -> String {
    if k.quoted {
        quote(&k.name)
    } else {
        k.name.clone()
    }
}

/// Width of the current output line so far.
fn column(p: &Printer) -> usize {
    p.out.rsplit('\n').next().map_or(0, |l| l.chars().count())
}

/// Append a value to the current line, breaking objects and lists over
/// several lines when they do not fit or hold comments.
pub(super) fn value(p: &mut Printer, v: &Value) {
    if !p.has_comments(v.span.start, v.span.end)
        && let Some(text) = inline(v)
        && column(p) + text.chars().count() <= super::WIDTH
    {
        p.push(&text);
        p.ended(v.span.end);
        return;
    }
    match &v.kind {
        ValueKind::Object(entries) => object(p, entries, v.span, false),
        ValueKind::List(items) => {
            p.push("[");
            p.ended(v.span.start + 1);
            p.indent();
            for (i, item) in items.iter().enumerate() {
                p.before_child(item.span.start, i == 0);
                p.line("");
                value(p, item);
                p.push(",");
                p.ended(item.span.end);
            }
            p.comments_before(v.span.end.saturating_sub(1), true);
            p.dedent();
            p.line("]");
        }
        ValueKind::Str(s) if s.block => block_string(p, s),
        ValueKind::Concat(parts) => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    p.push(" + ");
                }
                value(p, part);
            }
        }
        // Scalars that did not fit stay on the line: there is no better place.
        _ => p.push(&inline(v).unwrap_or_default()),
    }
    p.ended(v.span.end);
}

/// `{ … }` with one entry per line. `force` = always multi-line (blocks of
/// settings such as `env { }`).
pub(super) fn object(p: &mut Printer, entries: &[ObjectEntry], span: Span, force: bool) {
    if entries.is_empty() && !p.has_comments(span.start, span.end) {
        p.push("{}");
        p.ended(span.end);
        return;
    }
    if !force
        && !p.has_comments(span.start, span.end)
        && let Some(text) = inline(&Value {
            kind: ValueKind::Object(entries.to_vec()),
            span,
        })
        && column(p) + text.chars().count() <= super::WIDTH
    {
        p.push(&text);
        p.ended(span.end);
        return;
    }
    p.push("{");
    p.ended(span.start + 1);
    p.indent();
    for (i, e) in entries.iter().enumerate() {
        let start = e
            .doc
            .as_ref()
            .map_or(e.span.start, |d| d.span.start.min(e.span.start));
        p.before_child(start, i == 0);
        p.doc(&e.doc);
        p.line(&format!("{}: ", key(&e.key)));
        value(p, &e.value);
        p.ended(e.span.end);
    }
    p.comments_before(span.end.saturating_sub(1), true);
    p.dedent();
    p.line("}");
    p.ended(span.end);
}

/// A `"""` block: content lines one level deeper than the line holding it.
fn block_string(p: &mut Printer, s: &StrLit) {
    p.push("\"\"\"");
    p.indent();
    for l in s.value.split('\n') {
        let escaped = l.replace('\\', "\\\\").replace("\"\"\"", "\\\"\"\"");
        p.line(&escaped);
    }
    p.dedent();
    p.line("\"\"\"");
}
