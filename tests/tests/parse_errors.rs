//! Syntax error fixtures (tests/fixtures/err/syntax), checked at the parse
//! stage alone: each must report exactly the codes and lines of its
//! `// expect:` header, and its rendered diagnostics are snapshot-tested.
//! (tests/tests/fixtures.rs runs the same files through the whole
//! compiler.)
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::{Diagnostics, SourceMap};
use air_tests::fixtures::headers;
use air_tests::repo_root;

#[test]
fn syntax_fixtures_report_their_codes_at_their_lines() {
    let dir = repo_root().join("tests/fixtures/err/syntax");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "air"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 25, "only {} syntax fixtures", paths.len());
    let mut failures = Vec::new();
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let file = format!("app/{name}.air");
        let (expect, _) = headers(&file, &text);
        assert!(!expect.is_empty(), "{name}: no `// expect:` header");
        let mut sources = SourceMap::new();
        let id = sources.add(file.clone(), text.clone());
        let mut diags = Diagnostics::new();
        air_compiler::parse::parse_file(id, &text, &mut diags);
        diags.sort();
        let found: Vec<(String, String, usize)> = diags
            .iter()
            .filter_map(|d| {
                let span = d.primary_span()?;
                Some((d.code.to_string(), file.clone(), sources.line_col(span).0))
            })
            .collect();
        let mut want = expect.clone();
        want.sort();
        let mut got = found.clone();
        got.sort();
        if want != got {
            failures.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
        let rendered = diags
            .iter()
            .map(|d| air_cli::render::human(d, &sources, false, 100))
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(format!("syntax__{name}"), rendered);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
