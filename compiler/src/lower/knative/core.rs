//! Core Kubernetes objects: the ConfigMap holding a workflow document.

use super::Meta;
use crate::emit::tree::Node;
use crate::node;
use serde_json::Value;

/// The key under which a ConfigMap holds the workflow document.
pub const WORKFLOW_KEY: &str = "workflow.sw.yaml";

/// `ConfigMap <wf>-workflow` with the document as YAML text.
pub fn workflow_config_map(meta: &Meta, document_yaml: &str) -> Value {
    workflow_config_map_node(meta, document_yaml.to_string()).to_json()
}

/// [`workflow_config_map`] as a tree.
pub fn workflow_config_map_node(meta: &Meta, document_yaml: String) -> Node {
    node! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => meta.to_node(&[], &[]),
        "data" => node! { WORKFLOW_KEY => document_yaml },
    }
}
