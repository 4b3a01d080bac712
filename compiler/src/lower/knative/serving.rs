//! serving.knative.dev/v1 Service.

use super::Meta;
use crate::emit::tree::{Node, NodeMap};
use crate::node;
use serde_json::Value;

/// Knative's default `timeoutSeconds` (config-defaults
/// `revision-timeout-seconds`).
pub(crate) const DEFAULT_TIMEOUT_SECONDS: i64 = 300;
/// The container name Knative gives an unnamed container.
pub(crate) const USER_CONTAINER: &str = "user-container";

/// One environment variable.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvValue {
    Plain(String),
    Secret { name: String, key: String },
}

/// Everything a function's Service needs.
#[derive(Clone, Debug, Default)]
pub struct ServiceSpec {
    pub image: String,
    pub port: Option<i64>,
    pub env: Vec<(String, EnvValue)>,
    /// `resources.requests` (cpu, memory), in written order.
    pub requests: Vec<(String, String)>,
    pub limits: Vec<(String, String)>,
    pub timeout_seconds: Option<i64>,
    pub container_concurrency: Option<i64>,
    pub min_scale: Option<String>,
    pub max_scale: Option<String>,
    pub target: Option<String>,
}

pub fn service(meta: &Meta, spec: &ServiceSpec) -> Value {
    service_node(meta, spec).to_json()
}

/// [`service`] as a tree.
pub(crate) fn service_node(meta: &Meta, spec: &ServiceSpec) -> Node {
    let mut container = NodeMap::with_capacity(6);
    container.insert("name", USER_CONTAINER);
    container.insert("image", spec.image.clone());
    if let Some(p) = spec.port {
        container.insert("ports", vec![node! { "containerPort" => p }]);
    }
    if !spec.env.is_empty() {
        let env: Vec<Node> = spec
            .env
            .iter()
            .map(|(name, v)| match v {
                EnvValue::Plain(s) => node! { "name" => name.clone(), "value" => s.clone() },
                EnvValue::Secret { name: sn, key } => node! {
                    "name" => name.clone(),
                    "valueFrom" => node! {
                        "secretKeyRef" => node! { "name" => sn.clone(), "key" => key.clone() }
                    },
                },
            })
            .collect();
        container.insert("env", env);
    }
    let mut resources = NodeMap::new();
    if !spec.requests.is_empty() {
        resources.insert("requests", pairs(&spec.requests));
    }
    if !spec.limits.is_empty() {
        resources.insert("limits", pairs(&spec.limits));
    }
    container.insert("resources", resources);
    // Knative's defaults for a container without a probe.
    container.insert(
        "readinessProbe",
        node! { "successThreshold" => 1i64, "tcpSocket" => node! { "port" => 0i64 } },
    );

    let mut annotations = NodeMap::new();
    for (key, v) in [
        ("min-scale", &spec.min_scale),
        ("max-scale", &spec.max_scale),
        ("target", &spec.target),
    ] {
        if let Some(v) = v {
            annotations.insert(format!("autoscaling.knative.dev/{key}"), v.clone());
        }
    }
    let mut template_meta = NodeMap::new();
    if !annotations.is_empty() {
        template_meta.insert("annotations", annotations);
    }

    node! {
        "apiVersion" => "serving.knative.dev/v1",
        "kind" => "Service",
        "metadata" => meta.to_node(&[], &[]),
        "spec" => node! {
            "template" => node! {
                "metadata" => template_meta,
                "spec" => node! {
                    "containerConcurrency" => spec.container_concurrency.unwrap_or(0),
                    "timeoutSeconds" => spec.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
                    "enableServiceLinks" => false,
                    "containers" => vec![Node::Map(container)],
                },
            },
            "traffic" => vec![node! { "latestRevision" => true, "percent" => 100i64 }],
        },
    }
}

fn pairs(p: &[(String, String)]) -> Node {
    let mut m = NodeMap::with_capacity(p.len());
    for (k, v) in p {
        m.insert(k.clone(), v.clone());
    }
    Node::Map(m)
}
