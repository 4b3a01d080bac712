//! One owned diagnostic type for every stage, and the collection stages
//! push into. Rendering is the CLI's job (miette "fancy" lives there only);
//! this module implements `miette::Diagnostic` so any miette handler can
//! print it once a source is attached.

use crate::codes::Code;
use crate::span::SourceMap;
use crate::span::Span;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    /// The word JSON output, status and listings use (`error`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A labelled region of source. The first primary label is where the
/// diagnostic "is" (its file and line in listings and `// expect:` headers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code such as `E0201` or `W0401`; never reused.
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            note: None,
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    pub fn note_level(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Note, message)
    }

    /// Add the primary label.
    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Add a secondary label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The span of the first primary label (or the first label).
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or_else(|| self.labels.first())
            .map(|l| l.span)
    }

    /// `help: did you mean `x`?` when a suggestion exists.
    pub fn with_suggestion(self, suggestion: Option<&str>) -> Self {
        match suggestion {
            Some(s) => self.with_help(format!("did you mean `{s}`?")),
            None => self,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match (&self.help, &self.note) {
            (Some(h), Some(n)) => Some(Box::new(format!("{h}\nnote: {n}"))),
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(n)) => Some(Box::new(format!("note: {n}"))),
            (None, None) => None,
        }
    }

    /// Labels in the primary label's file; labels elsewhere are dropped
    /// here (a miette report carries one source) and the CLI lists them.
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let file = self.primary_span()?.file;
        Some(Box::new(
            self.labels
                .iter()
                .filter(move |l| l.span.file == file)
                .map(|l| {
                    let text = (!l.message.is_empty()).then(|| l.message.clone());
                    if l.primary {
                        miette::LabeledSpan::new_primary_with_span(text, l.span.range())
                    } else {
                        miette::LabeledSpan::new_with_span(text, l.span.range())
                    }
                }),
        ))
    }
}

/// What every stage pushes into. Stages report every problem they can find;
/// the driver stops between stages when errors exist.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sort by file, position, then code, and drop exact duplicates, so output
    /// is stable whatever order stages ran in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let ka = a.primary_span().map(|s| (s.file, s.start, s.end));
            let kb = b.primary_span().map(|s| (s.file, s.start, s.end));
            ka.cmp(&kb)
                .then(a.code.cmp(&b.code))
                .then(a.message.cmp(&b.message))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The machine-readable form of a diagnostic (`--format json`): the same
/// data with spans turned into file, line and column.
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub primary: bool,
}

impl JsonDiagnostic {
    pub fn from_diagnostic(d: &Diagnostic, map: &SourceMap) -> Self {
        let primary = d.primary_span();
        let (line, column) = match primary {
            Some(s) => {
                let (l, c) = map.line_col(s);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        JsonDiagnostic {
            code: d.code,
            severity: d.severity,
            message: d.message.clone(),
            file: primary.map(|s| map.path(s.file).to_string()),
            line,
            column,
            labels: d
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = map.line_col(l.span);
                    let end = Span {
                        start: l.span.end,
                        ..l.span
                    };
                    let (end_line, end_column) = map.line_col(end);
                    JsonLabel {
                        file: map.path(l.span.file).to_string(),
                        line,
                        column,
                        end_line,
                        end_column,
                        start: l.span.start,
                        end: l.span.end,
                        message: l.message.clone(),
                        primary: l.primary,
                    }
                })
                .collect(),
            help: d.help.clone(),
            note: d.note.clone(),
        }
    }
}

/// A problem inside a literal: where (byte range in the literal's text),
/// what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl ValueError {
    pub fn new(range: Range<usize>, message: impl Into<String>) -> Self {
        ValueError {
            range,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The closest candidate to `name` by Jaro-Winkler / edit distance, for
/// "did you mean" hints. `None` when nothing is close enough.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        let close = score >= 0.8 || strsim::levenshtein(name, c) <= name.len().max(1) / 3;
        if close && best.is_none_or(|(b, bc)| score > b || (score == b && c < bc)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["OrderCreated", "OrderShipped", "PaymentSettled"];
        assert_eq!(suggest("OrderCreatd", c), Some("OrderCreated"));
        assert_eq!(suggest("Zebra", c), None);
    }
}
