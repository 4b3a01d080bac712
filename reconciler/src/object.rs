//! Kubernetes objects as JSON values, and the key that names one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Labels air puts on everything it emits (see language.md section 6).
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_PART_OF: &str = "app.kubernetes.io/part-of";
pub const MANAGED_BY_AIR: &str = "air";
/// The field manager air applies with.
pub const FIELD_MANAGER: &str = "air";

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

/// Apply order: namespaces and CRDs first, then Broker, Services,
/// EventTypes, ConfigMaps, Triggers and sources, then anything else.
/// Deletion runs in the reverse order.
pub fn apply_rank(kind: &str) -> u8 {
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
