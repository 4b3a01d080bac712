//! A keystroke in the generated app of 2,000 workflows (the `air build`
//! benchmark's app, `testgen::generate_files`, on disk): the time from
//! `didChange` to the `publishDiagnostics` it causes, through the real
//! `air lsp` process over stdio, with the debounce set to 0 so the
//! compile is what is measured. Target: < 100 ms (docs/editors.md).
//!
//! Two servers: the default (parses kept between keystrokes: only the
//! edited file is parsed again) and `incremental: false` (every file
//! parsed on every keystroke, as before reuse), the baseline.
//!
//! `cargo bench -p air-cli --bench lsp_keystroke` (wall clock);
//! `AIR_BENCH_CLOCK=cpu` reads the server's CPU time instead (all its
//! threads, from /proc; 10 ms ticks summed over each sample's keystrokes),
//! which a busy machine disturbs less. Numbers: docs/performance.md.

use air_tests::lsp_client as client;

use client::{Client, uri};
use criterion::Criterion;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The generated app in a repository folder of its own.
fn generated_app() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    std::fs::create_dir(root.join(".git")).expect(".git");
    let app = root.join("bench");
    for (path, text) in air_compiler::testgen::generate_files(2_000) {
        let p = app.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::write(app.join("air.toml"), air_compiler::testgen::FILES_MANIFEST).expect("toml");
    (tmp, app)
}

/// CPU time (user + system, every thread, exited ones included) of a
/// process so far, from /proc/<pid>/stat; `None` where there is no /proc.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn bench_server(c: &mut Criterion, app: &Path, name: &str, incremental: bool, cpu: bool) {
    let file = app.join("flows/flows_0000.air");
    let text = std::fs::read_to_string(&file).expect("read");
    let mut client = Client::start(Path::new(env!("CARGO_BIN_EXE_air")));
    client.initialize_with(app, json!({"debounceMs": 0, "incremental": incremental}));
    client.open(&file, &text);
    client.diagnostics_for(&uri(&file), |_| true);
    let pid = client.pid();
    let mut version = 1;
    c.benchmark_group("lsp")
        .sample_size(20)
        .bench_function(name, |b| {
            b.iter_custom(|iters| {
                let wall = Instant::now();
                let cpu_before = cpu_time(pid);
                for _ in 0..iters {
                    version += 1;
                    // Alternate a typo and its fix: every keystroke changes
                    // what the app says.
                    let edited = if version % 2 == 0 {
                        text.replacen("on Happened0", "on Happened", 1)
                    } else {
                        text.clone()
                    };
                    client.change(&file, version, &edited);
                    // The answer to this very keystroke.
                    let target = uri(&file);
                    client.wait(|m| {
                        m["method"] == "textDocument/publishDiagnostics"
                            && m["params"]["uri"] == target.as_str()
                            && m["params"]["version"] == version
                    });
                }
                match (cpu, cpu_before, cpu_time(pid)) {
                    (true, Some(before), Some(after)) => after.saturating_sub(before),
                    _ => wall.elapsed(),
                }
            })
        });
    assert_eq!(client.shutdown(), Some(0));
}

fn keystroke(c: &mut Criterion) {
    let cpu = std::env::var("AIR_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    let (_tmp, app) = generated_app();
    bench_server(c, &app, "keystroke_2000_workflows", true, cpu);
    bench_server(c, &app, "keystroke_2000_workflows_from_scratch", false, cpu);
}

criterion::criterion_group!(benches, keystroke);
criterion::criterion_main!(benches);
