//! Health of live objects: Knative's `Ready` condition (with
//! `observedGeneration`) and kstatus-style rules for everything else →
//! Healthy / Progressing / Degraded per object, and the worst of them per
//! app. Pure: it looks only at the object values it is given.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    /// Also the state before anything is known.
    #[default]
    Progressing,
    Degraded,
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Health::Healthy => "healthy",
            Health::Progressing => "progressing",
            Health::Degraded => "degraded",
        })
    }
}

/// An object's health and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub health: Health,
    pub message: String,
}

impl Assessment {
    fn new(health: Health, message: impl Into<String>) -> Self {
        Assessment {
            health,
            message: message.into(),
        }
    }
}

/// Kinds that have no status worth waiting for: present means healthy.
const STATUSLESS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "Event",
    "Lease",
];

/// The health of one object; `None` = the object does not exist.
pub fn assess(live: Option<&Value>) -> Assessment {
    let Some(obj) = live else {
        return Assessment::new(Health::Degraded, "missing from the cluster");
    };
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return Assessment::new(Health::Progressing, "being deleted");
    }
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if STATUSLESS.contains(&kind) {
        return Assessment::new(Health::Healthy, "present");
    }
    if kind == "Namespace" {
        return match obj.pointer("/status/phase").and_then(Value::as_str) {
            Some("Terminating") => Assessment::new(Health::Progressing, "terminating"),
            _ => Assessment::new(Health::Healthy, "active"),
        };
    }
    let status = obj.get("status");
    let conditions = status
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array);
    let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
    let observed = status
        .and_then(|s| s.get("observedGeneration"))
        .and_then(Value::as_i64);
    // A controller that has not seen the latest spec says nothing about it.
    if let (Some(g), Some(o)) = (generation, observed)
        && o < g
    {
        return Assessment::new(
            Health::Progressing,
            format!("waiting for the controller to observe generation {g} (seen {o})"),
        );
    }
    let Some(conditions) = conditions else {
        return match kind_without_status_is_ok(kind) {
            true => Assessment::new(Health::Healthy, "present"),
            false => Assessment::new(Health::Progressing, "no status reported yet"),
        };
    };
    let find = |t: &str| {
        conditions
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
    };
    let text = |c: &Value| {
        let reason = c.get("reason").and_then(Value::as_str).unwrap_or_default();
        let message = c.get("message").and_then(Value::as_str).unwrap_or_default();
        match (reason.is_empty(), message.is_empty()) {
            (false, false) => format!("{reason}: {message}"),
            (false, true) => reason.to_string(),
            (true, false) => message.to_string(),
            (true, true) => String::new(),
        }
    };
    fn status_of(c: &Value) -> &str {
        c.get("status").and_then(Value::as_str).unwrap_or("Unknown")
    }
    // kstatus: Stalled=True is a failure, Reconciling=True is progress.
    if let Some(c) = find("Stalled")
        && status_of(c) == "True"
    {
        return Assessment::new(Health::Degraded, non_empty(text(c), "stalled"));
    }
    if let Some(c) = find("Ready") {
        return match status_of(c) {
            "True" => Assessment::new(Health::Healthy, "ready"),
            "False" => Assessment::new(Health::Degraded, non_empty(text(c), "not ready")),
            _ => Assessment::new(Health::Progressing, non_empty(text(c), "readiness unknown")),
        };
    }
    if let Some(c) = find("Reconciling")
        && status_of(c) == "True"
    {
        return Assessment::new(Health::Progressing, non_empty(text(c), "reconciling"));
    }
    if observed.is_some() || generation.is_none() {
        return Assessment::new(Health::Healthy, "no failing condition");
    }
    Assessment::new(Health::Progressing, "no Ready condition yet")
}

/// The health of `live`, an object of air's app `app`: one that exists
/// without air's labels for the app is left untouched, and degraded.
pub(crate) fn assess_owned(live: Option<&Value>, app: &str) -> Assessment {
    match live {
        Some(l) if !crate::object::owned_by(l, app) => Assessment::new(
            Health::Degraded,
            "exists but is not labelled as managed by air for this app: left untouched",
        ),
        _ => assess(live),
    }
}

/// Kinds that report no status at all in practice.
fn kind_without_status_is_ok(kind: &str) -> bool {
    !matches!(
        kind,
        "Service"
            | "Broker"
            | "Trigger"
            | "PingSource"
            | "EventType"
            | "ApiServerSource"
            | "ContainerSource"
            | "SinkBinding"
    )
}

fn non_empty(s: String, default: &str) -> String {
    if s.is_empty() { default.to_string() } else { s }
}

/// The app's health: the worst of its objects (an app with no objects is
/// healthy).
pub fn worst<'a>(objects: impl IntoIterator<Item = &'a Health>) -> Health {
    objects
        .into_iter()
        .copied()
        .max()
        .unwrap_or(Health::Healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ksvc(generation: i64, status: Value) -> Value {
        json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": "a", "namespace": "n", "generation": generation},
            "status": status})
    }

    #[test]
    fn knative_ready_condition() {
        let ready = ksvc(
            2,
            json!({"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        assert_eq!(assess(Some(&ready)).health, Health::Healthy);

        let failed = ksvc(
            1,
            json!({"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False",
                "reason": "RevisionFailed", "message": "image pull"}]}),
        );
        let a = assess(Some(&failed));
        assert_eq!(a.health, Health::Degraded);
        assert_eq!(a.message, "RevisionFailed: image pull");

        let unknown = ksvc(
            1,
            json!({"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "Unknown"}]}),
        );
        assert_eq!(assess(Some(&unknown)).health, Health::Progressing);
    }

    #[test]
    fn stale_observed_generation_is_progressing() {
        // Ready=True about an older spec says nothing about the new one.
        let stale = ksvc(
            3,
            json!({"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}),
        );
        let a = assess(Some(&stale));
        assert_eq!(a.health, Health::Progressing);
        assert!(a.message.contains("generation 3"));
    }

    #[test]
    fn knative_without_status_is_progressing() {
        let fresh = json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
            "metadata": {"name": "t", "generation": 1}});
        assert_eq!(assess(Some(&fresh)).health, Health::Progressing);
    }

    #[test]
    fn statusless_kinds_are_healthy_when_present() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(assess(Some(&cm)).health, Health::Healthy);
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"},
            "status": {"phase": "Active"}});
        assert_eq!(assess(Some(&ns)).health, Health::Healthy);
        let term = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"},
            "status": {"phase": "Terminating"}});
        assert_eq!(assess(Some(&term)).health, Health::Progressing);
        assert_eq!(assess(None).health, Health::Degraded);
    }

    #[test]
    fn kstatus_conditions() {
        let stalled = json!({"kind": "Widget", "metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Stalled", "status": "True", "message": "quota"}]}});
        assert_eq!(assess(Some(&stalled)).health, Health::Degraded);
        let rec = json!({"kind": "Widget", "metadata": {"generation": 1},
            "status": {"conditions": [{"type": "Reconciling", "status": "True"}]}});
        assert_eq!(assess(Some(&rec)).health, Health::Progressing);
        let plain = json!({"kind": "Widget", "metadata": {"name": "w"}});
        assert_eq!(assess(Some(&plain)).health, Health::Healthy);
        let deleting = json!({"kind": "ConfigMap", "metadata": {"deletionTimestamp": "x"}});
        assert_eq!(assess(Some(&deleting)).health, Health::Progressing);
    }

    #[test]
    fn app_health_is_the_worst() {
        assert_eq!(worst(&[]), Health::Healthy);
        assert_eq!(
            worst(&[Health::Healthy, Health::Progressing]),
            Health::Progressing
        );
        assert_eq!(
            worst(&[Health::Degraded, Health::Progressing, Health::Healthy]),
            Health::Degraded
        );
    }
}
