//! `air reconcile` as a process: SIGTERM ends it even while a fetch is
//! blocked on a remote that accepts connections and never answers (a
//! blocking thread cannot be interrupted; the process must not wait for
//! it); SIGTERM during an apply lets that apply finish, keeps the Lease
//! meanwhile, then releases it.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_reconciler::object::ObjectRef;
use air_tests::k8s::Harness;
use air_tests::reconcile::{Kube, Repo, eventually, write_app};
use serde_json::Value;
use std::io::BufRead;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AIR: &str = env!("CARGO_BIN_EXE_air");

/// Generous: the bound is on hanging forever, not on speed.
const DEADLINE: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_process_while_a_fetch_is_blocked() {
    let h = Harness::start("reconcile-sigterm").await;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let remote = listener.local_addr().unwrap().port();
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let accepted = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            accepted.lock().unwrap().push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reconciler.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ncache_dir = \"{}\"\n[[app]]\nname = \"shop\"\nrepo = \"http://127.0.0.1:{remote}/apps.git\"\nbranch = \"main\"\ninterval = \"1h\"\ntimeout = \"1s\"\n",
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(AIR)
        .arg("reconcile")
        .arg("--config")
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&h.kubeconfig_path)
        .env_remove("KUBECONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the fetch is blocked on the silent remote.
    let start = Instant::now();
    while held.lock().unwrap().is_empty() {
        assert!(start.elapsed() < DEADLINE, "no fetch reached the remote");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The controller runs with its allocator settings: the process
    // re-executed itself with them, keeping its PID (which SIGTERM below
    // reaches).
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    let environ: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    for setting in ["MIMALLOC_ALLOW_THP=0", "MIMALLOC_PURGE_DELAY=0"] {
        assert!(
            environ.contains(&setting.as_bytes()),
            "{setting} missing from the controller's environment"
        );
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > DEADLINE {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.is_none() {
        let _ = child.kill();
    }
    // The remote still holds the connection: the fetch is still blocked.
    assert!(!held.lock().unwrap().is_empty());
    let status = status.expect("air reconcile exited after SIGTERM");
    assert!(status.success(), "{status:?}");
}

/// The controller's Lease in namespace `default`: (holder, renewTime).
async fn lease(kube: &Kube) -> (String, String) {
    let lease = kube
        .get(
            "coordination.k8s.io/v1",
            "Lease",
            "default",
            "air-reconciler",
        )
        .await
        .unwrap_or(Value::Null);
    let text = |p: &str| {
        lease
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (text("/spec/holderIdentity"), text("/spec/renewTime"))
}

/// The objects the app at `dir` of the working tree compiles to.
fn compiled(repo: &Repo, dir: &str) -> Vec<ObjectRef> {
    let provider = air_reconciler::disk::DiskProvider::new(&repo.work).unwrap();
    let opts = air_compiler::CompileOptions {
        app_dir: dir.into(),
        env: None,
    };
    let mut c = air_compiler::compile::front(&provider, &opts);
    let app = air_reconciler::desired::lower_checked(&mut c, None).unwrap();
    app.objects.iter().filter_map(ObjectRef::of).collect()
}

/// SIGTERM while an apply is in flight (the test API server holds the
/// first write, so the signal certainly arrives between two writes of the
/// revision): the leader finishes that apply — every object of the
/// revision and its inventory are there, nothing half-applied — keeps
/// renewing the Lease while it does, then releases it, so another replica
/// takes over at once instead of after the lease expires; exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_apply_in_flight_then_releases_the_lease() {
    let kube = Kube::start().await;
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::new(dir.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let commit = repo.commit("shop 1.0.0");
    let config = dir.path().join("reconciler.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ncache_dir = \"{}\"\n[[app]]\nname = \"shop\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/shop\"\ninterval = \"1h\"\ntimeout = \"10m\"\n",
            dir.path().join("cache").display(),
            repo.file_url(),
        ),
    )
    .unwrap();
    kube.server.hold("patch");
    let mut child = std::process::Command::new(AIR)
        .arg("reconcile")
        .arg("--config")
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&kube.kubeconfig)
        .args(["--leader-elect", "--lease-namespace", "default"])
        .env_remove("KUBECONFIG")
        .env("HOSTNAME", "replica-a")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its log, line by line, for "shutting down".
    let log: Arc<Mutex<String>> = Arc::default();
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });

    // Leading, and the revision's first write is held: the apply is in
    // flight.
    eventually("an apply held in flight", || async {
        if kube.server.held("patch") > 0 {
            Ok(())
        } else {
            Err(format!(
                "{:?}\n{}",
                kube.server.requests(),
                log.lock().unwrap()
            ))
        }
    })
    .await;
    assert_eq!(lease(&kube).await.0, "replica-a");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    eventually("the controller shutting down", || async {
        let l = log.lock().unwrap();
        if l.contains("shutting down") {
            Ok(())
        } else {
            Err(l.clone())
        }
    })
    .await;
    // Still draining: the lease stays this replica's and is renewed (a
    // drain can outlast the lease; another replica must not step in).
    let (holder, renewed) = lease(&kube).await;
    assert_eq!(holder, "replica-a");
    eventually("the lease renewed during the drain", || async {
        let now = lease(&kube).await;
        if now.0 == "replica-a" && now.1 != renewed {
            Ok(())
        } else {
            Err(format!("{now:?}"))
        }
    })
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited with the apply held"
    );

    // Let the apply go on: it finishes, then the process exits.
    kube.server.release("patch");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let status = status.expect("air reconcile exited after SIGTERM");
    assert!(status.success(), "{status:?}\n{}", log.lock().unwrap());

    // The whole revision is applied, and recorded as such.
    let wanted = compiled(&repo, "apps/shop");
    assert!(wanted.len() >= 3, "{wanted:?}");
    for r in &wanted {
        let live = kube.cluster.get(r).await.unwrap();
        assert!(live.is_some(), "{r} missing after the drain");
    }
    let inventory = air_reconciler::inventory::load(&kube.cluster, "shop", "shop")
        .await
        .unwrap();
    assert_eq!(inventory.revision.as_deref(), Some(commit.as_str()));
    // (A namespace air creates is never in the inventory: never pruned.)
    for r in wanted.iter().filter(|r| r.kind != "Namespace") {
        assert!(inventory.objects.contains(r), "{r} not in the inventory");
    }

    // The lease is released: another replica takes it at once.
    assert_eq!(lease(&kube).await.0, "", "lease not released");
    let next = air_reconciler::leader::Elector::new(
        kube.cluster.client().clone(),
        air_reconciler::leader::LeaseSettings::new("default", "replica-b"),
    );
    assert!(next.try_acquire_or_renew().await.unwrap());
    assert_eq!(lease(&kube).await.0, "replica-b");
}
