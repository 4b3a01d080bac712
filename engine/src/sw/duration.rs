//! Durations: ISO 8601 strings (`PT5M`, `P1DT2H30M`, `PT0.5S`) or the
//! object form (`days`, `hours`, `minutes`, `seconds`, `milliseconds`),
//! always as whole milliseconds of virtual time.

use serde_json::Value;

/// Milliseconds of a duration value, or why it is not one.
pub fn to_ms(value: &Value) -> Result<u64, String> {
    match value {
        Value::String(s) => parse_iso(s),
        Value::Object(m) => {
            let mut total: u64 = 0;
            for (key, v) in m {
                let unit: u64 = match key.as_str() {
                    "days" => 86_400_000,
                    "hours" => 3_600_000,
                    "minutes" => 60_000,
                    "seconds" => 1_000,
                    "milliseconds" => 1,
                    other => return Err(format!("unknown duration property `{other}`")),
                };
                let n = v
                    .as_u64()
                    .ok_or_else(|| format!("`{key}` must be a non-negative integer"))?;
                total = n
                    .checked_mul(unit)
                    .and_then(|x| total.checked_add(x))
                    .ok_or("duration too large")?;
            }
            Ok(total)
        }
        other => Err(format!("not a duration: {other}")),
    }
}

/// `P[nW][nD][T[nH][nM][n[.f]S]]`.
fn parse_iso(text: &str) -> Result<u64, String> {
    let bad = || format!("not an ISO 8601 duration: `{text}`");
    let rest = text.strip_prefix('P').ok_or_else(bad)?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return Err(bad()),
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return Err(bad());
    }
    let mut total = 0f64;
    total += units(date, &[('W', 604_800_000.0), ('D', 86_400_000.0)]).ok_or_else(bad)?;
    if let Some(t) = time {
        total +=
            units(t, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1_000.0)]).ok_or_else(bad)?;
    }
    if !total.is_finite() || total > 1.0e15 {
        return Err(bad());
    }
    Ok(total.round() as u64)
}

/// Sum `<number><unit>` pairs, units in the given order, each at most once.
fn units(mut s: &str, allowed: &[(char, f64)]) -> Option<f64> {
    let mut total = 0.0;
    let mut next = 0;
    while !s.is_empty() {
        let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
        let number: f64 = s[..end].replace(',', ".").parse().ok()?;
        let unit = s[end..].chars().next()?;
        let at = allowed[next..].iter().position(|(u, _)| *u == unit)? + next;
        total += number * allowed[at].1;
        next = at + 1;
        s = &s[end + unit.len_utf8()..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_and_object_forms() {
        assert_eq!(to_ms(&json!("PT5M")), Ok(300_000));
        assert_eq!(to_ms(&json!("P1DT2H")), Ok(93_600_000));
        assert_eq!(to_ms(&json!("PT0.5S")), Ok(500));
        assert_eq!(to_ms(&json!({"seconds": 3, "milliseconds": 5})), Ok(3_005));
        assert!(to_ms(&json!("5M")).is_err());
        assert!(to_ms(&json!("PT")).is_err());
        assert!(to_ms(&json!("PT5M5H")).is_err());
        assert!(to_ms(&json!({"weeks": 1})).is_err());
        assert!(to_ms(&json!(5)).is_err());
    }
}
