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

mod scalar;

use super::tree::{Node, NodeMap, Text};
pub use scalar::scalar_string;
use scalar::{push_scalar_string, write_string};
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
pub(crate) fn node_to_yaml(value: &Node, order: KeyOrder) -> String {
    let mut out = String::new();
    write_yaml(&mut out, value, order);
    out
}

/// [`node_to_yaml`], appended to `out`.
pub(crate) fn write_yaml(out: &mut String, value: &Node, order: KeyOrder) {
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
        Node::Str(s) => write_string(out, s, indent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
