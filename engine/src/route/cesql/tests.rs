//! CESQL behaviour tests: the filter semantics Knative applies and every
//! shape of expression the compiler's `where` translator emits
//! (compiler/src/lower/cesql.rs). The specification's own TCK runs in
//! engine/tests/cesql_tck.rs.

use super::{EvalError, Value, parse};
use crate::route::event::Event;
use proptest::prelude::*;
use serde_json::json;

fn event(v: serde_json::Value) -> Event {
    v.as_object().cloned().unwrap_or_default()
}

fn base() -> Event {
    event(json!({
        "specversion": "1.0", "id": "e1", "source": "/shop",
        "type": "shop.order.created", "subject": "gold-order",
        "priority": "5", "region": "eu", "count": 7, "vip": true
    }))
}

fn matches(src: &str, ev: &Event) -> bool {
    match parse(src) {
        Ok(e) => e.matches(ev),
        Err(err) => panic!("{src}: {err}"),
    }
}

fn eval(src: &str, ev: &Event) -> Result<Value, EvalError> {
    match parse(src) {
        Ok(e) => e.evaluate(ev),
        Err(err) => panic!("{src}: {err}"),
    }
}

#[test]
fn a_missing_attribute_is_an_error_and_does_not_match() {
    let ev = event(json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t"}));
    assert_eq!(
        eval("a != 'b'", &ev),
        Err(EvalError::MissingAttribute("a".into()))
    );
    assert!(!matches("a != 'b'", &ev));
    assert!(!matches("a = 'b'", &ev));
    assert!(matches("NOT EXISTS a OR a != 'b'", &ev));
    // Short-circuit: the right side is never read.
    assert!(!matches("EXISTS a AND a = 'b'", &ev));
    assert_eq!(eval("EXISTS a AND a = 'b'", &ev), Ok(Value::Bool(false)));
    // An error on the left side fails the whole filter, even when the
    // right side alone would match.
    assert!(!matches("a = 'b' OR TRUE", &ev));
}

#[test]
fn only_a_boolean_true_matches() {
    let ev = base();
    assert!(!matches("'true'", &ev));
    assert!(!matches("1", &ev));
    assert!(matches("TRUE", &ev));
    assert!(!matches("FALSE", &ev));
    assert!(!matches("1 / 0 = 0", &ev));
}

#[test]
fn the_compiler_emitted_strings_mean_what_the_jq_meant() {
    let ev = base();
    let other = event(json!({
        "specversion": "1.0", "id": "e2", "source": "/elsewhere",
        "type": "shop.order.created", "priority": "2"
    }));
    // (CESQL the compiler emits, on `ev`, on `other`)
    let cases = [
        ("source = '/shop'", true, false),
        (
            "type = 'shop.order.created' AND subject != 'b'",
            true,
            false,
        ),
        (
            "source = 'x' OR (subject = 'gold-order' AND region = 'eu')",
            true,
            false,
        ),
        // `other` has no `subject`: reading it is an error, so the filter
        // fails although jq's `(… or .subject == "y") | not` is true
        // there (jq reads a missing attribute as null).
        ("NOT ((source = '/shop' OR subject = 'y'))", false, false),
        (
            "NOT ((source = '/elsewhere' OR subject = 'y'))",
            true,
            false,
        ),
        ("source LIKE '/shop/%'", false, false),
        ("source LIKE '/shop%'", true, false),
        ("subject LIKE '%gold%'", true, false),
        ("subject LIKE '%order'", true, false),
        ("priority >= 3", true, false),
        ("EXISTS region", true, false),
        ("NOT EXISTS region", false, true),
        ("subject = 'it\\'s'", false, false),
        ("count = 7", true, false),
        ("vip = TRUE", true, false),
        ("priority < 3 OR NOT EXISTS subject", false, true),
        (
            "(priority > 1 AND priority <= 5) AND source != '/x'",
            true,
            true,
        ),
    ];
    for (sql, on_ev, on_other) in cases {
        assert_eq!(matches(sql, &ev), on_ev, "{sql} on ev");
        assert_eq!(matches(sql, &other), on_other, "{sql} on other");
    }
    let quoted = event(
        json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "subject": "it's"}),
    );
    assert!(matches("subject = 'it\\'s'", &quoted));
}

#[test]
fn a_non_numeric_string_in_a_comparison_is_a_cast_error() {
    let ev = event(
        json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "priority": "high"}),
    );
    assert!(matches!(
        eval("priority >= 3", &ev),
        Err(EvalError::Cast { .. })
    ));
    assert!(!matches("priority >= 3", &ev));
    assert!(!matches("NOT (priority >= 3)", &ev));
}

#[test]
fn equality_casts_the_left_side_to_the_right_type() {
    let ev = base();
    assert!(matches("priority = 5", &ev));
    assert!(matches("count = '7'", &ev));
    assert!(matches("TRUE = 'true'", &ev));
    assert!(!matches("TRUE = 'TRUE'", &ev));
    assert!(matches("'1' IN (1, 2)", &ev));
    assert!(matches("region NOT IN ('us', 'ap')", &ev));
}

#[test]
fn logic_groups_from_the_right_like_knative() {
    // a AND (b OR c): with a false the whole is false, whatever c.
    assert!(!matches("FALSE AND FALSE OR TRUE", &base()));
    assert!(matches("(FALSE AND FALSE) OR TRUE", &base()));
    assert!(matches("TRUE XOR FALSE", &base()));
}

#[test]
fn functions() {
    let ev = base();
    let s = |x: &str| Ok(Value::Str(x.into()));
    assert_eq!(eval("CONCAT_WS('-', 'a', 1, TRUE)", &ev), s("a-1-true"));
    assert_eq!(eval("concat()", &ev), s(""));
    assert_eq!(eval("UPPER(region)", &ev), s("EU"));
    assert_eq!(eval("TRIM('  x ')", &ev), s("x"));
    assert_eq!(eval("LEFT('abc', 5)", &ev), s("abc"));
    assert_eq!(eval("RIGHT('abc', 2)", &ev), s("bc"));
    assert_eq!(eval("LENGTH('héllo')", &ev), Ok(Value::Int(5)));
    assert_eq!(eval("ABS(-3)", &ev), Ok(Value::Int(3)));
    assert!(matches!(
        eval("ABS(-2147483647 - 1)", &ev),
        Err(EvalError::Math(_))
    ));
    assert_eq!(eval("IS_INT(priority)", &ev), Ok(Value::Bool(true)));
    assert_eq!(eval("IS_BOOL('x')", &ev), Ok(Value::Bool(false)));
    assert!(matches!(
        eval("NOPE(1)", &ev),
        Err(EvalError::MissingFunction { .. })
    ));
    assert!(matches!(
        eval("LOWER()", &ev),
        Err(EvalError::MissingFunction { .. })
    ));
    assert!(matches!(
        eval("LEFT('a', -1)", &ev),
        Err(EvalError::FunctionEvaluation { .. })
    ));
}

#[test]
fn arithmetic() {
    let ev = base();
    assert_eq!(eval("-7 / 2", &ev), Ok(Value::Int(-3)));
    assert_eq!(eval("-7 % 2", &ev), Ok(Value::Int(-1)));
    assert_eq!(eval("- count", &ev), Ok(Value::Int(-7)));
    assert_eq!(eval("2147483647 + 1", &ev), Ok(Value::Int(i32::MIN)));
    assert!(matches!(eval("count % 0", &ev), Err(EvalError::Math(_))));
}

proptest! {
    #[test]
    fn never_panics_on_any_string(src in ".{0,80}") {
        if let Ok(e) = parse(&src) {
            let _ = e.evaluate(&base());
        }
    }

    #[test]
    fn never_panics_on_cesql_like_strings(
        src in r"(NOT |EXISTS |-|\(|\)|'[a%_\\]{0,3}'|[a-z]{1,3}|[0-9]{1,11}| AND | OR | XOR | LIKE | IN |,|=|<>|<|\+|\*|/|%|LEFT\(|SUBSTRING\(| ){0,30}"
    ) {
        if let Ok(e) = parse(&src) {
            let _ = e.evaluate(&base());
        }
    }
}
