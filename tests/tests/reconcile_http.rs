//! The controller's HTTP surface against hostile clients: a page that
//! rebinds its DNS name to the controller (foreign Host), a cross-site
//! POST, a missing bearer token, a client that trickles its headers
//! (slowloris), a replayed push hook, a guessable hook secret; and the
//! security headers every response carries.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::http::{CONTENT_SECURITY_POLICY, HttpPolicy};
use air_reconciler::push_hooks::github_signature;
use reconcile_support::{Kube, Reconciler, Repo, write_app};
use std::io::{Read, Write};
use std::time::Duration;

async fn start(kube: &Kube, tmp: &std::path::Path) -> Reconciler {
    let repo = Repo::new(tmp, "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    repo.commit("v1");
    let toml = format!(
        "[[app]]\nname = \"shop\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\n",
        repo.file_url()
    );
    Reconciler::start(&toml, &kube.kubeconfig, &tmp.join("cache"), &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_origins_tokens_and_headers() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = start(&kube, tmp.path()).await;
    let http = reqwest::Client::new();

    let ok = http
        .get(format!("{}/api/apps", rec.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let h = ok.headers();
    assert_eq!(h["content-security-policy"], CONTENT_SECURITY_POLICY);
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    let page = http.get(format!("{}/", rec.url)).send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");

    // DNS rebinding: the browser sends the attacker's name as Host.
    for path in ["/api/apps", "/", "/apps/shop"] {
        let r = http
            .get(format!("{}{path}", rec.url))
            .header("host", "evil.example:9090")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 421, "{path}");
        assert!(!r.text().await.unwrap().contains("shop"), "{path}");
    }
    // Probes still answer whatever the Host (the kubelet uses the pod IP).
    let probe = http
        .get(format!("{}/healthz", rec.url))
        .header("host", "10.1.2.3:9090")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status().as_u16(), 200);

    // A cross-site form post.
    let reconcile = format!("{}/api/apps/shop/reconcile", rec.url);
    let cross = http
        .post(&reconcile)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    let same = http
        .post(&reconcile)
        .header("origin", rec.url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(same.status().as_u16(), 202);

    // With a token, the API and the dashboard ask for it.
    rec.shared.set_http_policy(HttpPolicy {
        allowed_hosts: Vec::new(),
        token: Some("a-long-enough-api-token".into()),
    });
    for path in ["/api/apps", "/"] {
        let r = http.get(format!("{}{path}", rec.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let r = http
            .get(format!("{}{path}", rec.url))
            .bearer_auth("a-long-enough-api-token")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    let metrics = http
        .get(format!("{}/metrics", rec.url))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trickles_its_headers_is_dropped() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = start(&kube, tmp.path()).await;
    let addr = rec.url.trim_start_matches("http://").to_string();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        // Never finish the headers. The server must hang up (EOF or a
        // 408) long before this read gives up.
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf)
            .map(|_| String::from_utf8_lossy(&buf).to_string())
    })
    .await
    .unwrap();
    let text = outcome.expect("the server hung up");
    assert!(text.is_empty() || text.contains("408"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_hooks_refuse_replays_and_short_secrets() {
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = start(&kube, tmp.path()).await;
    assert!(rec.shared.set_webhook_secret(Some("short".into())).is_err());
    rec.shared
        .set_webhook_secret(Some("a-webhook-secret-of-32-bytes-xx".into()))
        .unwrap();
    let hook = format!("{}/hooks/git", rec.url);
    let http = reqwest::Client::new();
    let send = |body: String, delivery: &'static str| {
        let http = http.clone();
        let hook = hook.clone();
        async move {
            http.post(&hook)
                .header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", delivery)
                .header(
                    "X-Hub-Signature-256",
                    github_signature("a-webhook-secret-of-32-bytes-xx", body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let body = |after: &str| {
        serde_json::json!({"ref": "refs/heads/main", "after": after,
            "repository": {"clone_url": "https://example.invalid/other.git"}})
        .to_string()
    };
    assert_eq!(send(body("1111"), "d-1").await, 200);
    // The same request again, then the same body under a new id.
    assert_eq!(send(body("1111"), "d-1").await, 409);
    assert_eq!(send(body("1111"), "d-2").await, 409);
    // A new delivery with a new body is accepted; an old id is not.
    assert_eq!(send(body("2222"), "d-3").await, 200);
    assert_eq!(send(body("3333"), "d-3").await, 409);
}
