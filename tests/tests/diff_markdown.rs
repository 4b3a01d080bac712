//! `air diff --format markdown`: snapshot, Mermaid blocks parsed by the
//! real mermaid parser, and the 65,536-character limit.

#[path = "diff_support/mermaid.rs"]
mod mermaid;
#[path = "diff_support/repo.rs"]
mod repo;

use air_reconciler::diff::markdown::{self, GITHUB_LIMIT, MARKER};
use repo::{SHOP, TestRepo};

fn changed_report() -> air_reconciler::diff::Report {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let head_text = SHOP
        .replace("billing:1.0.0", "billing:1.1.0")
        .replace(
            "  reserve: call inventory { order: ${ .data.id } }\n",
            "  reserve: call inventory { order: ${ .data.id } }\n  if ${ .data.amount > 100 } {\n    audit: call billing { check: true }\n  }\n",
        )
        .replace("  emit OrderConfirmed { id: ${ .data.id } }\n", "");
    r.app("shop", &head_text);
    let head = r.commit("head");
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
