//! `air diff --format markdown`: snapshot, Mermaid blocks parsed by the
//! real mermaid parser, and the 65,536-character limit.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::mermaid;
use air_tests::diff::repo;

use air_reconciler::diff::markdown::{self, GITHUB_LIMIT, MARKER};
use repo::{SHOP, TestRepo};

fn changed_report() -> air_reconciler::diff::Report {
    let (r, base, head) = TestRepo::shop_history();
    r.diff(Some(&base), Some(&head), "shop")
}

#[test]
fn markdown_snapshot_and_mermaid_parses() {
    let report = changed_report();
    let md = markdown::render(&report);
    assert!(md.starts_with(MARKER));
    insta::assert_snapshot!("diff_markdown_shop", md);
    let blocks = mermaid::blocks(&md);
    assert!(!blocks.is_empty());
    assert!(
        blocks[0].contains(":::added") && blocks[0].contains(":::removed"),
        "{}",
        blocks[0]
    );
    if let Some(results) = mermaid::check(&blocks) {
        assert_eq!(results.len(), blocks.len());
        for (r, b) in results.iter().zip(&blocks) {
            assert!(r.starts_with("OK"), "{r}\n{b}");
        }
    }
}

#[test]
fn mermaid_checker_rejects_a_broken_block() {
    let bad = vec!["flowchart TD\n  a[[[ --> \n".to_string()];
    if let Some(results) = mermaid::check(&bad) {
        assert!(results[0].starts_with("ERROR"), "{results:?}");
    }
}

#[test]
fn huge_change_is_truncated_with_a_note() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let mut text = String::from(SHOP);
    for i in 0..600 {
        text.push_str(&format!(
            "workflow extra_{i} {{\n  on OrderCreated\n  step_a: call inventory {{ n: {i} }}\n  step_b: call billing {{ n: {i} }}\n}}\n"
        ));
    }
    r.app("shop", &text);
    let head = r.commit("head");
    let report = r.diff(Some(&base), Some(&head), "shop");
    let md = markdown::render(&report);
    assert!(md.chars().count() <= GITHUB_LIMIT, "{}", md.len());
    assert!(md.contains("Output truncated"), "not truncated?");
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    assert_eq!(md.matches("```").count() % 2, 0);
}

/// Copy a folder (the examples) into the test repository.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Every example workflow (try/catch, switch, parallel, loops, waits,
/// branch conditions with quotes and operators) drawn as added and as
/// removed: every diagram must parse.
#[test]
fn mermaid_parses_every_example_workflow_added_and_removed() {
    let r = TestRepo::new();
    r.write("README.md", "empty\n");
    let empty = r.commit("empty");
    copy_tree(
        &air_tests::repo_root().join("examples"),
        &r.path().join("examples"),
    );
    let full = r.commit("examples");
    let added = markdown::render_limited(&r.diff(Some(&empty), Some(&full), ""), usize::MAX);
    let removed = markdown::render_limited(&r.diff(Some(&full), Some(&empty), ""), usize::MAX);
    let mut blocks = mermaid::blocks(&added);
    let n_added = blocks.len();
    blocks.extend(mermaid::blocks(&removed));
    assert!(n_added >= 5, "{added}");
    assert_eq!(blocks.len(), 2 * n_added);
    if let Some(results) = mermaid::check(&blocks) {
        assert_eq!(results.len(), blocks.len());
        for (r, b) in results.iter().zip(&blocks) {
            assert!(r.starts_with("OK"), "{r}\n{b}");
        }
    }
}
