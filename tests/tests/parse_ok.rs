//! Every `.air` file under tests/fixtures/ok parses with no diagnostic,
//! and the language-reference fixtures produce the declarations they hold.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::ast::Item;
use air_compiler::{Diagnostics, FileId};
use air_tests::repo_root;

#[test]
fn ok_fixtures_parse_without_diagnostics() {
    let mut files = Vec::new();
    files.extend(air_tests::air_files(&repo_root().join("tests/fixtures/ok")));
    files.extend(air_tests::air_files(&repo_root().join("examples")));
    files.sort();
    assert!(files.len() >= 6, "fixtures missing: {files:?}");
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read fixture");
        let mut diags = Diagnostics::new();
        let file = air_compiler::parse::parse_file(FileId(0), &text, &mut diags);
        if !diags.is_empty() {
            failures.push(format!("{}: {:#?}", f.display(), diags.into_vec()));
        } else if file.items.is_empty() && file.tests.is_empty() {
            failures.push(format!("{}: no declarations or tests", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reference_fixtures_hold_every_declaration_kind() {
    let dir = repo_root().join("tests/fixtures/ok/lang");
    let mut kinds = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    files.extend(air_tests::air_files(&dir));
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read fixture");
        let mut diags = Diagnostics::new();
        let file = air_compiler::parse::parse_file(FileId(0), &text, &mut diags);
        for item in &file.items {
            kinds.insert(match item {
                Item::Type(_) => "type",
                Item::Event(_) => "event",
                Item::Error(_) => "error",
                Item::Param(_) => "param",
                Item::Function(_) => "function",
                Item::Service(_) => "service",
                Item::Workflow(_) => "workflow",
                Item::Import(_) => "import",
            });
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "error", "event", "function", "import", "param", "service", "type", "workflow"
        ]
    );
}
