//! Compile-time values of `param`s: air.toml `[params]` (overridden by
//! `[env.NAME.params]`), else the declared default. Values are checked
//! against the declared type, with the error at the air.toml entry.

use crate::ast::{Item, ParamDecl, Primitive, TypeBody, TypeExpr, TypeExprKind, Value, ValueKind};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::manifest::TomlParam;
use crate::model::{DeclKind, ParamValue, Program};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// Named types nest at most this deep when checking a value (a
/// self-referencing alias must not loop).
const MAX_TYPE_DEPTH: usize = 32;

/// Values of every param of app `app`. `warn_undeclared`: warn about
/// air.toml entries no `param` declares (the root app only).
pub fn evaluate(
    program: &Program,
    app: usize,
    toml: &BTreeMap<String, TomlParam>,
    warn_undeclared: bool,
    diags: &mut Diagnostics,
) -> BTreeMap<String, ParamValue> {
    let Some(unit) = program.apps.get(app) else {
        return BTreeMap::new();
    };
    let decls: Vec<&ParamDecl> = unit
        .symbols
        .iter()
        .filter(|(k, _, _)| *k == DeclKind::Param)
        .filter_map(|(_, _, id)| match unit.item(id) {
            Some(Item::Param(p)) => Some(p),
            _ => None,
        })
        .collect();
    let env = unit.manifest.env.clone();
    let mut out = BTreeMap::new();
    for p in &decls {
        let name = &p.name.name;
        if let Some(t) = toml.get(name) {
            if let Some((old, span)) = &t.shadowed
                && let Err(why) = check_type(program, app, old, &p.ty, 0)
            {
                diags.push(
                    Diagnostic::error(
                        Code::E0227,
                        format!("air.toml gives param `{name}` a value of the wrong type"),
                    )
                    .with_primary(*span, why)
                    .with_secondary(
                        p.ty.span,
                        format!("`{name}` is declared as `{}`", type_text(&p.ty)),
                    )
                    .with_help("fix the value in air.toml [params] (the selected environment overrides it, other environments may not)"),
                );
            }
            if let Err(why) = check_type(program, app, &t.value, &p.ty, 0) {
                let source = if t.from_env {
                    format!("[env.{}.params]", env.as_deref().unwrap_or("?"))
                } else {
                    "[params]".to_string()
                };
                diags.push(
                    Diagnostic::error(
                        Code::E0227,
                        format!("air.toml gives param `{name}` a value of the wrong type"),
                    )
                    .with_primary(t.value_span, why)
                    .with_secondary(
                        p.ty.span,
                        format!("`{name}` is declared as `{}`", type_text(&p.ty)),
                    )
                    .with_help(format!("fix the value in air.toml {source}")),
                );
                continue;
            }
            out.insert(
                name.clone(),
                ParamValue {
                    value: t.value.clone(),
                    span: t.value_span,
                },
            );
            continue;
        }
        match &p.default {
            Some(v) => {
                let mut visiting = vec![name.clone()];
                let Some(json) = const_value(v, &decls, toml, &mut visiting, diags) else {
                    continue;
                };
                if let Err(why) = check_type(program, app, &json, &p.ty, 0) {
                    diags.push(
                        Diagnostic::error(
                            Code::E0227,
                            format!("the default of param `{name}` has the wrong type"),
                        )
                        .with_primary(v.span, why)
                        .with_secondary(p.ty.span, "declared type"),
                    );
                    continue;
                }
                out.insert(
                    name.clone(),
                    ParamValue {
                        value: json,
                        span: v.span,
                    },
                );
            }
            None => {
                let where_ = match &env {
                    Some(e) => format!("in environment `{e}`"),
                    None => "(no environment selected)".to_string(),
                };
                let table = match &env {
                    Some(e) => format!("[params] or [env.{e}.params]"),
                    None => "[params]".to_string(),
                };
                diags.push(
                    Diagnostic::error(
                        Code::E0226,
                        format!("param `{name}` has no value {where_}"),
                    )
                    .with_primary(p.name.span, "no default and not set in air.toml")
                    .with_help(format!(
                        "set `{name} = …` under {table} in air.toml, or give the param a default: `param {name}: {} = …`",
                        type_text(&p.ty)
                    )),
                );
            }
        }
    }
    if warn_undeclared {
        let declared: Vec<&str> = decls.iter().map(|p| p.name.name.as_str()).collect();
        for (name, t) in toml {
            if declared.contains(&name.as_str()) {
                continue;
            }
            let mut d = Diagnostic::warning(
                Code::W0202,
                format!("air.toml sets `{name}`, but no `param {name}` is declared"),
            )
            .with_primary(t.key_span, "not a declared param")
            .with_suggestion(suggest(name, declared.iter().copied()));
            if d.help.is_none() {
                d = d.with_help(format!(
                    "declare it in a .air file: `param {name}: string`, or remove it"
                ));
            }
            diags.push(d);
        }
    }
    out
}

/// A param default as JSON: literals, lists, objects, string `+`, and
/// other params. `None` (reported) for `${ }`, `secret(..)`.
fn const_value(
    v: &Value,
    decls: &[&ParamDecl],
    toml: &BTreeMap<String, TomlParam>,
    visiting: &mut Vec<String>,
    diags: &mut Diagnostics,
) -> Option<J> {
    Some(match &v.kind {
        ValueKind::Str(s) => J::String(s.value.clone()),
        ValueKind::Number(n) => number(&n.text)?,
        ValueKind::Bool(b) => J::Bool(*b),
        ValueKind::Null => J::Null,
        ValueKind::Duration(d) => J::String(d.text.clone()),
        ValueKind::List(items) => J::Array(
            items
                .iter()
                .map(|i| const_value(i, decls, toml, visiting, diags))
                .collect::<Option<Vec<_>>>()?,
        ),
        ValueKind::Object(entries) => {
            let mut m = serde_json::Map::new();
            for e in entries {
                m.insert(
                    e.key.name.clone(),
                    const_value(&e.value, decls, toml, visiting, diags)?,
                );
            }
            J::Object(m)
        }
        ValueKind::Concat(parts) => {
            let mut s = String::new();
            for p in parts {
                match const_value(p, decls, toml, visiting, diags)? {
                    J::String(t) => s.push_str(&t),
                    J::Number(n) => s.push_str(&n.to_string()),
                    _ => {
                        diags.push(
                            Diagnostic::error(
                                Code::E0228,
                                "only strings and numbers can be joined with `+`",
                            )
                            .with_primary(p.span, "not a string"),
                        );
                        return None;
                    }
                }
            }
            J::String(s)
        }
        ValueKind::Param(name) => {
            if let Some(t) = toml.get(&name.name) {
                return Some(t.value.clone());
            }
            // Unknown params were reported by the reference walk.
            let decl = decls.iter().find(|p| p.name.name == name.name)?;
            if visiting.contains(&name.name) {
                diags.push(
                    Diagnostic::error(
                        Code::E0228,
                        format!("param `{}` is defined in terms of itself", name.name),
                    )
                    .with_primary(
                        name.span,
                        format!("cycle: {} → {}", visiting.join(" → "), name.name),
                    ),
                );
                return None;
            }
            let default = decl.default.as_ref()?;
            visiting.push(name.name.clone());
            let r = const_value(default, decls, toml, visiting, diags);
            visiting.pop();
            r?
        }
        ValueKind::Expr(_) | ValueKind::Secret { .. } => {
            diags.push(
                Diagnostic::error(
                    Code::E0228,
                    "a param default must be a compile-time value",
                )
                .with_primary(v.span, "evaluated at run time")
                .with_help(
                    "use a literal (string, number, boolean, list, object) or another `params.x`",
                ),
            );
            return None;
        }
    })
}

/// `42` → integer, `-3.5`/`1e9` → float.
pub fn number(text: &str) -> Option<J> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(J::from(i));
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(J::Number)
}

/// `Ok` when `v` fits `ty`; else a short reason naming what was found.
pub fn check_type(
    program: &Program,
    app: usize,
    v: &J,
    ty: &TypeExpr,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_TYPE_DEPTH {
        return Ok(());
    }
    let expect = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("expected {what}, found {}", describe(v)))
        }
    };
    match &ty.kind {
        TypeExprKind::Primitive(p) => match p {
            Primitive::String => expect(v.is_string(), "a string"),
            Primitive::Number => expect(v.is_number(), "a number"),
            Primitive::Integer => expect(v.is_i64() || v.is_u64(), "an integer"),
            Primitive::Boolean => expect(v.is_boolean(), "a boolean"),
            Primitive::Any => Ok(()),
        },
        TypeExprKind::List(inner) => {
            let J::Array(items) = v else {
                return expect(false, &format!("a list of {}", type_text(inner)));
            };
            for (i, item) in items.iter().enumerate() {
                check_type(program, app, item, inner, depth + 1)
                    .map_err(|e| format!("item {i}: {e}"))?;
            }
            Ok(())
        }
        TypeExprKind::Map(inner) => {
            let J::Object(m) = v else {
                return expect(false, &format!("a table of {}", type_text(inner)));
            };
            for (k, item) in m {
                check_type(program, app, item, inner, depth + 1)
                    .map_err(|e| format!("`{k}`: {e}"))?;
            }
            Ok(())
        }
        TypeExprKind::Enum(options) => {
            let allowed: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
            match v {
                J::String(s) if allowed.contains(&s.as_str()) => Ok(()),
                J::String(s) => Err(match suggest(s, allowed.iter().copied()) {
                    Some(near) => format!(
                        "`{s}` is not one of {}; did you mean `{near}`?",
                        quoted(&allowed)
                    ),
                    None => format!("`{s}` is not one of {}", quoted(&allowed)),
                }),
                _ => expect(false, &format!("one of {}", quoted(&allowed))),
            }
        }
        TypeExprKind::Named(path) => {
            // Unknown types were reported by the reference walk.
            let Some((target, Item::Type(decl))) = program.lookup_path(app, DeclKind::Type, path)
            else {
                return Ok(());
            };
            match &decl.body {
                TypeBody::Alias(inner) => check_type(program, target, v, inner, depth + 1),
                TypeBody::Struct(fields) => {
                    let J::Object(m) = v else {
                        return expect(false, &format!("a table (type `{}`)", path.display()));
                    };
                    for f in &fields.fields {
                        match m.get(&f.name.name) {
                            Some(fv) => check_type(program, target, fv, &f.ty, depth + 1)
                                .map_err(|e| format!("`{}`: {e}", f.name.name))?,
                            None if f.optional => {}
                            None => return Err(format!("missing field `{}`", f.name.name)),
                        }
                    }
                    let known: Vec<&str> =
                        fields.fields.iter().map(|f| f.name.name.as_str()).collect();
                    if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
                        return Err(format!(
                            "unknown field `{k}` (type `{}` has {})",
                            path.display(),
                            known.join(", ")
                        ));
                    }
                    Ok(())
                }
            }
        }
    }
}

fn quoted(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn describe(v: &J) -> String {
    match v {
        J::Null => "null".to_string(),
        J::Bool(b) => format!("boolean `{b}`"),
        J::Number(n) if n.is_f64() => format!("float `{n}`"),
        J::Number(n) => format!("integer `{n}`"),
        J::String(s) => format!("string \"{s}\""),
        J::Array(_) => "a list".to_string(),
        J::Object(_) => "a table".to_string(),
    }
}

/// A type as written, for messages.
pub fn type_text(ty: &TypeExpr) -> String {
    match &ty.kind {
        TypeExprKind::Primitive(p) => p.as_str().to_string(),
        TypeExprKind::List(i) => format!("[{}]", type_text(i)),
        TypeExprKind::Map(i) => format!("map<{}>", type_text(i)),
        TypeExprKind::Named(p) => p.display(),
        TypeExprKind::Enum(o) => o
            .iter()
            .map(|s| format!("\"{}\"", s.value))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}
