//! Steps that talk to the outside: `call` (HTTP), `run` (a sub-workflow),
//! `emit` and `wait for` (CloudEvents).

use super::Task;
use crate::ast::{self, Correlate, HttpMethod, Item, StrLit, Value, ValueKind, WaitMode};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::emit::tree::{Node, NodeMap};
use crate::lower::concat;
use crate::lower::sw::errors::uri_or_expression;
use crate::lower::sw::values::{expr_body, expr_text};
use crate::lower::sw::{DEFAULT_VERSION, Lowerer, Values, workflow_version};
use crate::model::{DeclKind, kebab_case, snake_case};
use crate::node;

/// The CloudEvents `type` and `source` of an event declaration
/// (defaults: `<app>.<snake_name>` and `/<app>`).
pub fn event_attributes(
    values: &Values<'_>,
    app_name: &str,
    decl: &ast::EventDecl,
) -> (String, String, Vec<Diagnostic>) {
    let mut ty = concat(&[app_name, ".", &snake_case(&decl.name.name)]);
    let mut source = concat(&["/", app_name]);
    let mut diags = Vec::new();
    for m in &decl.members {
        if let ast::EventMember::Assign(a) = m {
            let slot = match a.key.name.as_str() {
                "type" => &mut ty,
                "source" => &mut source,
                _ => continue,
            };
            match values.string(&a.value) {
                Ok(s) => *slot = s,
                Err(d) => diags.push(d),
            }
        }
    }
    (ty, source, diags)
}

/// The URL a `call` of function `name`, declared in namespace `ns`, goes to.
pub fn function_url(name: &str, ns: &str) -> String {
    concat(&["http://", &kebab_case(name), ".", ns, ".svc.cluster.local"])
}

/// A `call`'s `"path"` joined to the function's or service's base URL.
pub fn join_path(base: String, path: Option<&StrLit>) -> String {
    match path {
        Some(p) if p.value.starts_with('/') => concat(&[base.trim_end_matches('/'), &p.value]),
        Some(p) if !p.value.is_empty() => concat(&[base.trim_end_matches('/'), "/", &p.value]),
        _ => base,
    }
}

/// `value` without the object entries named in `keys`.
fn without_keys(value: &Value, keys: &[String]) -> Value {
    match &value.kind {
        ValueKind::Object(entries) => Value {
            kind: ValueKind::Object(
                entries
                    .iter()
                    .filter(|e| !keys.contains(&e.key.name))
                    .cloned()
                    .collect(),
            ),
            span: value.span,
        },
        _ => value.clone(),
    }
}

impl Lowerer<'_> {
    fn unresolved(&mut self, what: &str, path: &ast::Path) {
        self.diags.push(
            Diagnostic::error(Code::E0550, format!("unknown {what} `{}`", path.display()))
                .with_primary(path.span, format!("no {what} of this name")),
        );
    }

    /// The event a step names: its app index, declaration and attributes.
    fn event(&mut self, path: &ast::Path) -> Option<(String, String)> {
        let Some((app, Item::Event(decl))) =
            self.program.lookup_path(self.app, DeclKind::Event, path)
        else {
            self.unresolved("event", path);
            return None;
        };
        let unit = self.program.apps.get(app).unwrap_or(self.unit);
        let values = Values { app: unit };
        let (ty, source, diags) = event_attributes(&values, &unit.manifest.name, decl);
        self.diags.extend(diags);
        Some((ty, source))
    }

    pub(super) fn call(
        &mut self,
        task: &mut Task,
        target: &ast::Path,
        method: Option<(HttpMethod, crate::span::Span)>,
        path: Option<&StrLit>,
        body: Option<&Value>,
    ) {
        task.reads_input = true;
        let (base, headers) = match self.program.lookup_callable(self.app, target) {
            Some((app, Item::Function(f))) => {
                let ns = self
                    .program
                    .apps
                    .get(app)
                    .map(|a| a.manifest.namespace.clone())
                    .unwrap_or_default();
                (function_url(&f.name.name, &ns), None)
            }
            Some((app, Item::Service(s))) => self.service(app, s),
            _ => {
                self.unresolved("function or service", target);
                return;
            }
        };
        let method = method.map(|(m, _)| m).unwrap_or(HttpMethod::Post);
        let uri = join_path(base, path);
        // `{name}` variables of the path take their values from the
        // step's object, whose bound keys then leave the query or body.
        let (uri, body) = match path.filter(|p| p.value.contains('{')) {
            None => (uri, body.cloned()),
            Some(p) => match super::uri::bind(&self.values, &uri, body, p.span) {
                Ok(bound) => (bound.uri, body.map(|b| without_keys(b, &bound.consumed))),
                Err(d) => {
                    self.diags.push(d);
                    return;
                }
            },
        };
        let body = body.as_ref();
        let mut with = NodeMap::new();
        with.insert("method", Node::from(method.as_str().to_ascii_lowercase()));
        with.insert("endpoint", node! { "uri" => uri });
        if let Some(h) = headers {
            with.insert("headers", h);
        }
        let as_query = matches!(method, HttpMethod::Get | HttpMethod::Delete);
        match body {
            Some(v) if as_query => {
                let q = self.query(v);
                // Nothing left once template variables took their keys.
                if !matches!(&q, Node::Map(m) if m.is_empty()) {
                    with.insert("query", q);
                }
            }
            Some(v) => {
                let b = self.json(v);
                with.insert("body", b);
            }
            // Default body: the step input, i.e. the workflow input.
            None if !as_query => {
                with.insert("body", Node::from("${ . }"));
            }
            None => {}
        }
        task.body.insert("call", Node::from("http"));
        task.body.insert("with", Node::Map(with));
    }

    /// A service's base URL and headers (strings, as HTTP wants them).
    fn service(&mut self, app: usize, s: &ast::ServiceDecl) -> (String, Option<Node>) {
        let values = Values {
            app: self.program.apps.get(app).unwrap_or(self.unit),
        };
        let mut url = String::new();
        let mut headers = None;
        for m in &s.members {
            match m {
                ast::Member::Assign(a) if a.key.name == "url" => match values.string(&a.value) {
                    Ok(u) => url = u,
                    Err(d) => self.diags.push(d),
                },
                ast::Member::Block(b) if b.key.name == "headers" => {
                    let mut h = NodeMap::new();
                    for e in &b.entries {
                        match values.string(&e.value) {
                            Ok(v) => {
                                h.insert(e.key.name.clone(), Node::from(v));
                            }
                            Err(d) => self.diags.push(d),
                        }
                    }
                    headers = Some(Node::Map(h));
                }
                _ => {}
            }
        }
        (url, headers)
    }

    /// GET/DELETE: an object becomes query parameters (strings), a runtime
    /// expression is passed through.
    fn query(&mut self, v: &Value) -> Node {
        match &v.kind {
            ValueKind::Object(entries) => {
                let mut q = NodeMap::new();
                for e in entries {
                    let s = match &e.value.kind {
                        ValueKind::List(_) | ValueKind::Object(_) => {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::E0551,
                                    format!("query parameter `{}` must be a scalar", e.key.name),
                                )
                                .with_primary(e.value.span, "a list or object")
                                .with_help("compute a string with `${ … | tojson }` or send a body with POST"),
                            );
                            continue;
                        }
                        _ => match self.json(&e.value) {
                            Node::Str(s) => s.into_owned(),
                            Node::Null => "null".into(),
                            other => other.to_json().to_string(),
                        },
                    };
                    q.insert(e.key.name.clone(), Node::from(s));
                }
                Node::Map(q)
            }
            ValueKind::Expr(e) => Node::from(expr_text(e)),
            _ => {
                self.diags.push(
                    Diagnostic::error(Code::E0551, "query parameters must be an object")
                        .with_primary(v.span, "not an object")
                        .with_help("write `{ name: value }` or a `${ … }` yielding an object"),
                );
                Node::Null
            }
        }
    }

    pub(super) fn run(&mut self, task: &mut Task, workflow: &ast::Ident, input: Option<&Value>) {
        task.reads_input = true;
        let Some(Item::Workflow(target)) = self.unit.lookup(DeclKind::Workflow, &workflow.name)
        else {
            self.unresolved(
                "workflow",
                &ast::Path {
                    alias: None,
                    name: workflow.clone(),
                    span: workflow.span,
                },
            );
            return;
        };
        let mut w = NodeMap::new();
        w.insert("namespace", self.unit.manifest.namespace.clone());
        w.insert("name", Node::from(kebab_case(&target.name.name)));
        w.insert(
            "version",
            Node::from(workflow_version(target).unwrap_or_else(|| DEFAULT_VERSION.to_string())),
        );
        match input.map(|v| &v.kind) {
            Some(ValueKind::Object(_)) => {
                let v = input.map(|v| self.json(v)).unwrap_or(Node::Null);
                w.insert("input", v);
            }
            // The schema wants an object: an expression becomes the task's
            // input, which a sub-workflow receives when `input` is absent.
            Some(ValueKind::Expr(e)) => {
                task.input_from = Some(format!("${{ $workflow.input | ({}) }}", expr_body(e)));
            }
            Some(_) => {
                if let Some(v) = input {
                    self.diags.push(
                        Diagnostic::error(Code::E0552, "`run` input must be an object")
                            .with_primary(v.span, "not an object")
                            .with_help("write `{ key: value }` or a `${ … }` expression"),
                    );
                }
            }
            None => {}
        }
        task.body.insert("run", node! { "workflow" => w });
    }

    pub(super) fn emit(
        &mut self,
        task: &mut Task,
        step: &str,
        event: &ast::Path,
        data: Option<&Value>,
    ) {
        let Some((ty, source)) = self.event(event) else {
            return;
        };
        let mut with = NodeMap::new();
        with.insert("type", Node::from(ty));
        // `/shop` is a URI reference, which the schema's pattern refuses:
        // carry it as a constant expression.
        with.insert("source", uri_or_expression(&source));
        if let Some(d) = data {
            let v = self.json(d);
            with.insert("data", v);
            task.reads_input = true;
        }
        with.insert("airworkflow", self.doc_name.clone());
        with.insert("airstep", step.to_string());
        task.body
            .insert("emit", node! { "event" => node! { "with" => with } });
    }

    /// `wait for`: returns what a label exports (`.[0]` for one event, the
    /// list for `all`/`any`).
    pub(super) fn listen(
        &mut self,
        task: &mut Task,
        mode: WaitMode,
        events: &[ast::Path],
        correlate: &[Correlate],
    ) -> String {
        let mut filters = Vec::new();
        for e in events {
            let Some((ty, _)) = self.event(e) else {
                continue;
            };
            let mut f = NodeMap::new();
            f.insert("with", node! { "type" => ty });
            if !correlate.is_empty() {
                let mut c = NodeMap::new();
                for k in correlate {
                    c.insert(
                        k.field.name.clone(),
                        node! {
                            "from" => format!("${{ .data.{} }}", k.field.name),
                            "expect" => expr_text(&k.expr),
                        },
                    );
                }
                f.insert("correlate", Node::Map(c));
                task.reads_input = true;
            }
            filters.push(Node::Map(f));
        }
        let to = match mode {
            WaitMode::One => {
                node! { "one" => filters.into_iter().next().unwrap_or_else(|| node! {}) }
            }
            WaitMode::All => node! { "all" => filters },
            WaitMode::Any => node! { "any" => filters },
        };
        task.body
            .insert("listen", node! { "to" => to, "read" => "envelope" });
        match mode {
            WaitMode::One => ".[0]".into(),
            _ => ".".into(),
        }
    }
}
