//! The resolved program: what `resolve` hands to `check` and `lower`.
//! Parsed files plus the facts name resolution established (air.toml with
//! the environment overlay applied, parameter values, imports, and a
//! symbol table per app).

use crate::ast;
use crate::span::{FileId, Span};
use foldhash::HashMap;
use std::collections::BTreeMap;

/// The root app (index 0) and every app it imports, transitively.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub apps: Vec<AppUnit>,
}

impl Program {
    pub fn root(&self) -> Option<&AppUnit> {
        self.apps.first()
    }

    /// Resolve a reference written in app `app`: `Name` in that app, or
    /// `alias.Name` in the app the alias imports. Returns the index of the
    /// app that declares it and the item.
    pub fn lookup_path(
        &self,
        app: usize,
        kind: DeclKind,
        path: &ast::Path,
    ) -> Option<(usize, &ast::Item)> {
        let unit = self.apps.get(app)?;
        let target = match &path.alias {
            Some(alias) => *unit.imports.get(&alias.name)?,
            None => app,
        };
        let item = self.apps.get(target)?.lookup(kind, &path.name.name)?;
        Some((target, item))
    }

    /// Like [`Program::lookup_path`] for `call` targets, which may be a
    /// function or a service.
    pub fn lookup_callable(&self, app: usize, path: &ast::Path) -> Option<(usize, &ast::Item)> {
        self.lookup_path(app, DeclKind::Function, path)
            .or_else(|| self.lookup_path(app, DeclKind::Service, path))
    }
}

/// One app folder, parsed and resolved.
#[derive(Clone, Debug, Default)]
pub struct AppUnit {
    /// Repository-relative folder ("" = repository root).
    pub dir: String,
    /// air.toml with the selected environment applied.
    pub manifest: Manifest,
    /// The air.toml file in the source map (for spans).
    pub manifest_file: Option<FileId>,
    /// Every `.air` file of the app, sorted by path.
    pub files: Vec<ast::File>,
    /// Import alias → index of the imported app in [`Program::apps`].
    pub imports: BTreeMap<String, usize>,
    /// Final compile-time value of every `param` (air.toml `[params]`,
    /// overridden by `[env.NAME.params]`, else the declared default).
    pub params: BTreeMap<String, ParamValue>,
    /// Declarations by kind and name.
    pub symbols: Symbols,
}

/// The declarations of one app by kind and name. Looked up for every
/// reference, so lookups by `&str` go through a hash map and allocate
/// nothing; iteration is in (kind, name) order, so messages built from it
/// are deterministic.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    sorted: BTreeMap<(DeclKind, String), DeclId>,
    by_name: HashMap<String, Vec<(DeclKind, DeclId)>>,
}

impl Symbols {
    /// Record a declaration (a later one of the same kind and name wins).
    pub fn insert(&mut self, kind: DeclKind, name: &str, id: DeclId) {
        self.sorted.insert((kind, name.to_string()), id);
        let v = self.by_name.entry(name.to_string()).or_default();
        match v.iter_mut().find(|(k, _)| *k == kind) {
            Some(e) => e.1 = id,
            None => v.push((kind, id)),
        }
    }

    pub fn get(&self, kind: DeclKind, name: &str) -> Option<DeclId> {
        self.by_name
            .get(name)?
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|&(_, id)| id)
    }

    pub fn contains(&self, kind: DeclKind, name: &str) -> bool {
        self.get(kind, name).is_some()
    }

    /// Every declaration, sorted by (kind, name).
    pub fn iter(&self) -> impl Iterator<Item = (DeclKind, &str, DeclId)> {
        self.sorted.iter().map(|((k, n), id)| (*k, n.as_str(), *id))
    }

    /// Every (kind, name), sorted.
    pub fn keys(&self) -> impl Iterator<Item = (DeclKind, &str)> {
        self.sorted.keys().map(|(k, n)| (*k, n.as_str()))
    }
}

impl AppUnit {
    /// The item a [`DeclId`] points at.
    pub fn item(&self, id: DeclId) -> Option<&ast::Item> {
        self.files
            .get(id.file as usize)?
            .items
            .get(id.item as usize)
    }

    /// Look a name up among the declarations of one kind.
    pub fn lookup(&self, kind: DeclKind, name: &str) -> Option<&ast::Item> {
        let id = self.symbols.get(kind, name)?;
        self.item(id)
    }

    /// Every item of the app, in file then source order.
    pub fn items(&self) -> impl Iterator<Item = &ast::Item> {
        self.files.iter().flat_map(|f| f.items.iter())
    }

    pub fn workflows(&self) -> impl Iterator<Item = &ast::WorkflowDecl> {
        self.items().filter_map(|i| match i {
            ast::Item::Workflow(w) => Some(w),
            _ => None,
        })
    }

    /// Bytes of source its workflows span: the work estimate the
    /// per-workflow stages hand to [`crate::par`].
    pub fn workflow_bytes(&self) -> usize {
        self.workflows().map(|w| w.span.len()).sum()
    }

    pub fn functions(&self) -> impl Iterator<Item = &ast::FunctionDecl> {
        self.items().filter_map(|i| match i {
            ast::Item::Function(f) => Some(f),
            _ => None,
        })
    }

    pub fn events(&self) -> impl Iterator<Item = &ast::EventDecl> {
        self.items().filter_map(|i| match i {
            ast::Item::Event(e) => Some(e),
            _ => None,
        })
    }
}

/// Kinds of declaration. Each kind is its own namespace, except that
/// functions and services share one (both are `call` targets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeclKind {
    Type,
    Event,
    Error,
    Param,
    Function,
    Service,
    Workflow,
    Import,
}

impl DeclKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclKind::Type => "type",
            DeclKind::Event => "event",
            DeclKind::Error => "error",
            DeclKind::Param => "param",
            DeclKind::Function => "function",
            DeclKind::Service => "service",
            DeclKind::Workflow => "workflow",
            DeclKind::Import => "import",
        }
    }

    pub fn of(item: &ast::Item) -> DeclKind {
        match item {
            ast::Item::Type(_) => DeclKind::Type,
            ast::Item::Event(_) => DeclKind::Event,
            ast::Item::Error(_) => DeclKind::Error,
            ast::Item::Param(_) => DeclKind::Param,
            ast::Item::Function(_) => DeclKind::Function,
            ast::Item::Service(_) => DeclKind::Service,
            ast::Item::Workflow(_) => DeclKind::Workflow,
            ast::Item::Import(_) => DeclKind::Import,
        }
    }
}

/// Position of a declaration: index of the file in [`AppUnit::files`] and
/// of the item in that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeclId {
    pub file: u32,
    pub item: u32,
}

/// A parameter's compile-time value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamValue {
    pub value: serde_json::Value,
    /// The air.toml entry or the `param` default that supplied it.
    pub span: Span,
}

/// air.toml after the environment overlay.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// `[app] name`: a DNS-1123 label.
    pub name: String,
    /// Target namespace (`[app] namespace`, or `[env.NAME] namespace`).
    pub namespace: String,
    pub owner: Option<String>,
    pub description: Option<String>,
    /// The Knative Broker events flow through (default: the app name).
    pub broker_name: String,
    /// The broker exists already: do not emit it.
    pub broker_external: bool,
    /// `"generic"` or `"sonataflow"`.
    pub runtime_kind: String,
    /// Where start events for workflows are delivered (generic runtime).
    pub runtime_url: String,
    /// The environment selected with `--env`, if any.
    pub env: Option<String>,
}

/// Where the generic workflow runtime listens unless air.toml says otherwise.
pub(crate) const DEFAULT_RUNTIME_URL: &str = "http://air-runtime.air-system.svc.cluster.local";

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            name: String::new(),
            namespace: String::new(),
            owner: None,
            description: None,
            broker_name: String::new(),
            broker_external: false,
            runtime_kind: "generic".to_string(),
            runtime_url: DEFAULT_RUNTIME_URL.to_string(),
            env: None,
        }
    }
}

/// `OrderCreated` → `order-created`, `resize_image` → `resize-image`,
/// `HTTPServer` → `http-server`: the Kubernetes form of a name.
pub fn kebab_case(name: &str) -> String {
    cased(name, '-')
}

/// `OrderCreated` → `order_created` (default CloudEvents type suffix).
pub fn snake_case(name: &str) -> String {
    cased(name, '_')
}

/// [`kebab_case`] with `sep` between words (`-` and `_` in `name` both
/// separate words).
fn cased(name: &str, sep: char) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    push_cased(&mut out, name, sep);
    out
}

/// [`snake_case`] of `name`, appended to `out` (step names are built
/// from a keyword and a snake-cased target without a string between).
pub(crate) fn push_snake_case(out: &mut String, name: &str) {
    push_cased(out, name, '_');
}

/// [`cased`], appended to `out`. Names are ASCII in practice and this
/// runs tens of thousands of times per build, so ASCII names are read as
/// bytes instead of being collected into a vector of chars first.
fn push_cased(out: &mut String, name: &str, sep: char) {
    if name.is_ascii() {
        let b = name.as_bytes();
        cased_chars(out, b.len(), |i| b.get(i).map(|&c| char::from(c)), sep);
    } else {
        let chars: Vec<char> = name.chars().collect();
        cased_chars(out, chars.len(), |i| chars.get(i).copied(), sep);
    }
}

/// The casing rules over `len` characters read with `at`, appended to
/// `out` (what `out` held before is left alone).
fn cased_chars(out: &mut String, len: usize, at: impl Fn(usize) -> Option<char>, sep: char) {
    let start = out.len();
    // A separator goes in only between words written here.
    let word_open = |out: &String| out.len() > start && !out.ends_with(sep);
    for i in 0..len {
        let Some(c) = at(i) else { break };
        if c == '_' || c == '-' {
            if word_open(out) {
                out.push(sep);
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(&at);
            let next = at(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && word_open(out) {
                out.push(sep);
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    while out.len() > start && out.ends_with(sep) {
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_examples() {
        assert_eq!(kebab_case("OrderCreated"), "order-created");
        assert_eq!(kebab_case("resize_image"), "resize-image");
        assert_eq!(kebab_case("HTTPServer"), "http-server");
        assert_eq!(kebab_case("fulfil_order"), "fulfil-order");
        assert_eq!(kebab_case("v2Api"), "v2-api");
        assert_eq!(snake_case("OrderCreated"), "order_created");
        assert_eq!(snake_case("HTTP-server__v2Api_"), "http_server_v2_api");
        assert_eq!(kebab_case("_Ünïcode_Name-"), "Ünïcode-name");
        assert_eq!(snake_case("ÀbcDéf"), "Àbc_déf");
    }
}
