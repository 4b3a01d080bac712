//! The controller's retry policy end to end (docs/reconcile.md, "Failures
//! and retries"): a terminal failure (a revision that does not compile) is
//! not fetched and compiled again within the interval, while a transient
//! one (a Git remote that is down) is retried with back-off, with no
//! trigger. The transient app is the clock: no assertion on time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::metrics::app as label;
use air_reconciler::status::{Reason, Stage, SyncState};
use reconcile_support::{Kube, Reconciler, Repo, eventually, free_port, write_app};

/// Failed cycles of `app` so far: each one fetched (and, for a new
/// commit, compiled).
fn failed_cycles(rec: &Reconciler, app: &str) -> u64 {
    rec.shared
        .metrics
        .reconcile_errors
        .get_or_create(&label(app))
        .get()
}

async fn failures_reach(rec: &Reconciler, app: &str, at_least: u64) {
    eventually(&format!("{at_least} failed cycles of {app}"), || async {
        match failed_cycles(rec, app) {
            n if n >= at_least => Ok(()),
            n => Err(format!("{n}: {:?}", rec.status(app))),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_error_waits_while_a_transient_one_is_retried() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    repo.write("apps/shop/broken.air", "function broken {\n");
    let broken = repo.commit("broken");
    // A port nothing listens on: every fetch of `down` fails.
    let closed = free_port();
    let toml = format!(
        r#"
[[app]]
name = "broken"
repo = "{}"
branch = "main"
path = "apps/shop"
interval = "1h"

[[app]]
name = "down"
repo = "git://127.0.0.1:{closed}/shop.git"
branch = "main"
interval = "1h"
"#,
        repo.file_url()
    );
    let rec = Reconciler::start(&toml, &kube.kubeconfig, &tmp.path().join("cache"), &[]);

    failures_reach(&rec, "broken", 1).await;
    let s = rec.status("broken");
    let e = s.last_error.as_ref().unwrap();
    assert_eq!(
        (e.stage, e.reason, s.sync),
        (
            Stage::Compile,
            Some(Reason::CompileErrors),
            SyncState::Failed
        ),
        "{s:?}"
    );
    assert_eq!(s.fetched_revision.as_deref(), Some(broken.as_str()));

    // Two more retries of the transient failure, by back-off alone.
    let before = failed_cycles(&rec, "down");
    failures_reach(&rec, "down", before + 2).await;
    let down = rec.status("down");
    let e = down.last_error.as_ref().unwrap();
    assert_eq!(e.stage, Stage::Fetch, "{down:?}");
    assert!(e.reason.is_some_and(Reason::is_transient), "{down:?}");
    // Meanwhile the broken revision was not fetched or compiled again
    // (a back-off would have retried it as often as `down`).
    assert_eq!(
        failed_cycles(&rec, "broken"),
        1,
        "{:?}",
        rec.status("broken")
    );

    // A manual trigger still runs a cycle at once.
    rec.trigger("broken").await;
    failures_reach(&rec, "broken", 2).await;
    let (_, body) = rec.http_get("/api/apps/broken").await;
    assert!(body.contains("\"reason\":\"compile-errors\""), "{body}");
    rec.stop();
}
