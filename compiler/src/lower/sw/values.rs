//! `.air` values as JSON for the Serverless Workflow document: literals
//! become JSON, `params.x` and `+` concatenation are evaluated at compile
//! time, runtime expressions are passed through as `${ … }` strings.

use crate::ast::{Expr, Value, ValueKind};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::emit::tree::{Node, NodeMap};
use crate::lower::concat;
use crate::model::AppUnit;
use std::borrow::Cow;

/// The text of a runtime expression as the document carries it.
///
/// The source is kept verbatim; only line breaks are folded into spaces
/// (when no jq comment could be cut short by that), because the schema's
/// `runtimeExpression` pattern (`^\s*\$\{.+\}\s*$`) does not match across
/// lines.
pub fn expr_text(expr: &Expr) -> String {
    concat(&["${", &fold_lines(&expr.source), "}"])
}

/// The jq program inside `${ }`, folded like [`expr_text`], trimmed.
pub fn expr_body(expr: &Expr) -> String {
    fold_lines(&expr.source).trim().to_string()
}

fn fold_lines(source: &str) -> Cow<'_, str> {
    if !source.contains('\n') || source.contains('#') {
        return Cow::Borrowed(source);
    }
    let parts: Vec<&str> = source.lines().map(str::trim).collect();
    let mut joined = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Keep the `${ x }` spacing the author most likely used.
    joined.insert(0, ' ');
    joined.push(' ');
    Cow::Owned(joined)
}

/// `s` as a JSON string literal (quoted and escaped), for jq programs.
pub fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `${ $workflow.input | (EXPR) }`: evaluates `EXPR` with `.` bound to the
/// workflow's input, for places where Serverless Workflow evaluates an
/// expression on the raw task input (task `if`, `for.while`).
pub fn on_workflow_input(expr: &Expr) -> String {
    let body = expr_body(expr);
    // A jq comment would swallow the closing parenthesis on the same line.
    let close = if body.contains('#') { "\n)" } else { ")" };
    concat(&["${ $workflow.input | (", &body, close, " }"])
}

/// A string literal as the document carries it: Serverless Workflow
/// evaluates any string that is entirely `${ … }`, so such a literal is
/// an expression and gets the `.air` data model like every other (`.` =
/// the workflow input), whatever the task's input.
pub fn string_node(s: &str) -> Node {
    match live_expression(s) {
        Some(body) => {
            let close = if body.contains('#') { "\n)" } else { ")" };
            Node::from(concat(&["${ $workflow.input | (", body, close, " }"]))
        }
        None => Node::from(s.to_string()),
    }
}

/// The jq program of a string a Serverless Workflow runtime would
/// evaluate (the whole string is `${ … }`, the schema's
/// `runtimeExpression`), if it is one.
fn live_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    t.strip_prefix("${")?.strip_suffix('}').map(str::trim)
}

/// Evaluates values for one app (its params).
pub struct Values<'a> {
    pub app: &'a AppUnit,
}

impl Values<'_> {
    /// A value as JSON. Secrets are refused (they only belong in
    /// `secret_env`); concatenations must be compile-time strings.
    pub fn json(&self, value: &Value) -> Result<Node, Diagnostic> {
        Ok(match &value.kind {
            ValueKind::Str(s) => string_node(&s.value),
            ValueKind::Number(n) => number(&n.text),
            ValueKind::Bool(b) => Node::Bool(*b),
            ValueKind::Null => Node::Null,
            ValueKind::Duration(d) => Node::from(d.iso8601()),
            ValueKind::List(items) => Node::Seq(
                items
                    .iter()
                    .map(|v| self.json(v))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            ValueKind::Object(entries) => {
                let mut map = NodeMap::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.name.clone(), self.json(&e.value)?);
                }
                Node::Map(map)
            }
            ValueKind::Expr(e) => Node::from(expr_text(e)),
            ValueKind::Param(name) => self.param(name)?,
            ValueKind::Secret { .. } => {
                return Err(Diagnostic::error(
                    Code::E0553,
                    "`secret(…)` cannot be used in a workflow step",
                )
                .with_primary(value.span, "a Kubernetes Secret reference")
                .with_help(
                    "secrets belong in a function's `secret_env { }`; let the function read it",
                ));
            }
            ValueKind::Concat(parts) => Node::from(self.concat(parts)?),
        })
    }

    /// A compile-time string (`"a" + params.b`, a number, a param).
    pub fn string(&self, value: &Value) -> Result<String, Diagnostic> {
        match &value.kind {
            ValueKind::Concat(parts) => self.concat(parts),
            _ => match self.json(value)? {
                Node::Str(s) => Ok(s.into_owned()),
                Node::Number(n) => Ok(n.to_string()),
                Node::Bool(b) => Ok(b.to_string()),
                _ => Err(not_compile_time(value)),
            },
        }
    }

    fn concat(&self, parts: &[Value]) -> Result<String, Diagnostic> {
        let mut out = String::new();
        for part in parts {
            if matches!(
                part.kind,
                ValueKind::Expr(_) | ValueKind::List(_) | ValueKind::Object(_) | ValueKind::Null
            ) {
                return Err(not_compile_time(part));
            }
            out.push_str(&self.string(part)?);
        }
        Ok(out)
    }

    fn param(&self, name: &crate::ast::Ident) -> Result<Node, Diagnostic> {
        match self.app.params.get(&name.name) {
            Some(p) => Ok(Node::from_json(&p.value)),
            None => Err(Diagnostic::error(
                Code::E0550,
                format!("parameter `{}` has no value", name.name),
            )
            .with_primary(name.span, "no value for this parameter")
            .with_help("declare it with `param` and give it a default or a value in air.toml")),
        }
    }
}

fn not_compile_time(value: &Value) -> Diagnostic {
    Diagnostic::error(
        Code::E0554,
        "only compile-time strings, numbers and params can be concatenated",
    )
    .with_primary(value.span, "not known at compile time")
    .with_help("build the string at run time inside one `${ … }` instead")
}

/// A number as written (`42`, `-3.5`, `1e9`); integers stay integers.
pub fn number(text: &str) -> Node {
    if let Ok(i) = text.parse::<i64>() {
        return Node::from(i);
    }
    match text
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(n) => Node::Number(n),
        None => Node::from(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn expr(src: &str) -> Expr {
        Expr {
            source: src.to_string(),
            inner_start: 0,
            span: Span::default(),
        }
    }

    #[test]
    fn expressions_pass_through_verbatim() {
        assert_eq!(expr_text(&expr(" .data.id ")), "${ .data.id }");
        assert_eq!(expr_text(&expr(".a")), "${.a}");
    }

    #[test]
    fn multi_line_expressions_fold_unless_commented() {
        assert_eq!(expr_text(&expr("\n  .a\n  | .b\n")), "${ .a | .b }");
        let commented = expr("\n .a # why\n");
        assert_eq!(expr_text(&commented), "${\n .a # why\n}");
    }

    #[test]
    fn workflow_input_wrapper() {
        assert_eq!(
            on_workflow_input(&expr(" .x > 1 ")),
            "${ $workflow.input | (.x > 1) }"
        );
        assert_eq!(
            on_workflow_input(&expr(" .x # c")),
            "${ $workflow.input | (.x # c\n) }"
        );
    }

    #[test]
    fn string_literals_that_are_expressions_read_the_workflow_input() {
        let v = Values {
            app: &AppUnit::default(),
        };
        let lit = |s: &str| Value {
            kind: ValueKind::Str(crate::ast::StrLit {
                value: s.into(),
                block: false,
                span: Span::default(),
            }),
            span: Span::default(),
        };
        assert_eq!(
            v.json(&lit("${ .a }")).ok(),
            Some(Node::from("${ $workflow.input | (.a) }"))
        );
        assert_eq!(
            v.json(&lit("a ${ .a }")).ok(),
            Some(Node::from("a ${ .a }"))
        );
    }

    #[test]
    fn numbers_keep_their_kind() {
        assert_eq!(number("42").to_json(), serde_json::json!(42));
        assert_eq!(number("-3.5").to_json(), serde_json::json!(-3.5));
        assert_eq!(number("1e9").to_json(), serde_json::json!(1e9));
    }
}
