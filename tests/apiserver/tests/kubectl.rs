//! The real kubectl against the server: get, server-side apply, conflicts,
//! delete, and `get -w`. kubectl must be on PATH (Debian: kubernetes-client;
//! see docs/testing.md); a missing kubectl fails these tests.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

struct Kubectl {
    kubeconfig: PathBuf,
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Kubectl {
    fn new(api: &support::Api, dir: &Path) -> Self {
        let kubeconfig = dir.join("kubeconfig");
        api.server.write_kubeconfig(&kubeconfig).unwrap();
        Self { kubeconfig }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            // No cache shared between tests or with the user's ~/.kube.
            .arg("--cache-dir")
            .arg(self.kubeconfig.with_extension("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .env("NO_PROXY", "127.0.0.1")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    async fn run(&self, args: &[&str]) -> Out {
        let out = tokio::time::timeout(support::WAIT, self.command(args).output())
            .await
            .expect("kubectl finishes within the bound")
            .expect("kubectl runs (is it installed? see docs/testing.md)");
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

const MANIFEST: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    app.kubernetes.io/managed-by: air
data:
  greeting: hello
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - image: registry.example/web:1
";

#[tokio::test]
async fn get_apply_server_side_conflict_and_delete() {
    let api = support::server().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kubectl::new(&api, dir.path());

    let out = k.run(&["get", "configmaps"]).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(out.stderr.contains("No resources found"), "{}", out.stderr);

    let file = dir.path().join("app.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    let out = k
        .run(&["apply", "--server-side", "-f", file.to_str().unwrap()])
        .await;
    assert!(out.ok, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("configmap/settings serverside-applied"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("service.serving.knative.dev/web serverside-applied"),
        "{}",
        out.stdout
    );

    let out = k.run(&["get", "configmaps", "-o", "name"]).await;
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "configmap/settings");
    // kubectl hides managedFields unless asked.
    let out = k
        .run(&["get", "ksvc", "web", "-o", "json", "--show-managed-fields"])
        .await;
    assert!(out.ok, "{}", out.stderr);
    let ksvc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(ksvc["metadata"]["managedFields"][0]["manager"], "kubectl");
    let out = k
        .run(&[
            "get",
            "configmaps",
            "-l",
            "app.kubernetes.io/managed-by=air",
        ])
        .await;
    assert!(
        out.ok && out.stdout.contains("settings"),
        "{}{}",
        out.stdout,
        out.stderr
    );

    // Another manager changing kubectl's field conflicts, unless forced.
    let changed = MANIFEST.replace("greeting: hello", "greeting: bye");
    std::fs::write(&file, changed).unwrap();
    let args = [
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        file.to_str().unwrap(),
    ];
    let out = k.run(&args).await;
    assert!(!out.ok, "conflict expected: {}", out.stdout);
    assert!(out.stderr.contains("conflict"), "{}", out.stderr);
    assert!(out.stderr.contains(".data.greeting"), "{}", out.stderr);
    let mut forced = args.to_vec();
    forced.push("--force-conflicts");
    let out = k.run(&forced).await;
    assert!(out.ok, "{}", out.stderr);
    let (_, cm) = api
        .get("/api/v1/namespaces/default/configmaps/settings")
        .await;
    assert_eq!(cm["data"]["greeting"], "bye");

    // Server-side dry run leaves the object alone.
    let out = k
        .run(&["delete", "configmap", "settings", "--dry-run=server"])
        .await;
    assert!(out.ok, "{}", out.stderr);
    let (code, _) = api
        .get("/api/v1/namespaces/default/configmaps/settings")
        .await;
    assert_eq!(code, 200);

    let out = k.run(&["delete", "configmap", "settings"]).await;
    assert!(out.ok, "{}", out.stderr);
    let (code, _) = api
        .get("/api/v1/namespaces/default/configmaps/settings")
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn get_watch_prints_changes() {
    let api = support::server().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kubectl::new(&api, dir.path());
    let mut child = k
        .command(&["get", "configmaps", "--watch", "-o", "name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl runs");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();

    // kubectl lists first (nothing), then watches; create until it prints.
    let cm =
        |name: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
    let (code, _) = api
        .post("/api/v1/namespaces/default/configmaps", &cm("first"))
        .await;
    assert_eq!(code, 201);
    let line = tokio::time::timeout(support::WAIT, lines.next_line())
        .await
        .expect("kubectl prints within the bound")
        .unwrap()
        .expect("a line");
    assert_eq!(line, "configmap/first");
    let (code, _) = api
        .post("/api/v1/namespaces/default/configmaps", &cm("second"))
        .await;
    assert_eq!(code, 201);
    let line = tokio::time::timeout(support::WAIT, lines.next_line())
        .await
        .expect("kubectl prints within the bound")
        .unwrap()
        .expect("a line");
    assert_eq!(line, "configmap/second");
    child.kill().await.unwrap();
}

/// kubectl sends what it creates imperatively as protobuf, which the server
/// does not decode: a clear 415, not a misread object (docs/testing.md).
#[tokio::test]
async fn protobuf_bodies_are_refused_clearly() {
    let api = support::server().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kubectl::new(&api, dir.path());
    let out = k.run(&["create", "namespace", "made-by-create"]).await;
    assert!(!out.ok, "{}", out.stdout);
    assert!(
        out.stderr.contains("does not decode protobuf"),
        "{}",
        out.stderr
    );
    let out = k.run(&["get", "namespace", "made-by-create"]).await;
    assert!(!out.ok, "{}", out.stdout);
}
