//! Canonical JSON: keys sorted at every level, so bytes never depend on
//! the order in which a map was built. The layout is serde_json's pretty
//! printer's (two spaces, `"key": value`, `[]` and `{}` when empty),
//! written here straight from a [`Node`] without copying it into a sorted
//! `serde_json::Value` first.

use super::tree::{Node, NodeMap, Text};
use serde_json::Value;
use std::fmt::Write;

/// A copy of `v` with every object's keys sorted (the tests compare
/// against serde_json's printer of it).
#[cfg(test)]
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Sorted, indented JSON (two spaces), without a final newline.
pub fn pretty(v: &Value) -> String {
    pretty_node(&Node::from_json(v))
}

/// [`pretty`] of a tree.
pub fn pretty_node(v: &Node) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0);
    out
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, v: &Node, indent: usize) {
    match v {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // serde_json prints numbers with their Display form.
        Node::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Node::Str(s) => write_string(out, s),
        Node::Seq(items) if items.is_empty() => out.push_str("[]"),
        Node::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_value(out, item, indent + 1);
            }
            newline(out, indent);
            out.push(']');
        }
        Node::Map(m) if m.is_empty() => out.push_str("{}"),
        Node::Map(m) => write_map(out, m, indent),
    }
}

fn write_map(out: &mut String, m: &NodeMap, indent: usize) {
    let mut entries: Vec<&(Text, Node)> = m.entries().iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.push('{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent + 1);
        write_string(out, k);
        out.push_str(": ");
        write_value(out, v, indent + 1);
    }
    newline(out, indent);
    out.push('}');
}

/// A JSON string literal, escaped as serde_json escapes: `"`, `\` and
/// control characters, nothing else.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(plain..i).unwrap_or_default());
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        plain = i + 1;
    }
    out.push_str(s.get(plain..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_serde_json_pretty_on_sorted_values() {
        let v = json!({
            "b": [1, -2.5, 1e300, "q\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f} é \u{2028}", null, true, [], {}],
            "a": {"z": {}, "y": [[1], {"k": false}], "": ""},
            "c": 18446744073709551615u64,
        });
        let theirs = serde_json::to_string_pretty(&sorted(&v)).unwrap();
        assert_eq!(pretty(&v), theirs);
        assert_eq!(pretty(&json!([])), "[]");
        assert_eq!(pretty(&json!("x")), "\"x\"");
    }
}
