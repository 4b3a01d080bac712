//! A small YAML writer for JSON values, written for this compiler rather
//! than taken from a serde YAML crate (serde_yaml is archived; its forks
//! differ in how they quote and fold strings). Owning the writer makes the
//! bytes we emit a property of this file alone:
//!
//! - block style everywhere; `{}` and `[]` for empty collections;
//! - sequences indented under their key (`key:\n  - a`);
//! - strings plain only when every YAML 1.1 and 1.2 reader reads them back
//!   as the same string (so `yes`, `on`, `1.0.3`, `0x1f`, `~`, `2024-01-01`,
//!   `- x`, `a: b` and friends are quoted), else single-quoted, else (when
//!   they hold control characters) double-quoted with JSON escapes;
//! - multi-line strings as literal blocks (`|`, `|-`, `|+`);
//! - map keys in the order given, or sorted ([`KeyOrder`]).

use super::tree::{Node, NodeMap, Text};
use serde_json::Value;
use std::fmt::Write;

/// How to order the keys of every mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrder {
    /// Byte-wise sorted (Kubernetes objects, catalogs).
    Sorted,
    /// As inserted (Serverless Workflow documents keep `document` first).
    AsGiven,
}

/// One YAML document (no `---` marker), ending with a newline.
pub fn to_yaml(value: &Value, order: KeyOrder) -> String {
    node_to_yaml(&Node::from_json(value), order)
}

/// [`to_yaml`] of a tree.
pub fn node_to_yaml(value: &Node, order: KeyOrder) -> String {
    let mut out = String::new();
    write_yaml(&mut out, value, order);
    out
}

/// [`node_to_yaml`], appended to `out`.
pub fn write_yaml(out: &mut String, value: &Node, order: KeyOrder) {
    match value {
        Node::Map(m) if !m.is_empty() => write_map(out, m, 0, false, order),
        Node::Seq(a) if !a.is_empty() => write_seq(out, a, 0, false, order),
        scalar => {
            write_scalar(out, scalar, 0);
            out.push('\n');
        }
    }
}

/// Spaces to copy indentation from: one `push_str` per line instead of a
/// `push` per space (deep documents and block literals indent every line).
const SPACES: &str = "                                                                ";

fn pad(out: &mut String, mut indent: usize) {
    while indent > SPACES.len() {
        out.push_str(SPACES);
        indent -= SPACES.len();
    }
    out.push_str(&SPACES[..indent]);
}

/// Mapping entries at `indent`. With `inline_first`, the first entry
/// continues a line already started (after `- `).
fn write_map(out: &mut String, map: &NodeMap, indent: usize, inline_first: bool, order: KeyOrder) {
    let entries = map.entries();
    let in_order = order == KeyOrder::AsGiven || entries.is_sorted_by(|a, b| a.0 <= b.0);
    if in_order {
        for (i, (k, v)) in entries.iter().enumerate() {
            write_entry(out, k, v, indent, i == 0 && inline_first, order);
        }
    } else {
        let mut sorted: Vec<&(Text, Node)> = entries.iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, v)) in sorted.into_iter().enumerate() {
            write_entry(out, k, v, indent, i == 0 && inline_first, order);
        }
    }
}

fn write_entry(out: &mut String, k: &str, v: &Node, indent: usize, inline: bool, order: KeyOrder) {
    if !inline {
        pad(out, indent);
    }
    push_scalar_string(out, k);
    out.push(':');
    write_child(out, v, indent, order);
}

fn write_seq(out: &mut String, seq: &[Node], indent: usize, inline_first: bool, order: KeyOrder) {
    for (i, item) in seq.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push('-');
        match item {
            Node::Map(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, indent + 2, true, order);
            }
            Node::Seq(a) if !a.is_empty() => {
                out.push(' ');
                write_seq(out, a, indent + 2, true, order);
            }
            scalar => {
                write_scalar(out, scalar, indent);
                out.push('\n');
            }
        }
    }
}

/// The value after `key:` of a mapping entry at `indent`.
fn write_child(out: &mut String, v: &Node, indent: usize, order: KeyOrder) {
    match v {
        Node::Map(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2, false, order);
        }
        Node::Seq(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, indent + 2, false, order);
        }
        scalar => {
            write_scalar(out, scalar, indent);
            out.push('\n');
        }
    }
}

/// ` value` (with the leading space) for a scalar or empty collection;
/// block literals continue on the following lines at `indent + 2`.
fn write_scalar(out: &mut String, v: &Node, indent: usize) {
    out.push(' ');
    match v {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Number(n) => {
            // Writing into a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Node::Map(_) => out.push_str("{}"),
        Node::Seq(_) => out.push_str("[]"),
        Node::Str(s) => {
            if block_literal_ok(s) {
                write_block(out, s, indent + 2);
            } else {
                push_scalar_string(out, s);
            }
        }
    }
}

/// A literal block is used for multi-line text that round-trips exactly:
/// no control characters other than tab and newline, and a first line that
/// does not start with a space (which would need an indentation indicator).
fn block_literal_ok(s: &str) -> bool {
    // Most strings are one line: the cheap test goes first.
    if !s.contains('\n') {
        return false;
    }
    let first_text = s.trim_start_matches('\n');
    !first_text.is_empty() && !first_text.starts_with([' ', '\t']) && !has_escape(s, true)
}

fn write_block(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    // Every line is copied whole; only the indentation is added.
    out.reserve(body.len());
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    // `|+` keeps the trailing newlines beyond the first as empty lines.
    for _ in 1..trailing {
        out.push('\n');
    }
    // The caller adds the newline that ends the entry; a block already
    // ended its last line, so undo that one.
    out.pop();
}

/// Characters YAML cannot hold in plain or single-quoted scalars.
#[cfg(test)]
fn needs_escape(c: char) -> bool {
    (c as u32) < 0x20
        || c == '\u{7f}'
        || ('\u{80}'..='\u{9f}').contains(&c)
        || c == '\u{2028}'
        || c == '\u{2029}'
        || c == '\u{feff}'
}

/// Bytes that may start a character of [`needs_escape`]: ASCII controls,
/// DEL, and the lead bytes of U+0080–U+009F (0xC2), U+2028/U+2029 (0xE2)
/// and U+FEFF (0xEF). Everything else is skipped with one table lookup.
const SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xe2] = true;
    t[0xef] = true;
    t
};

/// Whether `s` holds a character of `needs_escape` (newline and tab
/// excepted when `in_block`), decided on the UTF-8 bytes: `s` is valid
/// UTF-8, so the lead bytes in [`SUSPECT`] are never continuation bytes.
fn has_escape(s: &str, in_block: bool) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if !SUSPECT[usize::from(c)] {
            continue;
        }
        let next = b.get(i + 1).copied().unwrap_or(0);
        let after = b.get(i + 2).copied().unwrap_or(0);
        let escape = match c {
            b'\n' | b'\t' => !in_block,
            0xc2 => (0x80..=0x9f).contains(&next),
            0xe2 => next == 0x80 && (after == 0xa8 || after == 0xa9),
            0xef => next == 0xbb && after == 0xbf,
            _ => true,
        };
        if escape {
            return true;
        }
    }
    false
}

/// A string as a one-line scalar: plain, single-quoted or double-quoted.
pub fn scalar_string(s: &str) -> String {
    let mut out = String::new();
    push_scalar_string(&mut out, s);
    out
}

/// [`scalar_string`], appended to `out`.
fn push_scalar_string(out: &mut String, s: &str) {
    if has_escape(s, false) {
        // A JSON string literal is a valid YAML double-quoted scalar.
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}")));
    } else if plain_ok(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

/// Words that YAML 1.1 or 1.2 resolves to something other than a string.
const RESERVED: &[&str] = &[
    "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
];

fn plain_ok(s: &str) -> bool {
    // Reserved words are short; `.inf` and `.nan` start with `.` and are
    // refused below with every other leading `.`.
    if s.len() <= 5 && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return false;
    }
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || last == b':' {
        return false;
    }
    // Indicators at the start, and anything that might read as a number,
    // date or sexagesimal (YAML 1.1): quote whatever starts like one.
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if first.is_ascii_digit() || ((first == b'+' || first == b'.') && b.len() > 1) {
        return false;
    }
    // `: ` and ` #` start a mapping value and a comment; flow indicators
    // are harmless in block context but confuse some readers in keys, so
    // they are quoted too. One pass over the bytes (all ASCII checks, so
    // multi-byte characters never match).
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\t' | b'{' | b'}' | b'[' | b']' | b',' => return false,
            b':' if b.get(i + 1) == Some(&b' ') => return false,
            b'#' if i > 0 && b[i - 1] == b' ' => return false,
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "null",
            "~",
            "1.0.3",
            "42",
            "-1",
            "0x1f",
            "1e3",
            ".5",
            "2024-01-01",
            "a: b",
            "x #y",
            "- a",
            "*ref",
            "&a",
            "!tag",
            "",
            " lead",
            "trail ",
            "end:",
            "{a}",
            "[a]",
            "a,b",
            "@x",
            "`x",
            "%x",
            ".inf",
            "+1",
        ] {
            assert!(scalar_string(s).starts_with('\''), "{s} must be quoted");
        }
        for s in [
            "abc",
            "order-created",
            "http://x.y/z",
            "a:b",
            "Europe/Berlin",
            "café",
        ] {
            assert_eq!(scalar_string(s), s);
        }
        assert_eq!(scalar_string("it's"), "it's");
        assert_eq!(scalar_string("'q'"), "'''q'''");
        assert_eq!(scalar_string("a\u{7}b"), "\"a\\u0007b\"");
    }

    #[test]
    fn byte_scan_finds_exactly_the_escaped_characters() {
        let specials = [
            '\u{0}', '\t', '\n', '\u{1f}', ' ', '~', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', 'é',
            '\u{2027}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{feff}', '\u{fefe}', '\u{ff00}',
            '€', '😀',
        ];
        for c in specials
            .into_iter()
            .chain((0u32..0x3000).filter_map(char::from_u32))
        {
            let s = format!("a{c}b");
            assert_eq!(has_escape(&s, false), needs_escape(c), "{c:?}");
            let in_block = needs_escape(c) && c != '\n' && c != '\t';
            assert_eq!(has_escape(&s, true), in_block, "{c:?} in a block");
        }
    }

    #[test]
    fn writes_nested_structures() {
        let v = json!({
            "b": [ {"x": 1, "y": [1, 2]}, [1, 2], "s", {}, [] ],
            "a": { "k": null, "e": {} , "t": true },
            "dsl": "1.0.3",
            "text": "line one\nline two\n",
            "nonl": "a\nb",
            "many": "a\n\n",
        });
        let y = to_yaml(&v, KeyOrder::Sorted);
        assert_eq!(
            y,
            "a:\n  e: {}\n  k: null\n  t: true\nb:\n  - x: 1\n    'y':\n      - 1\n      - 2\n  - - 1\n    - 2\n  - s\n  - {}\n  - []\ndsl: '1.0.3'\nmany: |+\n  a\n\nnonl: |-\n  a\n  b\ntext: |\n  line one\n  line two\n"
        );
        let back: Value = serde_norway::from_str(&y).expect("the writer emits valid YAML");
        assert_eq!(back, v);
    }
}
