//! Types → JSON Schema (draft 2020-12). Every `type` and every event's
//! `data` gets one self-contained schema: named types it uses, directly or
//! through other types (also from imported apps), are copied into `$defs`
//! and referenced with `$ref`, so a consumer needs nothing else.
//!
//! `$defs` keys: the type's name when it is declared in the same app as
//! the schema's subject, else `<app>.<Name>` (the declaring app's name),
//! so two apps' `Item`s never collide.

use crate::ast::{self, Fields, Primitive, TypeBody, TypeExpr, TypeExprKind};
use crate::model::{DeclKind, Program};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(crate) const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of an event's `data` (an empty object when it has none).
pub fn data_schema(
    program: &Program,
    app: usize,
    title: &str,
    fields: Option<&Fields>,
    doc: Option<&ast::Doc>,
) -> Value {
    let mut b = Builder::new(program, app);
    let body = match fields {
        Some(f) => b.fields(app, f),
        None => json!({"type": "object", "additionalProperties": false}),
    };
    b.finish(body, Some(title), doc)
}

struct Builder<'p> {
    program: &'p Program,
    /// The app whose names are unqualified in `$defs`.
    home: usize,
    defs: BTreeMap<String, Value>,
}

impl<'p> Builder<'p> {
    fn new(program: &'p Program, home: usize) -> Self {
        Builder {
            program,
            home,
            defs: BTreeMap::new(),
        }
    }

    fn finish(self, body: Value, title: Option<&str>, doc: Option<&ast::Doc>) -> Value {
        let mut m = Map::new();
        m.insert("$schema".into(), json!(DIALECT));
        if let Some(t) = title {
            m.insert("title".into(), json!(t));
        }
        if let Some(d) = doc {
            m.insert("description".into(), json!(d.text));
        }
        if let Value::Object(body) = body {
            for (k, v) in body {
                m.entry(k).or_insert(v);
            }
        }
        if !self.defs.is_empty() {
            m.insert(
                "$defs".into(),
                Value::Object(self.defs.into_iter().collect()),
            );
        }
        Value::Object(m)
    }

    fn body(&mut self, app: usize, body: &TypeBody) -> Value {
        match body {
            TypeBody::Struct(f) => self.fields(app, f),
            TypeBody::Alias(t) => self.expr(app, t),
        }
    }

    fn fields(&mut self, app: usize, fields: &Fields) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for f in &fields.fields {
            let mut s = self.expr(app, &f.ty);
            if let (Some(d), Value::Object(m)) = (&f.doc, &mut s) {
                m.insert("description".into(), json!(d.text));
            }
            props.insert(f.name.name.clone(), s);
            if !f.optional {
                required.push(json!(f.name.name));
            }
        }
        let mut m = Map::new();
        m.insert("type".into(), json!("object"));
        m.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            m.insert("required".into(), Value::Array(required));
        }
        m.insert("additionalProperties".into(), json!(false));
        Value::Object(m)
    }

    fn expr(&mut self, app: usize, t: &TypeExpr) -> Value {
        match &t.kind {
            TypeExprKind::Primitive(p) => match p {
                Primitive::Any => json!({}),
                p => json!({"type": p.as_str()}),
            },
            TypeExprKind::List(inner) => json!({"type": "array", "items": self.expr(app, inner)}),
            TypeExprKind::Map(inner) => {
                json!({"type": "object", "additionalProperties": self.expr(app, inner)})
            }
            TypeExprKind::Enum(lits) => {
                let vals: Vec<Value> = lits.iter().map(|l| json!(l.value)).collect();
                json!({"type": "string", "enum": vals})
            }
            TypeExprKind::Named(path) => self.named(app, path),
        }
    }

    /// `$ref` to the named type, adding it (and what it uses) to `$defs`.
    fn named(&mut self, app: usize, path: &ast::Path) -> Value {
        let Some((target, ast::Item::Type(decl))) =
            self.program.lookup_path(app, DeclKind::Type, path)
        else {
            // Unknown names were reported by resolve; stay permissive.
            return json!({});
        };
        let key = if target == self.home {
            decl.name.name.clone()
        } else {
            let app_name = self
                .program
                .apps
                .get(target)
                .map(|a| a.manifest.name.as_str())
                .unwrap_or("import");
            format!("{app_name}.{}", decl.name.name)
        };
        if !self.defs.contains_key(&key) {
            // Reserve the key first so recursive types terminate.
            self.defs.insert(key.clone(), json!({}));
            let mut s = self.body(target, &decl.body);
            if let (Some(d), Value::Object(m)) = (&decl.doc, &mut s) {
                m.insert("description".into(), json!(d.text));
            }
            self.defs.insert(key.clone(), s);
        }
        json!({ "$ref": format!("#/$defs/{}", pointer_escape(&key)) })
    }
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
