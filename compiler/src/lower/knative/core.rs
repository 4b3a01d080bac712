//! Core Kubernetes objects: the ConfigMap holding a workflow document.

use super::Meta;
use serde_json::{Value, json};

/// The key under which a ConfigMap holds the workflow document.
pub const WORKFLOW_KEY: &str = "workflow.sw.yaml";

/// `ConfigMap <wf>-workflow` with the document as YAML text.
pub fn workflow_config_map(meta: &Meta, document_yaml: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta.to_json(&[], &[]),
        "data": { WORKFLOW_KEY: document_yaml },
    })
}
