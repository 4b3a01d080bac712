//! serving.knative.dev/v1 Service.

use super::Meta;
use serde_json::{Map, Value, json};

/// Knative's default `timeoutSeconds` (config-defaults
/// `revision-timeout-seconds`).
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 300;
/// The container name Knative gives an unnamed container.
pub const USER_CONTAINER: &str = "user-container";

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
    let mut container = Map::new();
    container.insert("name".into(), json!(USER_CONTAINER));
    container.insert("image".into(), json!(spec.image));
    if let Some(p) = spec.port {
        container.insert("ports".into(), json!([{ "containerPort": p }]));
    }
    if !spec.env.is_empty() {
        let env: Vec<Value> = spec
            .env
            .iter()
            .map(|(name, v)| match v {
                EnvValue::Plain(s) => json!({"name": name, "value": s}),
                EnvValue::Secret { name: sn, key } => json!({
                    "name": name,
                    "valueFrom": {"secretKeyRef": {"name": sn, "key": key}},
                }),
            })
            .collect();
        container.insert("env".into(), Value::Array(env));
    }
    let mut resources = Map::new();
    if !spec.requests.is_empty() {
        resources.insert("requests".into(), pairs(&spec.requests));
    }
    if !spec.limits.is_empty() {
        resources.insert("limits".into(), pairs(&spec.limits));
    }
    container.insert("resources".into(), Value::Object(resources));
    // Knative's defaults for a container without a probe.
    container.insert(
        "readinessProbe".into(),
        json!({"successThreshold": 1, "tcpSocket": {"port": 0}}),
    );

    let mut annotations = Map::new();
    for (key, v) in [
        ("min-scale", &spec.min_scale),
        ("max-scale", &spec.max_scale),
        ("target", &spec.target),
    ] {
        if let Some(v) = v {
            annotations.insert(format!("autoscaling.knative.dev/{key}"), json!(v));
        }
    }
    let mut template_meta = Map::new();
    if !annotations.is_empty() {
        template_meta.insert("annotations".into(), Value::Object(annotations));
    }

    json!({
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": meta.to_json(&[], &[]),
        "spec": {
            "template": {
                "metadata": template_meta,
                "spec": {
                    "containerConcurrency": spec.container_concurrency.unwrap_or(0),
                    "timeoutSeconds": spec.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
                    "enableServiceLinks": false,
                    "containers": [container],
                },
            },
            "traffic": [{"latestRevision": true, "percent": 100}],
        },
    })
}

fn pairs(p: &[(String, String)]) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}
