//! The controller against the test API server over real HTTP, with the real
//! kubectl making out-of-band changes: drift is healed by the watch (the
//! interval is an hour, and the test checks no second reconcile ran), a
//! deleted object is recreated, a field another manager set survives,
//! self_heal = false only reports, and an API server that comes back empty
//! gets everything back. Also the HTTP surface: /healthz, /readyz,
//! /metrics, /api/apps.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::status::SyncState;
use reconcile_support::{Kube, Reconciler, Repo, eventually, image, write_app};

fn config(repo: &Repo) -> String {
    let url = repo.file_url();
    format!(
        r#"
[[app]]
name = "shop"
repo = "{url}"
branch = "main"
path = "apps/shop"
interval = "1h"

[[app]]
name = "report"
repo = "{url}"
branch = "main"
path = "apps/report"
interval = "1h"
self_heal = false
"#
    )
}

fn reconciles(metrics: &str, app: &str) -> String {
    let key = format!("air_reconcile_duration_seconds_count{{app=\"{app}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&key))
        .unwrap_or("none")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_healed_by_the_watch_and_reported_without_self_heal() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    write_app(&repo, "apps/report", "report", "report", "1.0.0");
    let c1 = repo.commit("one");
    let rec = Reconciler::start(
        &config(&repo),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );

    for app in ["shop", "report"] {
        eventually(&format!("{app} synced"), || async {
            let s = rec.status(app);
            match (s.sync, s.revision.as_deref()) {
                (SyncState::Synced, Some(r)) if r == c1 => Ok(()),
                _ => Err(format!("{s:?}")),
            }
        })
        .await;
    }
    let web = kube.ksvc("shop", "web").await.expect("web created");
    assert_eq!(image(&web), "registry.example.com/shop/web:1.0.0");
    let labels = &web["metadata"]["labels"];
    assert_eq!(labels["app.kubernetes.io/managed-by"], "air");
    assert_eq!(labels["app.kubernetes.io/part-of"], "shop");

    // The HTTP surface answers.
    assert_eq!(rec.http_get("/healthz").await.0, 200);
    eventually("ready", || async {
        match rec.http_get("/readyz").await {
            (200, _) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let (code, body) = rec.http_get("/api/apps").await;
    assert_eq!(code, 200);
    let apps: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(apps[1]["name"], "shop", "{apps}");
    assert_eq!(apps[1]["sync"], "synced");
    assert_eq!(apps[1]["revision"], c1.as_str());

    // Another manager sets a field air does not set: it must survive heals.
    kube.kubectl(&["-n", "shop", "annotate", "ksvc", "web", "team=payments"]);

    // kubectl edits a field air manages → healed, by the watch.
    kube.kubectl(&[
        "-n",
        "shop",
        "patch",
        "ksvc",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil.example.com/web:6.6.6"}]"#,
    ]);
    eventually("the edit healed", || async {
        let web = kube.ksvc("shop", "web").await.unwrap();
        let healed = rec.status("shop").healed;
        if image(&web) == "registry.example.com/shop/web:1.0.0" && healed >= 1 {
            Ok(web)
        } else {
            Err(format!("image {}, healed {healed}", image(&web)))
        }
    })
    .await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(web["metadata"]["annotations"]["team"], "payments", "{web}");
    // Healed without a second reconcile: the interval (1h) did not do it.
    let (_, metrics) = rec.http_get("/metrics").await;
    assert_eq!(reconciles(&metrics, "shop"), "1", "{metrics}");
    assert!(
        metrics.contains("air_drift_healed_total{app=\"shop\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("air_objects_managed{app=\"shop\"} 3"),
        "{metrics}"
    );

    // kubectl deletes a managed object → recreated.
    kube.kubectl(&["-n", "shop", "delete", "trigger", "web-on-order-placed"]);
    eventually("the trigger recreated", || async {
        let healed = rec.status("shop").healed;
        match kube
            .get(
                "eventing.knative.dev/v1",
                "Trigger",
                "shop",
                "web-on-order-placed",
            )
            .await
        {
            Some(t) if healed >= 2 => Ok(t),
            other => Err(format!("healed {healed}, trigger {other:?}")),
        }
    })
    .await;

    // self_heal = false: the edit stays, the status reports it.
    kube.kubectl(&[
        "-n",
        "report",
        "patch",
        "ksvc",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"hotfix.example.com/web:1"}]"#,
    ]);
    eventually("drift reported", || async {
        let s = rec.status("report");
        if s.sync == SyncState::OutOfSync && s.drifted.iter().any(|d| d.summary.contains("image")) {
            Ok(())
        } else {
            Err(format!("{s:?}"))
        }
    })
    .await;
    let report_web = kube.ksvc("report", "web").await.unwrap();
    assert_eq!(image(&report_web), "hotfix.example.com/web:1");
    assert_eq!(rec.status("report").healed, 0);
    let (_, metrics) = rec.http_get("/metrics").await;
    assert!(
        metrics.contains("air_drifted_objects{app=\"report\"} 1"),
        "{metrics}"
    );

    // The status is recorded in the cluster too.
    let cm = kube
        .get("v1", "ConfigMap", "shop", "air-status-shop")
        .await
        .unwrap();
    let recorded: serde_json::Value =
        serde_json::from_str(cm["data"]["status.json"].as_str().unwrap()).unwrap();
    assert_eq!(recorded["revision"], c1.as_str());

    // And as Events: heals in "shop", the unhealed drift in "report".
    eventually("drift events", || async {
        let shop = kube.events("shop");
        let report = kube.events("report");
        let healed = shop
            .iter()
            .filter(|e| e.starts_with("Normal DriftHealed air-status-shop: "))
            .count();
        let drifted = report
            .iter()
            .any(|e| e.starts_with("Warning Drifted air-status-report: ") && e.contains("image"));
        if healed >= 2 && drifted {
            Ok(())
        } else {
            Err(format!("{shop:#?}\n{report:#?}"))
        }
    })
    .await;

    rec.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_restarted_empty_gets_everything_back() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("one");
    let toml = format!(
        "[[app]]\nname = \"shop\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\n",
        repo.file_url()
    );
    let rec = Reconciler::start(&toml, &kube.kubeconfig, &tmp.path().join("cache"), &[]);
    eventually("synced", || async {
        let s = rec.status("shop");
        match (s.sync, s.revision.as_deref()) {
            (SyncState::Synced, Some(r)) if r == c1 => Ok(()),
            _ => Err(format!("{s:?}")),
        }
    })
    .await;
    assert!(kube.ksvc("shop", "web").await.is_some());

    kube.server.restart_empty().await.unwrap();
    assert!(kube.ksvc("shop", "web").await.is_none());

    eventually("everything recreated", || async {
        let web = kube.ksvc("shop", "web").await;
        let trigger = kube
            .get(
                "eventing.knative.dev/v1",
                "Trigger",
                "shop",
                "web-on-order-placed",
            )
            .await;
        let broker = kube
            .get("eventing.knative.dev/v1", "Broker", "shop", "shop")
            .await;
        let inventory = kube
            .get("v1", "ConfigMap", "shop", "air-inventory-shop")
            .await;
        match (&web, &trigger, &broker, &inventory) {
            (Some(_), Some(_), Some(_), Some(_)) => Ok(()),
            _ => Err(format!(
                "web {} trigger {} broker {} inventory {}",
                web.is_some(),
                trigger.is_some(),
                broker.is_some(),
                inventory.is_some()
            )),
        }
    })
    .await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:1.0.0");
    rec.stop();
}
