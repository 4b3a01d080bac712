//! Eventing objects: Broker, Trigger, EventType (v1beta2), PingSource.

use super::{Destination, Meta};
use serde_json::{Map, Value, json};

/// The broker class Knative defaults to (config-br-defaults).
pub const BROKER_CLASS: &str = "MTChannelBasedBroker";
pub const BROKER_CLASS_ANNOTATION: &str = "eventing.knative.dev/broker.class";
/// The label Knative's Trigger defaulter adds.
pub const BROKER_LABEL: &str = "eventing.knative.dev/broker";

pub fn broker(meta: &Meta) -> Value {
    json!({
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Broker",
        "metadata": meta.to_json(&[], &[(BROKER_CLASS_ANNOTATION, BROKER_CLASS)]),
        "spec": {
            "config": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": "config-br-default-channel",
                "namespace": "knative-eventing",
            }
        },
    })
}

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
    let annotations: Vec<(&str, &str)> = spec
        .annotations
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut s = Map::new();
    s.insert("broker".into(), json!(spec.broker));
    s.insert(
        "filter".into(),
        json!({"attributes": {"type": spec.event_type}}),
    );
    // `filters` wins over `filter` when both are set, so it repeats the
    // type match next to the CESQL expression.
    if let Some(sql) = &spec.cesql {
        s.insert(
            "filters".into(),
            json!([{"exact": {"type": spec.event_type}}, {"cesql": sql}]),
        );
    }
    s.insert("subscriber".into(), spec.subscriber.to_json());
    json!({
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Trigger",
        "metadata": meta.to_json(&[(BROKER_LABEL, spec.broker.as_str())], &annotations),
        "spec": s,
    })
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
    let mut s = Map::new();
    s.insert("type".into(), json!(spec.event_type));
    s.insert("source".into(), json!(spec.source));
    s.insert("schemaData".into(), json!(spec.schema_data));
    if let Some(d) = &spec.description {
        s.insert("description".into(), json!(d));
    }
    s.insert(
        "reference".into(),
        json!({
            "apiVersion": "eventing.knative.dev/v1",
            "kind": "Broker",
            "name": spec.broker,
            "namespace": meta.namespace,
        }),
    );
    json!({
        "apiVersion": "eventing.knative.dev/v1beta2",
        "kind": "EventType",
        "metadata": meta.to_json(&[], &[]),
        "spec": s,
    })
}

/// `on schedule "cron" [tz "Area/City"]`.
pub fn ping_source(
    meta: &Meta,
    schedule: &str,
    timezone: Option<&str>,
    sink: &Destination,
) -> Value {
    let mut s = Map::new();
    s.insert("schedule".into(), json!(schedule));
    if let Some(tz) = timezone {
        s.insert("timezone".into(), json!(tz));
    }
    s.insert("sink".into(), sink.to_json());
    json!({
        "apiVersion": "sources.knative.dev/v1",
        "kind": "PingSource",
        "metadata": meta.to_json(&[], &[]),
        "spec": s,
    })
}
