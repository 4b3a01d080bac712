//! The compiler's `where` → CESQL translation (air_compiler
//! `lower::cesql::translate`) against this crate's CESQL evaluator: for
//! generated jq conditions in the translatable subset, on events that
//! carry every attribute (where jq's null and CESQL's missing-attribute
//! error cannot differ), the translated filter must parse and match
//! exactly when the jq condition is true.
//!
//! Knative's CESQL grammar gives AND, OR and XOR one precedence and
//! groups them from the right, so the translator parenthesises every
//! chain that is an operand: no parenthesis level may mix AND and OR
//! (`mixes_and_or`), and `mixed_chains` pins the case that once did.

use air_compiler::lower::cesql::translate;
use air_engine::route::cesql::parse;
use air_engine::route::event::Event;
use proptest::prelude::*;
use serde_json::json;

#[derive(Clone, Debug)]
enum J {
    /// `.attr == "lit"` (or `!=`)
    StrEq(&'static str, &'static str, bool),
    /// `.n OP int`
    IntCmp(&'static str, i32),
    /// `.attr == null` (or `!= null`)
    Null(&'static str, bool),
    /// `(.attr | startswith/endswith/contains("lit"))`
    Str(&'static str, &'static str, &'static str),
    And(Box<J>, Box<J>),
    Or(Box<J>, Box<J>),
    /// `(… | not)`
    Not(Box<J>),
    /// `( … )`, as written by a user
    Paren(Box<J>),
}

/// `type` is a required attribute: comparisons on it get no `EXISTS`
/// guard, so they reach `join` bare.
const ATTRS: [&str; 4] = ["a", "b", "subject", "type"];
const LITS: [&str; 4] = ["x", "y", "xy", ""];

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        (
            prop::sample::select(&ATTRS[..]),
            prop::sample::select(&LITS[..]),
            any::<bool>()
        )
            .prop_map(|(a, l, eq)| J::StrEq(a, l, eq)),
        (
            prop::sample::select(&["==", "!=", "<", "<=", ">", ">="][..]),
            -3..8i32
        )
            .prop_map(|(op, n)| J::IntCmp(op, n)),
        (prop::sample::select(&ATTRS[..]), any::<bool>()).prop_map(|(a, eq)| J::Null(a, eq)),
        (
            prop::sample::select(&ATTRS[..]),
            prop::sample::select(&["startswith", "endswith", "contains"][..]),
            prop::sample::select(&LITS[..3])
        )
            .prop_map(|(a, f, l)| J::Str(a, f, l)),
    ]
}

fn tree() -> impl Strategy<Value = J> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| J::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| J::Or(Box::new(l), Box::new(r))),
            inner.clone().prop_map(|j| J::Not(Box::new(j))),
            inner.prop_map(|j| J::Paren(Box::new(j))),
        ]
    })
}

/// jq text whose parse is the tree (an `or` under `and` is parenthesised).
fn render(j: &J) -> String {
    let side = |x: &J, under_and: bool| match x {
        J::Or(..) if under_and => format!("({})", render(x)),
        _ => render(x),
    };
    match j {
        J::StrEq(a, l, eq) => format!(".{a} {} \"{l}\"", if *eq { "==" } else { "!=" }),
        J::IntCmp(op, n) => format!(".n {op} {n}"),
        J::Null(a, eq) => format!(".{a} {} null", if *eq { "==" } else { "!=" }),
        J::Str(a, f, l) => format!("(.{a} | {f}(\"{l}\"))"),
        J::And(l, r) => format!("{} and {}", side(l, true), side(r, true)),
        J::Or(l, r) => format!("{} or {}", side(l, false), side(r, false)),
        J::Not(x) => format!("({} | not)", render(x)),
        J::Paren(x) => format!("({})", render(x)),
    }
}

/// jq's value of the tree on an event with every attribute.
fn jq(j: &J, e: &Event) -> bool {
    let s = |a: &str| e.get(a).and_then(|v| v.as_str()).unwrap_or("").to_string();
    match j {
        J::StrEq(a, l, eq) => (s(a) == *l) == *eq,
        J::IntCmp(op, n) => {
            let v = e.get("n").and_then(serde_json::Value::as_i64).unwrap_or(0);
            let n = i64::from(*n);
            match *op {
                "==" => v == n,
                "!=" => v != n,
                "<" => v < n,
                "<=" => v <= n,
                ">" => v > n,
                _ => v >= n,
            }
        }
        J::Null(_, eq) => !*eq,
        J::Str(a, f, l) => match *f {
            "startswith" => s(a).starts_with(l),
            "endswith" => s(a).ends_with(l),
            _ => s(a).contains(l),
        },
        J::And(l, r) => jq(l, e) && jq(r, e),
        J::Or(l, r) => jq(l, e) || jq(r, e),
        J::Not(x) => !jq(x, e),
        J::Paren(x) => jq(x, e),
    }
}

/// Whether some parenthesis level of `sql` joins operands with both AND
/// and OR (quotes skipped).
fn mixes_and_or(sql: &str) -> bool {
    let mut stack: Vec<(bool, bool)> = vec![(false, false)];
    let mut quote = None;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(_) if c == '\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '(' => stack.push((false, false)),
            None if c == ')' => {
                if let Some((and, or)) = stack.pop()
                    && and
                    && or
                {
                    return true;
                }
            }
            None => {
                let rest: String = chars[i..].iter().take(5).collect();
                if let Some(top) = stack.last_mut() {
                    if rest.starts_with(" AND ") {
                        top.0 = true;
                    } else if rest.starts_with(" OR ") {
                        top.1 = true;
                    }
                }
            }
        }
        i += 1;
    }
    stack.iter().any(|(and, or)| *and && *or)
}

fn event(a: &str, b: &str, subject: &str, ty: &str, n: i32) -> Event {
    let v = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": ty,
                   "a": a, "b": b, "subject": subject, "n": n});
    v.as_object().cloned().unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn translations_match_jq(
        j in tree(),
        a in prop::sample::select(&LITS[..]),
        b in prop::sample::select(&LITS[..]),
        subject in prop::sample::select(&LITS[..]),
        ty in prop::sample::select(&LITS[..]),
        n in -4..9i32,
    ) {
        let text = render(&j);
        let Ok(sql) = translate(&text) else { return Ok(()) };
        let expr = parse(&sql);
        prop_assert!(expr.is_ok(), "{text} → {sql}: {:?}", expr.err());
        let e = event(a, b, subject, ty, n);
        let got = expr.map(|x| x.matches(&e)).unwrap_or(false);
        prop_assert_eq!(got, jq(&j, &e), "{} → {}", text, sql);
    }
}

#[test]
fn mixed_chains() {
    // `type` is required: its comparisons carry no guard, so the
    // redundant parentheses reach the chain bare.
    let text = r#"(.type == "x") and (.type == "y") or .type == "z""#;
    let sql = translate(text).unwrap_or_default();
    assert_eq!(sql, "((type = 'x') AND (type = 'y')) OR type = 'z'");
    assert!(!mixes_and_or(&sql));
    // Ungrouped, Knative reads `x AND (y OR z)`: false on type `z`,
    // where jq says true.
    let e = {
        let v = json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "z"});
        v.as_object().cloned().unwrap_or_default()
    };
    assert_eq!(parse(&sql).map(|x| x.matches(&e)), Ok(true));
    let ungrouped = parse("(type = 'x') AND (type = 'y') OR type = 'z'");
    assert_eq!(ungrouped.map(|x| x.matches(&e)), Ok(false));
    assert!(!mixes_and_or(
        &translate(r#".a == "x" and .b == "y" or .c == "z""#).unwrap_or_default()
    ));
}
