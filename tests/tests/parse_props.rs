//! The parser never panics: arbitrary bytes, mutations of valid programs,
//! deep nesting and huge inputs all end in an AST or a diagnostic.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::testgen::{generate_app, nested_ifs, nested_lists};
use air_compiler::{Diagnostics, FileId};
use proptest::prelude::*;

fn parse(text: &str) -> (air_compiler::ast::File, Diagnostics) {
    let mut d = Diagnostics::new();
    let f = air_compiler::parse::parse_file(FileId(0), text, &mut d);
    (f, d)
}

/// Every span of every diagnostic lies inside the text, on char boundaries.
fn spans_in_bounds(text: &str, d: &Diagnostics) {
    for diag in d.iter() {
        for l in &diag.labels {
            assert!(l.span.end as usize <= text.len(), "{diag:?}");
            assert!(l.span.start <= l.span.end, "{diag:?}");
            assert!(text.is_char_boundary(l.span.start as usize), "{diag:?}");
            assert!(text.is_char_boundary(l.span.end as usize), "{diag:?}");
        }
    }
}

const SEED: &str = r#"/// Doc.
type Item { sku: string  qty?: integer }
type Currency = "EUR" | "USD"
event OrderCreated { type = "x.y" data { id: string items: [Item] } }
param tag: string = "1" + params.other
function f { image = "i:" + params.tag  env { A: "b" } on OrderCreated where ${ .data.id != "}" } }
workflow w {
  on schedule "0 2 * * *" tz "Europe/Berlin"
  timeout = 1h30m
  a: call f { x: ${ { y: "\(.z)" } }, "k": [1, -2.5, 1e9, true, null] } retry 3 backoff linear 1s max 1m
  if ${ .a } { wait 5m } else if ${ .b } { set { q: 1 } } else { return }
  switch { case ${ .c } => a  else => end }
  parallel { branch p { emit OrderCreated ${ . } } }
  for x, i in ${ .xs } while ${ $i < 2 } { run w }
  try { call f } catch timeout as e retry 2 { fail E "d\n\u{41}" }
  s: wait for all(A, b.B) correlate id = ${ .id } timeout 2d
  /* block /* nested */ */
  return """
    text
    """
}
test "t" {
  send OrderCreated { id: "o" } with { subject: "s" } after 5m
  mock call f POST "/x/{id}" where ${ .a } => 402 { r: 1 } after 2s then 200 42
  expect no emit OrderCreated
  expect call f { a: 1 } times 2
  expect workflow w fails timeout status 408
  expect order { emit OrderCreated  call f ${ .x } }
  start w  tick w  advance 1d  allow emit OrderCreated
}
"#;

#[test]
fn seed_is_valid() {
    let (f, d) = parse(SEED);
    assert!(d.is_empty(), "{:#?}", d.into_vec());
    assert_eq!(f.items.len(), 6);
    assert_eq!(f.tests.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }

    #[test]
    fn arbitrary_tokens_never_panic(
        parts in proptest::collection::vec(
            prop::sample::select(vec![
                "{", "}", "[", "]", "(", ")", "${", "\"", "\"\"\"", "/*", "*/", "//", "///",
                "\n", " ", ":", "=", "=>", ",", "+", "?", "|", "<", ">", ".", "\\", "\\(",
                "workflow", "w", "call", "on", "http", "if", "else", "for", "in", "try",
                "catch", "retry", "3", "1h", "type", "event", "data", "string", "params",
                "secret", "switch", "case", "parallel", "branch", "wait", "emit", "return",
            ]),
            0..80,
        )
    ) {
        let text = parts.concat();
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }

    #[test]
    fn mutations_of_a_valid_program_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..6)
    ) {
        let mut text: Vec<char> = SEED.chars().collect();
        for (at, op, c) in edits {
            if text.is_empty() {
                break;
            }
            let i = at.index(text.len());
            match op {
                0 => { text.remove(i); }
                1 => text.insert(i, c),
                2 => text[i] = c,
                _ => {
                    // Duplicate a slice, a common copy-paste slip.
                    let end = (i + 12).min(text.len());
                    let slice: Vec<char> = text[i..end].to_vec();
                    for (k, ch) in slice.into_iter().enumerate() {
                        text.insert(end + k, ch);
                    }
                }
            }
        }
        let text: String = text.into_iter().collect();
        let (_, d) = parse(&text);
        spans_in_bounds(&text, &d);
    }
}

#[test]
fn very_deep_nesting_ends_in_a_diagnostic() {
    for text in [
        nested_lists(10_000),
        nested_ifs(10_000),
        format!("workflow w {{ set ${{ {} }} }}", "(".repeat(10_000)),
        format!(
            "param p: {}string{}",
            "map<".repeat(10_000),
            ">".repeat(10_000)
        ),
        "{".repeat(10_000),
    ] {
        let (_, d) = parse(&text);
        assert!(
            d.iter().any(|d| d.code == "E0105"),
            "{:?}",
            d.iter().map(|d| d.code).collect::<Vec<_>>()
        );
    }
}

#[test]
fn nesting_up_to_the_limit_parses_or_reports() {
    // At the limit the parser must either succeed or say why; it must not
    // overflow the (2 MiB) test thread stack.
    let depth = air_compiler::parse::MAX_DEPTH - 1;
    let (f, d) = parse(&nested_ifs(depth));
    assert!(d.is_empty() || d.has_errors());
    assert!(!f.items.is_empty() || d.has_errors());
    let (_, d) = parse(&nested_lists(depth));
    assert!(d.is_empty(), "{:#?}", d.into_vec());
}

#[test]
fn ten_megabytes_parse() {
    let mut text = generate_app(10_000);
    while text.len() < 10_000_000 {
        text.push_str("// padding comment to reach ten megabytes of input\n");
    }
    let (f, d) = parse(&text);
    assert!(d.is_empty(), "{:#?}", d.into_vec());
    assert!(f.items.len() > 10_000);
}

#[test]
fn ten_megabytes_of_garbage_end_in_diagnostics() {
    let garbage = "x = @ ! ~ ".repeat(1_000_000);
    let (_, d) = parse(&garbage);
    assert!(d.has_errors());
    let braces = "{ ".repeat(5_000_000);
    let (_, d) = parse(&braces);
    assert!(d.has_errors());
    let workflows = "workflow w { cal x }\n".repeat(500_000);
    let (_, d) = parse(&workflows);
    assert!(d.has_errors());
}
