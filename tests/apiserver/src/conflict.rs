//! Server-side apply conflicts in the words of a real API server.
//!
//! kube-fake-client detects conflicts but names only the first manager and
//! no field. A real server lists every conflicting field per manager, in
//! the message and in `details.causes` (type `FieldManagerConflict`), and
//! callers (kubectl, the reconciler's error report) show those. We rebuild
//! that list from the stored `managedFields` and the applied document, with
//! the same field-set rules the fake uses to detect the conflict.

use crate::status::ApiError;
use serde_json::{Map, Value, json};

/// Top-level fields and metadata fields that no manager owns.
const SKIP_TOP: &[&str] = &["apiVersion", "kind"];
const SKIP_META: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "name",
    "namespace",
];

/// The 409 a real server sends when `manager` applies `patch` to `existing`,
/// or `None` if no other manager owns a field the patch sets.
pub fn explain(
    existing: &Value,
    patch: &Value,
    manager: &str,
    subresource: &str,
    fallback_api_version: &str,
) -> Option<ApiError> {
    let applied = field_set(patch, true, false);
    let entries = existing
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)?;
    // (manager, apiVersion, path)
    let mut conflicts: Vec<(String, String, String)> = Vec::new();
    for entry in entries {
        let owner = entry.get("manager").and_then(Value::as_str).unwrap_or("");
        let sub = entry
            .get("subresource")
            .and_then(Value::as_str)
            .unwrap_or("");
        if owner == manager || sub != subresource {
            continue;
        }
        let api_version = entry
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or(fallback_api_version);
        let Some(owned) = entry.get("fieldsV1").and_then(Value::as_object) else {
            continue;
        };
        let mut paths = Vec::new();
        overlap(owned, &applied, "", &mut paths);
        for p in paths {
            conflicts.push((owner.to_string(), api_version.to_string(), p));
        }
    }
    if conflicts.is_empty() {
        return None;
    }
    let message = if let [(owner, av, path)] = conflicts.as_slice() {
        format!("Apply failed with 1 conflict: conflict with \"{owner}\" using {av}: {path}")
    } else {
        let mut owners: Vec<(&str, &str)> = conflicts
            .iter()
            .map(|(o, av, _)| (o.as_str(), av.as_str()))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let mut lines = Vec::new();
        for (owner, av) in owners {
            lines.push(format!("conflicts with \"{owner}\" using {av}:"));
            for (_, _, path) in conflicts.iter().filter(|(o, a, _)| o == owner && a == av) {
                lines.push(format!("- {path}"));
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(owner, av, path)| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with \"{owner}\" using {av}"),
                "field": path,
            })
        })
        .collect();
    Some(ApiError::new(409, "Conflict", message).with_details(json!({ "causes": causes })))
}

/// The fieldsV1-style set of fields a document sets (`f:` keys, leaves `{}`).
fn field_set(v: &Value, top: bool, meta: bool) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(obj) = v.as_object() else {
        return out;
    };
    for (k, child) in obj {
        if (top && SKIP_TOP.contains(&k.as_str())) || (meta && SKIP_META.contains(&k.as_str())) {
            continue;
        }
        if child.is_object() {
            let sub = field_set(child, false, top && k == "metadata");
            if !sub.is_empty() {
                out.insert(format!("f:{k}"), Value::Object(sub));
            }
        } else {
            out.insert(format!("f:{k}"), Value::Object(Map::new()));
        }
    }
    out
}

/// Paths (`.spec.x`) present in both sets, stopping at the first leaf.
fn overlap(a: &Map<String, Value>, b: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, av) in a {
        let Some(bv) = b.get(key) else { continue };
        let name = key.strip_prefix("f:").unwrap_or(key);
        let path = format!("{prefix}.{name}");
        match (av.as_object(), bv.as_object()) {
            (Some(x), Some(y)) if !x.is_empty() && !y.is_empty() => overlap(x, y, &path, out),
            _ => out.push(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_conflicting_field() {
        let existing = json!({"metadata": {"managedFields": [
            {"manager": "a", "operation": "Apply", "apiVersion": "v1",
             "fieldsV1": {"f:data": {"f:x": {}, "f:y": {}}}}
        ]}});
        let patch = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "n"}, "data": {"x": "1", "y": "2", "z": "3"}});
        let err = explain(&existing, &patch, "b", "", "v1").unwrap();
        assert_eq!(err.code, 409);
        assert!(
            err.message.contains("Apply failed with 2 conflicts"),
            "{}",
            err.message
        );
        assert!(err.message.contains("- .data.x"));
        assert!(err.message.contains("- .data.y"));
        assert!(explain(&existing, &patch, "a", "", "v1").is_none());
    }
}
