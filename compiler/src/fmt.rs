//! `air fmt`: one canonical layout, comments kept, idempotent.
//!
//! The printer walks the AST in source order and re-inserts the file's
//! comments by position: a comment that started on the line where the
//! previous node ended stays at the end of that line; any other comment
//! goes on its own line before the next node. A construct that holds a
//! comment is never squeezed onto one line (the comment would swallow the
//! code after it). One blank line between declarations; between settings
//! and steps a blank line is kept where the source had one or more.

mod decls;
mod steps;
mod test_blocks;
mod values;

use crate::ast::{Comment, Doc, File};
use crate::diagnostic::Diagnostics;
use crate::span::FileId;

/// Widest line the printer aims for before breaking a construct.
pub(crate) const WIDTH: usize = 100;
const INDENT: &str = "  ";

/// Format one file's text. `Err` holds the syntax errors when the text does
/// not parse (nothing is formatted then).
pub fn format_source(text: &str) -> Result<String, Diagnostics> {
    let mut diags = Diagnostics::new();
    let file = crate::parse::parse_file(FileId(0), text, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(format_file(&file, text))
}

/// Print a parsed file canonically. `src` is the text it was parsed from
/// (used only to see where the source had blank lines).
pub(crate) fn format_file(file: &File, src: &str) -> String {
    let mut p = Printer::new(src, &file.comments);
    // Declarations and test blocks, back in source order.
    let mut tops: Vec<(u32, Top)> = file
        .items
        .iter()
        .map(|i| (decls::item_start(i), Top::Item(i)))
        .chain(
            file.tests
                .iter()
                .map(|t| (test_blocks::test_start(t), Top::Test(t))),
        )
        .collect();
    tops.sort_by_key(|(start, _)| *start);
    for (i, (start, top)) in tops.iter().enumerate() {
        if i > 0 {
            p.blank_line();
        }
        p.comments_before(*start, i > 0);
        match top {
            Top::Item(item) => decls::item(&mut p, item),
            Top::Test(t) => test_blocks::test(&mut p, t),
        }
    }
    p.comments_before(u32::MAX, !tops.is_empty());
    let mut out = p.finish();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A top-level construct of a file.
enum Top<'f> {
    Item(&'f crate::ast::Item),
    Test(&'f crate::ast::TestDecl),
}

/// Output buffer plus the comment cursor.
pub(crate) struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    next: usize,
    out: String,
    depth: usize,
    /// Byte offset where the last printed node ended, for blank-line and
    /// trailing-comment decisions.
    last_end: u32,
    /// The current line ends in a `//` comment: whatever comes next must
    /// start on a new line.
    after_line_comment: bool,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        Printer {
            src,
            comments,
            next: 0,
            out: String::new(),
            depth: 0,
            last_end: 0,
            after_line_comment: false,
        }
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len());
        // Trailing whitespace never survives (an empty indented line, say).
        for line in self.out.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    pub(crate) fn indent(&mut self) {
        self.depth += 1;
    }

    pub(crate) fn dedent(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn indent_str(&self) -> String {
        INDENT.repeat(self.depth)
    }

    /// Start a new line at the current depth and write `text`.
    pub(crate) fn line(&mut self, text: &str) {
        self.after_line_comment = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(&self.indent_str());
        self.out.push_str(text);
    }

    /// Append to the current line.
    pub(crate) fn push(&mut self, text: &str) {
        if self.after_line_comment {
            // The construct goes on after a trailing comment: continue it on
            // the next line, two levels deeper.
            self.after_line_comment = false;
            self.out.push('\n');
            self.out.push_str(&self.indent_str());
            self.out.push_str(&INDENT.repeat(2));
            self.out.push_str(text.trim_start());
            return;
        }
        self.out.push_str(text);
    }

    pub(crate) fn blank_line(&mut self) {
        self.after_line_comment = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Note that the node printed last ended at `end`; a comment that
    /// starts on the same source line is appended to the current line.
    pub(crate) fn ended(&mut self, end: u32) {
        self.last_end = self.last_end.max(end);
        while let Some(c) = self.comments.get(self.next) {
            let between = self.src.get(self.last_end as usize..c.span.start as usize);
            match between {
                Some(b) if c.span.start >= self.last_end && !b.contains('\n') => {
                    self.out.push_str("  ");
                    self.out.push_str(c.text.trim_end());
                    self.last_end = c.span.end;
                    self.next += 1;
                    if c.text.starts_with("//") {
                        self.after_line_comment = true;
                    }
                }
                _ => break,
            }
        }
    }

    /// Print every comment that starts before `pos` on lines of its own.
    /// With `keep_blank`, a blank line in the source before a comment is kept.
    pub(crate) fn comments_before(&mut self, pos: u32, keep_blank: bool) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            if keep_blank && self.had_blank_line(self.last_end, c.span.start) {
                self.blank_line();
            }
            self.line(c.text.trim_end());
            self.out.push('\n');
            self.last_end = c.span.end;
            self.next += 1;
        }
    }

    /// Any comment still to print that starts inside `start..end`?
    pub(crate) fn has_comments(&self, start: u32, end: u32) -> bool {
        self.comments[self.next..]
            .iter()
            .take_while(|c| c.span.start < end)
            .any(|c| c.span.start >= start)
    }

    /// Did the source have an empty line between two offsets? (Two line
    /// breaks with only white space between them.)
    pub(crate) fn had_blank_line(&self, from: u32, to: u32) -> bool {
        let Some(text) = self.src.get(from as usize..to as usize) else {
            return false;
        };
        let mut seen_newline = false;
        for ch in text.chars() {
            if ch == '\n' {
                if seen_newline {
                    return true;
                }
                seen_newline = true;
            } else if !ch.is_whitespace() {
                seen_newline = false;
            }
        }
        false
    }

    /// Before a member or step at `start`: keep one blank line if the source
    /// had one, then print pending comments.
    pub(crate) fn before_child(&mut self, start: u32, first: bool) {
        if !first && self.had_blank_line(self.last_end, self.first_thing_from(start)) {
            self.blank_line();
        }
        self.comments_before(start, !first);
    }

    /// Where the next thing starts: a pending comment before `start`, or `start`.
    fn first_thing_from(&self, start: u32) -> u32 {
        match self.comments.get(self.next) {
            Some(c) if c.span.start < start => c.span.start,
            _ => start,
        }
    }

    pub(crate) fn doc(&mut self, doc: &Option<Doc>) {
        if let Some(d) = doc {
            for l in d.text.split('\n') {
                if l.is_empty() {
                    self.line("///");
                } else {
                    self.line(&format!("/// {l}"));
                }
            }
            // Comments the parser collected inside the doc block stay after it.
            self.last_end = self.last_end.max(d.span.end);
        }
    }
}

#[cfg(test)]
mod tests;
