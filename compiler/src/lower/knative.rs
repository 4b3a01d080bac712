//! Knative (and core Kubernetes) objects from plain inputs. Nothing here
//! looks at the syntax tree: [`crate::lower`] decides names and values,
//! these builders decide shapes — including the values Knative's
//! defaulting webhooks would fill in, written out explicitly so a live
//! object and its compiled form compare equal (see docs/build.md).

pub mod core;
pub mod eventing;
pub mod serving;

use serde_json::{Map, Value, json};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const NAME: &str = "app.kubernetes.io/name";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const SOURCE: &str = "air.dev/source";

/// Identity of one emitted object.
#[derive(Clone, Debug)]
pub struct Meta {
    /// `metadata.name`.
    pub name: String,
    pub namespace: String,
    /// The app (`app.kubernetes.io/part-of`).
    pub app: String,
    /// The declaration it comes from, kebab-cased (`app.kubernetes.io/name`).
    pub decl: String,
    /// `function`, `workflow`, `trigger`, `event`, `source` or `broker`.
    pub component: &'static str,
    /// `<file>#<kind>/<name>` (`air.dev/source`).
    pub source: String,
}

impl Meta {
    /// `metadata` with air's labels and annotation, plus extra ones.
    pub fn to_json(&self, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Value {
        let mut l = Map::new();
        l.insert(MANAGED_BY.into(), json!("air"));
        l.insert(PART_OF.into(), json!(self.app));
        l.insert(NAME.into(), json!(self.decl));
        l.insert(COMPONENT.into(), json!(self.component));
        for (k, v) in labels {
            l.insert((*k).into(), json!(v));
        }
        let mut a = Map::new();
        a.insert(SOURCE.into(), json!(self.source));
        for (k, v) in annotations {
            a.insert((*k).into(), json!(v));
        }
        json!({
            "name": self.name,
            "namespace": self.namespace,
            "labels": l,
            "annotations": a,
        })
    }
}

/// A Destination (`subscriber`, `sink`).
#[derive(Clone, Debug, PartialEq)]
pub enum Destination {
    /// A Knative Service in a namespace.
    Service { name: String, namespace: String },
    /// An absolute URI.
    Uri(String),
}

impl Destination {
    pub fn to_json(&self) -> Value {
        match self {
            // The defaulter fills `ref.namespace`; emit it so diffs stay quiet.
            Destination::Service { name, namespace } => json!({
                "ref": {
                    "apiVersion": "serving.knative.dev/v1",
                    "kind": "Service",
                    "name": name,
                    "namespace": namespace,
                }
            }),
            Destination::Uri(u) => json!({ "uri": u }),
        }
    }
}
