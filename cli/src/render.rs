//! Printing diagnostics: human (miette, colour unless NO_COLOR or not a
//! terminal) or JSON (one document with every diagnostic).

mod window;

use air_compiler::diagnostic::{Diagnostic, JsonDiagnostic};
use air_compiler::{Severity, SourceMap};
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::io::{IsTerminal, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// Whether to colour output on stderr: never with NO_COLOR set (any
/// value, see no-color.org) or when stderr is not a terminal.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Render one diagnostic as rustc-style text: a header line
/// `error[E0201]: message`, then the labelled source (miette), help and
/// notes. `width` fixes the line width (tests use 100); colour only when
/// asked.
pub fn human(d: &Diagnostic, map: &SourceMap, color: bool, width: usize) -> String {
    let mut theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // The severity "icon" miette puts before the message becomes rustc's
    // `error[CODE]:` header; the code itself is then not shown again.
    let header = format!("{}[{}]:", severity_word(d.severity), d.code);
    theme.characters.error = header.clone();
    theme.characters.warning = header.clone();
    theme.characters.advice = header;
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut out = String::new();
    let primary = d.primary_span();
    let plain = WithoutCode(d.clone());
    let result = match primary {
        Some(span) => {
            let src = window::Window::around(d, span, map);
            let report = miette::Report::new(plain).with_source_code(src);
            handler.render_report(&mut out, report.as_ref())
        }
        None => handler.render_report(&mut out, &plain),
    };
    if result.is_err() {
        out = format!("{}[{}]: {}\n", severity_word(d.severity), d.code, d.message);
    }
    // miette indents the first line by two spaces; rustc does not.
    if let Some(rest) = out.strip_prefix("  ") {
        out = rest.to_string();
    }
    // A miette report holds one source: list labels in other files here.
    if let Some(span) = primary {
        for l in d.labels.iter().filter(|l| l.span.file != span.file) {
            let (line, col) = map.line_col(l.span);
            out.push_str(&format!(
                "  = also at {}:{line}:{col}: {}\n",
                map.path(l.span.file),
                l.message
            ));
        }
    }
    out
}

/// A diagnostic as miette sees it for rendering: everything but the code,
/// which [`human`] puts in the header itself.
#[derive(Debug)]
struct WithoutCode(Diagnostic);

impl std::fmt::Display for WithoutCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for WithoutCode {}

impl miette::Diagnostic for WithoutCode {
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(&self.0)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::help(&self.0)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(&self.0)
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Print every diagnostic to stderr (human) or one JSON document to stdout,
/// then a summary line in human mode.
pub fn print_all<'a>(diags: impl Iterator<Item = &'a Diagnostic>, map: &SourceMap, format: Format) {
    let diags: Vec<&Diagnostic> = diags.collect();
    match format {
        Format::Json => {
            let json: Vec<JsonDiagnostic> = diags
                .iter()
                .map(|d| JsonDiagnostic::from_diagnostic(d, map))
                .collect();
            let doc = serde_json::json!({ "diagnostics": json });
            // A closed pipe (`air check --format json | head`) is not an error.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            );
        }
        Format::Human => {
            let color = color_enabled();
            let width = terminal_width();
            for d in &diags {
                eprint!("{}", human(d, map, color, width));
            }
            let errors = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            let warnings = diags
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count();
            if errors + warnings > 0 {
                eprintln!("{}", summary(errors, warnings));
            }
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `2 errors, 1 warning`-style closing line.
pub fn summary(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, w) => format!("{} emitted", plural(w, "warning")),
        (e, 0) => format!("could not compile: {}", plural(e, "error")),
        (e, w) => format!(
            "could not compile: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
