//! Runtime expressions: every `${ … }` is parsed with jaq's jq parser and
//! syntax errors are reported at the exact byte of the `.air` file. In a
//! workflow (or trigger filter) whose input is a typed CloudEvent, paths
//! `.data.x.y` are followed through the event's data type and an unknown
//! field is a warning with a suggestion.
//!
//! Variables (`$context`, `$workflow`, loop variables, …) are not checked:
//! Serverless Workflow runtimes define more than the compiler can scope
//! precisely.

use super::types::{Shape, event_data, shape_of};
use super::walk::{Cx, member_exprs, step_exprs, steps};
use crate::ast::{self, Expr, Item, Member, TriggerKind};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::span::Span;
use foldhash::{HashMap, HashMapExt};
use jaq_core::load::lex::{Expect as LexExpect, Lexer, StrPart, Tok, Token};
use jaq_core::load::parse::{BinaryOp, Expect as ParseExpect, Parser, Term};
use jaq_core::path::Part;
use std::ops::Range;

/// A jq syntax error: byte range inside the expression's text and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JqError {
    pub range: Range<usize>,
    pub message: String,
}

/// Parse a jq program. `Ok` holds nothing: callers that need the tree use
/// [`with_term`]. (The property tests check its errors.)
#[cfg(test)]
pub fn syntax(src: &str) -> Result<(), Vec<JqError>> {
    with_term(src, |_| ())
}

/// Parse `src` and hand the syntax tree to `f`.
pub fn with_term<'s, R>(
    src: &'s str,
    f: impl FnOnce(&Term<&'s str>) -> R,
) -> Result<R, Vec<JqError>> {
    let tokens = Lexer::new(src).lex().map_err(|errs| {
        errs.into_iter()
            .map(|(expect, found)| lex_error(src, &expect, found))
            .collect::<Vec<_>>()
    })?;
    let term = Parser::new(&tokens).parse(|p| p.term()).map_err(|errs| {
        errs.into_iter()
            .map(|(expect, found)| parse_error(src, &expect, found))
            .collect::<Vec<_>>()
    })?;
    Ok(f(&term))
}

/// Byte range of `part`, a slice of `whole`; `None` if it is not one.
fn offset_in(whole: &str, part: &str) -> Option<Range<usize>> {
    let w = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= w && p + part.len() <= w + whole.len()).then(|| p - w..p - w + part.len())
}

/// One character (or the end) at byte `at`.
fn char_at(src: &str, at: usize) -> Range<usize> {
    let len = src
        .get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    at..at + len
}

fn lex_error(src: &str, expect: &LexExpect<&str>, found: &str) -> JqError {
    let at = offset_in(src, found).map_or(src.len(), |r| r.start);
    let (range, message) = match expect {
        LexExpect::Delim(open) => {
            let r = offset_in(src, open).map_or_else(|| char_at(src, at), |r| r.start..r.start + 1);
            let what = match open.get(..1) {
                Some("(") => "`(`",
                Some("[") => "`[`",
                Some("{") => "`{`",
                Some("\"") => "string",
                _ => "delimiter",
            };
            (r, format!("unclosed {what} in jq expression"))
        }
        LexExpect::Digit => (char_at(src, at), "expected a digit".to_string()),
        LexExpect::Ident => (
            char_at(src, at),
            "expected an identifier after `$` or `@`".to_string(),
        ),
        LexExpect::Escape => (char_at(src, at), "invalid string escape".to_string()),
        LexExpect::Unicode => (
            char_at(src, at),
            "expected 4 hex digits after `\\u`".to_string(),
        ),
        _ => {
            let r = char_at(src, at);
            let tok = src.get(r.clone()).unwrap_or("");
            (r, format!("unexpected `{tok}` in jq expression"))
        }
    };
    JqError { range, message }
}

fn parse_error(src: &str, expect: &ParseExpect<&str>, found: Option<&Token<&str>>) -> JqError {
    let wanted = expect.as_str();
    match found {
        Some(Token(text, tok)) => {
            let r = offset_in(src, text).unwrap_or(src.len()..src.len());
            // Blocks and strings span their whole content; point at their start.
            let r = match tok {
                Tok::Block(_) | Tok::Str(_) => char_at(src, r.start),
                _ => r,
            };
            let shown: String = src.get(r.clone()).unwrap_or("").chars().take(20).collect();
            JqError {
                range: r,
                message: format!("expected {wanted}, found `{shown}`"),
            }
        }
        None => {
            // Just past the text: the `}` closing the `${`.
            let end = src.len();
            JqError {
                range: end..end,
                message: format!("expected {wanted}, found the end of the expression"),
            }
        }
    }
}

/// The span of bytes `r` of an expression's text in the `.air` file; a
/// zero-width range (the end of the text) gets one column.
fn expr_span(e: &Expr, r: &Range<usize>) -> Span {
    let start = e.inner_start + r.start as u32;
    let end = (e.inner_start + r.end as u32).max(start + 1);
    Span {
        file: e.span.file,
        start,
        end: end.min(e.span.end).max(start),
    }
}

/// Parsed expressions by source text: the same expression (`.data.id`, say)
/// recurs across steps and workflows and is parsed once. The segments
/// point into the key, which has the same text as every expression it
/// stands for.
pub(super) type Memo<'a> = HashMap<&'a str, Result<Vec<Vec<Seg<'a>>>, Vec<JqError>>>;

pub fn check_app(cx: &Cx, diags: &mut Diagnostics) {
    let Some(unit) = cx.unit() else { return };
    let memo = &mut Memo::new();
    for item in unit.items() {
        match item {
            Item::Workflow(w) => {
                let starts = start_events(w);
                for m in &w.members {
                    if let Member::On(t) = m
                        && let TriggerKind::Event {
                            event,
                            filter: Some(f),
                        } = &t.kind
                    {
                        check_expr(cx, f, std::slice::from_ref(event), diags, memo);
                    }
                }
                let mut exprs = Vec::new();
                for m in &w.members {
                    if !matches!(m, Member::On(_)) {
                        member_exprs(std::slice::from_ref(m), &mut exprs);
                    }
                }
                steps(&w.body, &mut |s| step_exprs(s, &mut exprs));
                for e in exprs {
                    check_expr(cx, e, starts.as_deref().unwrap_or(&[]), diags, memo);
                }
            }
            Item::Function(f) => {
                for m in &f.members {
                    if let Member::On(t) = m
                        && let TriggerKind::Event {
                            event,
                            filter: Some(flt),
                        } = &t.kind
                    {
                        check_expr(cx, flt, std::slice::from_ref(event), diags, memo);
                    }
                }
            }
            Item::Service(s) => {
                let mut exprs = Vec::new();
                member_exprs(&s.members, &mut exprs);
                for e in exprs {
                    check_expr(cx, e, &[], diags, memo);
                }
            }
            _ => {}
        }
    }
}

/// The start events of a workflow whose input is always a CloudEvent
/// (every trigger is `on Event`); `None` otherwise.
fn start_events(w: &ast::WorkflowDecl) -> Option<Vec<ast::Path>> {
    let mut events = Vec::new();
    for m in &w.members {
        match m {
            Member::On(t) => match &t.kind {
                TriggerKind::Event { event, .. } => events.push(event.clone()),
                _ => return None,
            },
            Member::Input(..) => return None,
            _ => {}
        }
    }
    (!events.is_empty()).then_some(events)
}

pub(super) fn check_expr<'a>(
    cx: &Cx,
    e: &'a Expr,
    events: &[ast::Path],
    diags: &mut Diagnostics,
    memo: &mut Memo<'a>,
) {
    let src = e.source.as_str();
    if !memo.contains_key(src) {
        let parsed = with_term(src, |term| {
            let mut paths = Vec::new();
            data_paths(term, true, &mut paths);
            paths
        });
        memo.insert(src, parsed);
    }
    let Some((&origin, result)) = memo.get_key_value(src) else {
        return;
    };
    match result {
        Err(errs) => {
            for err in errs {
                diags.push(
                    Diagnostic::error(Code::E0311, format!("jq syntax error: {}", err.message))
                        .with_primary(expr_span(e, &err.range), err.message.clone())
                        .with_help("`${ … }` holds a jq program; see https://jqlang.org/manual/"),
                );
            }
        }
        Ok(paths) if !events.is_empty() => {
            for path in paths {
                check_data_path(cx, e, origin, events, path, diags);
            }
        }
        Ok(_) => {}
    }
}

/// A step of a path: an object key (a slice of the jq text) or an
/// element (`[0]`, `[]`).
#[derive(Clone, Debug)]
pub(super) enum Seg<'s> {
    Key(&'s str),
    Elem,
}

/// Builtins whose arguments run on the same input as the call, so a
/// `.data.x` inside them still means the workflow input.
const SAME_INPUT: &[&str] = &[
    "select",
    "has",
    "contains",
    "inside",
    "test",
    "match",
    "capture",
    "startswith",
    "endswith",
    "ltrimstr",
    "rtrimstr",
    "split",
    "join",
    "index",
    "rindex",
    "indices",
    "error",
    "sub",
    "gsub",
    "tostring",
    "ascii_downcase",
    "ascii_upcase",
    "not",
];

/// Collect paths `.data…` applied to the expression's input.
fn data_paths<'s>(t: &Term<&'s str>, input: bool, out: &mut Vec<Vec<Seg<'s>>>) {
    match t {
        Term::Path(base, path) => {
            if input && matches!(**base, Term::Id) {
                let mut segs = Vec::new();
                for (part, _) in &path.0 {
                    match part {
                        Part::Index(Term::Str(None, parts)) => match parts.as_slice() {
                            [StrPart::Str(k)] => segs.push(Seg::Key(k)),
                            _ => break,
                        },
                        Part::Index(Term::Num(_)) | Part::Range(None, None) => segs.push(Seg::Elem),
                        _ => break,
                    }
                }
                if matches!(segs.first(), Some(Seg::Key("data"))) {
                    out.push(segs);
                }
            }
            data_paths(base, input, out);
            for (part, _) in &path.0 {
                match part {
                    Part::Index(i) => data_paths(i, input, out),
                    Part::Range(a, b) => {
                        for x in a.iter().chain(b.iter()) {
                            data_paths(x, input, out);
                        }
                    }
                }
            }
        }
        Term::BinOp(l, op, r) => {
            data_paths(l, input, out);
            let keeps = !matches!(op, BinaryOp::Pipe(None));
            data_paths(r, input && keeps, out);
        }
        Term::Arr(Some(x)) | Term::Neg(x) => data_paths(x, input, out),
        Term::Obj(entries) => {
            for (k, v) in entries {
                data_paths(k, input, out);
                if let Some(v) = v {
                    data_paths(v, input, out);
                }
            }
        }
        Term::Str(_, parts) => {
            for p in parts {
                if let StrPart::Term(x) = p {
                    data_paths(x, input, out);
                }
            }
        }
        Term::IfThenElse(branches, otherwise) => {
            for (c, b) in branches {
                data_paths(c, input, out);
                data_paths(b, input, out);
            }
            if let Some(o) = otherwise {
                data_paths(o, input, out);
            }
        }
        Term::TryCatch(body, _) => data_paths(body, input, out),
        Term::Call(name, args) => {
            let same = SAME_INPUT.contains(name);
            for a in args {
                data_paths(a, input && same, out);
            }
        }
        _ => {}
    }
}

/// Follow `.data.a.b` through each start event's data type; warn when no
/// start event has the field.
/// `origin`: the text the segments point into (the same text as `e`'s).
fn check_data_path(
    cx: &Cx,
    e: &Expr,
    origin: &str,
    events: &[ast::Path],
    path: &[Seg],
    diags: &mut Diagnostics,
) {
    let mut first_miss: Option<(&str, Vec<String>, String)> = None;
    for ev in events {
        let Some((app, fields)) = event_data(cx.program, cx.app, ev) else {
            return; // unresolved or untyped event: nothing to check against
        };
        let mut shape = Shape::Struct(app, fields);
        let mut miss = None;
        for seg in &path[1..] {
            match (seg, &shape) {
                (Seg::Key(k), Shape::Struct(app, fields)) => {
                    match fields.fields.iter().find(|f| f.name.name == *k) {
                        Some(f) => shape = shape_of(cx.program, *app, &f.ty),
                        None => {
                            let names = fields.fields.iter().map(|f| f.name.name.clone()).collect();
                            miss = Some((*k, names));
                            break;
                        }
                    }
                }
                (Seg::Key(_), Shape::Map(app, t))
                | (Seg::Elem, Shape::List(app, t) | Shape::Map(app, t)) => {
                    shape = shape_of(cx.program, *app, t);
                }
                _ => break,
            }
        }
        match miss {
            None => return, // this event has the path
            Some((k, names)) => {
                if first_miss.is_none() {
                    first_miss = Some((k, names, ev.display()));
                }
            }
        }
    }
    if let Some((k, names, event)) = first_miss {
        let range = offset_in(origin, k).unwrap_or(0..e.source.len());
        let sugg = suggest(k, names.iter().map(String::as_str)).map(str::to_string);
        let mut d = Diagnostic::warning(
            Code::W0303,
            format!("event `{event}` has no data field `{k}`"),
        )
        .with_primary(expr_span(e, &range), "unknown field");
        d = match sugg {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if names.is_empty() => d.with_help("the data type has no fields"),
            None => d.with_help(format!("fields here: {}", names.join(", "))),
        };
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_err(src: &str) -> JqError {
        syntax(src).expect_err(src).remove(0)
    }

    #[test]
    fn valid_programs_parse() {
        for ok in [
            ".",
            " .data.id ",
            "$context.charge.status == \"declined\"",
            ". + { sold: true }",
            "[.items[] | select(.qty > 0)] | length",
            "if .a then 1 else 2 end",
            "reduce .[] as $x (0; . + $x)",
            "\"id: \\(.data.id)\"",
            ".a // \"x\"",
            "{a: 1, \"b\": [1, 2]}",
            "def f: . + 1; f",
        ] {
            assert!(syntax(ok).is_ok(), "{ok}: {:?}", syntax(ok));
        }
    }

    #[test]
    fn errors_point_at_the_bad_byte() {
        assert_eq!(first_err(".data.id ==").range, 11..11);
        assert_eq!(first_err(".a | | .b").range, 5..6);
        assert_eq!(first_err(" (.a").range, 1..2);
        assert_eq!(first_err("\"abc").range, 0..1);
        assert_eq!(first_err(".a & .b").range, 3..4);
        assert_eq!(first_err("if .a 1 end").range, 6..7);
        assert!(first_err("").message.contains("end"));
        assert_eq!(first_err("{a: }").range, 4..5);
    }

    fn paths(src: &str) -> Vec<String> {
        with_term(src, |t| {
            let mut out = Vec::new();
            data_paths(t, true, &mut out);
            out.iter()
                .map(|p| {
                    p.iter()
                        .map(|s| match s {
                            Seg::Key(k) => (*k).to_string(),
                            Seg::Elem => "[]".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect()
        })
        .expect("parses")
    }

    #[test]
    fn finds_data_paths_on_the_input_only() {
        assert_eq!(paths(".data.id"), ["data.id"]);
        assert_eq!(paths(".data.items[0].sku"), ["data.items.[].sku"]);
        assert_eq!(paths("{a: .data.x, b: [.data.y]}"), ["data.x", "data.y"]);
        assert_eq!(paths(".items | .data.x"), Vec::<String>::new());
        assert_eq!(paths("map(.data.x)"), Vec::<String>::new());
        assert_eq!(paths("select(.data.ok)"), ["data.ok"]);
        assert_eq!(paths(".data as $d | .data.z"), ["data", "data.z"]);
        assert_eq!(paths(".data[\"q\"]"), ["data.q"]);
    }
}
