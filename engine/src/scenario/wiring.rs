//! The compiled app as the test world sees it: the workflow documents (from
//! their ConfigMaps), where the broker delivers an event (the Triggers),
//! and when schedules fire (the PingSources).

use crate::route::broker;
use crate::route::endpoint::{self, Endpoint};
use crate::route::event::Event;
use crate::route::objects::{self, Objects, PingSource};
use crate::route::schedule::{Schedule, tick_event};
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

/// Virtual time 0: 2026-01-01T00:00:00Z, a Thursday.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Why the compiled objects cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("{0}")]
    Object(#[from] objects::ObjectError),
    #[error("ConfigMap {namespace}/{name}: the workflow document is not YAML: {message}")]
    Document {
        namespace: String,
        name: String,
        message: String,
    },
    #[error("PingSource {namespace}/{name}: {message}")]
    Schedule {
        namespace: String,
        name: String,
        message: String,
    },
}

/// Where a delivery ends up.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Start { namespace: String, workflow: String },
    Ingress { namespace: String },
    Other(String),
}

/// A schedule that starts a workflow.
struct Timed {
    source: PingSource,
    schedule: Schedule,
    /// The workflow its sink starts, if it is a start endpoint.
    start: Option<(String, String)>,
}

/// A schedule due to fire: the workflow it starts (namespace, name) and
/// the schedule itself.
pub type Due = (String, String, SourceId);

/// Which schedule, for [`Wiring::tick_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceId(usize);

/// The compiled app, read once and shared by every test.
pub struct Wiring {
    objects: Objects,
    documents: Vec<Value>,
    schedules: Vec<Timed>,
    runtime_url: String,
    namespace: String,
    broker: String,
}

impl Wiring {
    /// Read the objects `air build` emits for an app whose events go to
    /// broker `namespace/broker`, with the runtime at `runtime_url`.
    pub fn read(
        objects: &[Value],
        runtime_url: &str,
        namespace: &str,
        broker: &str,
    ) -> Result<Wiring, WiringError> {
        let objects = objects::read(objects)?;
        let mut documents = Vec::new();
        for cm in &objects.workflows {
            let doc: Value =
                serde_norway::from_str(&cm.document).map_err(|e| WiringError::Document {
                    namespace: cm.meta.namespace.clone(),
                    name: cm.meta.name.clone(),
                    message: e.to_string(),
                })?;
            documents.push(doc);
        }
        let mut schedules = Vec::new();
        for ps in &objects.ping_sources {
            let schedule = Schedule::parse(&ps.schedule, ps.timezone.as_deref()).map_err(|e| {
                WiringError::Schedule {
                    namespace: ps.meta.namespace.clone(),
                    name: ps.meta.name.clone(),
                    message: e.to_string(),
                }
            })?;
            let start = ps.sink.resolve().ok().and_then(|uri| {
                match endpoint::classify(&uri, runtime_url, &ps.meta.namespace) {
                    Endpoint::Start {
                        namespace,
                        workflow,
                    } => Some((namespace, workflow)),
                    _ => None,
                }
            });
            schedules.push(Timed {
                source: ps.clone(),
                schedule,
                start,
            });
        }
        Ok(Wiring {
            objects,
            documents,
            schedules,
            runtime_url: runtime_url.to_string(),
            namespace: namespace.to_string(),
            broker: broker.to_string(),
        })
    }

    /// The workflow documents, as their ConfigMaps hold them.
    pub fn documents(&self) -> &[Value] {
        &self.documents
    }

    /// Where the broker delivers `event`: (Trigger name, target) for every
    /// Trigger that passes it, by Trigger name.
    pub fn deliveries(&self, event: &Value) -> Vec<(String, Target)> {
        let Some(event) = event.as_object() else {
            return Vec::new();
        };
        let triggers = self.objects.triggers_of(&self.namespace, &self.broker);
        let deliveries = match broker::route(triggers, &self.namespace, &self.broker, event) {
            Ok(d) => d,
            Err(e) => return vec![(e.trigger.clone(), Target::Other(e.to_string()))],
        };
        deliveries
            .into_iter()
            .map(|d| {
                let target =
                    match endpoint::classify(&d.subscriber, &self.runtime_url, &d.namespace) {
                        Endpoint::Start {
                            namespace,
                            workflow,
                        } => Target::Start {
                            namespace,
                            workflow,
                        },
                        Endpoint::Ingress { namespace } => Target::Ingress { namespace },
                        Endpoint::Other(uri) => Target::Other(uri),
                    };
                (d.trigger, target)
            })
            .collect()
    }

    /// The schedule that starts `namespace/workflow`, if any.
    pub fn schedule_of(&self, namespace: &str, workflow: &str) -> Option<SourceId> {
        self.schedules
            .iter()
            .position(|t| {
                t.start
                    .as_ref()
                    .is_some_and(|(n, w)| n == namespace && w == workflow)
            })
            .map(SourceId)
    }

    pub fn schedule_name(&self, id: SourceId) -> String {
        self.schedules
            .get(id.0)
            .map_or_else(String::new, |t| t.source.meta.name.clone())
    }

    /// The CloudEvent the PingSource sends at virtual time `at_ms`.
    pub fn tick_event(&self, id: SourceId, at_ms: u64) -> Value {
        let Some(t) = self.schedules.get(id.0) else {
            return Value::Null;
        };
        let at = instant(at_ms);
        let event: Event = tick_event(&t.source, &format!("tick-{}-{at_ms}", id.0), at);
        Value::Object(event)
    }

    /// The earliest instant in `(after_ms, until_ms]` at which schedules
    /// that start workflows fire, with (namespace, workflow, schedule) of
    /// each one firing then.
    pub fn next_tick(&self, after_ms: u64, until_ms: u64) -> Option<(u64, Vec<Due>)> {
        let after = i64::try_from(after_ms).ok()?;
        let fires: Vec<(u64, usize)> = self
            .schedules
            .iter()
            .enumerate()
            .filter(|(_, t)| t.start.is_some())
            .filter_map(|(i, t)| {
                let next = t.schedule.next_fire_ms(epoch(), after)?;
                let next = u64::try_from(next).ok()?;
                (next <= until_ms).then_some((next, i))
            })
            .collect();
        let first = fires.iter().map(|(t, _)| *t).min()?;
        let due = fires
            .into_iter()
            .filter(|(t, _)| *t == first)
            .filter_map(|(_, i)| {
                let (n, w) = self.schedules[i].start.clone()?;
                Some((n, w, SourceId(i)))
            })
            .collect();
        Some((first, due))
    }

    /// Virtual time as an RFC 3339 timestamp (the `time` of sent events).
    pub fn timestamp(&self, ms: u64) -> String {
        instant(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

fn instant(ms: u64) -> DateTime<Utc> {
    epoch() + Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
}
