//! The CloudEvent a PingSource sends on each tick (Knative's mtping
//! adapter, `makeEvent`): type `dev.knative.sources.ping`, source
//! `/apis/v1/namespaces/<ns>/pingsources/<name>`, the `ceOverrides`
//! extensions, and `data` / `dataBase64` with `contentType`. The adapter
//! sends it in binary mode (body = the payload bytes); its structured JSON
//! form here carries a JSON payload as JSON (when the content type is JSON
//! or absent and the bytes parse), other text as a string, anything else
//! as `data_base64`. The caller gives the `id` (the adapter draws a
//! UUID); `time` is the fire instant.

use crate::route::event::Event;
use crate::route::objects::PingSource;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

pub const PING_EVENT_TYPE: &str = "dev.knative.sources.ping";

/// The `source` attribute of a PingSource's events.
pub fn ping_event_source(namespace: &str, name: &str) -> String {
    format!("/apis/v1/namespaces/{namespace}/pingsources/{name}")
}

pub fn tick_event(ping: &PingSource, id: &str, at: DateTime<Utc>) -> Event {
    let mut e = Event::new();
    e.insert("specversion".into(), "1.0".into());
    e.insert("id".into(), id.into());
    e.insert(
        "source".into(),
        ping_event_source(&ping.meta.namespace, &ping.meta.name).into(),
    );
    e.insert("type".into(), PING_EVENT_TYPE.into());
    e.insert(
        "time".into(),
        at.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
    );
    for (k, v) in &ping.extensions {
        e.insert(k.clone(), v.clone().into());
    }
    let bytes = match (&ping.data_base64, &ping.data) {
        (Some(b64), _) => match base64::engine::general_purpose::STANDARD.decode(b64) {
            Ok(b) => Some(b),
            Err(_) => {
                e.insert("data_base64".into(), b64.clone().into());
                None
            }
        },
        (None, Some(text)) => Some(text.clone().into_bytes()),
        (None, None) => None,
    };
    if let Some(ct) = &ping.content_type {
        e.insert("datacontenttype".into(), ct.clone().into());
    }
    if let Some(bytes) = bytes {
        let (key, value) = payload(bytes, ping.content_type.as_deref());
        e.insert(key.into(), value);
    }
    e
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let media = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        media == "application/json" || media == "text/json" || media.ends_with("+json")
    })
}

/// The payload's member in the JSON form.
fn payload(bytes: Vec<u8>, content_type: Option<&str>) -> (&'static str, Value) {
    if is_json(content_type)
        && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
    {
        return ("data", v);
    }
    match String::from_utf8(bytes) {
        Ok(text) => ("data", Value::String(text)),
        Err(e) => (
            "data_base64",
            Value::String(base64::engine::general_purpose::STANDARD.encode(e.into_bytes())),
        ),
    }
}
