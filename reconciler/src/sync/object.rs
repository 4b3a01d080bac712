//! Kubernetes objects as JSON values, and the key that names one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Labels air puts on everything it emits (see docs/runtime.md).
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_PART_OF: &str = "app.kubernetes.io/part-of";
pub const MANAGED_BY_AIR: &str = "air";
/// The field manager air applies with.
pub(crate) const FIELD_MANAGER: &str = "air";
/// A digest of the object as air wants it, stamped when air applies it.
/// Plans compare only the fields air owns, so a field another manager took
/// over (`kubectl edit`) would hide a change made in Git to that field;
/// the digest changes whenever the wanted object does, so such a change is
/// always planned as an update (and conflicts unless forced).
pub(crate) const ANNOTATION_DIGEST: &str = "air.dev/digest";

/// apiVersion + kind + namespace + name: what identifies an object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    /// The reference of an object value; `None` when it lacks apiVersion,
    /// kind or metadata.name.
    pub fn of(obj: &Value) -> Option<ObjectRef> {
        Some(ObjectRef {
            api_version: obj.get("apiVersion")?.as_str()?.to_string(),
            kind: obj.get("kind")?.as_str()?.to_string(),
            namespace: obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            name: obj.pointer("/metadata/name")?.as_str()?.to_string(),
        })
    }

    /// The API group ("" for core).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = self.group();
        let kind = if group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, group)
        };
        if self.namespace.is_empty() {
            write!(f, "{kind}/{}", self.name)
        } else {
            write!(f, "{kind}/{}/{}", self.namespace, self.name)
        }
    }
}

/// The value of a label, if set.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")?.get(key)?.as_str()
}

/// Does the live object carry air's ownership labels for `app`? The
/// reconciler never changes or deletes anything that does not.
pub fn owned_by(obj: &Value, app: &str) -> bool {
    label(obj, LABEL_MANAGED_BY) == Some(MANAGED_BY_AIR) && label(obj, LABEL_PART_OF) == Some(app)
}

/// Stamp [`ANNOTATION_DIGEST`] on an object: the first 128 bits of the
/// SHA-256 of its JSON without that annotation, in hex (restamping gives
/// the same digest). The compiler's
/// output is deterministic, so the digest changes exactly when the object
/// does.
pub(crate) fn stamp_digest(obj: &mut Value) {
    use sha2::{Digest, Sha256};
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    // Hash the object as if it had never been stamped: without the digest,
    // and without an annotation map left empty by its removal.
    if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        a.remove(ANNOTATION_DIGEST);
        if a.is_empty() {
            meta.remove("annotations");
        }
    }
    let hash = Sha256::digest(obj.to_string().as_bytes());
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(a) = annotations.as_object_mut() {
        a.insert(ANNOTATION_DIGEST.into(), Value::String(hex));
    }
}

/// The kinds the compiler emits, by API group (any version): the only kinds
/// air ever deletes. A test compiles the examples and checks that every
/// object they hold is of one of these kinds.
pub const EMITTED_KINDS: &[(&str, &str)] = &[
    ("", "ConfigMap"),
    ("serving.knative.dev", "Service"),
    ("eventing.knative.dev", "Broker"),
    ("eventing.knative.dev", "Trigger"),
    ("eventing.knative.dev", "EventType"),
    ("sources.knative.dev", "PingSource"),
];

/// Is `r` of a kind the compiler emits?
pub fn is_emitted_kind(r: &ObjectRef) -> bool {
    EMITTED_KINDS
        .iter()
        .any(|(group, kind)| r.group() == *group && r.kind == *kind)
}

/// Apply order: namespaces and CRDs first, then Broker, Services,
/// EventTypes, ConfigMaps, Triggers and sources, then anything else.
/// Deletion runs in the reverse order.
pub(crate) fn apply_rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        "Broker" => 2,
        "Service" => 3,
        "EventType" => 4,
        "ConfigMap" => 5,
        "Trigger" => 6,
        "PingSource" | "ApiServerSource" | "ContainerSource" | "SinkBinding" => 7,
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_digest_follows_the_object_and_ignores_itself() {
        let mut a = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c"}, "data": {"k": "1"}});
        stamp_digest(&mut a);
        let first = a["metadata"]["annotations"][ANNOTATION_DIGEST].clone();
        assert_eq!(first.as_str().map(str::len), Some(32));
        stamp_digest(&mut a);
        assert_eq!(a["metadata"]["annotations"][ANNOTATION_DIGEST], first);
        a["data"]["k"] = json!("2");
        stamp_digest(&mut a);
        assert_ne!(a["metadata"]["annotations"][ANNOTATION_DIGEST], first);
    }

    #[test]
    fn refs_and_ownership() {
        let o = json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": "resize", "namespace": "media",
                "labels": {"app.kubernetes.io/managed-by": "air", "app.kubernetes.io/part-of": "media"}}});
        let r = ObjectRef::of(&o).expect("ref");
        assert_eq!(r.to_string(), "Service.serving.knative.dev/media/resize");
        assert!(owned_by(&o, "media"));
        assert!(!owned_by(&o, "shop"));
        assert!(apply_rank("Broker") < apply_rank("Trigger"));
    }
}
