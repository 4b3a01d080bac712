//! Objects read back from the cluster: `DESIRED\n---\nLIVE` (JSON or
//! YAML), compared field by field, planned, checked for drift and health,
//! and the inventory read from a live ConfigMap.
#![no_main]

use air_reconciler::object::ObjectRef;
use air_reconciler::plan::{Inventory, PlanOptions, plan};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::BTreeMap;

fn object(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_norway::from_str(text).ok())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (d, l) = text.split_once("\n---\n").unwrap_or((text, text));
    let (Some(desired), Some(live)) = (object(d), object(l)) else {
        return;
    };
    let _ = air_reconciler::fields::diff_owned(&desired, &live);
    let _ = air_reconciler::drift::detect("app", &desired, Some(&live));
    let _ = air_reconciler::drift::detect("app", &desired, None);
    let _ = air_reconciler::health::assess(Some(&live));
    let _ = air_reconciler::object::owned_by(&live, "app");
    // What inventory::load reads from the app's ConfigMap.
    let mut inventory: Inventory = live
        .pointer("/data/inventory.json")
        .and_then(Value::as_str)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let mut live_map = BTreeMap::new();
    if let Some(r) = ObjectRef::of(&desired) {
        live_map.insert(r, live.clone());
    }
    if let Some(r) = ObjectRef::of(&live) {
        inventory.objects.insert(r.clone());
        live_map.insert(r, live.clone());
    }
    let opts = PlanOptions::default();
    let desired = vec![desired];
    for (wanted, allow_prune_all) in [(&desired[..], false), (&[][..], true)] {
        let p = plan(
            "app",
            "app",
            wanted,
            &live_map,
            &inventory,
            PlanOptions {
                allow_prune_all,
                ..opts
            },
        );
        let _ = serde_json::to_string(&p);
    }
});
