//! Kubernetes Events for what the controller does, so `kubectl get events`
//! and `kubectl describe configmap air-status-<app>` tell the story next to
//! the cluster's own: a revision applied, a fetch, compile or apply failure,
//! a recovery, drift seen or healed, health lost and regained.
//!
//! Events are derived from changes of the app's status (pure, below), plus
//! the heals the drift handler reports, so a steady app writes none. They
//! regard the app's status ConfigMap (there is no AirApp object yet), and
//! carry only status text, which never holds a credential (status.rs).

use crate::cluster::Cluster;
use crate::health::Health;
use crate::object::{LABEL_MANAGED_BY, MANAGED_BY_AIR, ObjectRef};
use crate::status::{AppStatus, Stage, SyncState, configmap_name, short_commit as short};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// The label naming the app an Event is about.
pub const LABEL_APP: &str = "air.dev/app";
/// What the API server keeps of a message; longer ones are cut.
const MAX_MESSAGE: usize = 1024;

/// `Normal` or `Warning`, as Kubernetes has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// One event to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSpec {
    pub kind: EventType,
    /// CamelCase, machine-readable (`Synced`, `CompileFailed`, …).
    pub reason: &'static str,
    pub message: String,
}

impl EventSpec {
    fn new(kind: EventType, reason: &'static str, message: String) -> Self {
        EventSpec {
            kind,
            reason,
            message,
        }
    }

    /// A drifted object was put back.
    pub fn healed(object: &ObjectRef, summary: &str) -> Self {
        EventSpec::new(
            EventType::Normal,
            "DriftHealed",
            format!("{object}: {summary}; re-applied"),
        )
    }
}

/// The events that the change from `prev` to `next` deserves.
pub fn transitions(prev: &AppStatus, next: &AppStatus) -> Vec<EventSpec> {
    let mut out = Vec::new();
    if next.revision != prev.revision
        && let Some(rev) = &next.revision
    {
        out.push(EventSpec::new(
            EventType::Normal,
            "Synced",
            format!("applied revision {}", short(rev)),
        ));
    } else if prev.sync == SyncState::Failed && next.sync == SyncState::Synced {
        out.push(EventSpec::new(
            EventType::Normal,
            "Recovered",
            match &next.revision {
                Some(rev) => format!("revision {} in force again", short(rev)),
                None => "recovered".into(),
            },
        ));
    }
    // A new error (retries of the same one stay quiet). Heal errors leave
    // the sync state alone, so the error itself is what changes.
    if let Some(e) = &next.last_error
        && prev
            .last_error
            .as_ref()
            .is_none_or(|p| p.message != e.message || p.stage != e.stage)
    {
        let reason = match e.stage {
            Stage::Fetch => "FetchFailed",
            Stage::Compile => "CompileFailed",
            Stage::Apply => "ApplyFailed",
            Stage::Heal => "HealFailed",
        };
        out.push(EventSpec::new(
            EventType::Warning,
            reason,
            e.message.clone(),
        ));
    }
    for d in &next.drifted {
        if !prev.drifted.iter().any(|p| p.object == d.object) {
            out.push(EventSpec::new(
                EventType::Warning,
                "Drifted",
                format!("{}: {}", d.object, d.summary),
            ));
        }
    }
    if next.health != prev.health {
        match next.health {
            Health::Degraded => {
                let why = next
                    .objects
                    .iter()
                    .find(|o| o.health == Health::Degraded)
                    .map(|o| format!("{}: {}", o.object, o.message))
                    .unwrap_or_else(|| "an object is degraded".into());
                out.push(EventSpec::new(EventType::Warning, "Degraded", why));
            }
            Health::Healthy if prev.health == Health::Degraded => out.push(EventSpec::new(
                EventType::Normal,
                "Healthy",
                "every object is healthy again".into(),
            )),
            _ => {}
        }
    }
    out
}

/// Writes events into the app's namespace.
pub struct Recorder {
    cluster: Cluster,
    /// Who reports (the pod name in a cluster).
    instance: String,
}

/// Makes event names unique within one process and second.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Recorder {
    pub fn new(cluster: Cluster) -> Self {
        let instance = std::env::var("HOSTNAME")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "air-reconciler".into());
        Recorder { cluster, instance }
    }

    /// Record `spec` about `app` (namespace `namespace`). Failures are
    /// logged at debug level only: events are best effort, as in
    /// Kubernetes' own recorders.
    pub async fn record(&self, app: &str, namespace: &str, spec: &EventSpec) {
        let event = self.event(app, namespace, spec, now_seconds());
        if let Err(e) = self.cluster.apply(&event, false, true).await {
            tracing::debug!(%app, reason = spec.reason, error = %e, "cannot record an event");
        }
    }

    /// The core/v1 Event object.
    pub fn event(&self, app: &str, namespace: &str, spec: &EventSpec, secs: u64) -> Value {
        let regarding = configmap_name(app);
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let name = format!("{regarding}.{secs:x}{seq:04x}");
        let time = rfc3339(secs);
        let mut message = spec.message.clone();
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE - 3;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("...");
        }
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": { LABEL_MANAGED_BY: MANAGED_BY_AIR, LABEL_APP: app },
            },
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": regarding,
                "namespace": namespace,
            },
            "type": match spec.kind {
                EventType::Normal => "Normal",
                EventType::Warning => "Warning",
            },
            "reason": spec.reason,
            "message": message,
            "source": { "component": "air-reconciler" },
            "reportingComponent": "air.dev/reconciler",
            "reportingInstance": self.instance,
            "firstTimestamp": time,
            "lastTimestamp": time,
            "count": 1,
        })
    }
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2026-11-27T11:53:38Z`, the form Kubernetes writes timestamps in.
fn rfc3339(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(0);
    jiff::Timestamp::from_second(secs)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{DriftedObject, LastError, ObjectStatus};

    fn r(name: &str) -> ObjectRef {
        ObjectRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "ns".into(),
            name: name.into(),
        }
    }

    fn reasons(prev: &AppStatus, next: &AppStatus) -> Vec<&'static str> {
        transitions(prev, next).iter().map(|e| e.reason).collect()
    }

    #[test]
    fn a_steady_app_gets_no_events() {
        let s = AppStatus {
            revision: Some("abc".into()),
            sync: SyncState::Synced,
            ..AppStatus::default()
        };
        assert!(transitions(&s, &s).is_empty());
    }

    #[test]
    fn revisions_failures_and_recoveries() {
        let synced = AppStatus {
            revision: Some("0123456789abcdef".into()),
            sync: SyncState::Synced,
            ..AppStatus::default()
        };
        let fresh = AppStatus::default();
        assert_eq!(reasons(&fresh, &synced), ["Synced"]);
        assert_eq!(
            transitions(&fresh, &synced)[0].message,
            "applied revision 0123456789ab"
        );
        let failed = AppStatus {
            sync: SyncState::Failed,
            last_error: Some(LastError {
                stage: Stage::Compile,
                reason: None,
                message: "revision x does not compile".into(),
                time: 1,
            }),
            ..synced.clone()
        };
        assert_eq!(reasons(&synced, &failed), ["CompileFailed"]);
        // The same failure again: no new event; another one: a new event.
        assert!(transitions(&failed, &failed).is_empty());
        let mut other = failed.clone();
        if let Some(e) = other.last_error.as_mut() {
            e.stage = Stage::Fetch;
            e.message = "cannot reach the remote".into();
        }
        assert_eq!(reasons(&failed, &other), ["FetchFailed"]);
        assert_eq!(reasons(&other, &synced), ["Recovered"]);
    }

    #[test]
    fn drift_and_health() {
        let base = AppStatus {
            sync: SyncState::Synced,
            health: Health::Healthy,
            ..AppStatus::default()
        };
        let drifted = AppStatus {
            sync: SyncState::OutOfSync,
            drifted: vec![DriftedObject {
                object: r("c"),
                summary: "data.k changed".into(),
            }],
            health: Health::Degraded,
            objects: vec![ObjectStatus {
                object: r("c"),
                health: Health::Degraded,
                message: "Ready=False".into(),
            }],
            ..base.clone()
        };
        assert_eq!(reasons(&base, &drifted), ["Drifted", "Degraded"]);
        assert_eq!(reasons(&drifted, &base), ["Healthy"]);
    }

    #[tokio::test]
    async fn events_are_well_formed_and_bounded() {
        crate::cluster::install_crypto_provider();
        let rec = Recorder {
            cluster: Cluster::new(
                kube::Client::try_from(kube::Config::new("http://127.0.0.1:1".parse().unwrap()))
                    .unwrap(),
            ),
            instance: "pod-1".into(),
        };
        let spec = EventSpec::new(EventType::Warning, "ApplyFailed", "é".repeat(2000));
        let e = rec.event("shop", "shop", &spec, 1_795_000_000);
        assert_eq!(e["involvedObject"]["name"], "air-status-shop");
        assert_eq!(e["type"], "Warning");
        assert_eq!(e["firstTimestamp"], "2026-11-18T11:06:40Z");
        assert!(e["message"].as_str().unwrap().len() <= MAX_MESSAGE);
        let again = rec.event("shop", "shop", &spec, 1_795_000_000);
        assert_ne!(e["metadata"]["name"], again["metadata"]["name"]);
    }
}
