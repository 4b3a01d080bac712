//! End-to-end build speed: parse, resolve, check, lower and emit a
//! generated app of 2,000 workflows (plus the functions, events and types
//! they use), from an in-memory repository. Throughput is reported in
//! bytes of `.air` input per second (target: ≥ 10 MB/s).

use air_compiler::CompileOptions;
use air_compiler::source::MemProvider;
use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput};

#[path = "support/clock.rs"]
mod clock;

/// As in the `air` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn build<M: Measurement>(c: &mut Criterion<M>) {
    let files = air_compiler::testgen::generate_files(2000);
    let bytes = files.iter().map(|(_, t)| t.len()).sum::<usize>();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let provider = MemProvider::single("bench", air_compiler::testgen::FILES_MANIFEST, &refs);
    let opts = CompileOptions {
        app_dir: "bench".into(),
        env: None,
    };
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("2000_workflows", |b| {
        b.iter(|| {
            let out = air_compiler::compile::build(&provider, &opts);
            std::hint::black_box(out.output.map(|o| o.stream.len()))
        })
    });
    group.finish();
}

fn main() {
    clock::main_with(build, build);
}
