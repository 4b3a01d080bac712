//! Field-level comparison of a desired object with the live one, limited
//! to the fields air sets: server defaults (fields only the live object
//! has) and fields another field manager owns are never reported.

use serde::Serialize;
use serde_json::Value;

/// One differing field, addressed by a dotted path (`spec.template.spec.
/// containers[0].image`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub live: Option<Value>,
    pub desired: Option<Value>,
}

impl FieldChange {
    /// Is this the `air.dev/digest` annotation, air's own bookkeeping
    /// (object.rs), rather than a field a reviewer would recognise?
    pub fn is_digest(&self) -> bool {
        self.path
            .strip_prefix("metadata.annotations[")
            .and_then(|rest| rest.strip_suffix(']'))
            .is_some_and(|key| key == format!("{:?}", crate::object::ANNOTATION_DIGEST))
    }
}

/// Metadata the server owns; never compared.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
    "finalizers",
];

/// Differences in the fields `desired` sets, skipping those owned by a
/// field manager other than air (per `metadata.managedFields`).
pub fn diff_owned(desired: &Value, live: &Value) -> Vec<FieldChange> {
    let others = other_managers(live);
    let mut out = Vec::new();
    if let (Value::Object(d), Value::Object(l)) = (desired, live) {
        for (k, dv) in d {
            if k == "status" {
                continue;
            }
            let seg = vec![Seg::Key(k.clone())];
            if k == "metadata" {
                diff_metadata(dv, l.get(k), &others, &mut out);
            } else {
                diff(dv, l.get(k), &seg, &others, &mut out);
            }
        }
    }
    out
}

fn diff_metadata(d: &Value, l: Option<&Value>, others: &[Value], out: &mut Vec<FieldChange>) {
    let Value::Object(d) = d else { return };
    for (k, dv) in d {
        if SERVER_METADATA.contains(&k.as_str()) {
            continue;
        }
        let seg = vec![Seg::Key("metadata".into()), Seg::Key(k.clone())];
        diff(dv, l.and_then(|l| l.get(k)), &seg, others, out);
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_string(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) if k.contains('.') || k.contains('/') => s.push_str(&format!("[{k:?}]")),
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn diff(d: &Value, l: Option<&Value>, path: &[Seg], others: &[Value], out: &mut Vec<FieldChange>) {
    if owned_by_other(others, path) {
        return;
    }
    match (d, l) {
        (Value::Object(dm), Some(Value::Object(lm))) => {
            for (k, dv) in dm {
                let mut p = path.to_vec();
                p.push(Seg::Key(k.clone()));
                diff(dv, lm.get(k), &p, others, out);
            }
        }
        (Value::Array(da), Some(Value::Array(la))) if da.len() == la.len() => {
            for (i, (dv, lv)) in da.iter().zip(la).enumerate() {
                let mut p = path.to_vec();
                p.push(Seg::Index(i));
                diff(dv, Some(lv), &p, others, out);
            }
        }
        (d, Some(l)) if same_scalar(d, l) => {}
        (d, l) => out.push(FieldChange {
            path: path_string(path),
            live: l.cloned(),
            desired: Some(d.clone()),
        }),
    }
}

/// Equal, treating 1 and 1.0 alike (the API server may re-encode numbers).
fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(_), _) | (Value::Array(_), _) => false,
        _ => a == b,
    }
}

/// The `fieldsV1` trees of every manager other than air.
fn other_managers(live: &Value) -> Vec<Value> {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter(|e| {
                    e.get("manager").and_then(Value::as_str) != Some(crate::object::FIELD_MANAGER)
                })
                .filter_map(|e| e.get("fieldsV1").cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// Is `path` a field one of `others` owns? A `fieldsV1` tree names object
/// keys `f:<key>`; list items are `k:{…}`, `v:…` or `i:<n>` — we treat any
/// of those as matching the item (a manager that owns part of a list item
/// is reported as owning what it names below it).
fn owned_by_other(others: &[Value], path: &[Seg]) -> bool {
    others.iter().any(|tree| owns(tree, path))
}

fn owns(tree: &Value, path: &[Seg]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        // Reached the field itself: the manager owns it (as a leaf `{}`).
        return true;
    };
    let Value::Object(m) = tree else { return false };
    match first {
        Seg::Key(k) => m
            .get(&format!("f:{k}"))
            .is_some_and(|sub| owns_leaf_or_descend(sub, rest)),
        Seg::Index(i) => m
            .iter()
            .filter(|(key, _)| {
                key.starts_with("k:") || key.starts_with("v:") || key == &&format!("i:{i}")
            })
            .any(|(_, sub)| owns_leaf_or_descend(sub, rest)),
    }
}

fn owns_leaf_or_descend(sub: &Value, rest: &[Seg]) -> bool {
    if rest.is_empty() {
        return true;
    }
    owns(sub, rest)
}
