//! RFC 6570 simple string expansion (`{var}`, top-level properties only, as
//! the DSL limits it) and query strings.

use serde_json::Value;

/// Expand every `{name}` of `template` with the top-level property `name`
/// of `data`; a missing one expands to nothing. Only scalars can expand.
pub fn expand(template: &str, data: &Value) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("unclosed `{{` in `{template}`"));
        };
        let name = &after[..close];
        match data.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.push_str(&encode(s)),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
            Some(_) => return Err(format!("`{name}` is not a string, number or boolean")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of a query or header value: strings as they are, other values
/// as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Append `name=value` pairs (arrays repeat the name) to `url`.
pub fn with_query(url: &str, query: &[(String, Value)]) -> String {
    let mut pairs = Vec::new();
    for (name, value) in query {
        let values = match value {
            Value::Array(items) => items.clone(),
            Value::Null => vec![],
            other => vec![other.clone()],
        };
        for v in values {
            pairs.push(format!("{}={}", encode(name), encode(&text_of(&v))));
        }
    }
    if pairs.is_empty() {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expands_top_level_scalars() {
        let data = json!({"petId": 1, "status": "on sale", "pet.id": "x", "o": {}});
        assert_eq!(
            expand("https://p/pet/{petId}", &data),
            Ok("https://p/pet/1".into())
        );
        assert_eq!(
            expand("/s?status={status}", &data),
            Ok("/s?status=on%20sale".into())
        );
        assert_eq!(expand("/{pet.id}/{missing}", &data), Ok("/x/".into()));
        assert!(expand("/{o}", &data).is_err());
        assert!(expand("/{petId", &data).is_err());
        assert_eq!(
            with_query("https://h/a?x=1", &[("s".into(), json!(["a", "b c"]))]),
            "https://h/a?x=1&s=a&s=b%20c"
        );
    }
}
