//! The hand-written fast path of the parser (compiler/src/parse/fast.rs)
//! against pest, the reference: on every file of the repository and on
//! generated and mutated programs, both give the same tree (spans
//! included) and the same diagnostics; and the fast path takes every valid
//! file, so the speed is not lost silently.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::parse::{fast_path_accepts, parse_file, parse_file_with_pest};
use air_compiler::testgen::{generate_app, nested_ifs, nested_lists};
use air_compiler::{Diagnostics, FileId};
use proptest::prelude::*;

/// Parse both ways; panic with the text if they differ. Returns whether
/// pest found the file clean.
fn same(text: &str) -> bool {
    let mut d1 = Diagnostics::new();
    let fast = parse_file(FileId(0), text, &mut d1);
    let mut d2 = Diagnostics::new();
    let pest = parse_file_with_pest(FileId(0), text, &mut d2);
    assert_eq!(fast, pest, "trees differ for:\n{text}");
    assert_eq!(
        format!("{:?}", d1.into_vec()),
        format!("{:?}", d2.iter().collect::<Vec<_>>()),
        "diagnostics differ for:\n{text}"
    );
    d2.is_empty()
}

#[test]
fn every_air_file_in_the_repository() {
    let root = air_tests::repo_root();
    let mut files = air_tests::air_files(&root.join("tests/fixtures"));
    files.extend(air_tests::air_files(&root.join("examples")));
    assert!(files.len() > 100, "found only {} files", files.len());
    let mut clean = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if same(&text) {
            clean += 1;
            assert!(
                fast_path_accepts(&text),
                "the fast path refused {}",
                f.display()
            );
        }
    }
    assert!(clean > 50, "only {clean} clean files");
}

#[test]
fn generated_programs() {
    for text in [generate_app(30), nested_ifs(100), nested_lists(100)] {
        assert!(same(&text));
        assert!(fast_path_accepts(&text));
    }
    // Deeper than the pre-scanner allows: both refuse the same way.
    assert!(!same(&nested_lists(1000)));
}

/// Small pieces of valid syntax, for programs assembled at random.
const STEPS: &[&str] = &[
    "call f",
    "call f { a: 1 }",
    "call svc POST \"/x\" ${ . }",
    "a: call f retry 3",
    "b: run w { x: [1, 2,] }",
    "emit E ${ .data }",
    "emit al.E { k: \"v\" + params.p }",
    "wait 5m",
    "wait for E",
    "wait for all(E, F,) correlate id = ${ .id }, k = ${ .k }",
    "wait for any(E) timeout 1h",
    "set { a: true, b: null, c: -1.5e3, d: 1h30m }",
    "set ${ . + {x: \"}\"} }",
    "if ${ .a } { wait 1s } else if ${ .b } { return } else { fail E \"x\" }",
    "switch { case ${ .x } => a  case ${ .y } => end  else => exit }",
    "parallel { branch one { call f } branch two { wait 1s } }",
    "race { branch one { call f } }",
    "for x, i in ${ .xs } while ${ $i < 3 } { call f }",
    "for x in ${ .xs } { continue_: call f }",
    "try { call f } catch E as e retry 2 backoff exponential 1s max 1m { return }",
    "try { call f } catch { set { } }",
    "return { done: true }",
    "return",
    "call f timeout 10s then a when ${ .ok }",
    "set \"\"\"\n  text\n  \"\"\"",
    "set secret(\"s\", \"k\")",
];

const MEMBERS: &[&str] = &[
    "on E",
    "on a.E where ${ .data.x > 1 }",
    "on schedule \"0 * * * *\" tz \"UTC\"",
    "on http",
    "input Order",
    "input [map<string>]",
    "timeout = 1h",
    "tags { team: \"x\", \"k k\": \"v\" }",
    "retry = 3",
    "/// doc\n  key = \"v\"",
];

/// Statements of `test` blocks, likewise.
const TEST_STMTS: &[&str] = &[
    "send E",
    "send al.E { id: \"o-1\", n: [1, 2] } with { subject: \"s\" } after 5m",
    "send E with { a: 1 }",
    "start w",
    "start w { data: { id: \"x\" } }",
    "tick w",
    "advance 1h30m",
    "mock call f => 200",
    "mock call svc POST \"/x/{id}\" where ${ .a > 1 } => 402 { r: \"x\" } after 2s then 200 42 then { ok: true }",
    "mock call f => \"text\" after 1s",
    "mock call f => 5m",
    "mock call f => 200.5 then 1e3",
    "expect emit E",
    "expect emit E { id: \"o\" } times 2",
    "expect emit al.E ${ .data.x == 1 }",
    "expect no emit E",
    "expect no call svc GET \"/y\" { q: 1 }",
    "expect call f times 0",
    "expect call svc DELETE \"/z\" ${ .b }",
    "expect workflow w completes",
    "expect workflow w completes { out: true }",
    "expect workflow w fails E",
    "expect workflow w fails timeout status 408",
    "expect workflow w context ${ .a }",
    "expect order { emit E  call f { a: 1 }  emit al.E ${ . } }",
    "expect order {}",
    "allow emit E",
    "/// stmt doc\n  send E",
];

fn program(parts: &[(bool, usize)]) -> String {
    let mut s = String::from(
        "/// A type.\ntype T { a: string  b?: [T], c: \"x\" | \"y\" }\nparam p: integer = 1\nfunction f { image = \"i:1\"  env { A: \"b\" } scale { min: 0 } }\nworkflow w {\n",
    );
    for &(step, i) in parts {
        s.push_str("  ");
        if step {
            s.push_str("/// step doc\n  ");
            s.push_str(STEPS[i % STEPS.len()]);
        } else {
            s.push_str(MEMBERS[i % MEMBERS.len()]);
        }
        s.push('\n');
    }
    s.push_str("}\n");
    s.push_str("/// A test.\ntest \"t\" {\n");
    for &(step, i) in parts {
        if step {
            s.push_str("  ");
            s.push_str(TEST_STMTS[i % TEST_STMTS.len()]);
            s.push('\n');
        }
    }
    s.push_str("}\n");
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Valid programs: the same tree, and the fast path took them.
    #[test]
    fn assembled_programs(parts in proptest::collection::vec((any::<bool>(), 0..64usize), 0..24)) {
        let text = program(&parts);
        prop_assert!(same(&text));
        prop_assert!(fast_path_accepts(&text));
    }

    /// Damaged programs: a byte range removed, repeated or replaced by a
    /// token. Valid or not, both parsers agree.
    #[test]
    fn damaged_programs(
        parts in proptest::collection::vec((any::<bool>(), 0..64usize), 0..12),
        at in 0.0..1.0f64,
        len in 0..12usize,
        how in 0..3u8,
        token in prop::sample::select(vec![
            "{", "}", "(", ")", "[", "]", "\"", ":", "=", "=>", ",", "+", "?", "|", ".", " ",
            "\n", "call", "if", "else", "end", "as", "retry", "3", "1h", "1m5", "-", "e5",
            "wait", "for", "in", "all", "map", "<", ">", "${ .x }", "type", "set", "x:",
            "test", "send", "mock", "expect", "no", "times", "=>", "then", "after", "200",
            "status", "fails", "order", "with", "99999999999",
        ]),
    ) {
        let text = program(&parts);
        let mut start = ((text.len() as f64) * at) as usize;
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let damaged = match how {
            0 => format!("{}{}", &text[..start], &text[end..]),
            1 => format!("{}{}{}", &text[..end], &text[start..end], &text[end..]),
            _ => format!("{}{token}{}", &text[..start], &text[end..]),
        };
        same(&damaged);
    }
}
