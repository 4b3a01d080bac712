//! `Update` entries in `managedFields` for writes that are not server-side
//! apply (create, PUT, merge/JSON patches), as a real API server records
//! them. kube-fake-client only tracks Apply operations; without this, an
//! out-of-band edit would not take ownership and a later apply would not
//! conflict with it, unlike on a cluster.

use serde_json::{Map, Value, json};

/// Fields that no manager owns (as in the fake's own field sets).
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

/// The managedFields after `manager` changed `old` into `new` by an update
/// on `subresource` ("" or "status"); `None` if it changed no field.
pub fn after_update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
    now: &str,
) -> Option<Value> {
    let empty = Value::Object(Map::new());
    let mut changed = diff(old.unwrap_or(&empty), new, true, false);
    // Spec and status are owned through different endpoints.
    if subresource == "status" {
        changed.retain(|k, _| k == "f:status");
    } else if new.get("status").is_some() {
        changed.remove("f:status");
    }
    let previous: Vec<Value> = old
        .and_then(|o| o.get("metadata"))
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if changed.is_empty() {
        return None;
    }
    let mut entries = Vec::with_capacity(previous.len() + 1);
    let mut mine = Map::new();
    for entry in previous {
        let owner = entry.get("manager").and_then(Value::as_str).unwrap_or("");
        let op = entry.get("operation").and_then(Value::as_str).unwrap_or("");
        let sub = entry
            .get("subresource")
            .and_then(Value::as_str)
            .unwrap_or("");
        let fields = entry
            .get("fieldsV1")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if sub != subresource {
            entries.push(entry);
            continue;
        }
        if owner == manager && op == "Update" {
            mine = fields;
            continue;
        }
        // Whoever changes a field takes it over from its other owners.
        let rest = subtract(&fields, &changed);
        if !rest.is_empty() {
            let mut kept = entry.clone();
            if let Some(obj) = kept.as_object_mut() {
                obj.insert("fieldsV1".into(), Value::Object(rest));
            }
            entries.push(kept);
        }
    }
    union(&mut mine, &changed);
    let mut entry = json!({
        "manager": manager,
        "operation": "Update",
        "apiVersion": api_version,
        "time": now,
        "fieldsType": "FieldsV1",
        "fieldsV1": Value::Object(mine),
    });
    if !subresource.is_empty() {
        entry["subresource"] = json!(subresource);
    }
    entries.push(entry);
    Some(Value::Array(entries))
}

/// Leaf fields that `new` sets differently from `old`, as a fieldsV1 trie.
fn diff(old: &Value, new: &Value, top: bool, meta: bool) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(new_obj) = new.as_object() else {
        return out;
    };
    for (k, nv) in new_obj {
        if (top && SKIP_TOP.contains(&k.as_str())) || (meta && SKIP_META.contains(&k.as_str())) {
            continue;
        }
        let ov = old.get(k);
        if ov == Some(nv) {
            continue;
        }
        let child_meta = top && k == "metadata";
        match (ov, nv) {
            (_, Value::Object(n)) if !n.is_empty() => {
                let sub = diff(ov.unwrap_or(&Value::Null), nv, false, child_meta);
                if !sub.is_empty() {
                    out.insert(format!("f:{k}"), Value::Object(sub));
                }
            }
            _ => {
                out.insert(format!("f:{k}"), Value::Object(Map::new()));
            }
        }
    }
    out
}

/// `a` without the leaves in `b`.
fn subtract(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, av) in a {
        match (b.get(k), av.as_object()) {
            (None, _) => {
                out.insert(k.clone(), av.clone());
            }
            (Some(bv), Some(ao)) => {
                let b_leaf = bv.as_object().is_none_or(Map::is_empty);
                if b_leaf {
                    continue;
                }
                if ao.is_empty() {
                    // `a` owns the whole value, `b` changed only part of it.
                    out.insert(k.clone(), av.clone());
                    continue;
                }
                let sub = subtract(ao, bv.as_object().unwrap_or(&Map::new()));
                if !sub.is_empty() {
                    out.insert(k.clone(), Value::Object(sub));
                }
            }
            (Some(_), None) => {}
        }
    }
    out
}

/// Add the leaves of `b` to `a`.
fn union(a: &mut Map<String, Value>, b: &Map<String, Value>) {
    for (k, bv) in b {
        let b_map = bv.as_object();
        match a.get_mut(k) {
            None => {
                a.insert(k.clone(), bv.clone());
            }
            Some(Value::Object(ao)) => {
                let b_leaf = b_map.is_none_or(Map::is_empty);
                if ao.is_empty() {
                    // `a` already owns the whole value.
                } else if b_leaf {
                    *ao = Map::new();
                } else if let Some(bo) = b_map {
                    union(ao, bo);
                }
            }
            Some(other) => *other = bv.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_takes_the_changed_field_from_its_owner() {
        let old = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "n", "managedFields": [
                {"manager": "air", "operation": "Apply", "apiVersion": "v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}}
            ]},
            "data": {"a": "1", "b": "1"}});
        let mut new = old.clone();
        new["data"]["a"] = json!("2");
        let mf = after_update(Some(&old), &new, "editor", "v1", "", "t").unwrap();
        let mf = mf.as_array().unwrap();
        assert_eq!(mf.len(), 2);
        assert_eq!(mf[0]["fieldsV1"], json!({"f:data": {"f:b": {}}}));
        assert_eq!(mf[1]["manager"], "editor");
        assert_eq!(mf[1]["operation"], "Update");
        assert_eq!(mf[1]["fieldsV1"], json!({"f:data": {"f:a": {}}}));
        assert!(after_update(Some(&old), &old, "editor", "v1", "", "t").is_none());
    }
}
