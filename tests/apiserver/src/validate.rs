//! The checks a real API server makes before storing anything, where the
//! fake client makes none: names, labels, annotations, and request/body
//! agreement. Dry-run requests go through them too.

use crate::path::ResourcePath;
use crate::status::ApiError;
use serde_json::{Value, json};

/// Body and URL must name the same thing (400 BadRequest otherwise).
pub fn body_matches_url(path: &ResourcePath, body: &Value, apply: bool) -> Result<(), ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON or YAML object",
        ));
    }
    let kind = path.kind;
    let expected_av = kind.api_version();
    match body.get("apiVersion").and_then(Value::as_str) {
        Some(av) if av != expected_av => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({expected_av})"
            )));
        }
        None if apply => {
            return Err(ApiError::bad_request(
                "apiVersion must be set in an apply patch",
            ));
        }
        _ => {}
    }
    match body.get("kind").and_then(Value::as_str) {
        Some(k) if k != kind.kind && !path.is_status() => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                kind.kind
            )));
        }
        None if apply => {
            return Err(ApiError::bad_request("kind must be set in an apply patch"));
        }
        _ => {}
    }
    let meta = body.get("metadata");
    if let (Some(url_name), Some(name)) = (
        path.name.as_deref(),
        meta.and_then(|m| m.get("name")).and_then(Value::as_str),
    ) && url_name != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({url_name})"
        )));
    }
    if let Some(ns) = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
    {
        let url_ns = path.namespace.as_deref().unwrap_or("");
        if kind.namespaced && ns != url_ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    Ok(())
}

/// Field errors of a finished object, as a 422 Invalid.
pub fn object(path: &ResourcePath, obj: &Value) -> Result<(), ApiError> {
    let mut causes: Vec<(String, String, String)> = Vec::new();
    let meta = obj.get("metadata").cloned().unwrap_or(Value::Null);
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        causes.push((
            "metadata.name".into(),
            String::new(),
            "Required value: name or generateName is required".into(),
        ));
    } else if path.kind.kind == "Namespace" && path.kind.group.is_empty() {
        if let Some(msg) = dns1123_label(name) {
            causes.push(("metadata.name".into(), name.into(), msg));
        }
    } else if let Some(msg) = dns1123_subdomain(name) {
        causes.push(("metadata.name".into(), name.into(), msg));
    }
    for (field, check_value) in [("labels", true), ("annotations", false)] {
        let Some(map) = meta.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in map {
            if let Some(msg) = qualified_name(k) {
                causes.push((format!("metadata.{field}"), k.clone(), msg));
            }
            match v.as_str() {
                Some(s) if check_value => {
                    if let Some(msg) = label_value(s) {
                        causes.push((format!("metadata.{field}"), s.into(), msg));
                    }
                }
                Some(_) => {}
                None => causes.push((
                    format!("metadata.{field}.{k}"),
                    v.to_string(),
                    "must be a string".into(),
                )),
            }
        }
    }
    if causes.is_empty() {
        return Ok(());
    }
    let kind = path.kind;
    let detail = causes
        .iter()
        .map(|(f, v, m)| {
            if v.is_empty() {
                format!("{f}: {m}")
            } else {
                format!("{f}: Invalid value: {v:?}: {m}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let message = format!("{} {name:?} is invalid: {detail}", kind.kind);
    let causes: Vec<Value> = causes
        .iter()
        .map(|(f, _, m)| json!({"reason": "FieldValueInvalid", "message": m, "field": f}))
        .collect();
    Err(ApiError::invalid(message).with_details(json!({
        "name": name, "group": kind.group, "kind": kind.kind, "causes": causes
    })))
}

fn is_alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: what Namespace names must be.
pub fn dns1123_label(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| is_alnum_lower(c) || c == '-')
        && s.starts_with(is_alnum_lower)
        && s.ends_with(is_alnum_lower);
    (!ok).then(|| {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', \
         and must start and end with an alphanumeric character (at most 63 characters)"
            .to_string()
    })
}

/// RFC 1123 subdomain: what most object names must be.
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| is_alnum_lower(c) || c == '-')
                && part.starts_with(is_alnum_lower)
                && part.ends_with(is_alnum_lower)
        });
    (!ok).then(|| {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' \
         or '.', and must start and end with an alphanumeric character (at most 253 characters)"
            .to_string()
    })
}

fn name_part_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Label and annotation keys: `[prefix/]name`.
pub fn qualified_name(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| dns1123_subdomain(p).is_none());
    (!(prefix_ok && name_part_ok(name))).then(|| {
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and \
         end with an alphanumeric character (at most 63 characters), with an optional DNS \
         subdomain prefix and '/'"
            .to_string()
    })
}

/// Label values: empty, or like a key's name part.
pub fn label_value(v: &str) -> Option<String> {
    (!(v.is_empty() || name_part_ok(v))).then(|| {
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' \
         or '.', and must start and end with an alphanumeric character (at most 63 characters)"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_subdomain("com.acme.order.created").is_none());
        assert!(dns1123_subdomain("Bad_Name").is_some());
        assert!(dns1123_label("a.b").is_some());
        assert!(qualified_name("app.kubernetes.io/managed-by").is_none());
        assert!(qualified_name("bad key").is_some());
        assert!(label_value("").is_none());
        assert!(label_value(&"x".repeat(64)).is_some());
    }
}
