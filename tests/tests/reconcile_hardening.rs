//! The controller against slow remotes and floods of diagnostics: a
//! remote that accepts and never answers holds one fetch per app, never
//! one per retry; a revision with thousands of diagnostics is shown
//! capped, with a count of the rest; after a revert to the revision in
//! force no stale diagnostics remain.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::status::{MAX_DIAGNOSTICS, Stage, SyncState};
use reconcile_support::{Kube, Reconciler, Repo, eventually, git, write_app};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

fn app_config(url: &str, timeout: &str) -> String {
    format!(
        "[[app]]\nname = \"shop\"\nrepo = \"{url}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\ntimeout = \"{timeout}\"\n"
    )
}

/// Hangs up the silent remote's connections when dropped (declared after
/// the controller, so dropped before it: a failed assertion does not leave
/// the controller waiting for a fetch that never ends).
struct HangUp(Held);

impl Drop for HangUp {
    fn drop(&mut self) {
        hang_up(&self.0);
    }
}

/// The connections a silent remote holds; `None` once it hangs up on
/// every connection, present and future (libgit2 reconnects once when a
/// server closes).
type Held = Arc<Mutex<Option<Vec<TcpStream>>>>;

fn hang_up(held: &Held) {
    if let Ok(mut h) = held.lock() {
        *h = None;
    }
}

/// A TCP server that accepts every connection and never answers; the
/// connections it holds.
fn silent_remote() -> (String, Held) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held: Held = Arc::new(Mutex::new(Some(Vec::new())));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            if let Some(open) = h.lock().unwrap().as_mut() {
                open.push(s);
            }
        }
    });
    (format!("http://127.0.0.1:{port}/apps.git"), held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_remote_holds_one_fetch_not_one_per_retry() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (url, held) = silent_remote();
    let rec = Reconciler::start(
        &app_config(&url, "1s"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let _hang_up = HangUp(held.clone());
    eventually("the first fetch timed out", || async {
        let s = rec.status("shop");
        match &s.last_error {
            Some(e) if e.stage == Stage::Fetch && e.message.contains("timed out") => Ok(()),
            _ => Err(format!("{s:?}")),
        }
    })
    .await;
    // Retries while the first fetch is still blocked start no other.
    for _ in 0..3 {
        rec.trigger("shop").await;
        eventually("a retry reported the fetch still running", || async {
            let s = rec.status("shop");
            match &s.last_error {
                Some(e) if e.message.contains("still running") => Ok(()),
                _ => Err(format!("{s:?}")),
            }
        })
        .await;
    }
    let open = held.lock().unwrap().as_ref().map(Vec::len);
    assert_eq!(open, Some(1), "one connection, one fetch");
    // The remote hangs up: the blocked fetch ends and the controller stops.
    hang_up(&held);
    rec.stop();
}

/// `n` functions, each consuming an event nobody declared: `n` errors.
fn broken_app(repo: &Repo, n: usize) {
    let text: String = (0..n)
        .map(|i| {
            format!(
                "function f{i} {{\n  image = \"registry.example.com/f:1\"\n  port = 8080\n  on Missing{i}\n}}\n\n"
            )
        })
        .collect();
    repo.write("apps/shop/broken.air", &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_diagnostics_are_capped_and_a_revert_clears_them() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let good = repo.commit("good");
    let rec = Reconciler::start(
        &app_config(&repo.file_url(), "2m"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let synced_at = |commit: String| {
        let rec = &rec;
        async move {
            eventually(&format!("synced at {commit}"), || async {
                let s = rec.status("shop");
                match (s.sync, s.revision.as_deref()) {
                    (SyncState::Synced, Some(r)) if r == commit => Ok(s),
                    _ => Err(format!("{:?} {:?}", s.sync, s.revision)),
                }
            })
            .await
        }
    };
    synced_at(good.clone()).await;

    let n = MAX_DIAGNOSTICS + 500;
    broken_app(&repo, n);
    let bad = repo.commit("broken");
    rec.trigger("shop").await;
    let s = eventually("the broken revision reported", || async {
        let s = rec.status("shop");
        if s.fetched_revision.as_deref() == Some(bad.as_str()) && s.sync == SyncState::Failed {
            Ok(s)
        } else {
            Err(format!("{:?} {:?}", s.sync, s.fetched_revision))
        }
    })
    .await;
    assert_eq!(s.diagnostics.len(), MAX_DIAGNOSTICS);
    assert!(s.diagnostics_omitted >= 500, "{}", s.diagnostics_omitted);
    let message = &s.last_error.as_ref().unwrap().message;
    assert!(message.contains(&format!("({n} errors)")), "{message}");
    let (code, body) = rec.http_get("/api/apps").await;
    assert_eq!(code, 200);
    let apps: serde_json::Value = serde_json::from_str(&body).unwrap();
    let listed = apps
        .as_array()
        .and_then(|a| a.first())
        .map(|a| a["diagnostics"].as_array().map_or(0, Vec::len));
    assert_eq!(listed, Some(MAX_DIAGNOSTICS));
    let (_, page) = rec.http_get("/apps/shop").await;
    assert_eq!(page.matches("<li><code>").count(), MAX_DIAGNOSTICS);
    assert!(page.contains("id=\"diagnostics-omitted\""));
    // The status ConfigMap holds the capped list too.
    let cm = kube
        .get("v1", "ConfigMap", "shop", "air-status-shop")
        .await
        .unwrap();
    let recorded: serde_json::Value =
        serde_json::from_str(cm["data"]["status.json"].as_str().unwrap()).unwrap();
    assert_eq!(
        recorded["diagnostics"].as_array().map(Vec::len),
        Some(MAX_DIAGNOSTICS)
    );

    // Revert: the branch points at the revision in force again.
    git(&repo.work, &["reset", "-q", "--hard", &good]);
    git(
        &repo.work,
        &["push", "-q", "--force", repo.bare.to_str().unwrap(), "main"],
    );
    rec.trigger("shop").await;
    let s = eventually("the revert fetched", || async {
        let s = rec.status("shop");
        if s.fetched_revision.as_deref() == Some(good.as_str()) && s.sync == SyncState::Synced {
            Ok(s)
        } else {
            Err(format!("{:?} {:?}", s.sync, s.fetched_revision))
        }
    })
    .await;
    assert!(
        s.diagnostics.is_empty(),
        "stale: {:?}",
        s.diagnostics.first()
    );
    assert_eq!(s.diagnostics_omitted, 0);
    assert!(s.last_error.is_none());
}
