//! Which clock the benches read. By default criterion's wall clock; with
//! `AIR_BENCH_CLOCK=cpu`, the CPU time of the whole process (every thread
//! the compiler starts, see compiler/src/par.rs), which stays meaningful
//! on a machine busy with other work (docs/performance.md says which one
//! each quoted number used).

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};
use std::time::Duration;

/// Run `bench` with the clock chosen by `AIR_BENCH_CLOCK`.
pub fn main_with(
    bench: fn(&mut criterion::Criterion),
    bench_cpu: fn(&mut criterion::Criterion<CpuTime>),
) {
    // As in `air`: AIR_JOBS caps the compiler's threads.
    if let Some(n) = std::env::var("AIR_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        air_compiler::par::set_jobs(n);
    }
    if std::env::var("AIR_BENCH_CLOCK").is_ok_and(|v| v == "cpu") {
        let mut c = criterion::Criterion::default()
            .with_measurement(CpuTime)
            .configure_from_args();
        bench_cpu(&mut c);
        c.final_summary();
    } else {
        let mut c = criterion::Criterion::default().configure_from_args();
        bench(&mut c);
        c.final_summary();
    }
}

/// CPU time of the process: all threads, so parallel stages count their
/// whole cost (criterion's own threads are idle while a routine runs).
pub struct CpuTime;

impl Measurement for CpuTime {
    type Intermediate = cpu_time::ProcessTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ProcessTime::now()
    }
    fn end(&self, i: Self::Intermediate) -> Self::Value {
        i.elapsed()
    }
    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        *v1 + *v2
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Nanoseconds shown as ns/µs/ms/s of CPU, throughput as bytes per CPU second.
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e-3, "µs cpu")
        } else if typical < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (per_iter, unit) = match throughput {
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => (*b as f64, "MB/s cpu"),
            Throughput::Elements(e) => (*e as f64, "Melem/s cpu"),
            Throughput::Bits(b) => (*b as f64, "Mbit/s cpu"),
        };
        let _ = typical;
        for v in values {
            // ns per iteration → millions of units per CPU second.
            *v = per_iter * 1e3 / *v;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
