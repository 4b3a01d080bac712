//! `air diff --format json`: the document is snapshot-tested (its shape
//! is a contract), and every field it carries is the one docs/diff.md
//! documents — no more, no fewer.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::repo;

use air_reconciler::diff::Report;
use air_tests::repo_root;
use repo::{SHOP, TestRepo};
use serde_json::Value;
use std::collections::BTreeSet;

fn json(report: &Report) -> Value {
    serde_json::to_value(report).unwrap()
}

/// Every key path of a JSON value (`apps[].objects.changed[].ref.kind`).
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                // Field values (`base` / `head` of a changed field) are
                // the objects' own data, not the format.
                if !(prefix.ends_with("fields[]") && (k == "base" || k == "head")) {
                    key_paths(v, &p, out);
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                key_paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The JSON example of docs/diff.md, `// comments` removed.
fn documented() -> Value {
    let doc = std::fs::read_to_string(repo_root().join("docs/diff.md")).unwrap();
    let section = doc
        .split("## `--format json`")
        .nth(1)
        .expect("docs/diff.md has a `--format json` section");
    let block = section
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a ```json block");
    let text: String = block
        .lines()
        .map(|l| match l.find(" //") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("docs/diff.md JSON: {e}\n{text}"))
}

#[test]
fn json_snapshot() {
    let (r, base, head) = TestRepo::shop_history();
    let report = r.diff(Some(&base), Some(&head), "shop");
    let text = serde_json::to_string_pretty(&report).unwrap();
    insta::assert_snapshot!("diff_json_shop", text);
}

#[test]
fn json_fields_are_the_documented_ones() {
    // Scenarios that between them fill every list of the format.
    let (r, base, head) = TestRepo::shop_history();
    let mut reports = vec![r.diff(Some(&base), Some(&head), "shop")];
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let mut text = SHOP.replace("call billing", "call billling").replace(
        "on OrderCreated",
        "on OrderCreated\n  on schedule \"0 2 * * *\"",
    );
    text.push_str("function audit { image = \"registry.example.com/audit:1.0.0\" }\n");
    r.app("shop", &text);
    let head = r.commit("head");
    reports.push(r.diff(Some(&base), Some(&head), "shop"));
    reports.push(r.diff(Some(&head), Some(&base), "shop"));
    r.app(
        "shop",
        &format!("{SHOP}function audit {{ image = \"registry.example.com/audit:1.0.0\" }}\n"),
    );
    let fixed = r.commit("fixed");
    reports.push(r.diff(Some(&base), Some(&fixed), "shop"));
    reports.push(r.diff(Some(&fixed), Some(&base), "shop"));

    let mut actual = BTreeSet::new();
    for rep in &reports {
        key_paths(&json(rep), "", &mut actual);
    }
    let mut doc = BTreeSet::new();
    key_paths(&documented(), "", &mut doc);
    let undocumented: Vec<_> = actual.difference(&doc).collect();
    let unused: Vec<_> = doc.difference(&actual).collect();
    assert!(
        undocumented.is_empty() && unused.is_empty(),
        "emitted but not in docs/diff.md: {undocumented:?}\nin docs/diff.md but never emitted: {unused:?}"
    );
}
