//! The app's inventory kept in the cluster: a ConfigMap
//! `air-inventory-<app>` in the app's namespace holding the references of
//! every object air applied for the app (like Flux's `status.inventory`),
//! and the app's last status. Prune only ever considers objects listed
//! here.

use crate::cluster::{Cluster, ClusterError};
use crate::object::{LABEL_MANAGED_BY, MANAGED_BY_AIR, ObjectRef};
use crate::plan::Inventory;
use serde_json::{Value, json};

pub(crate) fn configmap_name(app: &str) -> String {
    format!("air-inventory-{app}")
}

/// The inventory ConfigMap of `app` in `namespace`.
pub(crate) fn configmap_ref(app: &str, namespace: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: namespace.into(),
        name: configmap_name(app),
    }
}

/// The inventory, empty when none was written yet.
pub async fn load(
    cluster: &Cluster,
    app: &str,
    namespace: &str,
) -> Result<Inventory, ClusterError> {
    let Some(cm) = cluster.get(&configmap_ref(app, namespace)).await? else {
        return Ok(Inventory::default());
    };
    let text = cm
        .pointer("/data/inventory.json")
        .and_then(Value::as_str)
        .unwrap_or("{}");
    serde_json::from_str(text)
        .map_err(|e| ClusterError::Other(format!("inventory of `{app}` is unreadable: {e}")))
}

/// Write the inventory (and optionally the app's status document).
pub async fn store(
    cluster: &Cluster,
    app: &str,
    namespace: &str,
    inventory: &Inventory,
    status: Option<&Value>,
) -> Result<(), ClusterError> {
    let mut data = serde_json::Map::new();
    data.insert(
        "inventory.json".into(),
        Value::String(serde_json::to_string_pretty(inventory).unwrap_or_default()),
    );
    if let Some(s) = status {
        data.insert(
            "status.json".into(),
            Value::String(serde_json::to_string_pretty(s).unwrap_or_default()),
        );
    }
    // The inventory is air's own bookkeeping: it is labelled as managed by
    // air but deliberately not `part-of` the app, so no plan ever prunes it.
    let cm = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": configmap_name(app),
            "namespace": namespace,
            "labels": { LABEL_MANAGED_BY: MANAGED_BY_AIR, "air.dev/inventory-of": app },
        },
        "data": data,
    });
    cluster.apply(&cm, false, true).await.map(|_| ())
}
