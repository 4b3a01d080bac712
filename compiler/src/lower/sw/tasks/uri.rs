//! URI-template variables of a `call` path (`"/invoices/{ref}"`), bound
//! from the step's object (`{ ref: … }`) at compile time.
//!
//! Serverless Workflow resolves `{ref}` against the task input — the
//! workflow input here, never the step's object — so a template left in
//! the document would be filled from the event (usually with nothing).
//! Instead every variable is substituted: a compile-time value
//! percent-encoded into the URI, a `${ }` value through a runtime
//! expression building the URI (`… + ((EXPR) | tostring | @uri) + …`).
//! The bound keys leave the query or body. A variable without a value is
//! E0556.

use crate::ast::{ObjectEntry, Value, ValueKind};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lower::concat;
use crate::lower::sw::Values;
use crate::lower::sw::values::{expr_body, json_string};
use crate::span::Span;

/// One piece of a URI: literal text or a `${ }` (its jq body).
enum Piece {
    Text(String),
    Expr(String),
}

/// The endpoint URI (a string, or a runtime expression when a variable is
/// bound to one) and the names of the object's keys it consumed.
pub struct Bound {
    pub uri: String,
    pub consumed: Vec<String>,
}

/// Substitute the `{name}` variables of `uri` with the entries of
/// `object` (the step's body or query object, if it is one).
pub fn bind(
    values: &Values<'_>,
    uri: &str,
    object: Option<&Value>,
    path_span: Span,
) -> Result<Bound, Diagnostic> {
    let entries: &[ObjectEntry] = match object.map(|v| &v.kind) {
        Some(ValueKind::Object(e)) => e,
        _ => &[],
    };
    let mut pieces = Vec::new();
    let mut consumed = Vec::new();
    let mut rest = uri;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        push(&mut pieces, Piece::Text(rest[..open].to_string()));
        let name = &rest[open + 1..close];
        let Some(entry) = entries.iter().find(|e| e.key.name == name) else {
            return Err(unbound(name, path_span, object.is_some()));
        };
        push(&mut pieces, piece(values, name, &entry.value)?);
        consumed.push(name.to_string());
        rest = &rest[close + 1..];
    }
    push(&mut pieces, Piece::Text(rest.to_string()));
    Ok(Bound {
        uri: assemble(pieces),
        consumed,
    })
}

/// Append, joining adjacent literal text.
fn push(pieces: &mut Vec<Piece>, p: Piece) {
    match (pieces.last_mut(), p) {
        (Some(Piece::Text(last)), Piece::Text(t)) => last.push_str(&t),
        (_, p) => pieces.push(p),
    }
}

fn piece(values: &Values<'_>, name: &str, value: &Value) -> Result<Piece, Diagnostic> {
    match &value.kind {
        ValueKind::Expr(e) => Ok(Piece::Expr(expr_body(e))),
        ValueKind::List(_) | ValueKind::Object(_) | ValueKind::Null => Err(Diagnostic::error(
            Code::E0556,
            format!("URI template variable `{{{name}}}` needs a string, number or boolean"),
        )
        .with_primary(value.span, "not a scalar")
        .with_help("compute a string with `${ … }`")),
        _ => Ok(Piece::Text(percent_encode(&values.string(value)?))),
    }
}

fn unbound(name: &str, span: Span, has_object: bool) -> Diagnostic {
    let help = if has_object {
        format!("add `{name}: …` to the step's object")
    } else {
        format!("give the step an object with `{name}: …`")
    };
    Diagnostic::error(
        Code::E0556,
        format!("URI template variable `{{{name}}}` has no value"),
    )
    .with_primary(span, "the path names it")
    .with_help(help)
}

/// Literal text alone stays a URI; with an expression, a jq string sum.
fn assemble(pieces: Vec<Piece>) -> String {
    if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
        return pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Expr(t) => t,
            })
            .collect();
    }
    let parts: Vec<String> = pieces
        .into_iter()
        .filter(|p| !matches!(p, Piece::Text(t) if t.is_empty()))
        .map(|p| match p {
            Piece::Text(t) => json_string(&t),
            Piece::Expr(e) => {
                let close = if e.contains('#') { "\n)" } else { ")" };
                concat(&["((", &e, close, " | tostring | @uri)"])
            }
        })
        .collect();
    concat(&["${ ", &parts.join(" + "), " }"])
}

/// RFC 3986 percent-encoding of everything but the unreserved characters
/// (what jq's `@uri` does at run time).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn encodes_like_jq_uri() {
        assert_eq!(percent_encode("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
    }
}
