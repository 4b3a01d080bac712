//! Harness for the controller's integration tests: the test Kubernetes API
//! server (air-test-apiserver, real HTTP on 127.0.0.1), Git repositories
//! served by real remotes (file://, `git daemon`), the controller running
//! in-process with its HTTP endpoints on a free port, the real `kubectl`,
//! and every tracing line captured so tests can grep it for secrets.
//!
//! Nothing here asserts on time: `eventually` polls until a generous
//! deadline and fails with the last observation.
#![allow(dead_code)]

/// The Git remotes of the reconciler's own Git tests, shared.
use crate::git as git_support;
#[allow(unused_imports)] // not every including test uses both
pub use git_support::{LogBuffer, free_port, git_daemon};

use air_reconciler::cluster::Cluster;
use air_reconciler::controller::{self, Shared};
use air_reconciler::git::GitCache;
use air_reconciler::object::ObjectRef;
use air_reconciler::status::{AppStatus, SyncState};
use serde_json::Value;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long `eventually` waits before failing (generous: CI machines are
/// slow and shared; the speed itself is measured by the scale bench).
pub const DEADLINE: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------- logs

static LOGS: OnceLock<LogBuffer> = OnceLock::new();

/// Every tracing line of this test process (all levels, all threads).
pub fn logs() -> String {
    let buf = capture();
    buf.text()
}

fn capture() -> &'static LogBuffer {
    LOGS.get_or_init(|| {
        // Global: the controller logs from its own threads.
        let buf = LogBuffer::default();
        let _ = tracing::subscriber::set_global_default(buf.subscriber());
        buf
    })
}

// ---------------------------------------------------------------- processes

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com"))
}

/// The real `kubectl` against the test API server. Fails (never skips)
/// when kubectl is not installed.
pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    run(Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args))
}

// ---------------------------------------------------------------- git

/// A work tree and the bare repository it pushes to.
pub struct Repo {
    pub work: PathBuf,
    pub bare: PathBuf,
}

impl Repo {
    /// `bare` is created at `root/<name>.git`.
    pub fn new(root: &Path, name: &str) -> Repo {
        let work = root.join(format!("{name}-work"));
        let bare = root.join(format!("{name}.git"));
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        git(
            root,
            &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
        );
        Repo { work, bare }
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.work.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.work.join(path)).unwrap();
    }

    /// Commit everything and push; the new commit id.
    pub fn commit(&self, msg: &str) -> String {
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "-q", "--allow-empty", "-m", msg]);
        let bare = self.bare.to_str().unwrap();
        git(&self.work, &["push", "-q", "--force", bare, "main"]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }
}

/// The test app: a function (Knative Service) and a workflow (ConfigMap,
/// Trigger, Broker), namespace `ns`, image tag `tag`.
pub fn write_app(repo: &Repo, dir: &str, name: &str, ns: &str, tag: &str) {
    repo.write(
        &format!("{dir}/air.toml"),
        &format!("[app]\nname = \"{name}\"\nnamespace = \"{ns}\"\n"),
    );
    repo.write(
        &format!("{dir}/app.air"),
        &format!(
            r#"extern event OrderPlaced {{
  type = "com.example.order.placed"
  source = "/shop"
  data {{
    id: string
  }}
}}

function web {{
  image = "registry.example.com/shop/web:{tag}"
  port = 8080
  on OrderPlaced
}}
"#
        ),
    );
}

// ---------------------------------------------------------------- cluster

/// The test API server, its kubeconfig, and a client.
pub struct Kube {
    pub server: air_test_apiserver::Server,
    pub kubeconfig: PathBuf,
    pub cluster: Cluster,
    _dir: tempfile::TempDir,
}

impl Kube {
    pub async fn start() -> Kube {
        capture();
        let server = air_test_apiserver::start(air_test_apiserver::Options::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).unwrap();
        let cluster = Cluster::connect(Some(&kubeconfig)).await.unwrap();
        Kube {
            server,
            kubeconfig,
            cluster,
            _dir: dir,
        }
    }

    pub async fn get(&self, api_version: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
        self.cluster
            .get(&ObjectRef {
                api_version: api_version.into(),
                kind: kind.into(),
                namespace: ns.into(),
                name: name.into(),
            })
            .await
            .unwrap()
    }

    pub async fn ksvc(&self, ns: &str, name: &str) -> Option<Value> {
        self.get("serving.knative.dev/v1", "Service", ns, name)
            .await
    }

    pub fn kubectl(&self, args: &[&str]) -> String {
        kubectl(&self.kubeconfig, args)
    }

    /// The Events of namespace `ns`, read with kubectl, as
    /// "Type Reason regarded-object: message" lines.
    pub fn events(&self, ns: &str) -> Vec<String> {
        let out = self.kubectl(&["get", "events", "-n", ns, "-o", "json"]);
        let list: Value = serde_json::from_str(&out).unwrap();
        let text = |e: &Value, p: &str| {
            e.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        list["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {} {}: {}",
                            text(e, "/type"),
                            text(e, "/reason"),
                            text(e, "/involvedObject/name"),
                            text(e, "/message")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn image(ksvc: &Value) -> String {
    ksvc.pointer("/spec/template/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

// ---------------------------------------------------------------- controller

/// The controller, running on its own thread and runtime (as the binary
/// runs it) until dropped.
pub struct Reconciler {
    pub url: String,
    pub shared: Arc<Shared>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Reconciler {
    /// `POST /api/apps/<app>/reconcile`, as `air` does; the controller
    /// answers 202 and runs a cycle. The trigger's id, for
    /// [`Reconciler::handled`].
    pub async fn trigger(&self, app: &str) -> u64 {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/apps/{app}/reconcile", self.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202);
        let body: Value = resp.json().await.unwrap();
        body["trigger"]
            .as_u64()
            .unwrap_or_else(|| panic!("no trigger id in {body}"))
    }

    /// Wait until the app's task has handled trigger `id` (its cycle is
    /// over, or it decided to do nothing); the status that answers it.
    pub async fn handled(&self, app: &str, id: u64) -> AppStatus {
        eventually(&format!("trigger {id} of {app} handled"), || async {
            let s = self.status(app);
            if s.handled_trigger.is_some_and(|h| h >= id) {
                Ok(s)
            } else {
                Err(format!("{s:?}"))
            }
        })
        .await
    }

    /// Wait until app `app` is synced at `commit`.
    pub async fn synced_at(&self, app: &str, commit: &str) {
        eventually(&format!("{app} synced at {commit}"), || async {
            let s = self.status(app);
            match (s.sync, s.revision.as_deref()) {
                (SyncState::Synced, Some(r)) if r == commit => Ok(()),
                _ => Err(format!("{s:?}")),
            }
        })
        .await;
    }

    /// Start with the configuration `toml` (its `listen` is replaced by a
    /// free port); secrets are looked up in `env`.
    pub fn start(toml: &str, kubeconfig: &Path, cache: &Path, env: &[(&str, &str)]) -> Reconciler {
        capture();
        let mut config = air_reconciler::config::parse(toml).unwrap();
        let port = free_port();
        config.listen = SocketAddr::from(([127, 0, 0, 1], port));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cache = GitCache::new(cache)
            .with_env(move |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        let kubeconfig = kubeconfig.to_path_buf();
        let shared = Shared::new();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let thread_shared = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let cluster = Cluster::connect(Some(&kubeconfig)).await.unwrap();
                let mut http_stop = stop_rx.clone();
                let (_, server) =
                    air_reconciler::http::serve(config.listen, thread_shared.clone(), async move {
                        let _ = http_stop.wait_for(|s| *s).await;
                    })
                    .await
                    .unwrap();
                let server = tokio::spawn(server);
                let mut stop = stop_rx;
                controller::run(config, cluster, cache, thread_shared, false, async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
                let _ = server.await;
            });
        });
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < DEADLINE, "the controller never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        Reconciler {
            url,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The app's status, waiting (up to [`DEADLINE`]) for its first one: a
    /// busy machine may ask before the app's task has published it.
    pub fn status(&self, app: &str) -> AppStatus {
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(s) = self.shared.status(app) {
                return s;
            }
            assert!(Instant::now() < until, "no status for app {app}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// GET a path of the controller's HTTP server: (status code, body).
    pub async fn http_get(&self, path: &str) -> (u16, String) {
        let resp = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
        let code = resp.status().as_u16();
        (code, resp.text().await.unwrap())
    }

    /// Stop and wait for the controller to finish (graceful shutdown).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Reconciler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The `shop` app (image 1.0.0) committed once to a new repository, and a
/// controller started with the configuration `config` writes for that
/// repository, synced at the commit. Fields drop in this order: the
/// controller first, the API server last.
pub struct SyncedShop {
    pub rec: Reconciler,
    pub repo: Repo,
    /// The commit the controller synced.
    pub commit: String,
    _tmp: tempfile::TempDir,
    pub kube: Kube,
}

impl SyncedShop {
    pub async fn start(config: impl FnOnce(&Repo) -> String) -> SyncedShop {
        let kube = Kube::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::new(tmp.path(), "apps");
        write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
        let commit = repo.commit("one");
        let rec = Reconciler::start(
            &config(&repo),
            &kube.kubeconfig,
            &tmp.path().join("cache"),
            &[],
        );
        rec.synced_at("shop", &commit).await;
        SyncedShop {
            rec,
            repo,
            commit,
            _tmp: tmp,
            kube,
        }
    }
}

/// Poll `check` until it returns `Ok`, or fail after [`DEADLINE`] with the
/// last `Err` (what was seen instead).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(v) => return v,
            Err(seen) if start.elapsed() > DEADLINE => {
                panic!("timed out waiting for {what}; last seen: {seen}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
