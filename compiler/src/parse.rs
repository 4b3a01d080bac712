//! Stage 1: text → AST. grammar/air.pest defines the syntax; a
//! hand-written parser parses valid files quickly and pest handles the rest.
//!
//! 1. `lex` scans the bytes once: comments are collected and blanked out,
//!    unterminated strings/comments/expressions and excessive nesting are
//!    reported where they start (pest would only see the end of the file).
//! 2. When the scan found nothing wrong, `fast` (with `fast/values`,
//!    `fast/steps` and `fast/test_blocks`), a recursive-descent parser that
//!    mirrors the grammar rule by rule, parses the blanked text straight
//!    into the AST. It gives up on anything the builders would report (or
//!    cannot parse).
//! 3. Otherwise pest parses the blanked text; `build`, `steps` and
//!    `test_blocks` turn pairs into the AST, attaching `///` doc comments
//!    by position. Syntax errors thus come from one place only; the fast
//!    path must build exactly the tree pest would (tests/tests/parse_fast.rs).
//! 4. On a syntax error, the file is re-parsed declaration by declaration
//!    (split at lines that start with a declaration keyword), so one
//!    mistake does not hide the others; `expect` words each error.
//!
//! `cache` keeps parses between compilations of the same app (the
//! language server re-parses only the file being edited).

mod build;
pub mod cache;
mod expect;
mod fast;
mod lex;
mod literal;
mod steps;
mod test_blocks;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammar/air.pest"]
    pub struct AirParser;
}

use crate::ast;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::span::{FileId, Span};
use foldhash::{HashMap, HashMapExt};
use grammar::{AirParser, Rule};
use pest::Parser;

pub use lex::MAX_DEPTH;

/// Parse one `.air` file. Always returns a file (possibly with fewer items
/// on a syntax error); problems go to `diags`. Never panics.
pub fn parse_file(id: FileId, text: &str, diags: &mut Diagnostics) -> ast::File {
    parse_file_with(id, text, diags, true)
}

/// [`parse_file`] with pest alone, skipping the hand-written fast path:
/// the reference the fast path is tested against (not public API).
#[doc(hidden)]
pub fn parse_file_with_pest(id: FileId, text: &str, diags: &mut Diagnostics) -> ast::File {
    parse_file_with(id, text, diags, false)
}

/// Whether the fast path alone parses `text` (tests check that it takes
/// every valid file; not public API).
#[doc(hidden)]
pub fn fast_path_accepts(text: &str) -> bool {
    let id = FileId(0);
    let scan = lex::scan(id, text);
    if scan.fatal || !scan.diags.is_empty() || text.len() >= u32::MAX as usize {
        return false;
    }
    let src = scan.sanitized.as_deref().unwrap_or(text);
    let (mut docs, _) = collect_docs(id, text, src, &scan.comments);
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
        fast::parse(id, src, &mut docs)
    })
    .is_some()
}

/// E0111 for a file of `len` bytes that 32-bit spans cannot address.
fn too_large(id: FileId, len: usize) -> Option<Diagnostic> {
    (len >= u32::MAX as usize).then(|| {
        Diagnostic::error(Code::E0111, "file too large to parse (4 GiB or more)")
            .with_primary(Span::new(id, 0, 0), "this file")
    })
}

fn parse_file_with(id: FileId, text: &str, diags: &mut Diagnostics, fast: bool) -> ast::File {
    let mut file = ast::File {
        id,
        items: Vec::new(),
        tests: Vec::new(),
        comments: Vec::new(),
        span: Span::new(id, 0, text.len()),
    };
    if let Some(d) = too_large(id, text.len()) {
        diags.push(d);
        return file;
    }
    let scan = lex::scan(id, text);
    let src = scan.sanitized.as_deref().unwrap_or(text);
    let (mut docs, groups) = collect_docs(id, text, src, &scan.comments);
    let mut found = Vec::new();
    if !scan.fatal {
        // The fast path only runs on text the scanner found nothing wrong
        // with; anything it does not accept goes to pest (fast.rs).
        let quick = if fast && scan.diags.is_empty() {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
                fast::parse(id, src, &mut docs)
            })
        } else {
            None
        };
        match quick {
            Some((items, tests)) => {
                file.items = items;
                file.tests = tests;
            }
            None => {
                let mut out = Parsed {
                    items: &mut file.items,
                    tests: &mut file.tests,
                };
                parse_items(id, src, &scan, &mut docs, &mut out, &mut found);
            }
        }
    }
    diags.extend(scan.diags);
    diags.extend(found);

    // Ordinary comments, plus doc comments that attached to nothing (so the
    // formatter keeps them).
    for c in &scan.comments {
        let attached = c.doc
            && groups
                .get(&c.start)
                .is_some_and(|key| !docs.contains_key(key));
        if !attached {
            file.comments.push(ast::Comment {
                text: text.get(c.start..c.end).unwrap_or("").to_string(),
                span: Span::new(id, c.start, c.end),
            });
        }
    }
    file
}

/// Where pest's results go: declarations and test blocks.
struct Parsed<'f> {
    items: &'f mut Vec<ast::Item>,
    tests: &'f mut Vec<ast::TestDecl>,
}

fn parse_items(
    id: FileId,
    src: &str,
    scan: &lex::Scan,
    docs: &mut HashMap<usize, ast::Doc>,
    out: &mut Parsed,
    errors: &mut Vec<Diagnostic>,
) {
    match parse_chunk(id, src, 0, src.len(), docs, out, errors) {
        Ok(()) => {}
        Err(first) => {
            // Re-parse declaration by declaration to report more than one
            // error. Items found on the first attempt are rebuilt.
            out.items.clear();
            out.tests.clear();
            let mut starts = scan.decl_starts.clone();
            if starts.first() != Some(&0) {
                starts.insert(0, 0);
            }
            let mut any = false;
            let mut reported = 0;
            for (i, &s) in starts.iter().enumerate() {
                if reported >= MAX_SYNTAX_ERRORS {
                    break;
                }
                let e = starts.get(i + 1).copied().unwrap_or(src.len());
                if let Err(d) = parse_chunk(id, src, s, e, docs, out, errors) {
                    // With an unclosed bracket, "expected …" at the end of
                    // a declaration only repeats E0110.
                    let at_end = d.primary_span().is_some_and(|sp| {
                        src.get(sp.start as usize..e)
                            .is_none_or(|t| t.trim().is_empty())
                            || sp.start as usize >= e
                    });
                    if !(scan.unclosed && at_end) {
                        errors.push(d);
                        reported += 1;
                    }
                    any = true;
                }
            }
            if !any {
                let at_eof = first
                    .primary_span()
                    .is_some_and(|sp| src[(sp.start as usize).min(src.len())..].trim().is_empty());
                if !(scan.unclosed && at_eof) {
                    errors.push(first);
                }
            }
        }
    }
}

/// Syntax errors reported per file before giving up on the rest.
const MAX_SYNTAX_ERRORS: usize = 20;

/// Parse `src[start..end]` as a sequence of declarations.
fn parse_chunk(
    id: FileId,
    src: &str,
    start: usize,
    end: usize,
    docs: &mut HashMap<usize, ast::Doc>,
    out: &mut Parsed,
    errors: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    // pest and the builders recurse once per nesting level; the scanner
    // caps nesting at MAX_DEPTH, and this guarantees the stack for it
    // whatever thread we are called on (2 MiB test and tokio threads).
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
        parse_chunk_on_stack(id, src, start, end, docs, out, errors)
    })
}

/// Below this much free stack, parsing moves to a fresh stack.
const STACK_RED_ZONE: usize = 4 * 1024 * 1024;
/// Size of that stack (reserved lazily by the OS).
const STACK_SIZE: usize = 64 * 1024 * 1024;

fn parse_chunk_on_stack(
    id: FileId,
    src: &str,
    start: usize,
    end: usize,
    docs: &mut HashMap<usize, ast::Doc>,
    out: &mut Parsed,
    errors: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let chunk = src.get(start..end).unwrap_or("");
    match AirParser::parse(Rule::file, chunk) {
        Ok(pairs) => {
            let mut b = build::Builder {
                file: id,
                base: start,
                docs,
                diags: errors,
            };
            for file in pairs {
                for p in file.into_inner() {
                    if p.as_rule() == Rule::test_decl {
                        out.tests.extend(b.test_decl(p));
                    } else if let Some(item) = b.item(p) {
                        out.items.push(item);
                    }
                }
            }
            Ok(())
        }
        Err(e) => Err(error_for(id, src, start, chunk, e)),
    }
}

/// The diagnostic for a failed parse of `chunk` (at `start` of `src`).
fn error_for(
    id: FileId,
    src: &str,
    start: usize,
    chunk: &str,
    e: pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let positives = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        // pest's own stack guard ("stack limit reached"): only reachable
        // if the stack above is somehow too small.
        pest::error::ErrorVariant::CustomError { message } => {
            return Diagnostic::error(
                Code::E0105,
                format!("input too deeply nested to parse ({message})"),
            )
            .with_primary(Span::new(id, start + pos, start + pos), "here")
            .with_help("split the value or the steps into smaller pieces");
        }
    };
    // The literal tokens pest tried (`:`, `=`, `}` …) are only collected
    // with "error detail" on; it costs time, so the fast path runs without
    // it and only a failed parse is repeated with it. The switch is
    // process-wide and never turned off again, so the result does not
    // depend on what other threads do.
    let attempts = e.parse_attempts().or_else(|| {
        pest::set_error_detail(true);
        AirParser::parse(Rule::file, chunk)
            .err()
            .and_then(|e| e.parse_attempts())
    });
    let tokens = attempts
        .as_ref()
        .map(|a| {
            let mut t: Vec<String> = a
                .expected_tokens()
                .into_iter()
                .map(|t| t.to_string())
                .filter(|t| expect::PUNCTUATION.contains(&t.as_str()))
                .collect();
            t.sort();
            t.dedup();
            (a.max_position, t)
        })
        .unwrap_or((pos, Vec::new()));
    expect::syntax_error(id, src, start, pos, &positives, tokens)
}

/// Group consecutive `///` comments into docs keyed by the offset of the
/// token that follows them. Also returns, for every doc comment, the key
/// of its group (to tell attached from stray ones afterwards).
fn collect_docs(
    id: FileId,
    text: &str,
    src: &str,
    comments: &[lex::RawComment],
) -> (HashMap<usize, ast::Doc>, HashMap<usize, usize>) {
    let mut docs = HashMap::new();
    let mut groups = HashMap::new();
    let mut i = 0;
    while i < comments.len() {
        if !comments[i].doc {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < comments.len()
            && comments[j + 1].doc
            && src
                .get(comments[j].end..comments[j + 1].start)
                .is_some_and(|t| t.trim().is_empty())
        {
            j += 1;
        }
        let group = &comments[i..=j];
        let lines: Vec<&str> = group
            .iter()
            .map(|c| {
                let t = text.get(c.start + 3..c.end).unwrap_or("");
                let t = t.strip_suffix('\r').unwrap_or(t);
                t.strip_prefix(' ').unwrap_or(t)
            })
            .collect();
        let last_end = comments[j].end;
        let next = src
            .get(last_end..)
            .map_or(last_end, |t| last_end + (t.len() - t.trim_start().len()));
        for c in group {
            groups.insert(c.start, next);
        }
        docs.insert(
            next,
            ast::Doc {
                text: lines.join("\n"),
                span: Span::new(id, comments[i].start, last_end),
            },
        );
        i = j + 1;
    }
    (docs, groups)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod test_blocks_tests;
