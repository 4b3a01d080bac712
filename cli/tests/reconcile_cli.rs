//! `air reconcile` as a process: SIGTERM ends it even while a fetch is
//! blocked on a remote that accepts connections and never answers (a
//! blocking thread cannot be interrupted; the process must not wait for
//! it).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::k8s::Harness;
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
