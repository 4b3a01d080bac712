//! The controller and its Git side, against the test API server over real
//! HTTP and real Git remotes on loopback: a broken commit is never applied
//! (status shows its diagnostics, the last good revision stays) and its fix
//! is; a `git daemon` that goes down leaves the cluster alone, the status
//! says so, and the controller recovers by itself when it returns;
//! credentials never appear in logs or status.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_compiler::Code;
use air_tests::reconcile as reconcile_support;

use air_reconciler::status::{Stage, SyncState};
use reconcile_support::{
    Kube, Reconciler, Repo, SyncedShop, eventually, free_port, git_daemon, image, logs, write_app,
};

fn app_config(url: &str) -> String {
    format!(
        "[[app]]\nname = \"shop\"\nrepo = \"{url}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_commit_is_never_applied_and_its_fix_is() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let SyncedShop {
        kube,
        repo,
        rec,
        commit: c1,
        ..
    } = &SyncedShop::start(|repo| app_config(&repo.file_url())).await;

    // A new image and, in the same commit, a syntax error.
    write_app(repo, "apps/shop", "shop", "shop", "2.0.0");
    repo.write("apps/shop/broken.air", "function broken {\n");
    let c2 = repo.commit("broken");
    rec.trigger("shop").await;
    let s = eventually("the broken revision reported", || async {
        let s = rec.status("shop");
        if s.fetched_revision.as_deref() == Some(c2.as_str()) && s.sync == SyncState::Failed {
            Ok(s)
        } else {
            Err(format!("{s:?}"))
        }
    })
    .await;
    assert_eq!(s.revision.as_deref(), Some(c1.as_str()), "last good stays");
    assert_eq!(s.last_error.as_ref().unwrap().stage, Stage::Compile);
    let d = s
        .diagnostics
        .iter()
        .find(|d| d.severity == air_compiler::Severity::Error)
        .expect("an error diagnostic");
    assert_eq!(d.code, Code::E0110.as_str());
    assert_eq!(d.file.as_deref(), Some("apps/shop/broken.air"));
    assert_eq!(d.line, Some(1));
    // Nothing of the broken revision reached the cluster.
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:1.0.0");
    let (_, body) = rec.http_get("/api/apps").await;
    assert!(body.contains(Code::E0110.as_str()), "{body}");
    // `air status` against the running controller: the table shows the
    // diagnostic, and the exit code says an app failed.
    let table = air_cli::cmd::status::table(&rec.shared.statuses());
    assert!(table.contains("failed"), "{table}");
    assert!(
        table.contains("apps/shop/broken.air:1: error[E0110]"),
        "{table}"
    );
    let server = rec.url.clone();
    let code = tokio::task::spawn_blocking(move || {
        air_cli::cmd::status::run(air_cli::cmd::status::Args {
            server,
            format: air_cli::cmd::status::Format::Json,
        })
    })
    .await
    .unwrap();
    assert_eq!(code, air_cli::exit::FINDINGS);

    // The fix is applied.
    repo.remove("apps/shop/broken.air");
    let c3 = repo.commit("fix");
    rec.trigger("shop").await;
    rec.synced_at("shop", &c3).await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:2.0.0");
    let s = rec.status("shop");
    assert!(
        s.diagnostics
            .iter()
            .all(|d| d.severity != air_compiler::Severity::Error),
        "{s:?}"
    );
    assert!(s.last_error.is_none());
    // The story as Kubernetes Events on the status ConfigMap, for
    // `kubectl describe` and `kubectl get events`.
    let events = eventually("events recorded", || async {
        let events = kube.events("shop");
        let want = [
            format!(
                "Normal Synced air-status-shop: applied revision {}",
                &c1[..12]
            ),
            "Warning CompileFailed air-status-shop: revision".to_string(),
            format!(
                "Normal Synced air-status-shop: applied revision {}",
                &c3[..12]
            ),
        ];
        if want
            .iter()
            .all(|w| events.iter().any(|e| e.starts_with(w.as_str())))
        {
            Ok(events)
        } else {
            Err(format!("{events:#?}"))
        }
    })
    .await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.contains("CompileFailed"))
            .count(),
        1,
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_remote_down_keeps_the_cluster_and_recovers() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("srv");
    std::fs::create_dir_all(&srv).unwrap();
    let repo = Repo::new(&srv, "shop");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("one");
    let port = free_port();
    let daemon = git_daemon(&srv, port);
    let url = format!("git://127.0.0.1:{port}/shop.git");
    let rec = Reconciler::start(
        &app_config(&url),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    rec.synced_at("shop", &c1).await;

    drop(daemon);
    write_app(&repo, "apps/shop", "shop", "shop", "2.0.0");
    let c2 = repo.commit("two, pushed while the daemon is down");
    rec.trigger("shop").await;
    let s = eventually("the outage reported", || async {
        let s = rec.status("shop");
        match &s.last_error {
            Some(e) if e.stage == Stage::Fetch && s.sync == SyncState::Failed => Ok(s),
            _ => Err(format!("{s:?}")),
        }
    })
    .await;
    let message = &s.last_error.as_ref().unwrap().message;
    assert!(message.contains("127.0.0.1"), "{message}");
    assert_eq!(s.revision.as_deref(), Some(c1.as_str()));
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:1.0.0");
    let (_, metrics) = rec.http_get("/metrics").await;
    assert!(
        metrics.contains("air_git_fetch_errors_total{app=\"shop\"}"),
        "{metrics}"
    );

    // The remote returns: the controller's retry (back-off, no trigger)
    // picks up the new commit.
    let _daemon = git_daemon(&srv, port);
    rec.synced_at("shop", &c2).await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:2.0.0");
    rec.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_reach_logs_or_status() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    // A port nothing listens on: every fetch fails and is reported.
    let closed = free_port();
    let toml = format!(
        r#"
[[app]]
name = "in-url"
repo = "http://x-access-token:url-secret-4711@127.0.0.1:{closed}/shop.git"
branch = "main"
interval = "1h"
namespace = "creds"

[[app]]
name = "in-env"
repo = "http://127.0.0.1:{closed}/shop.git"
branch = "main"
interval = "1h"
token_env = "AIR_TEST_TOKEN"
namespace = "creds"
"#
    );
    let ns =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "creds"}});
    kube.cluster.apply(&ns, false, false).await.unwrap();
    let rec = Reconciler::start(
        &toml,
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[("AIR_TEST_TOKEN", "env-secret-4711")],
    );
    for app in ["in-url", "in-env"] {
        eventually(&format!("{app} failed"), || async {
            let s = rec.status(app);
            match &s.last_error {
                Some(e) if e.stage == Stage::Fetch => Ok(()),
                _ => Err(format!("{s:?}")),
            }
        })
        .await;
    }
    let (_, body) = rec.http_get("/api/apps").await;
    let (_, metrics) = rec.http_get("/metrics").await;
    let events = eventually("fetch failures as events", || async {
        let events = kube.events("creds");
        let failed = |app: &str| {
            events
                .iter()
                .any(|e| e.starts_with(&format!("Warning FetchFailed air-status-{app}: ")))
        };
        if failed("in-url") && failed("in-env") {
            Ok(events.join("\n"))
        } else {
            Err(events.join("\n"))
        }
    })
    .await;
    rec.stop();
    let logs = logs();
    assert!(
        logs.contains("127.0.0.1"),
        "the failures were logged: {logs}"
    );
    for secret in ["url-secret-4711", "env-secret-4711"] {
        assert!(!body.contains(secret), "{secret} in /api/apps: {body}");
        assert!(!metrics.contains(secret), "{secret} in /metrics");
        assert!(!logs.contains(secret), "{secret} in the logs: {logs}");
        assert!(!events.contains(secret), "{secret} in an event: {events}");
    }
    assert!(
        body.contains("x-access-token:***@") || body.contains("***@"),
        "{body}"
    );
}

/// POST /hooks/git: a signed push notification makes the app fetch now
/// (the interval is an hour); unsigned or wrongly signed ones do nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_hook_fetches_at_once() {
    use air_reconciler::push_hooks::github_signature;
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("v1");
    let rec = Reconciler::start(
        &app_config(&repo.file_url()),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let hook = format!("{}/hooks/git", rec.url);
    let http = reqwest::Client::new();
    // Off until a secret is configured.
    let off = http.post(&hook).body("{}").send().await.unwrap();
    assert_eq!(off.status().as_u16(), 404);
    rec.shared
        .set_webhook_secret(Some("hook-secret-4711".into()))
        .unwrap();
    rec.synced_at("shop", &c1).await;

    write_app(&repo, "apps/shop", "shop", "shop", "2.0.0");
    let c2 = repo.commit("v2");
    let payload = serde_json::json!({"ref": "refs/heads/main", "after": c2,
        "repository": {"clone_url": repo.file_url(), "html_url": "https://example.invalid/x"}})
    .to_string();
    // Wrong signature, no signature: refused.
    let bad = http
        .post(&hook)
        .header("X-GitHub-Event", "push")
        .header(
            "X-Hub-Signature-256",
            github_signature("guess", payload.as_bytes()),
        )
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 401);
    let unsigned = http.post(&hook).body(payload.clone()).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(rec.status("shop").revision.as_deref(), Some(c1.as_str()));
    // GitHub's ping.
    let ping = http
        .post(&hook)
        .header("X-GitHub-Event", "ping")
        .header(
            "X-Hub-Signature-256",
            github_signature("hook-secret-4711", b"{}"),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status().as_u16(), 200);
    // Signed: the app fetches and applies the new commit at once.
    let good = http
        .post(&hook)
        .header("X-GitHub-Event", "push")
        .header(
            "X-Hub-Signature-256",
            github_signature("hook-secret-4711", payload.as_bytes()),
        )
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(good.status().as_u16(), 202);
    let body: serde_json::Value = good.json().await.unwrap();
    assert_eq!(body["triggered"], serde_json::json!(["shop"]));
    rec.synced_at("shop", &c2).await;
    let web = kube.ksvc("shop", "web").await.unwrap();
    assert_eq!(image(&web), "registry.example.com/shop/web:2.0.0");

    // GitLab's form, for another repository: accepted, nothing triggered.
    let other = serde_json::json!({"object_kind": "push",
        "project": {"git_http_url": "https://gitlab.example.com/other/repo.git"}});
    let gl = http
        .post(&hook)
        .header("X-Gitlab-Event", "Push Hook")
        .header("X-Gitlab-Token", "hook-secret-4711")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(gl.status().as_u16(), 200);
    let body: serde_json::Value = gl.json().await.unwrap();
    assert_eq!(body["triggered"], serde_json::json!([]));
    assert!(!logs().contains("hook-secret-4711"));
    rec.stop();
}

/// `[[notify]]`: a broken commit is posted to the webhook (default reasons:
/// failures, heals, degraded; not `Synced`), and the URL, a secret in
/// itself, never reaches the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_commit_is_notified_to_the_webhook() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/hook/secret-path-4711",
        axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let SyncedShop {
        repo,
        rec,
        commit: c1,
        ..
    } = &SyncedShop::start(|repo| {
        format!(
            "[[notify]]\nurl = \"http://127.0.0.1:{port}/hook/secret-path-4711\"\n\n{}",
            app_config(&repo.file_url())
        )
    })
    .await;
    repo.write("apps/shop/broken.air", "function broken {\n");
    repo.commit("broken");
    rec.trigger("shop").await;
    let got = eventually("the failure notified", || async {
        let got = received.lock().unwrap().clone();
        match got.iter().find(|v| v["reason"] == "CompileFailed") {
            Some(v) => Ok(v.clone()),
            None => Err(format!("{got:?}")),
        }
    })
    .await;
    assert_eq!(got["app"], "shop");
    assert_eq!(got["namespace"], "shop");
    assert_eq!(got["type"], "Warning");
    assert_eq!(got["revision"], c1.as_str());
    assert!(
        got["text"].as_str().unwrap().contains("does not compile"),
        "{got}"
    );
    // Synced is not among the default reasons.
    assert!(
        received
            .lock()
            .unwrap()
            .iter()
            .all(|v| v["reason"] != "Synced"),
        "{:?}",
        received.lock().unwrap()
    );
    assert!(!logs().contains("secret-path-4711"));
}

/// Apps started together on one repository share their first fetch: six
/// apps in one configuration cost one fetch of the remote, not one each
/// (counted from the controller's "git fetch done" log lines for this
/// repository's URL; shared answers log no such line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_started_together_share_one_fetch_per_repository() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "shared");
    let names: Vec<String> = (0..40).map(|i| format!("team{i}")).collect();
    let mut toml = String::new();
    for n in &names {
        write_app(&repo, &format!("apps/{n}"), n, n, "1.0.0");
        toml.push_str(&format!(
            "[[app]]\nname = \"{n}\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/{n}\"\ninterval = \"1h\"\n\n",
            repo.file_url()
        ));
    }
    let c1 = repo.commit("six apps");
    let rec = Reconciler::start(&toml, &kube.kubeconfig, &tmp.path().join("cache"), &[]);
    for n in &names {
        rec.synced_at(n, &c1).await;
    }
    let url = repo.file_url();
    let fetches = logs()
        .lines()
        .filter(|l| l.contains("git fetch done") && l.contains(&url))
        .count();
    assert_eq!(
        fetches,
        1,
        "{} apps on one repository fetched {fetches} times",
        names.len()
    );
    rec.stop();
}
