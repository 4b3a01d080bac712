//! Eventing objects: Broker, Trigger, EventType (v1beta2), PingSource.

use super::{Destination, Meta};
use crate::emit::tree::{Node, NodeMap};
use crate::node;
use serde_json::Value;

/// The broker class Knative defaults to (config-br-defaults).
pub(crate) const BROKER_CLASS: &str = "MTChannelBasedBroker";
pub(crate) const BROKER_CLASS_ANNOTATION: &str = "eventing.knative.dev/broker.class";
/// The label Knative's Trigger defaulter adds.
pub(crate) const BROKER_LABEL: &str = "eventing.knative.dev/broker";

pub fn broker(meta: &Meta) -> Value {
    broker_node(meta).to_json()
}

/// [`broker`] as a tree.
pub(crate) fn broker_node(meta: &Meta) -> Node {
    node! {
        "apiVersion" => "eventing.knative.dev/v1",
        "kind" => "Broker",
        "metadata" => meta.to_node(&[], &[(BROKER_CLASS_ANNOTATION, BROKER_CLASS)]),
        "spec" => node! {
            "config" => node! {
                "apiVersion" => "v1",
                "kind" => "ConfigMap",
                "name" => "config-br-default-channel",
                "namespace" => "knative-eventing",
            }
        },
    }
}

/// How every Trigger delivers events: structured mode (`json`).
pub(crate) const DELIVERY_FORMAT: &str = "json";

/// What a Trigger passes on.
#[derive(Clone, Debug)]
pub struct TriggerSpec {
    pub broker: String,
    /// CloudEvents `type` the trigger matches exactly.
    pub event_type: String,
    /// A CESQL expression every event must also satisfy.
    pub cesql: Option<String>,
    pub subscriber: Destination,
    /// Extra annotations (e.g. a `where` filter left to the runtime).
    pub annotations: Vec<(String, String)>,
}

pub fn trigger(meta: &Meta, spec: &TriggerSpec) -> Value {
    trigger_node(meta, spec).to_json()
}

/// [`trigger`] as a tree.
pub(crate) fn trigger_node(meta: &Meta, spec: &TriggerSpec) -> Node {
    let annotations: Vec<(&str, &str)> = spec
        .annotations
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut s = NodeMap::with_capacity(5);
    s.insert("broker", spec.broker.clone());
    // Structured CloudEvents: the engine reads one JSON object (context
    // attributes and `data`) whatever the producer sent (docs/runtime.md).
    s.insert("delivery", node! { "format" => DELIVERY_FORMAT });
    s.insert(
        "filter",
        node! { "attributes" => node! { "type" => spec.event_type.clone() } },
    );
    // `filters` wins over `filter` when both are set, so it repeats the
    // type match next to the CESQL expression.
    if let Some(sql) = &spec.cesql {
        s.insert(
            "filters",
            vec![
                node! { "exact" => node! { "type" => spec.event_type.clone() } },
                node! { "cesql" => sql.clone() },
            ],
        );
    }
    s.insert("subscriber", spec.subscriber.to_node());
    node! {
        "apiVersion" => "eventing.knative.dev/v1",
        "kind" => "Trigger",
        "metadata" => meta.to_node(&[(BROKER_LABEL, spec.broker.as_str())], &annotations),
        "spec" => s,
    }
}

/// An EventType in the served version that can carry a schema inline
/// (v1beta2: `schemaData`; v1beta3 has no such field).
#[derive(Clone, Debug)]
pub struct EventTypeSpec {
    pub event_type: String,
    pub source: String,
    pub schema_data: String,
    pub description: Option<String>,
    pub broker: String,
}

pub fn event_type(meta: &Meta, spec: &EventTypeSpec) -> Value {
    event_type_node(meta, spec).to_json()
}

/// [`event_type`] as a tree.
pub(crate) fn event_type_node(meta: &Meta, spec: &EventTypeSpec) -> Node {
    let mut s = NodeMap::with_capacity(5);
    s.insert("type", spec.event_type.clone());
    s.insert("source", spec.source.clone());
    s.insert("schemaData", spec.schema_data.clone());
    if let Some(d) = &spec.description {
        s.insert("description", d.clone());
    }
    s.insert(
        "reference",
        node! {
            "apiVersion" => "eventing.knative.dev/v1",
            "kind" => "Broker",
            "name" => spec.broker.clone(),
            "namespace" => meta.namespace.clone(),
        },
    );
    node! {
        "apiVersion" => "eventing.knative.dev/v1beta2",
        "kind" => "EventType",
        "metadata" => meta.to_node(&[], &[]),
        "spec" => s,
    }
}

/// `on schedule "cron" [tz "Area/City"]`.
pub fn ping_source(
    meta: &Meta,
    schedule: &str,
    timezone: Option<&str>,
    sink: &Destination,
) -> Value {
    ping_source_node(meta, schedule, timezone, sink).to_json()
}

/// [`ping_source`] as a tree.
pub(crate) fn ping_source_node(
    meta: &Meta,
    schedule: &str,
    timezone: Option<&str>,
    sink: &Destination,
) -> Node {
    let mut s = NodeMap::with_capacity(3);
    s.insert("schedule", schedule.to_string());
    if let Some(tz) = timezone {
        s.insert("timezone", tz.to_string());
    }
    s.insert("sink", sink.to_node());
    node! {
        "apiVersion" => "sources.knative.dev/v1",
        "kind" => "PingSource",
        "metadata" => meta.to_node(&[], &[]),
        "spec" => s,
    }
}
