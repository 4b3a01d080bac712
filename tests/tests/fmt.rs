//! `air fmt` on every fixture and example: the output parses, formatting
//! it again changes nothing, and the AST is the same as the original's
//! (spans aside).
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::{Diagnostics, FileId};
use air_tests::repo_root;

/// The AST's Debug text with every span and offset removed.
pub fn shape(text: &str) -> Option<String> {
    let mut d = Diagnostics::new();
    let file = air_compiler::parse::parse_file(FileId(0), text, &mut d);
    if d.has_errors() {
        return None;
    }
    Some(strip_spans(&format!(
        "{:?}",
        (
            &file.items,
            &file.tests,
            file.comments
                .iter()
                .map(|c| c.text.trim_end())
                .collect::<Vec<_>>()
        )
    )))
}

fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    loop {
        let span = rest.find("Span {");
        let inner = rest.find("inner_start: ");
        let next = match (span, inner) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        out.push_str(&rest[..next]);
        let tail = &rest[next..];
        let skip = if tail.starts_with("Span {") {
            tail.find('}').map_or(tail.len(), |i| i + 1)
        } else {
            "inner_start: ".len()
                + tail["inner_start: ".len()..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(0)
        };
        out.push('_');
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

#[test]
fn fmt_is_idempotent_and_preserves_the_ast() {
    let mut files = Vec::new();
    files.extend(air_tests::air_files(&repo_root().join("tests/fixtures/ok")));
    files.extend(air_tests::air_files(&repo_root().join("examples")));
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let Some(before) = shape(&text) else { continue };
        let once = match air_compiler::fmt::format_source(&text) {
            Ok(t) => t,
            Err(_) => {
                failures.push(format!("{}: formatted output does not parse", f.display()));
                continue;
            }
        };
        match shape(&once) {
            Some(after) if after == before => {}
            Some(after) => failures.push(format!(
                "{}: AST changed by fmt\n--- formatted:\n{once}\n--- before: {before}\n--- after:  {after}",
                f.display()
            )),
            None => failures.push(format!("{}: formatted output does not parse:\n{once}", f.display())),
        }
        match air_compiler::fmt::format_source(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!(
                "{}: not idempotent\n--- once:\n{once}\n--- twice:\n{twice}",
                f.display()
            )),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
