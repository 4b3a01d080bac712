//! The part of a file miette needs to draw one diagnostic.
//!
//! Handing miette the whole file per diagnostic copies the file each time
//! and lets miette count lines from its start: rendering n diagnostics of
//! a large file costs n × its size, quadratic when the file grows with the
//! number of diagnostics (100,000 labels took minutes). A window holds
//! only the lines around the diagnostic's labels; line numbers come from
//! the source map's line index.

use air_compiler::diagnostic::Diagnostic;
use air_compiler::{SourceMap, Span};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Lines kept before the first and after the last label (miette draws one
/// line of context by default; one more is harmless).
const CONTEXT: usize = 2;

/// Lines `first_line..` of a file (0-based), starting at byte `start`.
pub(super) struct Window {
    name: String,
    text: String,
    start: usize,
    first_line: usize,
}

impl Window {
    /// The window of `span`'s file that holds every label of `d` in it.
    pub(super) fn around(d: &Diagnostic, span: Span, map: &SourceMap) -> Window {
        let text = map.text(span.file);
        let in_file = d.labels.iter().filter(|l| l.span.file == span.file);
        let lo = in_file
            .clone()
            .map(|l| l.span.start as usize)
            .chain([span.start as usize])
            .min()
            .unwrap_or(0)
            .min(text.len());
        let hi = in_file
            .map(|l| l.span.end as usize)
            .chain([span.end as usize])
            .max()
            .unwrap_or(0)
            .clamp(lo, text.len());
        let bytes = text.as_bytes();
        let mut start = lo;
        for _ in 0..=CONTEXT {
            start = bytes[..start.saturating_sub(1)]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            if start == 0 {
                break;
            }
        }
        let mut end = hi;
        for _ in 0..=CONTEXT {
            end = bytes[end..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(text.len(), |i| end + i + 1);
            if end == text.len() {
                break;
            }
        }
        let first_line = map
            .line_col(Span::new(span.file, start, start))
            .0
            .saturating_sub(1);
        Window {
            name: map.path(span.file).to_string(),
            text: text.get(start..end).unwrap_or_default().to_string(),
            start,
            first_line,
        }
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span
            .offset()
            .checked_sub(self.start)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(offset.into(), span.len());
        let c = self
            .text
            .as_str()
            .read_span(&local, context_lines_before, context_lines_after)?;
        let shifted = SourceSpan::new((c.span().offset() + self.start).into(), c.span().len());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            shifted,
            c.line() + self.first_line,
            c.column(),
            // miette's `line_count` counts the lines from the start of the
            // text (its renderer merges nearby snippets by it): shift it too.
            c.line_count() + self.first_line,
        )))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use air_compiler::Code;
    use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};

    /// What the renderer drew before windows: miette over the whole file.
    fn whole_file(d: &Diagnostic, map: &SourceMap) -> String {
        let span = d.primary_span().unwrap();
        let src = NamedSource::new(map.path(span.file), map.text(span.file).to_string());
        render(d, src)
    }

    fn windowed(d: &Diagnostic, map: &SourceMap) -> String {
        let span = d.primary_span().unwrap();
        render(d, Window::around(d, span, map))
    }

    fn render(d: &Diagnostic, src: impl SourceCode + 'static) -> String {
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        let report =
            miette::Report::new(super::super::WithoutCode(d.clone())).with_source_code(src);
        let mut out = String::new();
        handler.render_report(&mut out, report.as_ref()).unwrap();
        out
    }

    #[test]
    fn a_window_draws_what_the_whole_file_draws() {
        let text: String = (0..300).map(|i| format!("let v{i} = {i}\n")).collect();
        let mut map = SourceMap::new();
        let f = map.add("big.air", text.clone());
        let at = |line: usize, col: usize, len: usize| {
            let start = text.lines().take(line).map(|l| l.len() + 1).sum::<usize>() + col;
            Span::new(f, start, start + len)
        };
        let cases = [
            vec![at(0, 0, 3)],
            vec![at(150, 4, 4)],
            vec![at(299, 4, 4)],
            vec![at(120, 4, 3), at(125, 0, 3), at(10, 4, 2)],
            // Labels close enough for miette to draw them as one snippet.
            vec![at(203, 4, 5), at(207, 4, 5)],
            vec![at(203, 4, 5), at(206, 4, 5), at(240, 0, 3)],
            // A label over several lines.
            vec![at(200, 4, 40)],
            // Empty span at the very end.
            vec![Span::new(f, text.len(), text.len())],
        ];
        for spans in cases {
            let mut d = Diagnostic::error(Code::E0101, "bad").with_primary(spans[0], "here");
            for s in &spans[1..] {
                d = d.with_secondary(*s, "and here");
            }
            assert_eq!(windowed(&d, &map), whole_file(&d, &map), "{spans:?}");
            assert!(Window::around(&d, spans[0], &map).text.len() < text.len());
        }
    }

    #[test]
    fn a_window_holds_only_the_lines_around_its_labels() {
        let text = "x\n".repeat(100_000);
        let mut map = SourceMap::new();
        let f = map.add("many.air", text);
        let d =
            Diagnostic::error(Code::E0101, "bad").with_primary(Span::new(f, 100_000, 100_001), "");
        let w = Window::around(&d, Span::new(f, 100_000, 100_001), &map);
        assert_eq!(w.first_line, 50_000 - CONTEXT - 1);
        assert!(w.text.lines().count() <= 2 * CONTEXT + 3, "{:?}", w.text);
    }
}
