// Tests build small object lists inline; cloning into slices reads better here.
#![allow(clippy::cloned_ref_to_slice_refs)]

use super::*;
use serde_json::json;

fn svc(app: &str, name: &str, image: &str) -> Value {
    json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "ns",
            "labels": {"app.kubernetes.io/managed-by": "air", "app.kubernetes.io/part-of": app}},
        "spec": {"template": {"spec": {"containers": [{"image": image}]}}}})
}

fn live_of(objs: &[Value]) -> BTreeMap<ObjectRef, Value> {
    objs.iter()
        .map(|o| (ObjectRef::of(o).expect("ref"), o.clone()))
        .collect()
}

fn inv(objs: &[Value]) -> Inventory {
    Inventory {
        revision: None,
        objects: objs.iter().filter_map(ObjectRef::of).collect(),
    }
}

#[test]
fn creates_what_is_missing() {
    let d = [svc("a", "x", "img:1")];
    let p = plan(
        "a",
        "ns",
        &d,
        &BTreeMap::new(),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.count(Action::Create), 1);
    assert!(!p.is_noop());
}

#[test]
fn unchanged_ignores_server_defaults() {
    let d = svc("a", "x", "img:1");
    let mut l = d.clone();
    l["spec"]["template"]["spec"]["containerConcurrency"] = json!(0);
    l["metadata"]["resourceVersion"] = json!("42");
    l["status"] = json!({"conditions": []});
    let p = plan(
        "a",
        "ns",
        &[d],
        &live_of(&[l]),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.count(Action::Unchanged), 1, "{p:?}");
}

#[test]
fn update_names_the_field() {
    let d = svc("a", "x", "img:2");
    let l = svc("a", "x", "img:1");
    let p = plan(
        "a",
        "ns",
        &[d],
        &live_of(&[l]),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].fields[0].path,
        "spec.template.spec.containers[0].image"
    );
}

#[test]
fn field_owned_by_another_manager_is_not_drift() {
    let mut d = svc("a", "x", "img:1");
    d["metadata"]["annotations"] = json!({"autoscaling.knative.dev/min-scale": "1"});
    let mut l = d.clone();
    l["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] = json!("3");
    l["metadata"]["managedFields"] = json!([{"manager": "autoscaler", "operation": "Apply",
        "fieldsV1": {"f:metadata": {"f:annotations": {"f:autoscaling.knative.dev/min-scale": {}}}}}]);
    let p = plan(
        "a",
        "ns",
        &[d],
        &live_of(&[l]),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.count(Action::Unchanged), 1, "{p:?}");
}

#[test]
fn never_touches_unlabelled_or_foreign_objects() {
    let d = svc("a", "x", "img:2");
    let mut unlabelled = svc("a", "x", "img:1");
    unlabelled["metadata"]["labels"] = json!({});
    let p = plan(
        "a",
        "ns",
        std::slice::from_ref(&d),
        &live_of(&[unlabelled]),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.changes[0].action, Action::Blocked);
    let foreign = svc("b", "x", "img:1");
    let p = plan(
        "a",
        "ns",
        &[d],
        &live_of(&[foreign]),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.changes[0].action, Action::Blocked);
}

#[test]
fn prunes_only_inventory_objects_still_labelled() {
    let keep = svc("a", "keep", "i:1");
    let gone = svc("a", "gone", "i:1");
    let mut relabelled = svc("a", "relabelled", "i:1");
    relabelled["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "someone"});
    let stranger = svc("a", "stranger", "i:1"); // labelled but not in the inventory
    let live = live_of(&[keep.clone(), gone.clone(), relabelled.clone(), stranger]);
    let p = plan(
        "a",
        "ns",
        std::slice::from_ref(&keep),
        &live,
        &inv(&[keep.clone(), gone, relabelled]),
        PlanOptions::default(),
    );
    let deleted: Vec<_> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.object.name.clone())
        .collect();
    assert_eq!(deleted, vec!["gone"]);
    assert_eq!(p.count(Action::Orphaned), 1);
}

#[test]
fn prune_off_orphans() {
    let gone = svc("a", "gone", "i:1");
    let keep = svc("a", "keep", "i:1");
    let opts = PlanOptions {
        prune: false,
        allow_prune_all: false,
    };
    let p = plan(
        "a",
        "ns",
        std::slice::from_ref(&keep),
        &live_of(&[gone.clone(), keep.clone()]),
        &inv(&[gone]),
        opts,
    );
    assert_eq!(p.count(Action::Delete), 0);
    assert_eq!(p.count(Action::Orphaned), 1);
}

#[test]
fn refuses_to_prune_everything_unless_allowed() {
    let gone = svc("a", "gone", "i:1");
    let p = plan(
        "a",
        "ns",
        &[],
        &live_of(&[gone.clone()]),
        &inv(&[gone.clone()]),
        PlanOptions::default(),
    );
    assert!(p.refused.is_some());
    let opts = PlanOptions {
        prune: true,
        allow_prune_all: true,
    };
    let p = plan(
        "a",
        "ns",
        &[],
        &live_of(&[gone.clone()]),
        &inv(&[gone]),
        opts,
    );
    assert!(p.refused.is_none());
    assert_eq!(p.count(Action::Delete), 1);
}

#[test]
fn order_follows_dependencies() {
    let trig = json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger", "metadata": {"name": "t", "namespace": "ns"}});
    let broker = json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "metadata": {"name": "b", "namespace": "ns"}});
    let p = plan(
        "a",
        "ns",
        &[trig, broker],
        &BTreeMap::new(),
        &Inventory::default(),
        PlanOptions::default(),
    );
    assert_eq!(p.changes[0].object.kind, "Broker");
}

#[test]
fn the_digest_is_bookkeeping_not_a_named_field() {
    let change = |path: &str| FieldChange {
        path: path.into(),
        live: None,
        desired: None,
    };
    let digest = change("metadata.annotations[\"air.dev/digest\"]");
    assert!(digest.is_digest());
    assert!(!change("metadata.annotations[\"air.dev/source\"]").is_digest());
    assert_eq!(
        update_reason(std::slice::from_ref(&digest)),
        "changed in the revision, in fields another field manager owns now"
    );
    assert_eq!(update_reason(&[digest, change("spec.x")]), "spec.x differ");
}

#[test]
fn the_inventory_cannot_make_air_delete_what_it_could_not_have_made() {
    let labels = json!({"app.kubernetes.io/managed-by": "air", "app.kubernetes.io/part-of": "a"});
    // Labelled like the app and listed in its inventory, but: a Namespace,
    // an emitted kind in another namespace, a kind air never emits.
    let planted = [
        json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "prod", "labels": labels}}),
        json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": "x", "namespace": "other", "labels": labels}}),
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "namespace": "ns", "labels": labels}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "admin", "labels": labels}}),
    ];
    let gone = svc("a", "gone", "img:1");
    let mut live_objs = planted.to_vec();
    live_objs.push(gone.clone());
    let mut inventory = inv(&live_objs);
    inventory.revision = Some("r1".into());
    let p = plan(
        "a",
        "ns",
        &[svc("a", "kept", "img:1")],
        &live_of(&live_objs),
        &inventory,
        PlanOptions::default(),
    );
    let deleted: Vec<&ObjectRef> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| &c.object)
        .collect();
    assert_eq!(deleted, [&ObjectRef::of(&gone).expect("ref")]);
    // Even with no wanted object at all (prune-all allowed).
    let all = PlanOptions {
        prune: true,
        allow_prune_all: true,
    };
    let p = plan("a", "ns", &[], &live_of(&live_objs), &inventory, all);
    assert_eq!(p.count(Action::Delete), 1, "{p:?}");
}
