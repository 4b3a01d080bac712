//! Unit tests of `test` blocks: every statement's shape and spans.

use super::*;
use crate::ast::*;

fn parse(text: &str) -> (File, Vec<Diagnostic>) {
    let mut d = Diagnostics::new();
    let f = parse_file(FileId(0), text, &mut d);
    (f, d.into_vec())
}

fn snip(text: &str, span: Span) -> &str {
    &text[span.range()]
}

const ALL: &str = r#"/// Doc.
test "a declined payment cancels the order" {
  send OrderCreated { id: "o-1", amount: 120 }
  send OrderCreated { id: "o-2" } with { subject: "x" } after 5m
  start fulfil_order { id: "o-3" }
  tick nightly_report
  advance 2d
  mock call payments POST "/charges" => { status: "declined" }
  mock call payments POST "/charges/{id}" where ${ .amount > 100 } => 402 { reason: "x" } after 2s then 200 42
  mock call inventory => 409 then { reserved: true }
  expect emit OrderCancelled { id: "o-1" }
  expect emit OrderCancelled ${ .data.reason == "declined" } times 1
  expect no emit OrderConfirmed
  expect call payments POST "/charges" { amount: 120 } times 1
  expect no call shipping POST "/labels"
  expect workflow fulfil_order completes { order: "o-1" }
  expect workflow fulfil_order completes
  expect workflow fulfil_order fails PaymentDeclined
  expect workflow fulfil_order fails communication status 503
  expect workflow fulfil_order context { charge: { status: "declined" } }
  expect order { emit OrderCancelled  call inventory_release }
  allow emit OrderConfirmed
}
"#;

#[test]
fn every_statement_parses() {
    let (f, d) = parse(ALL);
    assert!(d.is_empty(), "{d:#?}");
    assert!(f.items.is_empty());
    let t = &f.tests[0];
    assert_eq!(t.name.value, "a declined payment cancels the order");
    assert_eq!(t.doc.as_ref().map(|d| d.text.as_str()), Some("Doc."));
    let kinds: Vec<&str> = t.stmts.iter().map(|s| s.kind.keyword()).collect();
    assert_eq!(
        kinds,
        [
            "send",
            "send",
            "start",
            "tick",
            "advance",
            "mock",
            "mock",
            "mock",
            "expect emit",
            "expect emit",
            "expect emit",
            "expect call",
            "expect call",
            "expect workflow",
            "expect workflow",
            "expect workflow",
            "expect workflow",
            "expect workflow",
            "expect order",
            "allow emit",
        ]
    );
    assert_eq!(
        snip(ALL, t.stmts[1].span),
        r#"send OrderCreated { id: "o-2" } with { subject: "x" } after 5m"#
    );
    let TestStmtKind::Send { with, after, .. } = &t.stmts[1].kind else {
        panic!("not a send")
    };
    assert!(with.is_some());
    assert_eq!(after.as_ref().map(|d| d.millis), Some(300_000));
    let TestStmtKind::Mock {
        call,
        predicate,
        responses,
    } = &t.stmts[6].kind
    else {
        panic!("not a mock")
    };
    assert_eq!(
        snip(ALL, call.span),
        r#"call payments POST "/charges/{id}""#
    );
    assert!(predicate.is_some());
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0].status.as_ref().map(|s| s.value), Some(402));
    assert_eq!(responses[0].after.as_ref().map(|d| d.millis), Some(2000));
    assert_eq!(snip(ALL, responses[1].span), "200 42");
    assert_eq!(responses[1].status.as_ref().map(|s| s.value), Some(200));
    assert!(matches!(
        responses[1].body.as_ref().map(|b| &b.kind),
        Some(ValueKind::Number(_))
    ));
    let TestStmtKind::Mock { responses, .. } = &t.stmts[7].kind else {
        panic!("not a mock")
    };
    assert_eq!(responses[0].status.as_ref().map(|s| s.value), Some(409));
    assert!(responses[0].body.is_none());
    assert!(responses[1].status.is_none());
    let TestStmtKind::ExpectEmit { no, times, .. } = &t.stmts[10].kind else {
        panic!("not an expect emit")
    };
    assert!(*no && times.is_none());
    let TestStmtKind::ExpectWorkflow {
        outcome: Outcome::Fails { error, status },
        ..
    } = &t.stmts[16].kind
    else {
        panic!("not a fails")
    };
    assert_eq!(error.display(), "communication");
    assert_eq!(status.as_ref().map(|s| s.value), Some(503));
    let TestStmtKind::ExpectOrder { items } = &t.stmts[18].kind else {
        panic!("not an order")
    };
    assert_eq!(items.len(), 2);
}

#[test]
fn test_words_are_no_keywords_elsewhere() {
    let text = "workflow send { mock: call expect { times: 1 } }\nservice start { url = \"http://x\" }\ntype test { after: string }";
    let (f, d) = parse(text);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(f.items.len(), 3);
    assert!(f.tests.is_empty());
}

#[test]
fn errors_in_tests_are_worded() {
    let (_, d) = parse("test \"t\" {\n  expect bogus\n}\n");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].message.contains("an expectation"), "{}", d[0].message);
    let (_, d) = parse("test \"t\" {\n  sned E\n}\n");
    assert!(
        d[0].message.contains("a test statement"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean `send`?"));
    let (_, d) = parse("test \"t\" {\n  mock call f =>\n}\n");
    assert!(d[0].message.contains("a response"), "{}", d[0].message);
    let (_, d) = parse("test \"t\" {\n  expect workflow w finishes\n}\n");
    assert!(d[0].message.contains("an outcome"), "{}", d[0].message);
    // One broken test does not hide a broken declaration after it.
    let (_, d) = parse("test \"t\" {\n  sned E\n}\ntest \"u\" {\n  tick\n}\n");
    assert_eq!(d.len(), 2, "{d:#?}");
}
