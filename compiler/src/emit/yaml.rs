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

use serde_json::{Map, Value};

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
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0, false, order),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0, false, order),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn entries(map: &Map<String, Value>, order: KeyOrder) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = map.iter().collect();
    if order == KeyOrder::Sorted {
        v.sort_by(|a, b| a.0.cmp(b.0));
    }
    v
}

/// Mapping entries at `indent`. With `inline_first`, the first entry
/// continues a line already started (after `- `).
fn write_map(
    out: &mut String,
    map: &Map<String, Value>,
    indent: usize,
    inline_first: bool,
    order: KeyOrder,
) {
    for (i, (k, v)) in entries(map, order).into_iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        push_scalar_string(out, k);
        out.push(':');
        write_child(out, v, indent, order);
    }
}

fn write_seq(out: &mut String, seq: &[Value], indent: usize, inline_first: bool, order: KeyOrder) {
    for (i, item) in seq.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, indent + 2, true, order);
            }
            Value::Array(a) if !a.is_empty() => {
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
fn write_child(out: &mut String, v: &Value, indent: usize, order: KeyOrder) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2, false, order);
        }
        Value::Array(a) if !a.is_empty() => {
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
fn write_scalar(out: &mut String, v: &Value, indent: usize) {
    out.push(' ');
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => {
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
    let first_text = s.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    s.contains('\n')
        && !s.trim_end_matches('\n').is_empty()
        && !first_text.starts_with([' ', '\t'])
        && !s.chars().any(|c| needs_escape(c) && c != '\n' && c != '\t')
}

fn write_block(out: &mut String, s: &str, indent: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let body = s.trim_end_matches('\n');
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
fn needs_escape(c: char) -> bool {
    (c as u32) < 0x20
        || c == '\u{7f}'
        || ('\u{80}'..='\u{9f}').contains(&c)
        || c == '\u{2028}'
        || c == '\u{2029}'
        || c == '\u{feff}'
}

/// A string as a one-line scalar: plain, single-quoted or double-quoted.
pub fn scalar_string(s: &str) -> String {
    let mut out = String::new();
    push_scalar_string(&mut out, s);
    out
}

/// [`scalar_string`], appended to `out`.
fn push_scalar_string(out: &mut String, s: &str) {
    let escape = if s.is_ascii() {
        s.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        s.chars().any(needs_escape)
    };
    if escape {
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
