//! Completion: keywords that fit where the cursor is, declared names of
//! the kind the keyword before wants, fields of the start event after
//! `.data.`, step labels after `then` and `$context.`, HTTP methods after
//! `call <service>`, and air.toml keys.

use super::analysis::Snapshot;
use super::context::{DECLARATIONS, Enclosing, chain, enclosing, previous_words, split_word};
use super::convert::LineIndex;
use air_compiler::ast::{self, Block, Fields, Item, TypeBody, TypeExprKind};
use air_compiler::model::{DeclKind, Program};
use air_compiler::naming::child_blocks;
use air_compiler::{SourceMap, ast::HttpMethod};
use lsp_types::{CompletionItem, CompletionItemKind, Position};
use std::path::Path;

/// Keywords that start a step.
const STEPS: &[&str] = &[
    "call", "run", "emit", "wait", "set", "if", "switch", "parallel", "race", "for", "try", "fail",
    "return",
];
const METHODS: &[HttpMethod] = &[
    HttpMethod::Get,
    HttpMethod::Post,
    HttpMethod::Put,
    HttpMethod::Patch,
    HttpMethod::Delete,
    HttpMethod::Head,
    HttpMethod::Options,
];
/// Statements of a `test "…" { }` block.
const TEST_STATEMENTS: &[&str] = &[
    "send", "start", "tick", "advance", "mock", "expect", "allow",
];
const PRIMITIVES: &[&str] = &["string", "number", "integer", "boolean", "any", "map"];

pub fn complete(snap: &Snapshot, file: &Path, pos: Position) -> Vec<CompletionItem> {
    let Some(rel) = snap.rel(file) else {
        return Vec::new();
    };
    let Some(text) = snap.text(&rel) else {
        return Vec::new();
    };
    let offset = LineIndex::new(text).offset(pos);
    let before = text.get(..offset).unwrap_or("");
    if rel == "air.toml" || rel.ends_with("/air.toml") {
        return toml_keys(before);
    }
    let (head, _word) = split_word(before);
    let c = snap.names();
    let Some(program) = &c.program else {
        return keywords(&enclosing(text, offset), head);
    };
    let app = app_of(program, &c.sources, &rel);
    let ctx = Ctx {
        program,
        sources: &c.sources,
        app,
        enclosing: enclosing(text, offset),
    };
    if let Some(chain) = chain(head) {
        return ctx.after_dot(chain);
    }
    let words = previous_words(head, 3);
    let last = words.first().copied().unwrap_or("");
    let line_start = head.rsplit('\n').next().unwrap_or("").trim().is_empty();
    if ctx.enclosing.as_ref().is_some_and(|e| e.keyword == "test")
        && let Some(items) = ctx.in_test(&words)
    {
        return items;
    }
    match last {
        "then" => {
            let mut items = ctx.labels();
            items.extend(plain(
                &["end", "exit", "continue"],
                CompletionItemKind::KEYWORD,
            ));
            items
        }
        "call" => [
            ctx.names(DeclKind::Function, CompletionItemKind::FUNCTION),
            ctx.names(DeclKind::Service, CompletionItemKind::INTERFACE),
            ctx.names(DeclKind::Import, CompletionItemKind::MODULE),
        ]
        .concat(),
        "run" => ctx.names(DeclKind::Workflow, CompletionItemKind::METHOD),
        "emit" => ctx.names(DeclKind::Event, CompletionItemKind::EVENT),
        "for" if words.get(1) == Some(&"wait") => {
            ctx.names(DeclKind::Event, CompletionItemKind::EVENT)
        }
        "on" if !line_start || ctx.enclosing.is_some() => {
            let mut items = ctx.names(DeclKind::Event, CompletionItemKind::EVENT);
            items.extend(plain(&["schedule", "http"], CompletionItemKind::KEYWORD));
            items
        }
        "fail" => ctx.names(DeclKind::Error, CompletionItemKind::ENUM_MEMBER),
        "catch" => {
            let mut items = ctx.names(DeclKind::Error, CompletionItemKind::ENUM_MEMBER);
            items.extend(plain(
                air_compiler::resolve::BUILTIN_ERRORS,
                CompletionItemKind::ENUM_MEMBER,
            ));
            items
        }
        "input" => ctx.types(),
        _ if words.get(1) == Some(&"call") && ctx.is_service(last) => METHODS
            .iter()
            .map(|m| item(m.as_str(), CompletionItemKind::KEYWORD, None))
            .collect(),
        _ if head.trim_end().ends_with(':') || head.trim_end().ends_with(":[") => ctx.types(),
        _ if line_start => keywords(&ctx.enclosing, head),
        _ => ctx.all_names(),
    }
}

struct Ctx<'a> {
    program: &'a Program,
    sources: &'a SourceMap,
    app: usize,
    enclosing: Option<Enclosing>,
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..Default::default()
    }
}

fn plain(words: &[&str], kind: CompletionItemKind) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w, kind, None)).collect()
}

/// The keywords that may start a line where the cursor is.
fn keywords(enclosing: &Option<Enclosing>, head: &str) -> Vec<CompletionItem> {
    let kw = CompletionItemKind::KEYWORD;
    let Some(e) = enclosing else {
        return plain(DECLARATIONS, kw);
    };
    let mut items = match e.keyword.as_str() {
        "workflow" => {
            let mut v = plain(STEPS, kw);
            v.extend(plain(
                &air_compiler::resolve::setting_names("workflow"),
                CompletionItemKind::PROPERTY,
            ));
            v
        }
        "function" | "service" => plain(
            &air_compiler::resolve::setting_names(&e.keyword),
            CompletionItemKind::PROPERTY,
        ),
        "event" => plain(&["type", "source", "data"], CompletionItemKind::PROPERTY),
        "error" => plain(&["status", "title", "type"], CompletionItemKind::PROPERTY),
        "test" => plain(TEST_STATEMENTS, kw),
        _ => Vec::new(),
    };
    // `} else …` and `} catch …` continue a step.
    if e.keyword == "workflow" && head.trim_end().ends_with('}') {
        items.extend(plain(&["else", "catch"], kw));
    }
    items
}

/// The index of the app a file belongs to (the root app when unknown).
fn app_of(program: &Program, sources: &SourceMap, rel: &str) -> usize {
    program
        .apps
        .iter()
        .position(|u| u.files.iter().any(|f| sources.path(f.id) == rel))
        .unwrap_or(0)
}

impl Ctx<'_> {
    /// Inside a test block: what follows `send`, `tick`, `expect`, ….
    fn in_test(&self, words: &[&str]) -> Option<Vec<CompletionItem>> {
        let kw = CompletionItemKind::KEYWORD;
        Some(match words {
            ["send", ..] => self.names(DeclKind::Event, CompletionItemKind::EVENT),
            ["tick" | "start", ..] => self.names(DeclKind::Workflow, CompletionItemKind::METHOD),
            ["expect", ..] => plain(&["emit", "no", "call", "workflow", "order"], kw),
            ["no", "expect", ..] => plain(&["emit", "call"], kw),
            ["allow", ..] => plain(&["emit"], kw),
            ["workflow", "expect", ..] => {
                self.names(DeclKind::Workflow, CompletionItemKind::METHOD)
            }
            [_, "workflow", "expect"] => plain(&["completes", "fails", "context"], kw),
            ["fails", ..] => {
                let mut items = self.names(DeclKind::Error, CompletionItemKind::ENUM_MEMBER);
                items.extend(plain(
                    air_compiler::resolve::BUILTIN_ERRORS,
                    CompletionItemKind::ENUM_MEMBER,
                ));
                items
            }
            _ => return None,
        })
    }

    fn names(&self, kind: DeclKind, ck: CompletionItemKind) -> Vec<CompletionItem> {
        let Some(unit) = self.program.apps.get(self.app) else {
            return Vec::new();
        };
        unit.symbols
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| item(n, ck, Some(kind.as_str().to_string())))
            .collect()
    }

    fn all_names(&self) -> Vec<CompletionItem> {
        let Some(unit) = self.program.apps.get(self.app) else {
            return Vec::new();
        };
        unit.symbols
            .keys()
            .map(|(k, n)| {
                item(
                    n,
                    CompletionItemKind::REFERENCE,
                    Some(k.as_str().to_string()),
                )
            })
            .collect()
    }

    fn types(&self) -> Vec<CompletionItem> {
        let mut items = self.names(DeclKind::Type, CompletionItemKind::STRUCT);
        items.extend(plain(PRIMITIVES, CompletionItemKind::KEYWORD));
        items
    }

    fn is_service(&self, name: &str) -> bool {
        self.program
            .apps
            .get(self.app)
            .is_some_and(|u| u.symbols.contains(DeclKind::Service, name))
    }

    fn workflow(&self) -> Option<&ast::WorkflowDecl> {
        let e = self
            .enclosing
            .as_ref()
            .filter(|e| e.keyword == "workflow")?;
        match self
            .program
            .apps
            .get(self.app)?
            .lookup(DeclKind::Workflow, &e.name)?
        {
            Item::Workflow(w) => Some(w),
            _ => None,
        }
    }

    fn labels(&self) -> Vec<CompletionItem> {
        let mut out = Vec::new();
        if let Some(w) = self.workflow() {
            collect_labels(&w.body, &mut out);
        }
        out.into_iter()
            .map(|(l, kw)| {
                item(
                    &l,
                    CompletionItemKind::REFERENCE,
                    Some(format!("{kw} step")),
                )
            })
            .collect()
    }

    /// After `params.`, `$context.` or `.data.…`.
    fn after_dot(&self, chain: &str) -> Vec<CompletionItem> {
        if chain == "params." {
            return self.names(DeclKind::Param, CompletionItemKind::CONSTANT);
        }
        if chain == "$context." {
            return self.labels();
        }
        let Some(path) = chain.strip_prefix(".data.") else {
            return Vec::new();
        };
        let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
        let Some(w) = self.workflow() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in &w.members {
            let ast::Member::On(t) = m else { continue };
            let ast::TriggerKind::Event { event, .. } = &t.kind else {
                continue;
            };
            let Some((app, Item::Event(e))) =
                self.program.lookup_path(self.app, DeclKind::Event, event)
            else {
                continue;
            };
            if let Some(fields) = air_compiler::lower::event_data(e)
                && let Some(fields) = self.descend(app, fields, &segments)
            {
                for f in &fields.fields {
                    if !out.iter().any(|i: &CompletionItem| i.label == f.name.name) {
                        let detail = self.sources.snippet(f.ty.span).to_string();
                        let mut it = item(&f.name.name, CompletionItemKind::FIELD, Some(detail));
                        it.documentation = f
                            .doc
                            .as_ref()
                            .map(|d| lsp_types::Documentation::String(d.text.clone()));
                        out.push(it);
                    }
                }
            }
        }
        out
    }

    /// The fields reached from `fields` through named struct types.
    fn descend<'p>(
        &'p self,
        app: usize,
        fields: &'p Fields,
        segments: &[&str],
    ) -> Option<&'p Fields> {
        let Some((first, rest)) = segments.split_first() else {
            return Some(fields);
        };
        let f = fields.fields.iter().find(|f| f.name.name == *first)?;
        let TypeExprKind::Named(path) = &f.ty.kind else {
            return None;
        };
        let (app, Item::Type(t)) = self.program.lookup_path(app, DeclKind::Type, path)? else {
            return None;
        };
        match &t.body {
            TypeBody::Struct(inner) => self.descend(app, inner, rest),
            TypeBody::Alias(_) => None,
        }
    }
}

fn collect_labels(block: &Block, out: &mut Vec<(String, &'static str)>) {
    for s in &block.steps {
        if let Some(l) = &s.label {
            out.push((l.name.clone(), s.kind.keyword()));
        }
        for b in child_blocks(&s.kind) {
            collect_labels(b, out);
        }
    }
}

/// air.toml: table names after `[`, else the keys of the table above.
fn toml_keys(before: &str) -> Vec<CompletionItem> {
    let line = before.rsplit('\n').next().unwrap_or("");
    if line.trim_start().starts_with('[') {
        let mut v = plain(
            air_compiler::manifest::known_keys(""),
            CompletionItemKind::MODULE,
        );
        v.push(item("env.", CompletionItemKind::MODULE, None));
        return v;
    }
    let table = before
        .lines()
        .rev()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix('[')?.strip_suffix(']').map(str::to_string)
        })
        .unwrap_or_default();
    let table = match table.split('.').collect::<Vec<_>>().as_slice() {
        ["env", _] => "env".to_string(),
        ["env", _, t] => (*t).to_string(),
        _ => table,
    };
    if table == "params" {
        return Vec::new();
    }
    plain(
        air_compiler::manifest::known_keys(&table),
        CompletionItemKind::PROPERTY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(items: Vec<CompletionItem>) -> Vec<String> {
        items.into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn air_toml_keys_by_table() {
        assert!(labels(toml_keys("[app]\nname = \"x\"\n")).contains(&"namespace".to_string()));
        assert!(labels(toml_keys("[env.prod]\n")).contains(&"namespace".to_string()));
        assert!(labels(toml_keys("[env.prod.runtime]\n")).contains(&"url".to_string()));
        assert!(labels(toml_keys("[app]\n[")).contains(&"broker".to_string()));
        assert!(toml_keys("[params]\n").is_empty());
    }

    #[test]
    fn keywords_fit_the_place() {
        let top = labels(keywords(&None, ""));
        assert!(top.contains(&"workflow".to_string()) && !top.contains(&"call".to_string()));
        let wf = Some(Enclosing {
            keyword: "workflow".into(),
            name: "w".into(),
        });
        let inside = labels(keywords(&wf, "  "));
        assert!(inside.contains(&"call".to_string()) && inside.contains(&"timeout".to_string()));
        assert!(labels(keywords(&wf, "  }")).contains(&"catch".to_string()));
    }
}
