//! How fast `air test` runs workflows: every workflow of a generated app of
//! 1,000 workflows started once (loaded, started, run to its end, calls
//! answered at once), with the jq filters already compiled and with every
//! program compiled again, and the test suites of the examples. Throughput
//! is reported in runs per second (target: 1,000 runs in < 1 s on one
//! core).

use air_compiler::CompileOptions;
use air_compiler::source::MemProvider;
use air_engine::plan::TestBundle;
use air_engine::scenario::wiring::Wiring;
use air_engine::sw::{Engine, Host, HttpRequest, HttpResponse};
use criterion::{Criterion, Throughput};
use serde_json::{Value, json};

/// As in the `air` binary, which runs `air test`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Answers every call with `200 {}`; counts emits.
#[derive(Default)]
struct Answer {
    emitted: usize,
}

impl Host for Answer {
    fn http(&mut self, _: &HttpRequest) -> Result<HttpResponse, String> {
        Ok(HttpResponse::json(200, json!({"status": "ok", "key": "k"})))
    }
    fn emit(&mut self, _: &Value) {
        self.emitted += 1;
    }
}

/// The objects `air build` emits for `provider`'s app, and its manifest.
fn compiled(
    provider: &MemProvider,
    dir: &str,
) -> (Vec<Value>, Option<Value>, air_compiler::model::Manifest) {
    let opts = CompileOptions {
        app_dir: dir.into(),
        env: None,
    };
    let (mut c, bundle) = air_compiler::compile::test_bundle(provider, &opts);
    let program = c.program.take().expect("the app compiles");
    let lowered = air_compiler::lower::lower(&program, &c.sources, &mut c.diagnostics)
        .expect("the app lowers");
    let manifest = program.root().expect("an app").manifest.clone();
    (lowered.objects, bundle, manifest)
}

fn generated(c: &mut Criterion) {
    let n = 1000;
    let app = air_compiler::testgen::generate_app(n);
    let provider = MemProvider::single(
        "bench",
        air_compiler::testgen::FILES_MANIFEST,
        &[("app.air", app.as_str())],
    );
    let (objects, _, m) = compiled(&provider, "bench");
    let wiring = Wiring::read(&objects, &m.runtime_url, &m.namespace, &m.broker_name)
        .expect("the objects read");
    let documents = wiring.documents().to_vec();
    let names: Vec<(String, String)> = documents
        .iter()
        .map(|d| {
            (
                d["document"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["document"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let input = json!({"specversion": "1.0", "id": "1", "source": "/bench", "type": "bench",
        "data": {"id": "o-1", "amount": 10, "currency": "EUR", "items": []}});
    let mut group = c.benchmark_group("runs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(names.len() as u64));
    // Compiled jq filters are cached per thread and shared by engines, as
    // in `air test` (a fresh engine per test): the first figure has them
    // compiled, the second runs each iteration on a new thread, so every
    // program is compiled again.
    group.bench_function("1000_workflows_each_started_once", |b| {
        b.iter(|| std::hint::black_box(run_all(&documents, &names, &input)))
    });
    group.bench_function("1000_workflows_each_started_once_cold", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                s.spawn(|| std::hint::black_box(run_all(&documents, &names, &input)))
                    .join()
                    .expect("the runs finish")
            })
        })
    });
    group.finish();
}

/// A new engine with every document loaded, each workflow started once
/// with `input`, settled; how many events were emitted.
fn run_all(documents: &[Value], names: &[(String, String)], input: &Value) -> usize {
    let mut engine = Engine::new();
    for d in documents {
        engine.load(d.clone()).expect("loads");
    }
    let mut host = Answer::default();
    for (ns, name) in names {
        engine.start(ns, name, input.clone()).expect("starts");
    }
    engine.settle(&mut host);
    host.emitted
}

fn examples(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut suites = Vec::new();
    for app in [
        "order-fulfilment",
        "expense-approval",
        "image-resize",
        "scheduled-report",
    ] {
        let dir = root.join(app);
        let manifest = std::fs::read_to_string(dir.join("air.toml")).expect("air.toml");
        let files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("example folder")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "air"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(e.path()).expect("readable"))
            })
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let provider = MemProvider::single(app, &manifest, &refs);
        let (objects, bundle, m) = compiled(&provider, app);
        let bundle: TestBundle =
            serde_json::from_value(bundle.expect("a test bundle")).expect("the bundle reads");
        let wiring = Wiring::read(&objects, &m.runtime_url, &m.namespace, &m.broker_name)
            .expect("the objects read");
        suites.push((wiring, bundle));
    }
    let tests: usize = suites.iter().map(|(_, b)| b.tests.len()).sum();
    let mut group = c.benchmark_group("examples");
    group.throughput(Throughput::Elements(tests as u64));
    group.bench_function("every_example_test", |b| {
        b.iter(|| {
            let mut passed = 0;
            for (wiring, bundle) in &suites {
                let results = air_engine::scenario::run_tests(wiring, bundle, None);
                passed += results.iter().filter(|r| r.passed()).count();
            }
            std::hint::black_box(passed)
        })
    });
    group.finish();
}

criterion::criterion_group!(benches, generated, examples);
criterion::criterion_main!(benches);
