//! The controller's dashboard in a real browser: headless Chromium loads
//! `/` and `/apps/<name>` from a running controller and the test reads the
//! DOM it built: the app's row, its objects, the workflow drawn as SVG and
//! the event catalog; a broken commit then shows on both pages.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::status::SyncState;
use reconcile_support::{Kube, Reconciler, Repo, eventually, write_app};

/// The DOM Chromium built from `url` (`--dump-dom`).
fn dom(url: &str, chromium: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = air_tests::browser::dump_dom(chromium, profile.path())
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const FLOW: &str = r#"/// Takes an order through the web function.
workflow fulfil {
  on OrderPlaced
  reserve: call web { id: ${ .data.id } }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_apps_graphs_and_catalog_in_a_browser() {
    let chromium = match air_tests::browser::chromium() {
        Ok(c) => c,
        Err(e) => {
            air_tests::tools::missing(&e);
            return;
        }
    };
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    repo.write("apps/shop/flow.air", FLOW);
    let c1 = repo.commit("shop");
    let config = format!(
        "[[app]]\nname = \"shop\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\n",
        repo.file_url()
    );
    let rec = Reconciler::start(&config, &kube.kubeconfig, &tmp.path().join("cache"), &[]);
    eventually("synced", || async {
        let s = rec.status("shop");
        if s.sync == SyncState::Synced {
            Ok(())
        } else {
            Err(format!("{s:?}"))
        }
    })
    .await;
    let base = rec.url.clone();

    let index = tokio::task::spawn_blocking({
        let url = format!("{base}/");
        let chromium = chromium.clone();
        move || dom(&url, &chromium)
    })
    .await
    .unwrap();
    assert!(index.contains("<table id=\"apps\">"), "{index}");
    assert!(index.contains("<a href=\"/apps/shop\">shop</a>"), "{index}");
    assert!(
        index.contains("<td class=\"synced\">synced</td>"),
        "{index}"
    );
    assert!(index.contains(&c1[..12]), "{index}");

    let page = tokio::task::spawn_blocking({
        let url = format!("{base}/apps/shop");
        let chromium = chromium.clone();
        move || dom(&url, &chromium)
    })
    .await
    .unwrap();
    // The workflow, drawn by the compiler, parsed by the browser as SVG.
    let figure = page
        .find("<figure class=\"workflow\" id=\"workflow-fulfil\">")
        .expect("the workflow figure");
    assert!(page[figure..].contains("<svg"), "{page}");
    assert!(page[figure..].contains("reserve"), "{page}");
    // The objects and the catalog.
    assert!(
        page.contains("Service.serving.knative.dev/shop/web"),
        "{page}"
    );
    assert!(page.contains("<table id=\"catalog\">"), "{page}");
    assert!(page.contains("com.example.order.placed"), "{page}");

    // A broken commit: the index says failed, the app page shows where.
    repo.write("apps/shop/broken.air", "function broken {\n");
    repo.commit("broken");
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/apps/shop/reconcile"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    eventually("failed", || async {
        let s = rec.status("shop");
        if s.sync == SyncState::Failed {
            Ok(())
        } else {
            Err(format!("{s:?}"))
        }
    })
    .await;
    let index = tokio::task::spawn_blocking({
        let url = format!("{base}/");
        let chromium = chromium.clone();
        move || dom(&url, &chromium)
    })
    .await
    .unwrap();
    assert!(
        index.contains("<td class=\"failed\">failed</td>"),
        "{index}"
    );
    let page = tokio::task::spawn_blocking({
        let url = format!("{base}/apps/shop");
        let chromium = chromium.clone();
        move || dom(&url, &chromium)
    })
    .await
    .unwrap();
    assert!(
        page.contains("apps/shop/broken.air:1: error[E0110]"),
        "{page}"
    );
    // The last good revision's graph is still shown.
    assert!(page.contains("id=\"workflow-fulfil\""), "{page}");
    rec.stop();
}
