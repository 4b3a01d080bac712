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
