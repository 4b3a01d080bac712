//! What checking costs next to parsing, on the generated app of 2,000
//! workflows (`air_compiler::testgen::generate_app`): `parse` is the parser
//! alone; `check` is what `air check` runs (parse, resolve, check). The
//! target is check ≤ 2 × parse (docs/performance.md).

use air_compiler::source::MemProvider;
use air_compiler::{CompileOptions, Diagnostics, FileId};
use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput};

#[path = "support/clock.rs"]
mod clock;
use std::hint::black_box;

/// As in the `air` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn check<M: Measurement>(c: &mut Criterion<M>) {
    let text = air_compiler::testgen::generate_app(2_000);
    let provider = MemProvider::single(
        "bench",
        "[app]\nname = \"bench\"\nnamespace = \"bench\"\n",
        &[("app.air", text.as_str())],
    );
    let opts = CompileOptions {
        app_dir: "bench".into(),
        env: None,
    };
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut d = Diagnostics::new();
            let f = air_compiler::parse::parse_file(FileId(0), black_box(&text), &mut d);
            assert!(d.is_empty());
            black_box(f)
        })
    });
    group.bench_function("check", |b| {
        b.iter(|| {
            let out = air_compiler::compile::check(&provider, &opts);
            assert!(!out.diagnostics.has_errors(), "{:?}", out.diagnostics);
            black_box(out.program.is_some())
        })
    });
    group.finish();
}

fn main() {
    clock::main_with(check, check);
}
