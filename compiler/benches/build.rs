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
use std::fmt::Write;

/// As in the `air` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A realistic app: `n` workflows spread over files of 50, each started by
/// an event, calling functions, branching, looping and emitting.
fn generate(n: usize) -> (MemProvider, usize) {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut common = String::new();
    let _ = writeln!(
        common,
        "/// One line.\ntype Item {{\n  sku: string\n  qty: integer\n  note?: string\n}}\n"
    );
    let events = n.div_ceil(10);
    for e in 0..events {
        let _ = writeln!(
            common,
            "/// Event {e}.\nevent Happened{e} {{\n  type = \"com.example.bench.happened{e}\"\n  data {{\n    id: string\n    amount: number\n    items: [Item]\n  }}\n}}\n"
        );
    }
    for f in 0..events {
        let _ = writeln!(
            common,
            "/// Function {f}.\nfunction worker_{f} {{\n  image = \"registry.example.com/bench/worker:1.0.{f}\"\n  port = 8080\n  env {{ LEVEL: \"info\" }}\n  scale {{ min: 0  max: 10  target: 50 }}\n  timeout = 30s\n  resources {{ cpu: \"250m\"  memory: \"128Mi\" }}\n}}\n"
        );
    }
    files.push(("common.air".into(), common));
    let mut chunk = String::new();
    for w in 0..n {
        let ev = w % events;
        let next = (w + 1) % events;
        let f = w % events;
        let _ = writeln!(
            chunk,
            "/// Workflow {w}.\nworkflow flow_{w} {{\n  on Happened{ev}\n  timeout = 1h\n  tags {{ team: \"bench\" }}\n\n  first: call worker_{f} {{ id: ${{ .data.id }}, items: ${{ .data.items }} }}\n      retry 3 backoff exponential 1s max 30s\n  if ${{ $context.first.ok == false }} {{\n    wait 5s\n    call worker_{f} {{ id: ${{ .data.id }}, again: true }}\n  }}\n  for item in ${{ .data.items }} {{\n    call worker_{f} {{ sku: ${{ $item.sku }} }}\n  }}\n  emit Happened{next} {{ id: ${{ .data.id }}, amount: ${{ .data.amount }}, items: [] }}\n  return {{ id: ${{ .data.id }}, done: true }}\n}}\n"
        );
        if w % 50 == 49 || w + 1 == n {
            files.push((
                format!("flows/flows_{:04}.air", w / 50),
                std::mem::take(&mut chunk),
            ));
        }
    }
    let bytes = files.iter().map(|(_, t)| t.len()).sum();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let provider = MemProvider::single(
        "bench",
        "[app]\nname = \"bench\"\nnamespace = \"bench\"\n",
        &refs,
    );
    (provider, bytes)
}

fn build<M: Measurement>(c: &mut Criterion<M>) {
    let (provider, bytes) = generate(2000);
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
