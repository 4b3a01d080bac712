//! Diagnostic codes are typed: each is a variant of
//! `air_compiler::Code`, declared once in compiler/src/codes.rs, and code
//! elsewhere names the variant. A code written as a string literal (a
//! double quote, `E` or `W`, `0`, three digits, a double quote) would
//! escape the compiler's check that it is registered, so no `.rs` file of
//! the workspace may hold one. Fixtures, Markdown and snapshots are not
//! code and are not scanned.

use air_tests::repo_root;
use std::path::{Path, PathBuf};

/// The files allowed to spell codes out: the declarations.
const DECLARATIONS: &[&str] = &["compiler/src/codes.rs"];

#[test]
fn no_diagnostic_code_is_written_as_a_string_literal() {
    let root = repo_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 100,
        "only {} .rs files found under {}",
        files.len(),
        root.display()
    );
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        if DECLARATIONS.contains(&rel.as_str()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with("//") && has_code_literal(line) {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "diagnostic codes written as string literals (name the `Code` variant instead):\n{}",
        found.join("\n")
    );
}

/// Whether `line` holds a quoted code: `"`, `E`/`W`, `0`, three digits, `"`.
fn has_code_literal(line: &str) -> bool {
    line.as_bytes().windows(7).any(|w| {
        w[0] == b'"'
            && matches!(w[1], b'E' | b'W')
            && w[2] == b'0'
            && w[3..6].iter().all(u8::is_ascii_digit)
            && w[6] == b'"'
    })
}

/// Every `.rs` file below `dir`, skipping build output, hidden folders and
/// dependencies' folders.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => rust_files(&path, out),
            Ok(t) if t.is_file() && name.ends_with(".rs") => out.push(path),
            _ => {}
        }
    }
}

#[test]
fn the_scan_sees_a_quoted_code() {
    // Built from pieces, so this file holds no such literal itself.
    let quoted = format!("let c = {q}E{d}{q};", q = '"', d = "0201");
    assert!(has_code_literal(&quoted));
    assert!(!has_code_literal("Code::E0201"));
    assert!(!has_code_literal(&format!("{q}E0201 and more{q}", q = '"')));
}
