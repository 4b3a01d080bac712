//! Compile-time values: `ast::Value` → JSON, with `params.x` replaced by
//! the parameter's final value and `a + b` concatenated. Runtime
//! expressions stay as `${ … }` strings for the workflow runtime.

use crate::ast::{ObjectEntry, Value, ValueKind};
use crate::model::AppUnit;
use serde_json::{Map, Number, Value as Json};

/// The JSON form of a value written in `app`. Parameters without a value
/// (already reported by resolve) become `null`; `secret(…)` becomes
/// `{"secretKeyRef": {"name", "key"}}`.
pub fn to_json(app: &AppUnit, v: &Value) -> Json {
    match &v.kind {
        ValueKind::Str(s) => Json::String(s.value.clone()),
        ValueKind::Number(n) => number(&n.text),
        ValueKind::Bool(b) => Json::Bool(*b),
        ValueKind::Null => Json::Null,
        ValueKind::Duration(d) => Json::String(d.iso8601()),
        ValueKind::List(items) => Json::Array(items.iter().map(|i| to_json(app, i)).collect()),
        ValueKind::Object(entries) => Json::Object(object(app, entries)),
        ValueKind::Expr(e) => Json::String(format!("${{{}}}", e.source)),
        ValueKind::Param(name) => app
            .params
            .get(&name.name)
            .map(|p| p.value.clone())
            .unwrap_or(Json::Null),
        ValueKind::Secret { name, key } => {
            let mut r = Map::new();
            r.insert("name".into(), Json::String(name.value.clone()));
            r.insert("key".into(), Json::String(key.value.clone()));
            let mut m = Map::new();
            m.insert("secretKeyRef".into(), Json::Object(r));
            Json::Object(m)
        }
        ValueKind::Concat(parts) => {
            let mut s = String::new();
            for p in parts {
                s.push_str(&text(&to_json(app, p)));
            }
            Json::String(s)
        }
    }
}

/// Object entries in source order.
pub fn object(app: &AppUnit, entries: &[ObjectEntry]) -> Map<String, Json> {
    let mut m = Map::new();
    for e in entries {
        m.insert(e.key.name.clone(), to_json(app, &e.value));
    }
    m
}

/// A value as it reads inside a string (`"img:" + params.tag`, Knative
/// annotation values): strings bare, everything else as JSON text.
pub fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// `42` stays an integer, `-3.5` and `1e9` become floats (an integer when
/// the float is whole and fits, so `1e3` is `1000`).
pub fn number(text: &str) -> Json {
    if let Ok(i) = text.parse::<i64>() {
        return Json::Number(i.into());
    }
    match text.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::Number((f as i64).into()),
        Ok(f) => Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null),
        Err(_) => Json::Null,
    }
}

/// A value as an integer, when it is one (or a whole float).
pub fn as_i64(v: &Json) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}
