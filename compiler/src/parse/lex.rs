//! The pre-scanner: one linear pass over the bytes before pest runs.
//!
//! It knows exactly where comments, strings, `"""` blocks and `${ … }`
//! expressions start and end (the same rules as grammar/air.pest), so it
//! can
//! - collect comments (ordinary ones for the formatter, `///` ones for doc
//!   comments) and blank them out, keeping byte offsets, so the grammar
//!   only has to skip spaces;
//! - report unterminated strings, comments and expressions where they
//!   start (pest would only say "expected …" at the end of the file);
//! - refuse deep nesting before pest's recursive descent meets it;
//! - find stray closing brackets and unclosed opening ones;
//! - remember where top-level declarations start, so a file with a syntax
//!   error can be re-parsed declaration by declaration.

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};

/// More nested brackets than this is refused (pest descends recursively).
pub const MAX_DEPTH: usize = 128;

/// Words that start a top-level declaration.
const DECL_KEYWORDS: &[&str] = &[
    "type", "event", "extern", "error", "param", "function", "service", "workflow", "import",
];

/// Bytes the main loop of [`Scanner::run`] looks at; every other byte is
/// skipped in a tight loop.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"\n/\"${[(<>}])";
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
};

/// A comment found by the scanner.
#[derive(Clone, Debug)]
pub struct RawComment {
    pub start: usize,
    pub end: usize,
    /// `/// …` (but not `////`).
    pub doc: bool,
}

/// What the scanner learnt about a file.
#[derive(Debug, Default)]
pub struct Scan {
    /// The text with comments and stray closers replaced by spaces (same
    /// length and offsets as the original). `None` when nothing changed.
    pub sanitized: Option<String>,
    pub comments: Vec<RawComment>,
    /// Errors found while scanning.
    pub diags: Vec<Diagnostic>,
    /// True when pest must not run (unterminated token, too deep).
    pub fatal: bool,
    /// An opening bracket was never closed: a pest error at the end of the
    /// file would only repeat that.
    pub unclosed: bool,
    /// Byte offsets of lines that start (in column 0) with a declaration
    /// keyword, outside strings and comments.
    pub decl_starts: Vec<usize>,
}

/// Scan `text` (see the module documentation).
pub fn scan(file: FileId, text: &str) -> Scan {
    Scanner {
        file,
        src: text.as_bytes(),
        pos: 0,
        out: Scan::default(),
        blank: Vec::new(),
        openers: Vec::new(),
    }
    .run(text)
}

struct Scanner<'a> {
    file: FileId,
    src: &'a [u8],
    pos: usize,
    out: Scan,
    /// Byte ranges to replace with spaces.
    blank: Vec<(usize, usize)>,
    /// Open brackets outside expressions: (offset, byte).
    openers: Vec<(usize, u8)>,
}

impl Scanner<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn eof_span(&self) -> Span {
        self.span(self.src.len(), self.src.len())
    }

    fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, i: usize, s: &[u8]) -> bool {
        self.src.get(i..i + s.len()) == Some(s)
    }

    fn run(mut self, text: &str) -> Scan {
        self.check_decl_start(0);
        while self.pos < self.src.len() && !self.out.fatal {
            let b = self.src[self.pos];
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.check_decl_start(self.pos);
                }
                b'/' if self.at(self.pos + 1) == b'/' => self.line_comment(),
                b'/' if self.at(self.pos + 1) == b'*' => self.block_comment(),
                b'"' if self.starts_with(self.pos, b"\"\"\"") => self.block_string(),
                b'"' => self.string(),
                b'$' if self.at(self.pos + 1) == b'{' => self.expr(),
                b'{' | b'[' | b'(' => {
                    self.openers.push((self.pos, b));
                    if self.openers.len() > MAX_DEPTH {
                        self.too_deep(self.pos);
                    }
                    self.pos += 1;
                }
                // `map<T>`: counted for depth; a `>` closes only a `<` (it
                // also appears in `=>`).
                b'<' => {
                    self.openers.push((self.pos, b));
                    if self.openers.len() > MAX_DEPTH {
                        self.too_deep(self.pos);
                    }
                    self.pos += 1;
                }
                b'>' => {
                    if self.openers.last().is_some_and(|o| o.1 == b'<') {
                        self.openers.pop();
                    }
                    self.pos += 1;
                }
                b'}' | b']' | b')' => {
                    if self.openers.pop().is_none() {
                        let c = b as char;
                        self.out.diags.push(
                            Diagnostic::error(
                                Code::E0109,
                                format!("unexpected closing `{c}` with no opening bracket"),
                            )
                            .with_primary(
                                self.span(self.pos, self.pos + 1),
                                "nothing to close here",
                            )
                            .with_help("remove it, or add the opening bracket it belongs to"),
                        );
                        self.blank.push((self.pos, self.pos + 1));
                    }
                    self.pos += 1;
                }
                // Most bytes mean nothing here: skip the whole run.
                _ => {
                    self.pos += 1;
                    while self.pos < self.src.len() && !SPECIAL[usize::from(self.src[self.pos])] {
                        self.pos += 1;
                    }
                }
            }
        }
        if !self.out.fatal
            && let Some(&(start, b)) = self.openers.first()
        {
            let c = b as char;
            let close = match b {
                b'{' => '}',
                b'[' => ']',
                b'<' => '>',
                _ => ')',
            };
            self.out.unclosed = true;
            self.out.diags.push(
                Diagnostic::error(Code::E0110, format!("unclosed `{c}`"))
                    .with_primary(self.span(start, start + 1), "opened here")
                    .with_secondary(
                        self.eof_span(),
                        format!("the file ends before its `{close}`"),
                    )
                    .with_help(format!(
                        "add the missing `{close}` (it may be missing further in, not at the end)"
                    )),
            );
        }
        if !self.blank.is_empty() {
            let mut bytes = self.src.to_vec();
            for &(s, e) in &self.blank {
                for b in bytes.iter_mut().take(e).skip(s) {
                    // Keep line breaks so line numbers in pest errors stay right.
                    if *b != b'\n' {
                        *b = b' ';
                    }
                }
            }
            // Whole comments (ASCII-delimited) are blanked, so the bytes stay
            // valid UTF-8; fall back to the original if that ever fails.
            self.out.sanitized =
                Some(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()));
        }
        self.out
    }

    fn too_deep(&mut self, at: usize) {
        self.out.fatal = true;
        self.out.diags.push(
            Diagnostic::error(
                Code::E0105,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            )
            .with_primary(
                self.span(at, at + 1),
                "this bracket goes one level too deep",
            )
            .with_help("split the value or the steps into smaller pieces"),
        );
    }

    fn check_decl_start(&mut self, at: usize) {
        let rest = &self.src[at.min(self.src.len())..];
        for kw in DECL_KEYWORDS {
            if rest.starts_with(kw.as_bytes()) {
                let next = rest.get(kw.len()).copied().unwrap_or(b' ');
                if !(next.is_ascii_alphanumeric() || next == b'_') {
                    self.out.decl_starts.push(at);
                    return;
                }
            }
        }
        // `test` is no keyword elsewhere (a line may start with a field
        // or key named `test`): a test block is `test` and then a string.
        if let Some(after) = rest.strip_prefix(b"test")
            && after.first().is_some_and(|c| *c == b' ' || *c == b'\t')
            && after.trim_ascii_start().first() == Some(&b'"')
        {
            self.out.decl_starts.push(at);
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.src[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.src.len(), |i| start + i);
        let doc = self.starts_with(start, b"///") && !self.starts_with(start, b"////");
        self.out.comments.push(RawComment { start, end, doc });
        self.blank.push((start, end));
        self.pos = end;
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = start;
        while i < self.src.len() {
            if self.starts_with(i, b"/*") {
                depth += 1;
                i += 2;
            } else if self.starts_with(i, b"*/") {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    self.out.comments.push(RawComment {
                        start,
                        end: i,
                        doc: false,
                    });
                    self.blank.push((start, i));
                    self.pos = i;
                    return;
                }
            } else {
                i += 1;
            }
        }
        self.out.fatal = true;
        self.out.diags.push(
            Diagnostic::error(Code::E0102, "unterminated block comment")
                .with_primary(self.span(start, start + 2), "comment starts here")
                .with_secondary(self.eof_span(), "the file ends inside the comment")
                .with_help(
                    "close it with `*/` (block comments nest: every `/*` needs its own `*/`)",
                ),
        );
    }

    fn string(&mut self) {
        let start = self.pos;
        let mut i = start + 1;
        while i < self.src.len() {
            match self.src[i] {
                b'\\' if self.at(i + 1) != b'\n' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return;
                }
                b'\n' => break,
                _ => i += 1,
            }
        }
        let i = i.min(self.src.len());
        self.out.fatal = true;
        let at_eof = i >= self.src.len();
        self.out.diags.push(
            Diagnostic::error(Code::E0101, "unterminated string")
                .with_primary(self.span(start, start + 1), "string starts here")
                .with_secondary(
                    self.span(i, i),
                    if at_eof {
                        "the file ends before the closing `\"`"
                    } else {
                        "the line ends before the closing `\"`"
                    },
                )
                .with_help(
                    "close the string with `\"`; for text over several lines use a `\"\"\"` block",
                ),
        );
    }

    fn block_string(&mut self) {
        let start = self.pos;
        let mut i = start + 3;
        while i < self.src.len() {
            if self.src[i] == b'\\' {
                i += 2;
            } else if self.starts_with(i, b"\"\"\"") {
                self.pos = i + 3;
                return;
            } else {
                i += 1;
            }
        }
        self.out.fatal = true;
        self.out.diags.push(
            Diagnostic::error(Code::E0101, "unterminated `\"\"\"` string")
                .with_primary(self.span(start, start + 3), "string starts here")
                .with_secondary(self.eof_span(), "the file ends before the closing `\"\"\"`")
                .with_help("close the block with `\"\"\"`"),
        );
    }

    /// `${ … }`: the same rules as `expr` in the grammar.
    fn expr(&mut self) {
        #[derive(Clone, Copy)]
        enum Jq {
            /// jq code; `braces` = open `{` not yet closed.
            Code {
                braces: usize,
            },
            Str,
            /// Inside `\( … )` of a jq string.
            Interp {
                parens: usize,
            },
        }
        let start = self.pos;
        let base = self.openers.len();
        let mut depth = base + 1;
        if depth > MAX_DEPTH {
            self.too_deep(start + 1);
            return;
        }
        let mut stack = vec![Jq::Code { braces: 0 }];
        let mut i = start + 2;
        while i < self.src.len() {
            let b = self.src[i];
            let top = stack.len() - 1;
            match (stack[top], b) {
                (Jq::Code { .. } | Jq::Interp { .. }, b'"') => {
                    stack.push(Jq::Str);
                    depth += 1;
                }
                (Jq::Code { braces: 0 }, b'}') => {
                    self.pos = i + 1;
                    return;
                }
                (Jq::Code { braces }, b'}') => {
                    stack[top] = Jq::Code { braces: braces - 1 };
                    depth = depth.saturating_sub(1);
                }
                (Jq::Code { braces }, b'{') => {
                    stack[top] = Jq::Code { braces: braces + 1 };
                    depth += 1;
                }
                (Jq::Interp { parens: 0 }, b')') => {
                    stack.pop();
                    depth -= 1;
                }
                (Jq::Interp { parens }, b')') => {
                    stack[top] = Jq::Interp { parens: parens - 1 };
                    depth = depth.saturating_sub(1);
                }
                (Jq::Interp { parens }, b'(') => {
                    stack[top] = Jq::Interp { parens: parens + 1 };
                    depth += 1;
                }
                (Jq::Str, b'\\') if self.at(i + 1) == b'(' => {
                    stack.push(Jq::Interp { parens: 0 });
                    depth += 1;
                    i += 1;
                }
                (Jq::Str, b'\\') => i += 1,
                (Jq::Str, b'"') => {
                    stack.pop();
                    depth -= 1;
                }
                (Jq::Code { .. }, b']' | b')') => depth = depth.saturating_sub(1),
                (Jq::Code { .. }, b'[' | b'(') => depth += 1,
                _ => {}
            }
            if depth > MAX_DEPTH {
                self.too_deep(i);
                return;
            }
            i += 1;
        }
        self.out.fatal = true;
        self.out.diags.push(
            Diagnostic::error(Code::E0103, "unterminated runtime expression `${`")
                .with_primary(self.span(start, start + 2), "expression starts here")
                .with_secondary(self.eof_span(), "the file ends before its closing `}`")
                .with_help(
                    "close it with `}`; braces inside must balance (braces in jq strings do not count)",
                ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<Code> {
        scan(FileId(0), text).diags.iter().map(|d| d.code).collect()
    }

    #[test]
    fn comments_are_blanked_and_collected() {
        let text = "a // x\n/* b /* c */ d */ e /// doc\n//// not doc";
        let s = scan(FileId(0), text);
        let t = s.sanitized.unwrap_or_default();
        assert_eq!(t.len(), text.len());
        let words: Vec<&str> = t.split_whitespace().collect();
        assert_eq!(words, ["a", "e"]);
        assert_eq!(t.lines().count(), 3);
        let docs: Vec<bool> = s.comments.iter().map(|c| c.doc).collect();
        assert_eq!(docs, [false, false, true, false]);
    }

    #[test]
    fn comment_markers_inside_strings_and_exprs_are_text() {
        let s = scan(FileId(0), r#"url = "http://x" e = ${ .a // "}" }"#);
        assert!(s.comments.is_empty());
        assert!(s.diags.is_empty());
    }

    #[test]
    fn unterminated_things() {
        assert_eq!(codes("x = \"abc\ny = 1"), [Code::E0101]);
        assert_eq!(codes("x = \"\"\"abc"), [Code::E0101]);
        assert_eq!(codes("/* /* */"), [Code::E0102]);
        assert_eq!(codes("x = ${ \"}\" "), [Code::E0103]);
        assert_eq!(codes("x = ${ \"\\(\"}\")\" }"), Vec::<Code>::new());
    }

    #[test]
    fn brackets() {
        assert_eq!(codes("a } b"), [Code::E0109]);
        assert_eq!(codes("a { b"), [Code::E0110]);
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(codes(&deep), [Code::E0105]);
        let deep_jq = format!("${{ {} }}", "(".repeat(MAX_DEPTH + 1));
        assert_eq!(codes(&deep_jq), [Code::E0105]);
    }

    #[test]
    fn declaration_starts() {
        let s = scan(
            FileId(0),
            "type A = string\n  type B\nworkflow w {}\n\"x\nevent",
        );
        assert_eq!(s.decl_starts, [0, 25]);
    }
}
