//! An app in sync is idle: its periodic cycles on an unchanged commit send
//! no request for its objects (no read, no apply, no inventory); only the
//! Git fetch runs, and the watches keep the cluster in step. Counted at the
//! test API server (`Server::requests`), over cycles counted by the
//! controller's metrics, never timed. A new commit after an idle stretch,
//! a manual trigger and drift are all still handled in full.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile::{Reconciler, Repo, SyncedShop, eventually, image, write_app};
use std::collections::BTreeMap;

fn config(repo: &Repo, interval: &str) -> String {
    format!(
        r#"
[[app]]
name = "shop"
repo = "{}"
branch = "main"
path = "apps/shop"
interval = "{interval}"
"#,
        repo.file_url()
    )
}

/// How many cycles the app has run (`air_reconcile_duration_seconds_count`).
async fn cycles(rec: &Reconciler) -> u64 {
    let (_, metrics) = rec.http_get("/metrics").await;
    let key = "air_reconcile_duration_seconds_count{app=\"shop\"} ";
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Wait until the app has run `n` cycles; the count reached.
async fn wait_cycles(rec: &Reconciler, n: u64) -> u64 {
    eventually(&format!("{n} cycles"), || async {
        match cycles(rec).await {
            c if c >= n => Ok(c),
            c => Err(format!("{c} cycles")),
        }
    })
    .await
}

/// Requests by verb between two counts of the test API server.
fn since(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_cycles_send_no_request_for_objects_and_changes_still_sync() {
    if !air_tests::tools::require("git", "git") {
        return;
    }
    let SyncedShop {
        kube, repo, rec, ..
    } = &SyncedShop::start(|repo| config(repo, "1s")).await;

    // Idle: three cycles on the same commit, after the first one (and the
    // watchers' initial lists it started) are done.
    let first = wait_cycles(rec, 2).await;
    let before = kube.server.requests();
    wait_cycles(rec, first + 3).await;
    let idle = since(&kube.server.requests(), &before);
    for verb in [
        "get",
        "list",
        "patch",
        "patch (dry run)",
        "create",
        "update",
        "delete",
    ] {
        assert_eq!(idle.get(verb), None, "idle cycles sent {verb}: {idle:?}");
    }

    // Drift while idle is still healed, by the watch: an imperative edit
    // (a merge patch, as `kubectl edit` sends) of the image.
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:1.0.0");
    let api = kube
        .cluster
        .api_for(&air_reconciler::object::ObjectRef::of(&web).unwrap())
        .await
        .unwrap();
    let edit = serde_json::json!({"spec": {"template": {"spec": {"containers": [
        {"name": "user-container", "image": "evil.example.com/web:6.6.6"}
    ]}}}});
    let params = kube::api::PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..kube::api::PatchParams::default()
    };
    api.patch("web", &params, &kube::api::Patch::Merge(&edit))
        .await
        .unwrap();
    eventually("the edit healed", || async {
        let web = kube.ksvc("shop", "web").await.unwrap();
        match image(&web).as_str() {
            "registry.example.com/shop/web:1.0.0" => Ok(()),
            other => Err(other.to_string()),
        }
    })
    .await;

    // A manual trigger syncs in full even on the same commit: it reads the
    // objects again.
    let before = kube.server.requests();
    let done = cycles(rec).await;
    rec.trigger("shop").await;
    eventually("the triggered sync read the objects", || async {
        let seen = since(&kube.server.requests(), &before);
        match seen.get("get") {
            Some(n) if *n >= 3 => Ok(()),
            _ => Err(format!("{seen:?}")),
        }
    })
    .await;
    wait_cycles(rec, done + 1).await;

    // A new commit after the idle stretch is applied.
    write_app(repo, "apps/shop", "shop", "shop", "2.0.0");
    let c2 = repo.commit("two");
    rec.synced_at("shop", &c2).await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:2.0.0");
}

/// The inventory is air's own bookkeeping, watched like the app's objects:
/// deleted by hand while the app is idle (no cycle due for an hour, and an
/// idle cycle would send no request anyway), it is written again at once
/// by a full sync, listing every object, so prune still knows them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_deleted_by_hand_is_written_again_without_waiting_for_a_cycle() {
    if !air_tests::tools::require("git", "git") {
        return;
    }
    let SyncedShop { kube, .. } = &SyncedShop::start(|repo| config(repo, "1h")).await;
    let listed = |cm: &serde_json::Value| {
        cm.pointer("/data/inventory.json")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let original = kube
        .get("v1", "ConfigMap", "shop", "air-inventory-shop")
        .await
        .unwrap();
    assert!(listed(&original).contains("\"web\""), "{original:#}");

    let api = kube
        .cluster
        .api_for(&air_reconciler::object::ObjectRef::of(&original).unwrap())
        .await
        .unwrap();
    api.delete("air-inventory-shop", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    eventually("the inventory written again", || async {
        match kube
            .get("v1", "ConfigMap", "shop", "air-inventory-shop")
            .await
        {
            Some(cm) if listed(&cm) == listed(&original) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert!(kube.ksvc("shop", "web").await.is_some());
}
