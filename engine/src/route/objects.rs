//! The compiled objects (the Kubernetes objects `air build --stdout`
//! prints, parsed from YAML by the caller) → typed views of what routing
//! needs: Brokers, Triggers, PingSources and workflow ConfigMaps. Other
//! kinds (Services, EventTypes, other ConfigMaps) are skipped.
//!
//! A shape Knative's admission webhooks would refuse (a Trigger without a
//! broker, a filter with two dialects, a CESQL syntax error, a PingSource
//! with both `data` and `dataBase64`, …) is an [`ObjectError`] naming the
//! object: such an object never exists in a cluster, so a test must not
//! pretend it does.

mod destination;
mod ping;
mod trigger;

pub use destination::{Destination, KRef, Unresolvable};
pub use ping::PingSource;
pub use trigger::{Filter, Trigger, TriggerFilter};

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The label that says what a compiled object is for.
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
/// The label naming the declaration an object comes from.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// The ConfigMap key holding a workflow document.
pub const WORKFLOW_KEY: &str = "workflow.sw.yaml";
/// The namespace of an object that names none (what `kubectl apply`
/// would use without `-n`).
pub const DEFAULT_NAMESPACE: &str = "default";

/// Why an object cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {problem}")]
pub struct ObjectError {
    /// `Kind namespace/name` (or the object's position when it has no name).
    pub object: String,
    pub problem: String,
}

/// `metadata` of an object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broker {
    pub meta: Meta,
}

/// A ConfigMap holding a workflow document (label
/// `app.kubernetes.io/component: workflow`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowConfigMap {
    pub meta: Meta,
    /// The workflow (label `app.kubernetes.io/name`; the ConfigMap's name
    /// without `-workflow` when the label is missing).
    pub workflow: String,
    /// The Serverless Workflow document, YAML text.
    pub document: String,
}

/// Everything routing reads from an app's compiled objects, each list in
/// input order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Objects {
    pub brokers: Vec<Broker>,
    pub triggers: Vec<Trigger>,
    pub ping_sources: Vec<PingSource>,
    pub workflows: Vec<WorkflowConfigMap>,
}

impl Objects {
    /// The Triggers on broker `namespace/name`.
    pub fn triggers_of<'a>(
        &'a self,
        namespace: &'a str,
        broker: &'a str,
    ) -> impl Iterator<Item = &'a Trigger> + 'a {
        self.triggers
            .iter()
            .filter(move |t| t.meta.namespace == namespace && t.broker == broker)
    }
}

/// Reads the objects routing needs; stops at the first malformed one.
pub fn read(objects: &[Value]) -> Result<Objects, ObjectError> {
    let mut out = Objects::default();
    for (i, v) in objects.iter().enumerate() {
        let Some(obj) = v.as_object() else {
            return Err(ObjectError {
                object: format!("object #{}", i + 1),
                problem: "not a JSON object".into(),
            });
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        let group = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        let ctx = Ctx::new(kind, obj, i)?;
        match (group, kind) {
            ("eventing.knative.dev", "Broker") => out.brokers.push(Broker { meta: ctx.meta }),
            ("eventing.knative.dev", "Trigger") => out.triggers.push(trigger::read(ctx, obj)?),
            ("sources.knative.dev", "PingSource") => out.ping_sources.push(ping::read(ctx, obj)?),
            ("v1", "ConfigMap")
                if ctx.meta.labels.get(COMPONENT_LABEL).map(String::as_str) == Some("workflow") =>
            {
                out.workflows.push(workflow_config_map(ctx, obj)?);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn workflow_config_map(
    ctx: Ctx,
    obj: &Map<String, Value>,
) -> Result<WorkflowConfigMap, ObjectError> {
    let document = obj
        .get("data")
        .and_then(|d| d.get(WORKFLOW_KEY))
        .and_then(Value::as_str)
        .ok_or_else(|| ctx.error(format!("no string `data.{WORKFLOW_KEY}`")))?
        .to_string();
    let workflow = ctx.meta.labels.get(NAME_LABEL).cloned().unwrap_or_else(|| {
        ctx.meta
            .name
            .strip_suffix("-workflow")
            .unwrap_or(&ctx.meta.name)
            .to_string()
    });
    Ok(WorkflowConfigMap {
        meta: ctx.meta,
        workflow,
        document,
    })
}

/// The object being read: its identity, for error messages.
pub(crate) struct Ctx {
    pub meta: Meta,
    pub id: String,
}

impl Ctx {
    fn new(kind: &str, obj: &Map<String, Value>, index: usize) -> Result<Ctx, ObjectError> {
        let md = obj.get("metadata");
        let text = |k: &str| md.and_then(|m| m.get(k)).and_then(Value::as_str);
        let name = text("name").unwrap_or("").to_string();
        let namespace = text("namespace").unwrap_or(DEFAULT_NAMESPACE).to_string();
        let id = if name.is_empty() {
            format!("{kind} #{}", index + 1)
        } else {
            format!("{kind} {namespace}/{name}")
        };
        let map = |k: &str| -> Result<BTreeMap<String, String>, ObjectError> {
            string_map(md.and_then(|m| m.get(k)), &format!("metadata.{k}")).map_err(|problem| {
                ObjectError {
                    object: id.clone(),
                    problem,
                }
            })
        };
        let labels = map("labels")?;
        let annotations = map("annotations")?;
        let ctx = Ctx {
            meta: Meta {
                namespace,
                name,
                labels,
                annotations,
            },
            id,
        };
        if ctx.meta.name.is_empty() && !kind.is_empty() {
            return Err(ctx.error("no `metadata.name`".into()));
        }
        Ok(ctx)
    }

    pub fn error(&self, problem: String) -> ObjectError {
        ObjectError {
            object: self.id.clone(),
            problem,
        }
    }
}

/// A map of strings (labels, filter attributes, extensions); absent or
/// null is empty.
pub(crate) fn string_map(
    v: Option<&Value>,
    field: &str,
) -> Result<BTreeMap<String, String>, String> {
    match v {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("`{field}.{k}` is {other}, not a string")),
            })
            .collect(),
        Some(other) => Err(format!("`{field}` is {other}, not a map of strings")),
    }
}

/// An optional string field.
pub(crate) fn opt_str(v: Option<&Value>, field: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{field}` is {other}, not a string")),
    }
}

#[cfg(test)]
mod tests;
