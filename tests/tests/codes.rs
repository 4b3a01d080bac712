//! Every diagnostic code has an explanation page, every page names a
//! registered code, and each page starts with its code.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::Code;
use air_tests::repo_root;
use std::collections::BTreeSet;

#[test]
fn every_code_has_a_page_and_every_page_a_code() {
    let dir = repo_root().join("docs/diagnostics");
    let pages: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("docs/diagnostics")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .filter(|s| s != "README")
        .collect();
    let codes: BTreeSet<String> = Code::ALL.iter().map(|c| c.to_string()).collect();
    let missing: Vec<_> = codes.difference(&pages).collect();
    let orphan: Vec<_> = pages.difference(&codes).collect();
    assert!(
        missing.is_empty(),
        "codes without docs/diagnostics page: {missing:?}"
    );
    assert!(
        orphan.is_empty(),
        "pages for unregistered codes: {orphan:?}"
    );
    for code in &codes {
        let text = std::fs::read_to_string(dir.join(format!("{code}.md"))).expect("page");
        assert!(
            text.starts_with(&format!("# {code}")),
            "{code}.md must start with `# {code}`"
        );
        assert!(
            air_cli::cmd::explain::page(code).is_some(),
            "{code} not embedded for air explain"
        );
    }
}

/// Every code a check reports is reported by at least one fixture under
/// tests/fixtures (error, ok, semantics and conformance fixtures, compiled
/// as `air build` compiles them), so each has an example that shows it
/// firing. Retired codes are never reported; codes marked `guard` come
/// from defensive checks no source text reaches (compiler/src/codes.rs),
/// and a fixture that does reach one means the mark is wrong.
#[test]
fn every_code_is_triggered_by_a_fixture() {
    let mut seen = BTreeSet::new();
    for f in air_tests::fixtures::load_all(&repo_root().join("tests/fixtures")) {
        let c = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
        seen.extend(c.diagnostics.iter().map(|d| d.code));
    }
    let expected = |c: &&Code| !c.is_retired() && !c.is_guard();
    let untriggered: Vec<&str> = Code::ALL
        .iter()
        .filter(expected)
        .filter(|c| !seen.contains(*c))
        .map(|c| c.as_str())
        .collect();
    assert!(
        untriggered.is_empty(),
        "codes no fixture under tests/fixtures triggers (write one): {untriggered:?}"
    );
    let reached: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !expected(c) && seen.contains(*c))
        .map(|c| c.as_str())
        .collect();
    assert!(
        reached.is_empty(),
        "codes marked retired or guard that a fixture reports: {reached:?}"
    );
}
