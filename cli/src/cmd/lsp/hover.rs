//! Hover: the declaration under the cursor with its `///` docs (for an
//! event also its CloudEvents type and data schema), a step label's step,
//! and for a diagnostic at the cursor the summary `air explain` gives.

use super::analysis::Snapshot;
use super::convert::LineIndex;
use super::index::Key;
use super::navigate::{occurrence_at, range};
use air_compiler::ast::{Block, Item, Step};
use air_compiler::model::{DeclKind, Program};
use air_compiler::naming::child_blocks;
use air_compiler::{SourceMap, Span};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use std::path::Path;

/// Declarations longer than this many lines are cut in hovers.
const MAX_LINES: usize = 16;

pub fn hover(snap: &Snapshot, file: &Path, pos: Position) -> Option<Hover> {
    let mut parts = diagnostic_notes(snap, file, pos);
    let occurrence = occurrence_at(snap, file, pos);
    if let Some(o) = occurrence {
        let c = snap.names();
        if let Some(p) = &c.program {
            parts.extend(match &o.key {
                Key::Decl { app, kind, name } => declaration(p, &c.sources, *app, *kind, name),
                Key::Label {
                    app,
                    workflow,
                    name,
                } => label(p, &c.sources, *app, workflow, name),
            });
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: occurrence.and_then(|o| range(snap, o)),
    })
}

/// The source of a declaration or step, cut to [`MAX_LINES`].
fn excerpt(sources: &SourceMap, span: Span) -> String {
    let text = sources.snippet(span);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines
        .iter()
        .take(MAX_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > MAX_LINES {
        out.push_str("\n  …");
    }
    format!("```air\n{out}\n```")
}

fn declaration(
    program: &Program,
    sources: &SourceMap,
    app: usize,
    kind: DeclKind,
    name: &str,
) -> Vec<String> {
    let Some(item) = program.apps.get(app).and_then(|u| u.lookup(kind, name)) else {
        return Vec::new();
    };
    // Docs sit before the declaration's span; the excerpt starts at the keyword.
    let mut out = vec![excerpt(sources, item.span())];
    if let Some(doc) = doc_of(item) {
        out.push(doc.to_string());
    }
    if let Item::Event(e) = item {
        let info = air_compiler::lower::event_info(program, app, e);
        out.push(format!(
            "CloudEvents type `{}`, source `{}`",
            info.ce_type, info.source
        ));
        let schema = air_compiler::lower::schema::data_schema(
            program,
            app,
            &e.name.name,
            air_compiler::lower::event_data(e),
            None,
        );
        let json = serde_json::to_string_pretty(&schema).unwrap_or_default();
        out.push(format!("data schema:\n```json\n{json}\n```"));
    }
    if app > 0
        && let Some(unit) = program.apps.get(app)
    {
        out.push(format!("from the imported app `{}`", unit.manifest.name));
    }
    out
}

fn doc_of(item: &Item) -> Option<&str> {
    let doc = match item {
        Item::Type(d) => d.doc.as_ref(),
        Item::Event(d) => d.doc.as_ref(),
        Item::Error(d) => d.doc.as_ref(),
        Item::Param(d) => d.doc.as_ref(),
        Item::Function(d) => d.doc.as_ref(),
        Item::Service(d) => d.doc.as_ref(),
        Item::Workflow(d) => d.doc.as_ref(),
        Item::Import(_) => None,
    };
    doc.map(|d| d.text.as_str())
}

fn label(
    program: &Program,
    sources: &SourceMap,
    app: usize,
    workflow: &str,
    name: &str,
) -> Vec<String> {
    let Some(Item::Workflow(w)) = program
        .apps
        .get(app)
        .and_then(|u| u.lookup(DeclKind::Workflow, workflow))
    else {
        return Vec::new();
    };
    let Some(step) = find_label(&w.body, name) else {
        return Vec::new();
    };
    let mut out = vec![
        format!("step `{name}` of workflow `{workflow}`; its result is `$context.{name}`"),
        excerpt(sources, step.span),
    ];
    if let Some(d) = &step.doc {
        out.push(d.text.clone());
    }
    out
}

/// The step labelled `name` in a block or below.
pub fn find_label<'a>(block: &'a Block, name: &str) -> Option<&'a Step> {
    block.steps.iter().find_map(|s| {
        if s.label.as_ref().is_some_and(|l| l.name == name) {
            return Some(s);
        }
        child_blocks(&s.kind)
            .into_iter()
            .find_map(|b| find_label(b, name))
    })
}

/// `air explain`'s summary of each diagnostic whose place holds the cursor.
fn diagnostic_notes(snap: &Snapshot, file: &Path, pos: Position) -> Vec<String> {
    let Some(rel) = snap.rel(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (d, map) in snap.diagnostics() {
        let Some(span) = d.primary_span() else {
            continue;
        };
        if map.path(span.file) != rel {
            continue;
        }
        let offset = LineIndex::new(map.text(span.file)).offset(pos);
        if !(span.start as usize <= offset && offset <= span.end as usize) {
            continue;
        }
        let note = match crate::cmd::explain::page(d.code.as_str()).map(summary) {
            Some(s) => format!(
                "**{}**: {s}\n\n`air explain {}` tells more.",
                d.code, d.code
            ),
            None => format!("**{}**", d.code),
        };
        if !out.contains(&note) {
            out.push(note);
        }
    }
    out
}

/// A diagnostic page's title and first paragraph: `# E0201: unknown name`
/// then the paragraph → "unknown name. A name is used that …".
pub fn summary(page: &str) -> String {
    let mut lines = page.lines();
    let title = lines
        .next()
        .and_then(|t| t.split_once(": "))
        .map_or("", |(_, t)| t);
    let para: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    format!("{title}. {}", para.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_is_title_and_first_paragraph() {
        let page = "# E0201: unknown name\n\nA name is used\nthat nobody declares.\n\n## Example\n";
        assert_eq!(
            super::summary(page),
            "unknown name. A name is used that nobody declares."
        );
    }
}
