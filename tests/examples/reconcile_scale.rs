//! Scale harness for the controller: N apps of M functions each, served by
//! the test API server over HTTP, reconciled from a real Git repository;
//! then repeated out-of-band edits (kubectl patch of a managed image) and
//! the time until the controller has reverted each (time-to-heal).
//!
//! ```sh
//! cargo run -p air-tests --example reconcile_scale -- [APPS] [FUNCTIONS] [EDITS]
//! ```
//!
//! Defaults: 20 apps × 10 functions (420 objects), 20 edits. Prints the
//! initial sync time and time-to-heal percentiles. A measurement, not a
//! test: it asserts nothing about time.
#![allow(clippy::unwrap_used)]

use air_tests::reconcile as reconcile_support;

use air_reconciler::status::SyncState;
use reconcile_support::{Kube, Reconciler, Repo, image};
use std::time::{Duration, Instant};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn write_big_app(repo: &Repo, name: &str, functions: usize) {
    repo.write(
        &format!("apps/{name}/air.toml"),
        &format!("[app]\nname = \"{name}\"\nnamespace = \"{name}\"\n"),
    );
    let mut src = String::from(
        "extern event Tick {\n  type = \"com.example.tick\"\n  source = \"/clock\"\n  data {\n    n: integer\n  }\n}\n",
    );
    for f in 0..functions {
        src.push_str(&format!(
            "\nfunction f{f} {{\n  image = \"registry.example.com/{name}/f{f}:1.0.0\"\n  port = 8080\n  on Tick\n}}\n"
        ));
    }
    repo.write(&format!("apps/{name}/app.air"), &src);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let apps = arg(1, 20);
    let functions = arg(2, 10);
    let edits = arg(3, 20);
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "scale");
    let names: Vec<String> = (0..apps).map(|i| format!("app{i}")).collect();
    let mut toml = String::new();
    for n in &names {
        write_big_app(&repo, n, functions);
        toml.push_str(&format!(
            "[[app]]\nname = \"{n}\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/{n}\"\ninterval = \"1h\"\n\n",
            repo.file_url()
        ));
    }
    repo.commit("scale");
    let started = Instant::now();
    let rec = Reconciler::start(&toml, &kube.kubeconfig, &tmp.path().join("cache"), &[]);
    loop {
        if names
            .iter()
            .all(|n| rec.status(n).sync == SyncState::Synced)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "initial sync never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let objects: usize = names.iter().map(|n| rec.status(n).objects.len()).sum();
    let initial = started.elapsed();
    // Let the watchers finish their initial lists.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut heals = Vec::new();
    for e in 0..edits {
        let app = &names[e % names.len()];
        let f = e % functions;
        let name = format!("f{f}");
        let want = format!("registry.example.com/{app}/f{f}:1.0.0");
        let patch = format!(
            r#"[{{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil.example.com/x:{e}"}}]"#
        );
        let edited = Instant::now();
        kube.kubectl(&[
            "-n", app, "patch", "ksvc", &name, "--type", "json", "-p", &patch,
        ]);
        loop {
            let live = kube.ksvc(app, &name).await.unwrap();
            if image(&live) == want {
                break;
            }
            assert!(
                edited.elapsed() < Duration::from_secs(120),
                "edit {e} never healed"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        heals.push(edited.elapsed());
    }
    heals.sort();
    println!(
        "apps: {apps}, functions per app: {functions}, objects managed: {objects}, edits: {edits}"
    );
    println!("initial sync of all apps: {:.2} s", initial.as_secs_f64());
    println!(
        "time-to-heal (kubectl patch sent → API shows the applied value again): median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        percentile(&heals, 0.5).as_secs_f64() * 1000.0,
        percentile(&heals, 0.95).as_secs_f64() * 1000.0,
        heals.last().unwrap().as_secs_f64() * 1000.0,
    );
    println!("(includes kubectl's own start-up and request, measured from before it runs)");
    rec.stop();
}
