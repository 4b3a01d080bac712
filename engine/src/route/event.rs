//! A CloudEvent in its JSON form (the structured mode of the CloudEvents
//! JSON format): context attributes and extensions at the top level,
//! `data` or `data_base64` for the payload. What a filter sees of it.

use crate::route::cesql::Value;
use chrono::{DateTime, Timelike};

/// A CloudEvent as a JSON object.
pub type Event = serde_json::Map<String, serde_json::Value>;

/// The context attributes every valid event has.
pub const REQUIRED: [&str; 4] = ["specversion", "id", "source", "type"];

/// Members of the JSON form that are the payload, not attributes.
const PAYLOAD: [&str; 2] = ["data", "data_base64"];

/// The attribute `name` as a CESQL value, if the event has it. Strings
/// stay strings (`time` in its canonical form), JSON booleans and
/// integers that fit 32 bits keep their type (sdk-go reads extensions
/// that way), anything else becomes its JSON text.
pub fn attribute(event: &Event, name: &str) -> Option<Value> {
    if PAYLOAD.contains(&name) {
        return None;
    }
    Some(match event.get(name)? {
        serde_json::Value::Null => return None,
        serde_json::Value::String(s) if name == "time" => Value::Str(canonical_time(s)),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => Value::Int(i),
            None => Value::Str(n.to_string()),
        },
        other => Value::Str(other.to_string()),
    })
}

/// The attribute `name` in its canonical string form (what Knative's
/// `exact`, `prefix`, `suffix` and `attributes` filters compare).
pub fn attribute_string(event: &Event, name: &str) -> Option<String> {
    attribute(event, name).map(Value::into_string)
}

/// `EXISTS name`: always true for the required attributes (the event is
/// assumed valid), else whether the event carries it.
pub fn exists(event: &Event, name: &str) -> bool {
    REQUIRED.contains(&name) || attribute(event, name).is_some()
}

/// A timestamp as Go's `time.RFC3339Nano` prints it (sdk-go parses `time`
/// and prints it back): no trailing zeros in the fraction, `Z` for a zero
/// offset. A value that is not RFC 3339 is left as written.
pub fn canonical_time(s: &str) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(s) else {
        return s.to_string();
    };
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let offset = t.offset().local_minus_utc();
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let m = offset.unsigned_abs() / 60;
        out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Event, attribute, attribute_string, canonical_time, exists};
    use crate::route::cesql::Value;
    use serde_json::json;

    fn event(v: serde_json::Value) -> Event {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn attribute_types() {
        let e = event(json!({
            "specversion": "1.0", "id": "1", "source": "/s", "type": "t",
            "n": 3, "big": 3_000_000_000_u64, "b": true, "nul": null,
            "data": {"x": 1}
        }));
        assert_eq!(attribute(&e, "n"), Some(Value::Int(3)));
        assert_eq!(attribute(&e, "big"), Some(Value::Str("3000000000".into())));
        assert_eq!(attribute(&e, "b"), Some(Value::Bool(true)));
        assert_eq!(attribute_string(&e, "b").as_deref(), Some("true"));
        assert_eq!(attribute(&e, "nul"), None);
        assert_eq!(attribute(&e, "data"), None);
        assert!(!exists(&e, "data"));
        assert!(!exists(&e, "subject"));
        assert!(exists(&event(json!({})), "id"));
    }

    #[test]
    fn time_is_canonical() {
        assert_eq!(
            canonical_time("2020-01-01T10:00:00.500Z"),
            "2020-01-01T10:00:00.5Z"
        );
        assert_eq!(
            canonical_time("2020-01-01T10:00:00.000+00:00"),
            "2020-01-01T10:00:00Z"
        );
        assert_eq!(
            canonical_time("2018-04-26T14:48:09+02:00"),
            "2018-04-26T14:48:09+02:00"
        );
        assert_eq!(canonical_time("yesterday"), "yesterday");
    }
}
