//! How a test's expectations compare with what happened: data subsets and
//! URL templates.

use serde_json::Value;

/// Does `actual` contain `expected`? Objects: every expected key is
/// present and its value contained, recursively (extra keys are fine).
/// Arrays: the same length, element by element contained. Numbers compare
/// by value (`1` equals `1.0`); anything else must be equal.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| contains(av, ev))
        }
        (Value::Number(a), Value::Number(e)) => a.as_f64() == e.as_f64(),
        _ => actual == expected,
    }
}

/// The first difference between `actual` and what it should contain, as
/// `path: expected X, found Y`, for failure messages.
pub fn first_difference(actual: &Value, expected: &Value) -> Option<String> {
    difference_at(actual, expected, String::new())
}

fn difference_at(actual: &Value, expected: &Value, path: String) -> Option<String> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().find_map(|(k, ev)| {
            let here = format!("{path}.{k}");
            match a.get(k) {
                None => Some(format!("{here}: missing (expected {})", short(ev))),
                Some(av) => difference_at(av, ev, here),
            }
        }),
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => a
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (av, ev))| difference_at(av, ev, format!("{path}[{i}]"))),
        _ if contains(actual, expected) => None,
        _ => {
            let at = if path.is_empty() { "." } else { &path };
            Some(format!(
                "{at}: expected {}, found {}",
                short(expected),
                short(actual)
            ))
        }
    }
}

/// A value in one line, cut at 120 characters.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    }
}

/// A workflow error in one line: `expression (400): <detail>`, the kind
/// taken from the standard type URI, else the type itself.
pub fn describe_error(error: &Value) -> String {
    let ty = error["type"].as_str().unwrap_or("error");
    let kind = ty
        .strip_prefix("https://serverlessworkflow.io/spec/1.0.0/errors/")
        .unwrap_or(ty);
    let status = error["status"]
        .as_u64()
        .map_or(String::new(), |s| format!(" ({s})"));
    let what = error["detail"]
        .as_str()
        .or_else(|| error["title"].as_str())
        .unwrap_or("");
    let text = format!("{kind}{status}: {what}");
    if text.chars().count() <= 300 {
        text
    } else {
        format!("{}...", text.chars().take(297).collect::<String>())
    }
}

/// Does the request URL `url` (scheme, host, path; its query is ignored)
/// match `template`, whose `{var}` path segments each match one non-empty
/// segment?
pub fn url_matches(template: &str, url: &str) -> bool {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let (t_base, t_path) = split_origin(template);
    let (u_base, u_path) = split_origin(url);
    if !t_base.eq_ignore_ascii_case(u_base) {
        return false;
    }
    let t: Vec<&str> = t_path.trim_end_matches('/').split('/').collect();
    let u: Vec<&str> = u_path.trim_end_matches('/').split('/').collect();
    t.len() == u.len()
        && t.iter().zip(&u).all(|(ts, us)| {
            if ts.starts_with('{') && ts.ends_with('}') && ts.len() > 2 {
                !us.is_empty()
            } else {
                ts == us
            }
        })
}

/// `http://host:port` and the rest (the path, starting with `/` or empty).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subsets_of_objects_arrays_and_numbers() {
        let actual = json!({"id": "o-1", "amount": 120, "items": [{"sku": "a", "qty": 1}]});
        assert!(contains(&actual, &json!({"id": "o-1"})));
        assert!(contains(&actual, &json!({"amount": 120.0})));
        assert!(contains(&actual, &json!({"items": [{"sku": "a"}]})));
        assert!(!contains(&actual, &json!({"items": []})));
        assert!(!contains(&actual, &json!({"id": "o-2"})));
        assert!(!contains(&actual, &json!({"missing": null})));
        assert!(!contains(&json!("x"), &json!({"id": "x"})));
        assert_eq!(
            first_difference(&actual, &json!({"items": [{"sku": "b"}]})).as_deref(),
            Some(".items[0].sku: expected \"b\", found \"a\"")
        );
        assert_eq!(
            first_difference(&actual, &json!({"status": "x"})).as_deref(),
            Some(".status: missing (expected \"x\")")
        );
        assert_eq!(first_difference(&actual, &json!({"id": "o-1"})), None);
    }

    #[test]
    fn url_templates_match_one_segment_per_variable() {
        let t = "http://payments.finance.svc.cluster.local/api/invoices/{ref}";
        assert!(url_matches(
            t,
            "http://payments.finance.svc.cluster.local/api/invoices/r-9"
        ));
        assert!(url_matches(
            t,
            "http://payments.finance.svc.cluster.local/api/invoices/r-9?x=1"
        ));
        assert!(!url_matches(
            t,
            "http://payments.finance.svc.cluster.local/api/invoices/"
        ));
        assert!(!url_matches(
            t,
            "http://payments.finance.svc.cluster.local/api/invoices/a/b"
        ));
        assert!(!url_matches(t, "http://other/api/invoices/r-9"));
        assert!(url_matches(
            "http://inventory.shop.svc.cluster.local",
            "http://inventory.shop.svc.cluster.local/"
        ));
    }
}
