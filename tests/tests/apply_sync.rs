//! The apply path (plan → server-side dry run → apply → prune → inventory)
//! against a Kubernetes API over real HTTP: air-test-apiserver by default,
//! a real cluster when AIR_E2E_KUBECONFIG is set (docs/testing.md).
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_reconciler::apply::{Progress, Quiet, SyncError, SyncOptions, sync};
use air_reconciler::inventory;
use air_reconciler::plan::{Action, Change};
use air_tests::k8s::{Harness, SECRET_TOKEN, configmap, service, trigger};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const APP: &str = "media";
const PRUNE: SyncOptions = SyncOptions {
    dry_run: false,
    prune: true,
    allow_prune_all: false,
    force: false,
};

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Revision 1 of the app: two workflows (ConfigMap + Trigger each) and two
/// Services.
fn rev1(ns: &str) -> Vec<Value> {
    vec![
        service(ns, APP, "resize", "ghcr.io/acme/resize:1"),
        service(ns, APP, "notify", "ghcr.io/acme/notify:1"),
        configmap(ns, APP, "wf-ingest", "document: ingest"),
        trigger(ns, APP, "wf-ingest", "resize"),
        configmap(ns, APP, "wf-report", "document: report"),
        trigger(ns, APP, "wf-report", "notify"),
    ]
}

#[tokio::test]
async fn new_app_is_created_and_labelled_then_idempotent() {
    let h = Harness::start("new").await;
    let c = h.cluster().await;
    let report = sync(
        &c,
        APP,
        &h.namespace,
        Some("r1"),
        &rev1(&h.namespace),
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    assert_eq!(report.applied.len(), 6);
    assert_eq!(
        h.names("serving.knative.dev/v1", "Service", APP).await,
        ["notify", "resize"]
    );
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-report"]
    );
    assert_eq!(
        h.names("eventing.knative.dev/v1", "Trigger", APP).await,
        ["wf-ingest", "wf-report"]
    );
    let svc = h
        .get(&h.r("serving.knative.dev/v1", "Service", "resize"))
        .await
        .unwrap();
    assert_eq!(
        svc["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "air"
    );
    let managers: Vec<&str> = svc["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["manager"].as_str())
        .collect();
    assert_eq!(managers, ["air"]);
    let inv = inventory::load(&c, APP, &h.namespace).await.unwrap();
    assert_eq!(inv.objects.len(), 6);
    assert_eq!(inv.revision.as_deref(), Some("r1"));

    // Again: nothing to do, nothing written.
    let before = rv(&svc);
    let again = sync(
        &c,
        APP,
        &h.namespace,
        Some("r1"),
        &rev1(&h.namespace),
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    assert!(again.plan.is_noop(), "{:?}", again.plan);
    assert!(again.applied.is_empty());
    let svc = h
        .get(&h.r("serving.knative.dev/v1", "Service", "resize"))
        .await
        .unwrap();
    assert_eq!(rv(&svc), before);
}

#[tokio::test]
async fn an_image_change_updates_only_that_service() {
    let h = Harness::start("image").await;
    let c = h.cluster().await;
    sync(
        &c,
        APP,
        &h.namespace,
        Some("r1"),
        &rev1(&h.namespace),
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    let mut before = Vec::new();
    for d in rev1(&h.namespace) {
        let r = air_reconciler::object::ObjectRef::of(&d).unwrap();
        before.push((r.clone(), rv(&h.get(&r).await.unwrap())));
    }
    let mut rev2 = rev1(&h.namespace);
    rev2[0] = service(&h.namespace, APP, "resize", "ghcr.io/acme/resize:2");
    let report = sync(&c, APP, &h.namespace, Some("r2"), &rev2, PRUNE, &mut Quiet)
        .await
        .unwrap();
    let updated: Vec<&Change> = report
        .plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Unchanged)
        .collect();
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert_eq!(updated[0].object.name, "resize");
    assert_eq!(updated[0].action, Action::Update);
    assert_eq!(report.applied.len(), 1);
    for (r, old) in before {
        let live = h.get(&r).await.unwrap();
        if r.name == "resize" && r.kind == "Service" {
            assert_ne!(rv(&live), old);
            assert_eq!(
                live["spec"]["template"]["spec"]["containers"][0]["image"],
                "ghcr.io/acme/resize:2"
            );
        } else {
            assert_eq!(rv(&live), old, "{r} was written");
        }
    }
}

#[tokio::test]
async fn a_removed_workflow_is_pruned() {
    let h = Harness::start("prune").await;
    let c = h.cluster().await;
    sync(
        &c,
        APP,
        &h.namespace,
        Some("r1"),
        &rev1(&h.namespace),
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    let rev2: Vec<Value> = rev1(&h.namespace)
        .into_iter()
        .filter(|o| o["metadata"]["name"] != "wf-report")
        .collect();

    // Prune off: nothing deleted, but kept in the inventory for later.
    let keep = SyncOptions {
        prune: false,
        ..PRUNE
    };
    let report = sync(&c, APP, &h.namespace, Some("r2"), &rev2, keep, &mut Quiet)
        .await
        .unwrap();
    assert!(report.deleted.is_empty());
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-report"]
    );

    let report = sync(&c, APP, &h.namespace, Some("r2"), &rev2, PRUNE, &mut Quiet)
        .await
        .unwrap();
    let mut deleted: Vec<String> = report
        .deleted
        .iter()
        .map(|r| format!("{}/{}", r.kind, r.name))
        .collect();
    deleted.sort();
    assert_eq!(deleted, ["ConfigMap/wf-report", "Trigger/wf-report"]);
    assert_eq!(h.names("v1", "ConfigMap", APP).await, ["wf-ingest"]);
    assert_eq!(
        h.names("eventing.knative.dev/v1", "Trigger", APP).await,
        ["wf-ingest"]
    );
    assert_eq!(
        h.names("serving.knative.dev/v1", "Service", APP).await,
        ["notify", "resize"]
    );
    let inv = inventory::load(&c, APP, &h.namespace).await.unwrap();
    assert_eq!(inv.objects.len(), 4);
}

#[tokio::test]
async fn objects_air_does_not_own_are_never_touched() {
    let h = Harness::start("foreign").await;
    let c = h.cluster().await;
    let ns = h.namespace.clone();
    // The namespace must exist before foreign objects can be created in it.
    sync(
        &c,
        APP,
        &ns,
        Some("r0"),
        &[configmap(&ns, APP, "mine", "x")],
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    // Same name as an object the revision wants, without air's labels.
    let unlabelled = h
        .create_foreign(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "wf-ingest", "namespace": ns}, "data": {"owner": "someone"}}))
        .await;
    // Labelled for another app.
    let theirs = h
        .create_foreign(configmap(&ns, "shop", "wf-report", "document: shop"))
        .await;

    let mut desired = rev1(&ns);
    desired.push(configmap(&ns, APP, "mine", "x"));
    let report = sync(&c, APP, &ns, Some("r1"), &desired, PRUNE, &mut Quiet)
        .await
        .unwrap();
    let blocked: Vec<&str> = report
        .plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Blocked)
        .map(|c| c.object.name.as_str())
        .collect();
    assert_eq!(blocked, ["wf-ingest", "wf-report"]);
    let now = h.get(&h.r("v1", "ConfigMap", "wf-ingest")).await.unwrap();
    assert_eq!(rv(&now), rv(&unlabelled));
    assert_eq!(now["data"]["owner"], "someone");
    let now = h.get(&h.r("v1", "ConfigMap", "wf-report")).await.unwrap();
    assert_eq!(rv(&now), rv(&theirs));
    assert_eq!(
        now["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "shop"
    );

    // An object air created, relabelled for another app by someone: no
    // longer air's, so a revision without it does not delete it.
    let mine = h.r("v1", "ConfigMap", "mine");
    h.edit(
        &mine,
        json!({"metadata": {"labels": {"app.kubernetes.io/part-of": "shop"}}}),
    )
    .await;
    let report = sync(&c, APP, &ns, Some("r2"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap();
    assert!(report.deleted.is_empty(), "{:?}", report.deleted);
    assert!(h.get(&mine).await.is_some());
    let orphaned = report
        .plan
        .changes
        .iter()
        .find(|c| c.object == mine)
        .unwrap();
    assert_eq!(orphaned.action, Action::Orphaned);
}

#[tokio::test]
async fn a_failing_dry_run_applies_nothing_of_the_revision() {
    let h = Harness::start("dryrun").await;
    let c = h.cluster().await;
    let ns = h.namespace.clone();
    sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap();
    let before = rv(&h
        .get(&h.r("serving.knative.dev/v1", "Service", "resize"))
        .await
        .unwrap());

    // r2 changes an image, adds a workflow, drops one, and carries one
    // object the server rejects (an invalid label value).
    let mut rev2: Vec<Value> = rev1(&ns)
        .into_iter()
        .filter(|o| o["metadata"]["name"] != "wf-report")
        .collect();
    rev2[0] = service(&ns, APP, "resize", "ghcr.io/acme/resize:2");
    rev2.push(configmap(&ns, APP, "wf-new", "document: new"));
    let mut bad = configmap(&ns, APP, "wf-bad", "document: bad");
    bad["metadata"]["labels"]["tier"] = json!("not a valid label value!");
    rev2.push(bad);
    let err = sync(&c, APP, &ns, Some("r2"), &rev2, PRUNE, &mut Quiet)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::DryRun(_)), "{err}");

    let after = h
        .get(&h.r("serving.knative.dev/v1", "Service", "resize"))
        .await
        .unwrap();
    assert_eq!(rv(&after), before, "the image change was applied");
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-report"]
    );
    let inv = inventory::load(&c, APP, &ns).await.unwrap();
    assert_eq!(inv.revision.as_deref(), Some("r1"));

    // The fix is applied.
    rev2.pop();
    sync(&c, APP, &ns, Some("r3"), &rev2, PRUNE, &mut Quiet)
        .await
        .unwrap();
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-new"]
    );
}

#[tokio::test]
async fn pruning_everything_is_refused_unless_allowed() {
    let h = Harness::start("pruneall").await;
    let c = h.cluster().await;
    let ns = h.namespace.clone();
    sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap();
    let err = sync(&c, APP, &ns, Some("r2"), &[], PRUNE, &mut Quiet)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Refused(_)), "{err}");
    assert_eq!(h.names("v1", "ConfigMap", APP).await.len(), 2);

    let all = SyncOptions {
        allow_prune_all: true,
        ..PRUNE
    };
    let report = sync(&c, APP, &ns, Some("r2"), &[], all, &mut Quiet)
        .await
        .unwrap();
    assert_eq!(report.deleted.len(), 6);
    assert!(h.names("v1", "ConfigMap", APP).await.is_empty());
    assert!(
        h.names("serving.knative.dev/v1", "Service", APP)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_api_server_back_empty_gets_everything_again() {
    let h = Harness::start("empty").await;
    let ns = h.namespace.clone();
    sync(
        &h.cluster().await,
        APP,
        &ns,
        Some("r1"),
        &rev1(&ns),
        PRUNE,
        &mut Quiet,
    )
    .await
    .unwrap();
    h.wipe().await;
    assert!(h.names("v1", "ConfigMap", APP).await.is_empty());
    let c = h.cluster().await;
    let report = sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 6);
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-report"]
    );
    assert_eq!(
        h.names("serving.knative.dev/v1", "Service", APP).await,
        ["notify", "resize"]
    );
    assert_eq!(
        inventory::load(&c, APP, &ns).await.unwrap().objects.len(),
        6
    );
}

/// Cuts the proxy after the first object was applied.
struct CutAfterFirst<'a> {
    h: &'a Harness,
    applied: usize,
}

impl Progress for CutAfterFirst<'_> {
    fn applied(&mut self, _change: &Change) {
        self.applied += 1;
        if self.applied == 1 {
            self.h.proxy.cut();
        }
    }
}

/// Collects formatted tracing output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_connection_cut_mid_apply_converges_once_restored_and_leaks_no_token() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start("cut").await;
    let ns = h.namespace.clone();
    let c = h.cluster().await;
    let mut cut = CutAfterFirst { h: &h, applied: 0 };
    let err = sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut cut)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    let mut messages = vec![err.to_string(), format!("{err:?}")];

    // While cut, another attempt fails too, without side effects.
    let err = sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    messages.push(err.to_string());
    messages.push(format!("{err:?}"));

    h.proxy.restore();
    let report = sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
        .await
        .unwrap();
    assert!(!report.applied.is_empty());
    assert_eq!(
        h.names("v1", "ConfigMap", APP).await,
        ["wf-ingest", "wf-report"]
    );
    assert_eq!(
        h.names("serving.knative.dev/v1", "Service", APP).await,
        ["notify", "resize"]
    );
    assert_eq!(
        h.names("eventing.knative.dev/v1", "Trigger", APP).await,
        ["wf-ingest", "wf-report"]
    );
    let inv = inventory::load(&c, APP, &ns).await.unwrap();
    assert_eq!(inv.objects.len(), 6);
    assert!(
        sync(&c, APP, &ns, Some("r1"), &rev1(&ns), PRUNE, &mut Quiet)
            .await
            .unwrap()
            .plan
            .is_noop()
    );

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "no tracing output was captured");
    if matches!(h.target, air_tests::k8s::Target::TestApiserver(_)) {
        assert!(!logs.contains(SECRET_TOKEN), "the token is in the logs");
        for m in &messages {
            assert!(!m.contains(SECRET_TOKEN), "the token is in an error: {m}");
        }
    }
}
