//! Compile-time evaluation of values: literals, `params.name` (from
//! [`AppUnit::params`](crate::model::AppUnit)) and `+` concatenation.
//! The lowering stage reuses [`eval_const`] to write settings out.

use crate::ast::{Value, ValueKind};
use crate::model::Program;
use serde_json::{Map, Number, Value as Json};

/// The JSON a value stands for at compile time, or `None` when it is not
/// a compile-time value (a `${ }`, a `secret(…)`, an unknown param, or a
/// list/object containing one).
///
/// - numbers keep their written form where JSON allows (`42` → integer,
///   `-3.5` → float, `1e9` → float 1000000000.0);
/// - durations become ISO 8601 strings (`PT1H30M`), as in the emitted
///   Serverless Workflow documents;
/// - `a + b`: every part must be a string, number or boolean; the result is
///   the concatenated text (`"img:" + params.tag` → `"img:1.4.2"`).
pub fn eval_const(program: &Program, app: usize, value: &Value) -> Option<Json> {
    eval(program, app, value, 0)
}

/// Deep enough for any real value; stops runaway recursion on odd input.
const MAX_DEPTH: usize = 256;

fn eval(program: &Program, app: usize, value: &Value, depth: usize) -> Option<Json> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match &value.kind {
        ValueKind::Str(s) => Json::String(s.value.clone()),
        ValueKind::Number(n) => number(&n.text)?,
        ValueKind::Bool(b) => Json::Bool(*b),
        ValueKind::Null => Json::Null,
        ValueKind::Duration(d) => Json::String(d.iso8601()),
        ValueKind::List(items) => Json::Array(
            items
                .iter()
                .map(|v| eval(program, app, v, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        ValueKind::Object(entries) => {
            let mut map = Map::new();
            for e in entries {
                map.insert(e.key.name.clone(), eval(program, app, &e.value, depth + 1)?);
            }
            Json::Object(map)
        }
        ValueKind::Param(name) => program.apps.get(app)?.params.get(&name.name)?.value.clone(),
        ValueKind::Concat(parts) => {
            let mut out = String::new();
            for p in parts {
                let v = eval(program, app, p, depth + 1)?;
                if !matches!(v, Json::String(_) | Json::Number(_) | Json::Bool(_)) {
                    return None;
                }
                out.push_str(&as_concat_text(&v));
            }
            Json::String(out)
        }
        ValueKind::Expr(_) | ValueKind::Secret { .. } => return None,
    })
}

/// A number literal as JSON: an integer when written as one and it fits,
/// else a float.
pub fn number(text: &str) -> Option<Json> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Json::Number(i.into()));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Json::Number(u.into()));
    }
    let f: f64 = text.parse().ok()?;
    Number::from_f64(f).map(Json::Number)
}

/// How a scalar reads inside a `+` concatenation (strings without quotes).
pub fn as_concat_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The integer a JSON value holds, when it is integer-valued
/// (`3`, `3.0`, `1e3`).
pub fn as_integer(v: &Json) -> Option<i64> {
    match v {
        Json::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Ident, Number as Num, ObjectEntry, ObjectKey, StrLit};
    use crate::model::{AppUnit, ParamValue};
    use crate::span::Span;

    fn v(kind: ValueKind) -> Value {
        Value {
            kind,
            span: Span::default(),
        }
    }

    fn s(text: &str) -> Value {
        v(ValueKind::Str(StrLit {
            value: text.into(),
            block: false,
            span: Span::default(),
        }))
    }

    fn param(name: &str) -> Value {
        v(ValueKind::Param(Ident {
            name: name.into(),
            span: Span::default(),
        }))
    }

    fn program() -> Program {
        let mut app = AppUnit::default();
        for (k, val) in [("tag", Json::from("1.4.2")), ("n", Json::from(2))] {
            app.params.insert(
                k.into(),
                ParamValue {
                    value: val,
                    span: Span::default(),
                },
            );
        }
        Program { apps: vec![app] }
    }

    #[test]
    fn evaluates_params_and_concatenation() {
        let p = program();
        let img = v(ValueKind::Concat(vec![s("img:"), param("tag")]));
        assert_eq!(eval_const(&p, 0, &img), Some(Json::from("img:1.4.2")));
        let mixed = v(ValueKind::Concat(vec![s("v"), param("n")]));
        assert_eq!(eval_const(&p, 0, &mixed), Some(Json::from("v2")));
        assert_eq!(eval_const(&p, 0, &param("missing")), None);
        assert_eq!(eval_const(&p, 1, &param("tag")), None);
        let obj = v(ValueKind::Object(vec![ObjectEntry {
            doc: None,
            key: ObjectKey {
                name: "a".into(),
                quoted: false,
                span: Span::default(),
            },
            value: v(ValueKind::Number(Num { text: "1e3".into() })),
            span: Span::default(),
        }]));
        let got = eval_const(&p, 0, &obj).expect("object");
        assert_eq!(as_integer(&got["a"]), Some(1000));
        let with_expr = v(ValueKind::List(vec![v(ValueKind::Expr(
            crate::ast::Expr {
                source: ".".into(),
                inner_start: 0,
                span: Span::default(),
            },
        ))]));
        assert_eq!(eval_const(&p, 0, &with_expr), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(number("42"), Some(Json::from(42)));
        assert_eq!(number("-3.5"), Some(Json::from(-3.5)));
        assert_eq!(as_integer(&Json::from(2.5)), None);
        assert_eq!(number("x"), None);
    }
}
