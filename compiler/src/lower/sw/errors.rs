//! Errors: declared `error`s become `use.errors` entries; `fail` raises
//! them, `catch` filters on their type. The spec's standard errors
//! (`timeout`, `communication`, …) are known by name.

use super::Lowerer;
use crate::ast::{self, Item};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::emit::tree::{Node, NodeMap};
use crate::model::{DeclKind, kebab_case};
use std::collections::BTreeMap;

/// The spec's standard error types and their default status.
pub const STANDARD_ERRORS: &[(&str, u16)] = &[
    ("configuration", 400),
    ("validation", 400),
    ("expression", 400),
    ("authentication", 401),
    ("authorization", 403),
    ("timeout", 408),
    ("communication", 500),
    ("runtime", 500),
];

/// `https://serverlessworkflow.io/spec/1.0.0/errors/<name>` and its status,
/// for a standard error name.
pub fn standard_error(name: &str) -> Option<(String, u16)> {
    STANDARD_ERRORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, s)| {
            (
                format!("https://serverlessworkflow.io/spec/1.0.0/errors/{n}"),
                *s,
            )
        })
}

/// A resolved error: the key in `use.errors` (none for standard errors)
/// and its definition.
pub struct ErrorRef {
    pub key: Option<String>,
    /// The literal type URI (what a catch filter compares).
    pub type_uri: String,
    /// The status the declaration states (a catch filter also matches it).
    pub declared_status: Option<Node>,
    /// The `error` object (type, status, title).
    pub definition: NodeMap,
}

/// `use.errors`, sorted by key so the document does not depend on the
/// order steps mention them.
#[derive(Default)]
pub struct UseErrors {
    entries: BTreeMap<String, Node>,
}

impl UseErrors {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn to_node(&self) -> Node {
        let mut m = NodeMap::with_capacity(self.entries.len());
        for (k, v) in &self.entries {
            m.insert(k.clone(), v.clone());
        }
        Node::Map(m)
    }
}

/// The URI-template pattern of the schema: a scheme and `://`. Other type
/// URIs (`urn:…`) are carried as a constant runtime expression, which the
/// schema accepts and which evaluates to the same string.
pub fn uri_or_expression(uri: &str) -> Node {
    let scheme_end = uri.find("://");
    let valid = match scheme_end {
        Some(i) if i > 0 => {
            let scheme = &uri[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    };
    if valid {
        Node::from(uri.to_string())
    } else {
        Node::from(format!("${{ {} }}", super::values::json_string(uri)))
    }
}

impl Lowerer<'_> {
    /// Resolve `fail E` / `catch E`: a declared error (registered in
    /// `use.errors`), else a standard error name.
    pub(crate) fn error_ref(&mut self, path: &ast::Path) -> Option<ErrorRef> {
        if let Some((app, Item::Error(decl))) =
            self.program.lookup_path(self.app, DeclKind::Error, path)
        {
            let r = self.declared_error(app, path, decl);
            if let Some(key) = &r.key {
                self.errors
                    .entries
                    .insert(key.clone(), Node::Map(r.definition.clone()));
            }
            return Some(r);
        }
        if path.alias.is_none()
            && let Some((uri, status)) = standard_error(&path.name.name)
        {
            let mut definition = NodeMap::new();
            definition.insert("type", uri.clone());
            definition.insert("status", Node::from(status));
            return Some(ErrorRef {
                key: None,
                type_uri: uri,
                declared_status: None,
                definition,
            });
        }
        self.diags.push(
            Diagnostic::error(Code::E0550, format!("unknown error `{}`", path.display()))
                .with_primary(path.span, "not a declared error nor a standard one")
                .with_help(format!(
                    "declare `error {} {{ status = 500 }}` or use one of: {}",
                    path.name.name,
                    STANDARD_ERRORS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
        );
        None
    }

    fn declared_error(&mut self, app: usize, path: &ast::Path, decl: &ast::ErrorDecl) -> ErrorRef {
        let app_name = self
            .program
            .apps
            .get(app)
            .map(|a| a.manifest.name.clone())
            .unwrap_or_default();
        let values = super::Values {
            app: self.program.apps.get(app).unwrap_or(self.unit),
        };
        let mut type_uri = format!(
            "https://air.dev/errors/{app_name}/{}",
            kebab_case(&decl.name.name)
        );
        let mut status = None;
        let mut title = None;
        for m in &decl.members {
            match m.key.name.as_str() {
                "type" => match values.string(&m.value) {
                    Ok(s) => type_uri = s,
                    Err(d) => self.diags.push(d),
                },
                "status" => match values.json(&m.value) {
                    Ok(v @ Node::Number(_)) => status = Some(v),
                    Ok(_) => {}
                    Err(d) => self.diags.push(d),
                },
                "title" => match values.string(&m.value) {
                    Ok(s) => title = Some(s),
                    Err(d) => self.diags.push(d),
                },
                _ => {}
            }
        }
        let mut definition = NodeMap::new();
        definition.insert("type", uri_or_expression(&type_uri));
        // The schema requires a status; an error that states none is a 500.
        definition.insert("status", status.clone().unwrap_or(Node::from(500i64)));
        if let Some(t) = title {
            definition.insert("title", Node::from(t));
        }
        ErrorRef {
            key: Some(path.display()),
            type_uri,
            declared_status: status,
            definition,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_errors_have_spec_uris() {
        assert_eq!(
            standard_error("timeout"),
            Some((
                "https://serverlessworkflow.io/spec/1.0.0/errors/timeout".to_string(),
                408
            ))
        );
        assert_eq!(standard_error("nope"), None);
    }

    #[test]
    fn non_url_types_become_constant_expressions() {
        assert_eq!(
            uri_or_expression("https://x.io/e"),
            Node::from("https://x.io/e")
        );
        assert_eq!(uri_or_expression("urn:x:y"), Node::from("${ \"urn:x:y\" }"));
        assert_eq!(uri_or_expression("/shop"), Node::from("${ \"/shop\" }"));
    }
}
