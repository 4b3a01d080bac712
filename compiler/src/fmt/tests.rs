//! Formatter tests: layout, comments, idempotence.

use super::format_source;

fn fmt(src: &str) -> String {
    match format_source(src) {
        Ok(s) => s,
        Err(d) => panic!(
            "does not parse: {:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn quote_escapes() {
    assert_eq!(super::values::quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
}

#[test]
fn empty_file_stays_empty() {
    assert_eq!(fmt(""), "");
}

#[test]
fn test_blocks_have_one_layout() {
    let src = "workflow w { on http }\n\n\n/// About.\ntest   \"t\"{send E {a:1}with{subject:\"s\"}after 5m\n  // why\n  mock call s POST \"/x\" where ${ .a } => 402 {r: 1} after 2s then 200 42 then { ok: true }\n\n\n  expect no emit F expect emit E times 2 // trailing\n  expect order { emit E call s }  expect order {} expect workflow w fails timeout status 408\n  expect workflow w completes tick w advance 1h start w}\n";
    let want = "workflow w {\n  on http\n}\n\n/// About.\ntest \"t\" {\n  send E { a: 1 } with { subject: \"s\" } after 5m\n  // why\n  mock call s POST \"/x\" where ${ .a } => 402 { r: 1 } after 2s then 200 42 then { ok: true }\n\n  expect no emit F  // trailing\n  expect emit E times 2\n  expect order {\n    emit E\n    call s\n  }\n  expect order {}\n  expect workflow w fails timeout status 408\n  expect workflow w completes\n  tick w\n  advance 1h\n  start w\n}\n";
    // (A trailing comment stays with the first statement of its line.)
    let once = fmt(src);
    assert_eq!(once, want);
    assert_eq!(fmt(&once), once);
}

#[test]
fn test_blocks_keep_their_place_and_comments() {
    let src = "// head\ntest \"empty\" {}\n// between\nworkflow w { on http }\ntest \"multi\" {\n  send E {\n    text: \"\"\"\n      line\n      \"\"\"\n  }\n  // last\n}\n";
    let once = fmt(src);
    assert_eq!(
        once,
        "// head\ntest \"empty\" {\n}\n\n// between\nworkflow w {\n  on http\n}\n\ntest \"multi\" {\n  send E {\n    text: \"\"\"\n      line\n    \"\"\"\n  }\n  // last\n}\n"
    );
    assert_eq!(fmt(&once), once);
}
