//! The compiler's diagnostics as the protocol's, per file: the same code,
//! message, place and help as `air check`; other labels become related
//! information (they may point into other files).

use super::analysis::Snapshot;
use super::convert::{LineCache, path_to_uri};
use air_compiler::{Diagnostic, Severity, SourceMap, Span};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The diagnostics of a snapshot by absolute file path. Every file of the
/// app is present (possibly with none), so stale ones get cleared.
pub fn by_file(snap: &Snapshot) -> BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> =
        snap.files().into_iter().map(|f| (f, Vec::new())).collect();
    let mut lines = LineCache::default();
    for (d, map) in snap.diagnostics() {
        let (file, range) = match d.primary_span() {
            Some(s) => (snap.abs(map.path(s.file)), range_of(&mut lines, map, s)),
            None => (snap.manifest.clone(), Range::default()),
        };
        let diag = convert(snap, d, map, range, &mut lines);
        out.entry(file).or_default().push(diag);
    }
    out
}

/// The protocol range of a span in its file.
fn range_of<'m>(lines: &mut LineCache<'m>, map: &'m SourceMap, span: Span) -> Range {
    lines.range(map.text(span.file), span.start as usize, span.end as usize)
}

fn convert<'m>(
    snap: &Snapshot,
    d: &Diagnostic,
    map: &'m SourceMap,
    range: Range,
    lines: &mut LineCache<'m>,
) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    // The primary label says what is wrong at this very place.
    if let Some(l) = d.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
        message.push_str(&format!("\n{}", l.message));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    if let Some(n) = &d.note {
        message.push_str(&format!("\nnote: {n}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            let uri = path_to_uri(&snap.abs(map.path(l.span.file)))?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range_of(lines, map, l.span)),
                message: if l.message.is_empty() {
                    "here".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("air".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
