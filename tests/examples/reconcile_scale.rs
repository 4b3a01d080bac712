//! Scale harness for `air reconcile`: the real controller process against
//! air-test-apiserver over HTTP, N apps spread over R Git repositories
//! served by `git daemon` on 127.0.0.1. It measures (docs/performance.md,
//! "Controller at scale"):
//!
//! - the time until every app is first synced (from the process start);
//! - the API requests of an idle period once in sync, by verb (counted at
//!   the test API server), and the Git requests in it (counted at the
//!   daemon: one `upload-pack` per connection; a fetch that finds nothing
//!   new makes one, the advertisement; one that downloads makes two);
//! - the Git requests of the first sync, per repository;
//! - drift-to-heal latency: out-of-band edits (a merge patch of a managed
//!   image by another field manager) and deletions, spread over the apps,
//!   each timed from just before the request until the API shows air's
//!   object again (p50, p99, max);
//! - peak RSS of the controller (VmHWM of /proc/PID/status).
//!
//! ```sh
//! cargo build -p air-cli --bin air
//! cargo run -p air-tests --example reconcile_scale -- [APPS=100] [FUNCTIONS=5] [REPOS=10] [EDITS=200] [IDLE_SECS=60] [INTERVAL=1m]
//! ```
//!
//! The controller is `AIR_BIN`, or the `air` binary beside this example's
//! target folder. Each app has FUNCTIONS Knative Services and Triggers plus
//! a Broker (2·FUNCTIONS + 1 objects), in its own namespace. A measurement,
//! not a test: it asserts nothing about time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use air_reconciler::cluster::Cluster;
use air_reconciler::object::ObjectRef;
use air_reconciler::status::{AppStatus, SyncState};
use air_tests::git::{daemon_path, free_port, wait_for_port};
use air_tests::reconcile::{Repo, image};
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(n: usize, default: T) -> T {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn write_app(repo: &Repo, name: &str, functions: usize) {
    repo.write(
        &format!("apps/{name}/air.toml"),
        &format!("[app]\nname = \"{name}\"\nnamespace = \"{name}\"\n"),
    );
    let mut src = String::from(
        "extern event Tick {\n  type = \"com.example.tick\"\n  source = \"/clock\"\n  data {\n    n: integer\n  }\n}\n",
    );
    for f in 0..functions {
        src.push_str(&format!(
            "\nfunction f{f} {{\n  image = \"{}\"\n  port = 8080\n  on Tick\n}}\n",
            want_image(name, f)
        ));
    }
    repo.write(&format!("apps/{name}/app.air"), &src);
}

fn want_image(app: &str, f: usize) -> String {
    format!("registry.example.com/{app}/f{f}:1.0.0")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// `git-daemon --verbose`, its log in a file: one "Request upload-pack"
/// line per fetch.
struct Daemon {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Daemon {
    fn start(base: &Path, log: PathBuf) -> Daemon {
        let port = free_port();
        let child = Command::new(daemon_path())
            .arg("--reuseaddr")
            .arg("--verbose")
            .arg(format!("--base-path={}", base.display()))
            .arg("--export-all")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(base)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start git daemon (Debian package git-daemon-sysvinit or git)");
        wait_for_port(port);
        Daemon { child, port, log }
    }

    /// Fetches so far, per repository.
    fn fetches(&self) -> BTreeMap<String, u64> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut m = BTreeMap::new();
        for line in text.lines() {
            if let Some(i) = line.find("Request upload-pack for ") {
                let repo = line[i + 24..].trim().trim_matches('\'').to_string();
                *m.entry(repo).or_default() += 1;
            }
        }
        m
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The controller process, stopped with SIGTERM when dropped.
struct Controller {
    child: Child,
}

impl Controller {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmHWM` and `VmRSS` of /proc/PID/status, in kB.
    fn memory(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// User + system CPU seconds so far (/proc/PID/stat, clock ticks of 1/100 s).
    fn cpu_secs(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = after.split_whitespace().collect();
        let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (tick(11) + tick(12)) / 100.0
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn air_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("AIR_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/examples/reconcile_scale → target/<profile>/air
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("air");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p air-cli --bin air` (same profile) or set AIR_BIN",
        bin.display()
    );
    bin
}

fn diff(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

async fn statuses(http: &reqwest::Client, url: &str) -> Vec<AppStatus> {
    match http.get(url).send().await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

fn ksvc(ns: &str, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "serving.knative.dev/v1".into(),
        kind: "Service".into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let apps: usize = arg(1, 100);
    let functions: usize = arg(2, 5);
    let repos: usize = arg(3, 10).clamp(1, apps.max(1));
    let edits: usize = arg(4, 200);
    let idle_secs: u64 = arg(5, 60);
    let interval: String = arg(6, "1m".to_string());
    let bin = air_bin();

    let server = air_test_apiserver::start(air_test_apiserver::Options::default())
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    let cluster = Cluster::connect(Some(&kubeconfig)).await.unwrap();

    // Repositories: app i lives in repository i % R, under apps/app<i>.
    let git_root = tmp.path().join("git");
    std::fs::create_dir_all(&git_root).unwrap();
    let repo_list: Vec<Repo> = (0..repos)
        .map(|r| Repo::new(&git_root, &format!("scale{r}")))
        .collect();
    let names: Vec<String> = (0..apps).map(|i| format!("app{i}")).collect();
    for (i, n) in names.iter().enumerate() {
        write_app(&repo_list[i % repos], n, functions);
    }
    for r in &repo_list {
        r.commit("scale");
    }
    let daemon = Daemon::start(&git_root, tmp.path().join("git-daemon.log"));

    let port = free_port();
    let mut toml = format!(
        "listen = \"127.0.0.1:{port}\"\ncache_dir = \"{}\"\n\n",
        tmp.path().join("cache").display()
    );
    for (i, n) in names.iter().enumerate() {
        toml.push_str(&format!(
            "[[app]]\nname = \"{n}\"\nrepo = \"git://127.0.0.1:{}/scale{}.git\"\nbranch = \"main\"\npath = \"apps/{n}\"\ninterval = \"{interval}\"\n\n",
            daemon.port,
            i % repos
        ));
    }
    let config = tmp.path().join("air-reconcile.toml");
    std::fs::write(&config, toml).unwrap();
    let log = tmp.path().join("air-reconcile.log");

    let started = Instant::now();
    let mut controller = Controller {
        child: Command::new(&bin)
            .arg("reconcile")
            .arg("--config")
            .arg(&config)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start air reconcile"),
    };
    let http = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{port}/api/apps");
    let objects = loop {
        let s = statuses(&http, &api).await;
        if s.len() == apps && s.iter().all(|a| a.sync == SyncState::Synced) {
            break s.iter().map(|a| a.objects.len()).sum::<usize>();
        }
        if started.elapsed() > Duration::from_secs(3600) {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("the first sync never finished; controller log:\n{log}");
        }
        if let Ok(Some(exit)) = controller.child.try_wait() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("air reconcile exited ({exit}):\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let first_sync = started.elapsed();
    let first_sync_cpu = controller.cpu_secs();
    let (hwm_sync, _) = controller.memory();
    let fetches_sync = daemon.fetches();
    let requests_sync = server.requests();

    // Idle: let the watchers' initial lists and their re-checks settle,
    // then count what an idle period costs.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let req0 = server.requests();
    let fetch0 = daemon.fetches();
    let cpu0 = controller.cpu_secs();
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let idle_requests = diff(&server.requests(), &req0);
    let idle_fetches = diff(&daemon.fetches(), &fetch0);
    let idle_cpu = controller.cpu_secs() - cpu0;
    let (_, rss_idle) = controller.memory();

    // Drift: alternate edits and deletions of Knative Services, spread
    // over the apps (a stride coprime with most app counts).
    let mut edit_heals = Vec::new();
    let mut delete_heals = Vec::new();
    let stride = 7919 % apps.max(1) + 1;
    for e in 0..edits {
        let app = &names[(e * stride) % apps];
        let f = (e / apps.max(1)) % functions.max(1);
        let r = ksvc(app, &format!("f{f}"));
        let want = want_image(app, f);
        let kube_api = cluster.api_for(&r).await.unwrap();
        let sent = Instant::now();
        let deleting = e % 2 == 1;
        if deleting {
            kube_api
                .delete(&r.name, &DeleteParams::default())
                .await
                .unwrap();
        } else {
            let patch: Value = json!({"spec": {"template": {"spec": {"containers": [
                {"name": "user-container", "image": format!("evil.example.com/x:{e}")}
            ]}}}});
            kube_api
                .patch(
                    &r.name,
                    &PatchParams {
                        field_manager: Some("kubectl-edit".into()),
                        ..PatchParams::default()
                    },
                    &Patch::Merge(&patch),
                )
                .await
                .unwrap();
        }
        loop {
            if let Ok(Some(live)) = cluster.get(&r).await
                && image(&live) == want
            {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(300),
                "drift {e} on {r} never healed"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if deleting {
            delete_heals.push(sent.elapsed());
        } else {
            edit_heals.push(sent.elapsed());
        }
    }
    let (hwm, rss_end) = controller.memory();
    let total_cpu = controller.cpu_secs();
    controller.stop();

    let mut all: Vec<Duration> = edit_heals.iter().chain(&delete_heals).copied().collect();
    all.sort();
    edit_heals.sort();
    delete_heals.sort();
    let sum = |m: &BTreeMap<String, u64>| m.values().sum::<u64>();
    println!(
        "apps {apps}, repositories {repos}, functions per app {functions}, objects managed {objects}, interval {interval}"
    );
    println!(
        "first full sync of all apps: {:.2} s (controller CPU {:.1} s)",
        first_sync.as_secs_f64(),
        first_sync_cpu
    );
    println!("  API requests until then: {requests_sync:?}");
    println!(
        "  Git requests (upload-pack) until then: {} over {} repositories (max {} for one repository)",
        sum(&fetches_sync),
        fetches_sync.len(),
        fetches_sync.values().max().copied().unwrap_or(0)
    );
    println!(
        "idle {idle_secs} s: {} API requests {idle_requests:?}; {} Git requests (upload-pack); controller CPU {idle_cpu:.2} s",
        sum(&idle_requests),
        sum(&idle_fetches)
    );
    if !all.is_empty() {
        println!(
            "drift-to-heal, {} changes: p50 {}, p99 {}, max {}",
            all.len(),
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
            ms(*all.last().unwrap())
        );
    }
    for (what, v) in [("edits", &edit_heals), ("deletions", &delete_heals)] {
        if !v.is_empty() {
            println!(
                "  {what} ({}): p50 {}, p99 {}, max {}",
                v.len(),
                ms(percentile(v, 0.5)),
                ms(percentile(v, 0.99)),
                ms(*v.last().unwrap())
            );
        }
    }
    println!(
        "air reconcile memory: peak (VmHWM) {:.1} MB (at first sync {:.1} MB), RSS idle {:.1} MB, at the end {:.1} MB; CPU {total_cpu:.1} s",
        hwm as f64 / 1024.0,
        hwm_sync as f64 / 1024.0,
        rss_idle as f64 / 1024.0,
        rss_end as f64 / 1024.0
    );
    server.shutdown().await;
}
