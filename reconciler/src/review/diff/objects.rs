//! Compiled objects: their identity (apiVersion, kind, namespace, name)
//! and a field-level diff of ALL fields, addressed by YAML path
//! (`spec.template.spec.containers[0].image`,
//! `metadata.labels["app.kubernetes.io/name"]`).

use serde::Serialize;
use serde_json::Value;

/// An object's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn of(obj: &Value) -> ObjectRef {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        ObjectRef {
            api_version: s(&obj["apiVersion"]),
            kind: s(&obj["kind"]),
            namespace: s(&obj["metadata"]["namespace"]),
            name: s(&obj["metadata"]["name"]),
        }
    }

    /// `Service shop/resize (serving.knative.dev/v1)`.
    pub fn display(&self) -> String {
        let ns = if self.namespace.is_empty() {
            String::new()
        } else {
            format!("{}/", self.namespace)
        };
        format!("{} {ns}{} ({})", self.kind, self.name, self.api_version)
    }
}

/// Every object `air build` writes for the app, as data: the Kubernetes
/// objects, plus each Serverless Workflow document on its own (kind
/// `Workflow`, fields addressed by their path in the document) so a change
/// inside a workflow reads `do[1].charge.call.with.endpoint` rather than
/// one changed text block. The ConfigMap that carries the document as YAML
/// text points at that entry instead of repeating the text.
pub fn compiled_objects(lowered: &air_compiler::lower::Lowered) -> Vec<(ObjectRef, Value)> {
    use air_compiler::lower::knative::core::WORKFLOW_KEY;
    let mut out = Vec::new();
    let mut namespace = String::new();
    for obj in &lowered.objects {
        let mut obj = obj.clone();
        if obj["kind"] == "ConfigMap"
            && let Some(name) = obj["metadata"]["name"].as_str().map(str::to_string)
            && let Some(wf) = name.strip_suffix("-workflow")
            && lowered.workflows.iter().any(|(n, _)| n == wf)
            && let Some(data) = obj["data"].as_object_mut()
            && data.contains_key(WORKFLOW_KEY)
        {
            data.insert(
                WORKFLOW_KEY.to_string(),
                Value::String(format!(
                    "(the document of Workflow {wf}, compared on its own)"
                )),
            );
        }
        if let Some(ns) = obj["metadata"]["namespace"].as_str() {
            namespace = ns.to_string();
        }
        out.push((ObjectRef::of(&obj), obj));
    }
    for (name, doc) in &lowered.workflows {
        let ns = doc["document"]["namespace"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| namespace.clone());
        let dsl = doc["document"]["dsl"].as_str().unwrap_or("1.0.3");
        let r = ObjectRef {
            api_version: format!("serverlessworkflow.io/v{dsl}"),
            kind: "Workflow".to_string(),
            namespace: ns,
            name: name.clone(),
        };
        out.push((r, doc.clone()));
    }
    out
}

/// One differing field. `base`/`head` are `null` when the field is absent
/// on that side (a whole subtree appears or disappears as one change).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub base: Option<Value>,
    pub head: Option<Value>,
}

/// Every differing leaf between two values, in document order (keys in
/// the order of `head`, then keys only `base` has).
pub fn diff_values(base: &Value, head: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(&mut String::new(), Some(base), Some(head), &mut out);
    out
}

fn walk(path: &mut String, base: Option<&Value>, head: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (base, head) {
        (Some(Value::Object(b)), Some(Value::Object(h))) => {
            for (k, hv) in h {
                let len = path.len();
                push_key(path, k);
                walk(path, b.get(k), Some(hv), out);
                path.truncate(len);
            }
            for (k, bv) in b.iter().filter(|(k, _)| !h.contains_key(*k)) {
                let len = path.len();
                push_key(path, k);
                walk(path, Some(bv), None, out);
                path.truncate(len);
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(h))) => match (list_keys(b), list_keys(h)) {
            (Some(bk), Some(hk)) => walk_keyed(path, (b, &bk), (h, &hk), out),
            _ => {
                for i in 0..b.len().max(h.len()) {
                    let len = path.len();
                    push_index(path, i);
                    walk(path, b.get(i), h.get(i), out);
                    path.truncate(len);
                }
            }
        },
        (b, h) if b == h => {}
        (b, h) => {
            // A JSON document carried as text (EventType `spec.schemaData`)
            // is compared inside, so the change reads
            // `spec.schemaData.properties.total`, not two whole texts.
            if let (Some(Value::String(bs)), Some(Value::String(hs))) = (b, h)
                && let (Some(bj), Some(hj)) = (embedded_json(bs), embedded_json(hs))
            {
                walk(path, Some(&bj), Some(&hj), out);
                return;
            }
            out.push(FieldChange {
                path: path.clone(),
                base: b.cloned(),
                head: h.cloned(),
            });
        }
    }
}

fn push_index(path: &mut String, i: usize) {
    path.push('[');
    path.push_str(&i.to_string());
    path.push(']');
}

/// The keys of a list whose items have one: a `name` (Kubernetes
/// containers, env, ports) or, for one-key maps, that key (Serverless
/// Workflow named tasks `do: [{charge: …}]`). `None` unless every item
/// has one and no two share it.
fn list_keys(items: &[Value]) -> Option<Vec<&str>> {
    let by_name: Option<Vec<&str>> = items.iter().map(|v| v["name"].as_str()).collect();
    let keys = by_name.or_else(|| {
        items
            .iter()
            .map(|v| match v.as_object() {
                Some(m) if m.len() == 1 => m.keys().next().map(String::as_str),
                _ => None,
            })
            .collect()
    })?;
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (!keys.is_empty() && sorted.len() == keys.len()).then_some(keys)
}

/// Items matched by key, not position: inserting a task at the front
/// changes one thing, not every task after it. Matched and added items
/// are addressed by their index in head, removed ones by their index in
/// base; a change of order among the items both sides have is one
/// change at the list's path, the keys in order as values.
fn walk_keyed(
    path: &mut String,
    (b, bk): (&[Value], &[&str]),
    (h, hk): (&[Value], &[&str]),
    out: &mut Vec<FieldChange>,
) {
    let kept_b: Vec<&str> = bk.iter().copied().filter(|k| hk.contains(k)).collect();
    let kept_h: Vec<&str> = hk.iter().copied().filter(|k| bk.contains(k)).collect();
    if kept_b != kept_h {
        out.push(FieldChange {
            path: path.clone(),
            base: Some(Value::from(bk.to_vec())),
            head: Some(Value::from(hk.to_vec())),
        });
    }
    for (i, (k, hv)) in hk.iter().zip(h).enumerate() {
        let len = path.len();
        push_index(path, i);
        let bv = bk.iter().position(|x| x == k).and_then(|j| b.get(j));
        walk(path, bv, Some(hv), out);
        path.truncate(len);
    }
    for (j, (k, bv)) in bk.iter().zip(b).enumerate() {
        if !hk.contains(k) {
            let len = path.len();
            push_index(path, j);
            walk(path, Some(bv), None, out);
            path.truncate(len);
        }
    }
}

/// A string holding a JSON object, parsed.
fn embedded_json(s: &str) -> Option<Value> {
    if !s.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .ok()
        .filter(Value::is_object)
}

/// `a.b`, or `a["x.y/z"]` for keys that are not plain words.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::String(key.to_string()).to_string());
        path.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_address_nested_fields() {
        let b = json!({"spec": {"template": {"spec": {"containers": [{"image": "a:1", "name": "x"}]}}},
                       "metadata": {"labels": {"app.kubernetes.io/name": "x"}}});
        let h = json!({"spec": {"template": {"spec": {"containers": [{"image": "a:2", "name": "x"}, {"image": "b"}]}}},
                       "metadata": {"labels": {"app.kubernetes.io/name": "y"}, "annotations": {"k": "v"}}});
        let d = diff_values(&b, &h);
        let paths: Vec<&str> = d.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "spec.template.spec.containers[0].image",
                "spec.template.spec.containers[1]",
                "metadata.labels[\"app.kubernetes.io/name\"]",
                "metadata.annotations",
            ]
        );
        assert_eq!(d[0].base, Some(json!("a:1")));
        assert_eq!(d[0].head, Some(json!("a:2")));
        assert_eq!(d[1].base, None);
    }

    #[test]
    fn json_text_is_compared_inside() {
        let b = json!({"spec": {"schemaData": "{\"properties\": {\"id\": {}}}"}});
        let h = json!({"spec": {"schemaData": "{\"properties\": {\"id\": {}, \"total\": {\"type\": \"number\"}}}"}});
        let d = diff_values(&b, &h);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "spec.schemaData.properties.total");
        assert_eq!(d[0].head, Some(json!({"type": "number"})));
        // Not JSON on one side: the strings are compared as text.
        let h = json!({"spec": {"schemaData": "oops"}});
        assert_eq!(diff_values(&b, &h)[0].path, "spec.schemaData");
    }

    #[test]
    fn named_items_are_matched_by_name() {
        let b = json!({"do": [{"reserve": {"call": "a"}}, {"charge": {"call": "b"}}]});
        let h = json!({"do": [{"audit": {"call": "c"}}, {"reserve": {"call": "a"}}, {"charge": {"call": "B"}}]});
        let d = diff_values(&b, &h);
        let paths: Vec<&str> = d.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["do[0]", "do[2].charge.call"], "{d:?}");
        // Reordered: one change naming the order.
        let h = json!({"do": [{"charge": {"call": "b"}}, {"reserve": {"call": "a"}}]});
        let d = diff_values(&b, &h);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "do");
        assert_eq!(d[0].base, Some(json!(["reserve", "charge"])));
        assert_eq!(d[0].head, Some(json!(["charge", "reserve"])));
        // Kubernetes lists keyed by `name`; removed items at base's index.
        let b = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let h = json!({"env": [{"name": "B", "value": "2"}]});
        let d = diff_values(&b, &h);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "env[0]");
        assert_eq!(d[0].head, None);
    }

    #[test]
    fn equal_values_have_no_changes() {
        let v = json!({"a": [1, {"b": null}]});
        assert!(diff_values(&v, &v).is_empty());
    }
}
