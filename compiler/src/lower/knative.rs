//! Knative (and core Kubernetes) objects from plain inputs. Nothing here
//! looks at the syntax tree: [`crate::lower`] decides names and values,
//! these builders decide shapes — including the values Knative's
//! defaulting webhooks would fill in, written out explicitly so a live
//! object and its compiled form compare equal (see docs/build.md).

pub mod core;
pub mod eventing;
pub mod serving;

use crate::emit::tree::Node;
use crate::{node, node_map};
use serde_json::Value;

pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub(crate) const PART_OF: &str = "app.kubernetes.io/part-of";
pub const NAME: &str = "app.kubernetes.io/name";
pub(crate) const COMPONENT: &str = "app.kubernetes.io/component";
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
        self.to_node(labels, annotations).to_json()
    }

    /// [`Meta::to_json`] as a tree.
    pub fn to_node(&self, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Node {
        let mut l = node_map! {
            MANAGED_BY => "air",
            PART_OF => self.app.clone(),
            NAME => self.decl.clone(),
            COMPONENT => self.component,
        };
        for (k, v) in labels {
            l.insert(k.to_string(), v.to_string());
        }
        let mut a = node_map! { SOURCE => self.source.clone() };
        for (k, v) in annotations {
            a.insert(k.to_string(), v.to_string());
        }
        node! {
            "name" => self.name.clone(),
            "namespace" => self.namespace.clone(),
            "labels" => l,
            "annotations" => a,
        }
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
        self.to_node().to_json()
    }

    /// [`Destination::to_json`] as a tree.
    pub fn to_node(&self) -> Node {
        match self {
            // The defaulter fills `ref.namespace`; emit it so diffs stay quiet.
            Destination::Service { name, namespace } => node! {
                "ref" => node! {
                    "apiVersion" => "serving.knative.dev/v1",
                    "kind" => "Service",
                    "name" => name.clone(),
                    "namespace" => namespace.clone(),
                }
            },
            Destination::Uri(u) => node! { "uri" => u.clone() },
        }
    }
}
