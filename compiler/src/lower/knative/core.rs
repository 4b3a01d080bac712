//! Core Kubernetes objects: the ConfigMap holding a workflow document.

use super::Meta;
use crate::emit::tree::Node;
use crate::node;
use serde_json::Value;

/// The key under which a ConfigMap holds the workflow document.
pub const WORKFLOW_KEY: &str = "workflow.sw.yaml";

/// The annotation telling the engine where the events the document emits
/// go: the ingress address of the app's broker (docs/runtime.md).
pub(crate) const BROKER_URL_ANNOTATION: &str = "air.dev/broker-url";

/// `ConfigMap <wf>-workflow` with the document as YAML text.
pub fn workflow_config_map(meta: &Meta, document_yaml: &str, broker_url: &str) -> Value {
    workflow_config_map_node(meta, document_yaml.to_string(), broker_url).to_json()
}

/// [`workflow_config_map`] as a tree.
pub(crate) fn workflow_config_map_node(
    meta: &Meta,
    document_yaml: String,
    broker_url: &str,
) -> Node {
    node! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => meta.to_node(&[], &[(BROKER_URL_ANNOTATION, broker_url)]),
        "data" => node! { WORKFLOW_KEY => document_yaml },
    }
}
