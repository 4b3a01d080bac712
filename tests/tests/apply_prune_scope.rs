//! `--prune` against a tampered inventory: entries planted in the
//! `air-inventory-<app>` ConfigMap for a Namespace, for objects in another
//! namespace and for kinds air never emits — all labelled like the app's —
//! are never deleted. Against air-test-apiserver (or AIR_E2E_KUBECONFIG).
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::build_support;

use air_compiler::CompileOptions;
use air_reconciler::apply::{Quiet, SyncOptions, sync};
use air_reconciler::disk::DiskProvider;
use air_reconciler::inventory;
use air_reconciler::object::{ObjectRef, is_emitted_kind};
use air_tests::k8s::{Harness, configmap, labels, service};
use air_tests::repo_root;
use build_support::example_apps;
use serde_json::json;

const APP: &str = "media";
const PRUNE: SyncOptions = SyncOptions {
    dry_run: false,
    prune: true,
    allow_prune_all: true,
    force: false,
};

#[tokio::test]
async fn planted_inventory_entries_are_never_deleted() {
    let h = Harness::start("scope").await;
    let c = h.cluster().await;
    let ns = h.namespace.clone();
    let rev1 = vec![
        service(&ns, APP, "resize", "ghcr.io/acme/resize:1"),
        configmap(&ns, APP, "wf-ingest", "document: ingest"),
    ];
    sync(&c, APP, &ns, Some("r1"), &rev1, PRUNE, &mut Quiet)
        .await
        .unwrap();

    // What an attacker with write access to the inventory ConfigMap (but
    // not to those objects) would point air at, labelled like the app's.
    let victim_ns = format!("{ns}-victim");
    h.create_foreign(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": victim_ns, "labels": labels(APP)}}))
        .await;
    h.create_foreign(configmap(&victim_ns, APP, "elsewhere", "precious"))
        .await;
    h.create_foreign(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": ns, "labels": labels(APP)},
        "data": {"password": "aHVudGVyMg=="}}))
        .await;
    let planted = [
        ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: victim_ns.clone(),
        },
        ObjectRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: victim_ns.clone(),
            name: "elsewhere".into(),
        },
        h.r("v1", "Secret", "db"),
    ];
    let mut inv = inventory::load(&c, APP, &ns).await.unwrap();
    inv.objects.extend(planted.iter().cloned());
    inventory::store(&c, APP, &ns, &inv, None).await.unwrap();

    // A revision without the ConfigMap: it alone is pruned.
    let rev2 = vec![service(&ns, APP, "resize", "ghcr.io/acme/resize:1")];
    let report = sync(&c, APP, &ns, Some("r2"), &rev2, PRUNE, &mut Quiet)
        .await
        .unwrap();
    let deleted: Vec<String> = report.deleted.iter().map(ToString::to_string).collect();
    assert_eq!(deleted, [format!("ConfigMap/{ns}/wf-ingest")]);
    for r in &planted {
        assert!(h.get(r).await.is_some(), "{r} was deleted");
    }
    // The planted entries are dropped from the inventory air writes back.
    let inv = inventory::load(&c, APP, &ns).await.unwrap();
    assert!(planted.iter().all(|r| !inv.objects.contains(r)), "{inv:?}");

    // Even a revision that wants nothing (prune-all allowed) leaves them.
    sync(&c, APP, &ns, Some("r3"), &[], PRUNE, &mut Quiet)
        .await
        .unwrap();
    let mut inv = inventory::load(&c, APP, &ns).await.unwrap();
    inv.objects.extend(planted.iter().cloned());
    inventory::store(&c, APP, &ns, &inv, None).await.unwrap();
    sync(&c, APP, &ns, Some("r4"), &[], PRUNE, &mut Quiet)
        .await
        .unwrap();
    for r in &planted {
        assert!(h.get(r).await.is_some(), "{r} was deleted");
    }
}

/// The scope's list of kinds must hold every kind the compiler emits, or
/// air would stop pruning objects it made.
#[test]
fn every_kind_the_examples_emit_is_prunable() {
    for app in example_apps() {
        let provider = DiskProvider::new(&repo_root()).unwrap();
        let opts = CompileOptions {
            app_dir: app.clone(),
            env: None,
        };
        let mut c = air_compiler::compile::check(&provider, &opts);
        let objects = air_reconciler::desired::lower_checked(&mut c, None).unwrap();
        for o in &objects.objects {
            let r = ObjectRef::of(o).unwrap();
            assert!(is_emitted_kind(&r), "{app}: {r} is not in EMITTED_KINDS");
        }
    }
}
