//! Parser throughput on a generated app of 2,000 workflows
//! (`air_compiler::testgen::generate_app`). Reported in bytes/s.

use air_compiler::{Diagnostics, FileId};
use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput};

#[path = "support/clock.rs"]
mod clock;
use std::hint::black_box;

/// As in the `air` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn parse<M: Measurement>(c: &mut Criterion<M>) {
    let text = air_compiler::testgen::generate_app(2_000);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("app_2000_workflows", |b| {
        b.iter(|| {
            let mut d = Diagnostics::new();
            let f = air_compiler::parse::parse_file(FileId(0), black_box(&text), &mut d);
            assert!(d.is_empty());
            black_box(f)
        })
    });
    group.finish();
}

fn main() {
    clock::main_with(parse, parse);
}
