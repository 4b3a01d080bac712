//! The `air apply` binary end to end, against a Kubernetes API over real
//! HTTP (air-test-apiserver, or a real cluster when AIR_E2E_KUBECONFIG is
//! set: docs/testing.md), with the app taken from the commits of a real Git
//! repository: a new app, an image changed in Git, a workflow removed,
//! a broken commit, a dry run, `--wait`, an unreachable API server, and the
//! live display on a pseudo-terminal (util-linux `script`).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::repo;

use air_reconciler::inventory;
use air_reconciler::object::ObjectRef;
use air_tests::k8s::{Harness, SECRET_TOKEN};
use kube::api::{Patch, PatchParams};
use repo::{SHOP, TestRepo};
use serde_json::{Value, json};
use std::process::Output;
use std::time::Duration;
use tokio::process::Command;

const AIR: &str = env!("CARGO_BIN_EXE_air");
const APP: &str = "shop";

/// A second workflow, in its own file so a commit can remove it.
const AUDIT: &str = r#"workflow audit {
  on OrderConfirmed
  call inventory { order: ${ .data.id }, audit: true }
}
"#;

/// `air apply shop ARGS` in the repository, into the harness namespace.
fn command(h: &Harness, r: &TestRepo, args: &[&str]) -> Command {
    let mut cmd = Command::new(AIR);
    cmd.arg("apply")
        .arg("shop")
        .arg("--kubeconfig")
        .arg(&h.kubeconfig_path)
        .args(["--namespace", &h.namespace])
        .args(args)
        .current_dir(r.path())
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR")
        .kill_on_drop(true);
    cmd
}

async fn apply(h: &Harness, r: &TestRepo, args: &[&str]) -> Output {
    command(h, r, args).output().await.unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn all(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

/// The object lines with `verb`, sorted.
fn lines_with(o: &Output, verb: &str) -> Vec<String> {
    let mut v: Vec<String> = stdout(o)
        .lines()
        .filter(|l| l.ends_with(&format!(" {verb}")))
        .map(|l| l.trim_end_matches(&format!(" {verb}")).to_string())
        .collect();
    v.sort();
    v
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The objects the app at the repository's working tree compiles to.
fn compiled(r: &TestRepo, namespace: &str) -> Vec<ObjectRef> {
    let provider = air_reconciler::disk::DiskProvider::new(r.path()).unwrap();
    let opts = air_compiler::CompileOptions {
        app_dir: APP.into(),
        env: None,
    };
    let mut c = air_compiler::compile::front(&provider, &opts);
    let app = air_reconciler::desired::lower_checked(&mut c, Some(namespace)).unwrap();
    app.objects.iter().filter_map(ObjectRef::of).collect()
}

/// Create the test namespace (as an administrator would).
async fn create_namespace(h: &Harness) {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": h.namespace}});
    h.cluster().await.apply(&ns, false, false).await.unwrap();
}

/// The shop app with a second workflow, committed.
fn history_start() -> (TestRepo, String) {
    let r = TestRepo::new();
    r.app(APP, SHOP);
    r.write("shop/audit.air", AUDIT);
    let c = r.commit("shop with an audit workflow");
    (r, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_history_applied_commit_by_commit() {
    let h = Harness::start("cli-history").await;
    let (r, first) = history_start();
    let wanted = compiled(&r, &h.namespace);

    // An unlabelled ConfigMap with the name of one the app wants.
    create_namespace(&h).await;
    let foreign_name = wanted
        .iter()
        .find(|o| o.kind == "ConfigMap" && o.name.contains("fulfil"))
        .map(|o| o.name.clone())
        .unwrap();
    let foreign = h
        .create_foreign(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": foreign_name, "namespace": h.namespace},
            "data": {"owner": "someone else"}}))
        .await;

    // New app: everything created and labelled, but the foreign object.
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(
        lines_with(&o, "created").len(),
        wanted.len() - 1,
        "{}",
        all(&o)
    );
    assert!(
        stdout(&o).contains(&format!("configmap/{foreign_name} skipped (")),
        "{}",
        all(&o)
    );
    for obj in wanted.iter().filter(|o| o.name != foreign_name) {
        let live = h.get(obj).await.unwrap_or_else(|| panic!("{obj} missing"));
        assert_eq!(live["metadata"]["labels"]["app.kubernetes.io/part-of"], APP);
        assert_eq!(
            live["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "air"
        );
    }
    let still = h.get(&ObjectRef::of(&foreign).unwrap()).await.unwrap();
    assert_eq!(still["data"]["owner"], "someone else");
    assert_eq!(rv(&still), rv(&foreign));
    let inv = inventory::load(&h.cluster().await, APP, &h.namespace)
        .await
        .unwrap();
    assert_eq!(inv.revision.as_deref(), Some(first.as_str()));

    // Applying the same commit again changes nothing.
    let before: Vec<(ObjectRef, String)> = {
        let mut v = Vec::new();
        for obj in wanted.iter().filter(|o| o.name != foreign_name) {
            v.push((obj.clone(), rv(&h.get(obj).await.unwrap())));
        }
        v
    };
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(lines_with(&o, "created").is_empty(), "{}", all(&o));
    assert!(lines_with(&o, "configured").is_empty(), "{}", all(&o));

    // An image changed in Git: only that Service is updated.
    r.app(APP, &SHOP.replace("billing:1.0.0", "billing:1.1.0"));
    let second = r.commit("billing 1.1.0");
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(
        lines_with(&o, "configured"),
        vec!["service.serving.knative.dev/billing".to_string()],
        "{}",
        all(&o)
    );
    for (obj, version) in &before {
        let live = h.get(obj).await.unwrap();
        if obj.kind == "Service" && obj.name == "billing" {
            assert_ne!(&rv(&live), version);
            let image = &live["spec"]["template"]["spec"]["containers"][0]["image"];
            assert_eq!(image, "registry.example.com/billing:1.1.0");
        } else {
            assert_eq!(&rv(&live), version, "{obj} was rewritten");
        }
    }
    let inv = inventory::load(&h.cluster().await, APP, &h.namespace)
        .await
        .unwrap();
    assert_eq!(inv.revision.as_deref(), Some(second.as_str()));

    // A workflow removed: without --prune its objects are only reported…
    r.remove("shop/audit.air");
    r.commit("drop the audit workflow");
    let gone: Vec<ObjectRef> = before
        .iter()
        .map(|(o, _)| o.clone())
        .filter(|o| !compiled(&r, &h.namespace).contains(o))
        .collect();
    let mut kinds: Vec<&str> = gone.iter().map(|o| o.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["ConfigMap", "Trigger"], "{gone:?}");
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(stdout(&o).matches(" orphaned (").count(), 2, "{}", all(&o));
    for obj in &gone {
        assert!(h.get(obj).await.is_some(), "{obj} deleted without --prune");
    }
    // …and with --prune its ConfigMap and Trigger are deleted.
    let o = apply(&h, &r, &["--prune"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(lines_with(&o, "pruned").len(), 2, "{}", all(&o));
    for obj in &gone {
        assert!(h.get(obj).await.is_none(), "{obj} not pruned");
    }
    // The foreign object was never touched.
    let still = h.get(&ObjectRef::of(&foreign).unwrap()).await.unwrap();
    assert_eq!(rv(&still), rv(&foreign));
    assert!(!all(&o).contains(SECRET_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_commit_applies_nothing_and_says_where() {
    let h = Harness::start("cli-broken").await;
    let (r, _) = history_start();
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let billing = h.r("serving.knative.dev/v1", "Service", "billing");
    let before = rv(&h.get(&billing).await.unwrap());

    // A new image and a reference to a function that does not exist.
    r.app(
        APP,
        &SHOP
            .replace("billing:1.0.0", "billing:2.0.0")
            .replace("charge: call billing", "charge: call bill"),
    );
    r.commit("broken");
    let o = apply(&h, &r, &["--prune"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("main.air"), "{err}");
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert_eq!(rv(&h.get(&billing).await.unwrap()), before);
    let triggers = h.names("eventing.knative.dev/v1", "Trigger", APP).await;
    assert_eq!(triggers.len(), 2, "{triggers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_validates_on_the_server_and_changes_nothing() {
    let h = Harness::start("cli-dry-run").await;
    let (r, _) = history_start();
    let wanted = compiled(&r, &h.namespace);
    let namespace = ObjectRef {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        name: h.namespace.clone(),
    };
    // Into a namespace that does not exist: the server can validate only
    // the namespace's creation, and the output says so.
    let o = apply(&h, &r, &["--dry-run"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(
        stdout(&o).matches(" created (dry run)").count(),
        wanted.len(),
        "{}",
        all(&o)
    );
    assert!(all(&o).contains("does not exist yet"), "{}", all(&o));
    assert!(h.get(&namespace).await.is_none(), "namespace created");

    // Into an existing namespace: every object validated by the server.
    create_namespace(&h).await;
    let o = apply(&h, &r, &["--dry-run"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert_eq!(
        stdout(&o).matches(" created (server dry run)").count(),
        wanted.len(),
        "{}",
        all(&o)
    );
    for obj in &wanted {
        assert!(h.get(obj).await.is_none(), "{obj} created by a dry run");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_fails_the_dry_run_unless_forced() {
    let h = Harness::start("cli-conflict").await;
    let (r, _) = history_start();
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    // Someone sets billing's image by hand: that field is now theirs.
    let billing = h.r("serving.knative.dev/v1", "Service", "billing");
    let image = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "billing", "image": "registry.example.com/billing:hotfix"}]}}}});
    h.edit(&billing, image).await;
    let edited = h.get(&billing).await.unwrap();

    // Git changes both Services; the server refuses billing's in the dry
    // run, so inventory's change is not applied either.
    r.app(
        APP,
        &SHOP
            .replace("billing:1.0.0", "billing:1.2.0")
            .replace("inventory:1.0.0", "inventory:1.2.0"),
    );
    r.commit("both images");
    let inventory = h.r("serving.knative.dev/v1", "Service", "inventory");
    let inventory_before = rv(&h.get(&inventory).await.unwrap());
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(all(&o).contains("nothing was applied"), "{}", all(&o));
    assert_eq!(rv(&h.get(&inventory).await.unwrap()), inventory_before);
    assert_eq!(rv(&h.get(&billing).await.unwrap()), rv(&edited));

    // --force-conflicts takes the field back.
    let o = apply(&h, &r, &["--force-conflicts"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let live = h.get(&billing).await.unwrap();
    let image = &live["spec"]["template"]["spec"]["containers"][0]["image"];
    assert_eq!(image, "registry.example.com/billing:1.2.0");
}

/// What Knative's controllers would write once an object is ready.
async fn mark_ready(h: &Harness, objects: &[ObjectRef]) {
    let cluster = h.cluster().await;
    for obj in objects
        .iter()
        .filter(|o| o.api_version.contains("knative.dev"))
    {
        let live = h.get(obj).await.unwrap();
        let generation = live["metadata"]["generation"].as_i64().unwrap_or(1);
        let api = cluster.api_for(obj).await.unwrap();
        let status = json!({"status": {"observedGeneration": generation,
            "conditions": [{"type": "Ready", "status": "True"}]}});
        api.patch_status(&obj.name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_returns_once_everything_is_healthy_and_fails_on_timeout_or_failure() {
    let h = Harness::start("cli-wait").await;
    let (r, _) = history_start();
    let wanted = compiled(&r, &h.namespace);

    // Nothing reports Ready: the wait times out, naming what it waited for.
    let o = apply(&h, &r, &["--wait", "--timeout", "1s"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not healthy after 1s"), "{err}");
    assert!(
        err.contains("service.serving.knative.dev/billing progressing"),
        "{err}"
    );

    // The controllers report Ready while air waits: exit 0.
    let child = command(&h, &r, &["--wait", "--timeout", "2m"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    mark_ready(&h, &wanted).await;
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(
        all(&o).contains(&format!("all {} objects healthy", wanted.len())),
        "{}",
        all(&o)
    );
    assert!(
        stdout(&o).contains("service.serving.knative.dev/billing healthy"),
        "{}",
        all(&o)
    );

    // A Service that fails: degraded, reported at once.
    let billing = h.r("serving.knative.dev/v1", "Service", "billing");
    let api = h.cluster().await.api_for(&billing).await.unwrap();
    let failed = json!({"status": {"conditions": [{"type": "Ready", "status": "False",
        "reason": "RevisionFailed", "message": "image pull failed"}]}});
    api.patch_status("billing", &PatchParams::default(), &Patch::Merge(&failed))
        .await
        .unwrap();
    let o = apply(&h, &r, &["--wait", "--timeout", "2m"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "service.serving.knative.dev/billing degraded: RevisionFailed: image pull failed"
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_server_exits_2_without_the_token() {
    let h = Harness::start("cli-unreachable").await;
    let (r, _) = history_start();
    h.proxy.cut();
    let o = apply(&h, &r, &[]).await;
    h.proxy.restore();
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    let text = all(&o);
    assert!(text.contains("error: "), "{text}");
    assert!(text.contains("run `air apply` again"), "{text}");
    assert!(!text.contains(SECRET_TOKEN), "{text}");
    // Usage errors are 2 as well.
    let o = apply(&h, &r, &["--allow-prune-all"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    let o = apply(&h, &r, &["--wait", "--timeout", "soon"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_gets_a_live_status_line_and_a_pipe_plain_lines() {
    let h = Harness::start("cli-terminal").await;
    let (r, _) = history_start();
    // Through a pipe: no escape sequence at all.
    let o = apply(&h, &r, &["--dry-run"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(!all(&o).contains('\x1b'), "{:?}", all(&o));

    // On a pseudo-terminal: the status line is redrawn and erased, verbs
    // are coloured; NO_COLOR keeps the redraw but drops the colours.
    let line = format!(
        "{AIR} apply shop --kubeconfig {} --namespace {} --wait --timeout 1s",
        h.kubeconfig_path.display(),
        h.namespace
    );
    for no_color in [false, true] {
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
            .current_dir(r.path())
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("KUBECONFIG");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let o = cmd
            .output()
            .await
            .expect("util-linux `script` (Debian: bsdutils) gives a pseudo-terminal");
        // Knative objects never become ready here: exit 1 after the timeout.
        assert_eq!(o.status.code(), Some(1), "{}", all(&o));
        let text = all(&o);
        assert!(text.contains("\r\x1b[2K"), "{text:?}");
        assert!(text.contains("waiting for "), "{text:?}");
        assert_eq!(
            text.contains("\x1b[32mcreated\x1b[0m"),
            !no_color,
            "{text:?}"
        );
        if no_color {
            assert!(text.contains("created"), "{text:?}");
        }
        h.wipe().await;
    }
}

/// `air diff --live`: the app on disk against the cluster, the plan
/// `air apply --prune` would execute; exit 1 when they differ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_live_shows_what_apply_would_change() {
    let h = Harness::start("cli-diff-live").await;
    let (r, _) = history_start();
    let o = apply(&h, &r, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let diff = |args: &'static [&'static str]| {
        let mut cmd = Command::new(AIR);
        cmd.args(["diff", "--live", "shop", "--kubeconfig"])
            .arg(&h.kubeconfig_path)
            .args(["--namespace", &h.namespace])
            .args(args)
            .current_dir(r.path())
            .env_remove("KUBECONFIG");
        cmd
    };
    let o = diff(&[]).output().await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(stdout(&o).contains("no differences"), "{}", all(&o));

    // Uncommitted edits: an image changed, a workflow removed.
    r.app(APP, &SHOP.replace("billing:1.0.0", "billing:9.9.9"));
    r.remove("shop/audit.air");
    let o = diff(&[]).output().await.unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    let text = stdout(&o);
    assert!(
        text.contains("~ service.serving.knative.dev/billing\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "spec.template.spec.containers[0].image: \"registry.example.com/billing:1.0.0\" → \"registry.example.com/billing:9.9.9\""
        ),
        "{text}"
    );
    assert!(!text.contains("air.dev/digest"), "{text}");
    assert!(
        text.contains("- configmap/audit-workflow (would be pruned)"),
        "{text}"
    );
    assert!(
        text.contains("- trigger.eventing.knative.dev/audit-on-order-confirmed (would be pruned)"),
        "{text}"
    );
    let o = diff(&["--format", "json"]).output().await.unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let billing = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["object"]["name"] == "billing" && c["object"]["kind"] == "Service")
        .unwrap();
    assert_eq!(billing["action"], "update");
    assert_eq!(
        billing["fields"][0]["desired"],
        "registry.example.com/billing:9.9.9"
    );
    // Nothing was written: the live image is still the applied one.
    let live = h
        .get(&h.r("serving.knative.dev/v1", "Service", "billing"))
        .await
        .unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/billing:1.0.0"
    );
    // --live does not mix with revisions.
    let o = diff(&["--base", "HEAD"]).output().await.unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
}
