//! Every diagnostic code has an explanation page, every page names a
//! registered code, and each page starts with its code.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

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
    let codes: BTreeSet<String> = air_compiler::Code::ALL
        .iter()
        .map(|c| c.to_string())
        .collect();
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
