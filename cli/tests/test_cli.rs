//! `air test` as users run it: the real binary on the examples, a broken
//! expectation, a step at fault, the JSON and JUnit forms, exit codes.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn air(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_air"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A copy of an example app in a temporary folder, to break.
fn copy_app(example: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = repo().join("examples").join(example);
    for entry in std::fs::read_dir(&from).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
        }
    }
    tmp
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn every_example_passes_its_tests() {
    for app in [
        "order-fulfilment",
        "expense-approval",
        "image-resize",
        "scheduled-report",
        "marketplace/orders",
        "marketplace/shipping",
    ] {
        let out = air(&["test", &format!("examples/{app}")]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{app}:\n{t}");
        let last = t.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("result: ") && last.ends_with(" passed, 0 failed"),
            "{app}: {last}"
        );
        assert!(!last.starts_with("result: 0 passed"), "{app} has no test");
    }
}

#[test]
fn trace_shows_the_timeline() {
    let out = air(&[
        "test",
        "examples/order-fulfilment",
        "--filter",
        "confirmed",
        "--trace",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    for needle in [
        "sent com.example.shop.order.created → fulfil-order-on-order-created → start fulfil-order",
        "run started: shop/fulfil-order",
        "→ charge",
        "charge POST http://payments.finance.svc.cluster.local/api/charges",
        "settled received com.example.finance.payment.settled",
        "emitted com.example.shop.order.confirmed",
        "run completed",
    ] {
        assert!(t.contains(needle), "missing `{needle}` in:\n{t}");
    }
    // Time passes virtually: the settlement arrives 30 minutes in.
    assert!(t.contains("+30m"), "{t}");
}

#[test]
fn a_broken_expectation_fails_with_its_line_and_the_difference() {
    let app = copy_app("order-fulfilment");
    let tests = app.path().join("tests.air");
    edit(
        &tests,
        "expect emit OrderConfirmed { id: \"o-1\", tracking: \"TRK-1\" }",
        "expect emit OrderConfirmed { id: \"o-1\", tracking: \"TRK-2\" }",
    );
    let line = line_of(&tests, "tracking: \"TRK-2\"");
    let dir = app.path().to_str().unwrap();
    let out = air(&["test", dir]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("tests.air:{line}: expected `emit OrderConfirmed`")),
        "{t}"
    );
    assert!(
        t.contains(".tracking: expected \"TRK-2\", found \"TRK-1\""),
        "{t}"
    );
    assert!(t.contains("result: 4 passed, 1 failed"), "{t}");
}

#[test]
fn an_unmocked_call_names_the_step_and_its_source_line() {
    let app = copy_app("order-fulfilment");
    let tests = app.path().join("tests.air");
    edit(
        &tests,
        "  mock call shipping POST \"/labels\" => { tracking: \"TRK-1\" }\n",
        "",
    );
    let step = line_of(
        &app.path().join("fulfil.air"),
        "call shipping POST \"/labels\"",
    );
    let out = air(&[
        "test",
        app.path().to_str().unwrap(),
        "--filter",
        "confirmed",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("unmocked call POST http://shipping.logistics.svc.cluster.local/labels"),
        "{t}"
    );
    assert!(
        t.contains(&format!("fulfil.air:{step}")),
        "step line {step}:\n{t}"
    );
}

#[test]
fn junit_reads_back_as_xml() {
    let app = copy_app("order-fulfilment");
    edit(
        &app.path().join("tests.air"),
        "expect workflow fulfil_order fails PaymentDeclined",
        "expect workflow fulfil_order completes",
    );
    let out = air(&["test", app.path().to_str().unwrap(), "--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("shop"));
    assert_eq!(suite.attribute("tests"), Some("5"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 5);
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].attribute("name"),
        Some("a declined payment releases the stock and cancels the order")
    );
}

#[test]
fn json_is_one_document() {
    let out = air(&[
        "test",
        "examples/image-resize",
        "--format",
        "json",
        "--trace",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["app"], "image-resize");
    assert_eq!(v["failed"], 0);
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(v["passed"].as_u64(), Some(tests.len() as u64));
    assert!(tests.iter().all(|t| t["passed"] == true));
    assert!(tests[0]["trace"].as_array().is_some_and(|t| !t.is_empty()));
}

#[test]
fn an_app_that_does_not_compile_exits_2() {
    let app = copy_app("image-resize");
    edit(
        &app.path().join("tests.air"),
        "send ImageUploaded",
        "send ImageUplodaed",
    );
    let out = air(&["test", app.path().to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("ImageUplodaed"), "{t}");
    assert!(t.contains("no test was run"), "{t}");
}
