//! Document symbols (the outline) and formatting of one file.

use super::analysis::Snapshot;
use super::convert::LineIndex;
use air_compiler::Span;
use air_compiler::ast::{Block, EventMember, Fields, Item, TypeBody};
use air_compiler::naming::child_blocks;
use lsp_types::{DocumentSymbol, Range, SymbolKind, TextEdit};
use std::path::Path;

/// The declarations of a file with their fields and labelled steps.
pub fn symbols(snap: &Snapshot, file: &Path) -> Vec<DocumentSymbol> {
    let Some(rel) = snap.rel(file) else {
        return Vec::new();
    };
    let c = &snap.primary;
    let Some(program) = &c.program else {
        return Vec::new();
    };
    let Some(ast) = program
        .apps
        .iter()
        .flat_map(|u| u.files.iter())
        .find(|f| c.sources.path(f.id) == rel)
    else {
        return Vec::new();
    };
    let lines = LineIndex::new(c.sources.text(ast.id));
    let sym =
        |name: &str, kind: SymbolKind, span: Span, sel: Span, children: Vec<DocumentSymbol>| {
            #[allow(deprecated)] // `deprecated` is a required field of the type
            DocumentSymbol {
                name: name.to_string(),
                detail: None,
                kind,
                tags: None,
                deprecated: None,
                range: lines.range(span.start as usize, span.end as usize),
                selection_range: lines.range(sel.start as usize, sel.end as usize),
                children: (!children.is_empty()).then_some(children),
            }
        };
    let fields = |f: &Fields| -> Vec<DocumentSymbol> {
        f.fields
            .iter()
            .map(|f| {
                sym(
                    &f.name.name,
                    SymbolKind::FIELD,
                    f.span,
                    f.name.span,
                    Vec::new(),
                )
            })
            .collect()
    };
    ast.items
        .iter()
        .map(|item| {
            let name = item.name();
            let (kind, children) = match item {
                Item::Type(t) => (
                    SymbolKind::STRUCT,
                    match &t.body {
                        TypeBody::Struct(f) => fields(f),
                        TypeBody::Alias(_) => Vec::new(),
                    },
                ),
                Item::Event(e) => (
                    SymbolKind::EVENT,
                    e.members
                        .iter()
                        .find_map(|m| match m {
                            EventMember::Data(f) => Some(fields(f)),
                            EventMember::Assign(_) => None,
                        })
                        .unwrap_or_default(),
                ),
                Item::Error(_) => (SymbolKind::ENUM_MEMBER, Vec::new()),
                Item::Param(_) => (SymbolKind::CONSTANT, Vec::new()),
                Item::Function(_) => (SymbolKind::FUNCTION, Vec::new()),
                Item::Service(_) => (SymbolKind::INTERFACE, Vec::new()),
                Item::Workflow(w) => {
                    let mut steps = Vec::new();
                    labelled(&w.body, &mut |name, span, sel| {
                        steps.push(sym(name, SymbolKind::METHOD, span, sel, Vec::new()));
                    });
                    (SymbolKind::CLASS, steps)
                }
                Item::Import(_) => (SymbolKind::MODULE, Vec::new()),
            };
            sym(&name.name, kind, item.span(), name.span, children)
        })
        .collect()
}

/// Every labelled step below a block, in source order.
fn labelled(block: &Block, f: &mut dyn FnMut(&str, Span, Span)) {
    for s in &block.steps {
        if let Some(l) = &s.label {
            f(&l.name, s.span, l.span);
        }
        for b in child_blocks(&s.kind) {
            labelled(b, f);
        }
    }
}

/// `air fmt` of a buffer as one edit (none when it is formatted already;
/// `None` when it does not parse).
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = air_compiler::fmt::format_source(text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let end = LineIndex::new(text).position(text.len());
    let whole = Range::new(Default::default(), end);
    Some(vec![TextEdit::new(whole, formatted)])
}
