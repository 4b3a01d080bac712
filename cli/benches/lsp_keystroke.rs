//! A keystroke in the generated app of 2,000 workflows (the `air build`
//! benchmark's app, `testgen::generate_files`, on disk): the time from
//! `didChange` to the `publishDiagnostics` it causes, through the real
//! `air lsp` process over stdio, with the debounce set to 0 so the
//! compile is what is measured. Target: < 100 ms (docs/editors.md).
//! Run with `cargo bench -p air-cli --bench lsp_keystroke`.

use air_tests::lsp_client as client;

use client::{Client, uri};
use criterion::Criterion;
use serde_json::json;
use std::time::{Duration, Instant};

fn keystroke(c: &mut Criterion) {
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
    let file = app.join("flows/flows_0000.air");
    let text = std::fs::read_to_string(&file).expect("read");

    let mut client = Client::start(std::path::Path::new(env!("CARGO_BIN_EXE_air")));
    client.initialize_with(&app, json!({"debounceMs": 0}));
    client.open(&file, &text);
    client.diagnostics_for(&uri(&file), |_| true);
    let mut version = 1;
    c.benchmark_group("lsp")
        .sample_size(20)
        .bench_function("keystroke_2000_workflows", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    version += 1;
                    // Alternate a typo and its fix: every keystroke changes
                    // what the app says.
                    let edited = if version % 2 == 0 {
                        text.replacen("on Happened0", "on Happened", 1)
                    } else {
                        text.clone()
                    };
                    let start = Instant::now();
                    client.change(&file, version, &edited);
                    client.diagnostics_for(&uri(&file), |_| true);
                    total += start.elapsed();
                }
                total
            })
        });
    assert_eq!(client.shutdown(), Some(0));
}

criterion::criterion_group!(benches, keystroke);
criterion::criterion_main!(benches);
