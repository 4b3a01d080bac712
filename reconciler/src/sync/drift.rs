//! Drift: a field air applied no longer has the value air applied, or an
//! object air applied is gone. Only the fields air sets are compared
//! ([`crate::fields::diff_owned`]): server defaults and fields another
//! field manager owns (an autoscaler changing a scale) are never drift.
//! Pure; the watcher ([`crate::watch`]) feeds it live objects.

use crate::fields::{FieldChange, diff_owned};
use crate::object::{ObjectRef, owned_by};
use serde::Serialize;
use serde_json::Value;

/// How an object drifted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum DriftKind {
    /// Deleted out of band.
    Deleted,
    /// Fields air manages were changed.
    Modified { fields: Vec<FieldChange> },
    /// air's ownership labels were removed or changed: air may no longer
    /// touch the object, so this is reported and never healed.
    Disowned,
}

/// One drifted object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Drift {
    pub object: ObjectRef,
    #[serde(flatten)]
    pub kind: DriftKind,
}

impl Drift {
    /// May self-heal revert this drift? Never for an object that lost
    /// air's labels (air only changes objects that carry them).
    pub fn healable(&self) -> bool {
        !matches!(self.kind, DriftKind::Disowned)
    }

    /// One line for logs and status.
    pub fn summary(&self) -> String {
        match &self.kind {
            DriftKind::Deleted => format!("{} was deleted", self.object),
            DriftKind::Disowned => format!("{} no longer carries air's labels", self.object),
            DriftKind::Modified { fields } => {
                let names: Vec<&str> = fields.iter().take(3).map(|f| f.path.as_str()).collect();
                let more = if fields.len() > 3 {
                    format!(" and {} more", fields.len() - 3)
                } else {
                    String::new()
                };
                format!("{}: {}{more} changed", self.object, names.join(", "))
            }
        }
    }
}

/// Compare what air applied (`desired`) for `app` with the live object
/// (`None` = deleted). `None` = in sync.
pub fn detect(app: &str, desired: &Value, live: Option<&Value>) -> Option<Drift> {
    let object = ObjectRef::of(desired)?;
    let Some(live) = live else {
        return Some(Drift {
            object,
            kind: DriftKind::Deleted,
        });
    };
    if live.pointer("/metadata/deletionTimestamp").is_some() {
        return Some(Drift {
            object,
            kind: DriftKind::Deleted,
        });
    }
    if !owned_by(live, app) {
        return Some(Drift {
            object,
            kind: DriftKind::Disowned,
        });
    }
    let fields = diff_owned(desired, &co_owners_only(live));
    (!fields.is_empty()).then_some(Drift {
        object,
        kind: DriftKind::Modified { fields },
    })
}

/// The live object with only the `managedFields` entries that make a
/// field legitimately someone else's: other managers' server-side applies
/// (a controller or autoscaler declaring the fields it owns). An
/// imperative update (`kubectl edit`, `kubectl patch`, a script) takes
/// ownership of the fields it changes, but changing a value air applied
/// that way is exactly the drift air exists to catch.
fn co_owners_only(live: &Value) -> Value {
    let mut l = live.clone();
    if let Some(Value::Array(entries)) = l.pointer_mut("/metadata/managedFields") {
        entries.retain(|e| e.get("operation").and_then(Value::as_str) == Some("Apply"));
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desired() -> Value {
        json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": "resize", "namespace": "media",
                "labels": {"app.kubernetes.io/managed-by": "air", "app.kubernetes.io/part-of": "media"}},
            "spec": {"template": {"spec": {"containers": [{"image": "r:1"}]}}}})
    }

    fn live_with(image: &str, extra_managed: Value) -> Value {
        let mut l = desired();
        l["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
        l["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
        l["metadata"]["resourceVersion"] = json!("7");
        l["metadata"]["managedFields"] = extra_managed;
        l["status"] = json!({"url": "http://resize"});
        l
    }

    #[test]
    fn in_sync_despite_server_defaults_and_status() {
        assert_eq!(
            detect("media", &desired(), Some(&live_with("r:1", json!([])))),
            None
        );
    }

    #[test]
    fn edited_field_is_drift() {
        let d = detect("media", &desired(), Some(&live_with("evil:1", json!([])))).unwrap();
        let DriftKind::Modified { fields } = &d.kind else {
            panic!("{d:?}")
        };
        assert_eq!(fields[0].path, "spec.template.spec.containers[0].image");
        assert!(d.healable());
        assert!(
            d.summary().contains("containers[0].image changed"),
            "{}",
            d.summary()
        );
    }

    #[test]
    fn field_owned_by_another_manager_is_not_drift() {
        let managed = json!([{"manager": "autoscaler", "operation": "Apply",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"user\"}": {"f:image": {}}}}}}}}]);
        assert_eq!(
            detect("media", &desired(), Some(&live_with("other:2", managed))),
            None
        );
    }

    #[test]
    fn imperative_edit_is_drift_even_though_it_took_ownership() {
        let managed = json!([{"manager": "kubectl-patch", "operation": "Update",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {}}}}}}]);
        let d = detect("media", &desired(), Some(&live_with("evil:1", managed))).unwrap();
        assert!(matches!(d.kind, DriftKind::Modified { .. }), "{d:?}");
    }

    #[test]
    fn deletion_and_lost_labels() {
        let d = detect("media", &desired(), None).unwrap();
        assert_eq!(d.kind, DriftKind::Deleted);
        assert!(d.summary().ends_with("was deleted"));
        let mut l = live_with("r:1", json!([]));
        l["metadata"]["labels"] = json!({});
        let d = detect("media", &desired(), Some(&l)).unwrap();
        assert_eq!(d.kind, DriftKind::Disowned);
        assert!(!d.healable());
        let mut l = live_with("r:1", json!([]));
        l["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(
            detect("media", &desired(), Some(&l)).unwrap().kind,
            DriftKind::Deleted
        );
    }
}
