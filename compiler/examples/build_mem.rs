//! Where `air build` holds its memory: builds a generated app in memory,
//! stage by stage, and prints the process's resident memory after each
//! stage and its peak so far (docs/performance.md). Run it under heaptrack
//! (it uses the system allocator, which heaptrack sees) for who allocated
//! what is live at the peak:
//!
//! ```sh
//! cargo run --release -p air-compiler --example build_mem -- files 5000
//! heaptrack target/release/examples/build_mem files 5000
//! heaptrack_print -f heaptrack.build_mem.*.zst --print-peaks 1 | less
//! ```

use air_compiler::CompileOptions;
use air_compiler::diagnostic::Diagnostics;
use air_compiler::source::{MemProvider, SourceMap};
use std::process::ExitCode;

/// Print `VmRSS` (now) and `VmHWM` (the peak so far) of this process.
fn report(stage: &str) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    println!(
        "{stage:<28} rss {:>12}   peak {:>12}",
        field("VmRSS:"),
        field("VmHWM:")
    );
}

/// Counts what would be written.
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, n] = args.as_slice() else {
        eprintln!("usage: build_mem (files|single) WORKFLOWS");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("error: WORKFLOWS must be a number, not `{n}`");
        return ExitCode::from(2);
    };
    let files = match kind.as_str() {
        "files" => air_compiler::testgen::generate_files(n),
        "single" => vec![("app.air".to_owned(), air_compiler::testgen::generate_app(n))],
        other => {
            eprintln!("error: unknown kind `{other}` (expected `files` or `single`)");
            return ExitCode::from(2);
        }
    };
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let provider = MemProvider::single("app", air_compiler::testgen::FILES_MANIFEST, &refs);
    drop(refs);
    drop(files);
    let opts = CompileOptions {
        app_dir: "app".into(),
        env: None,
    };
    report("input (in the provider)");
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let Some(program) = air_compiler::resolve::resolve(&provider, &opts, &mut sources, &mut diags)
    else {
        eprintln!("error: nothing resolved");
        return ExitCode::FAILURE;
    };
    report("resolve (parse included)");
    air_compiler::check::check(&program, &sources, None, &mut diags);
    report("check");
    // As `air build --stdout` (compile::build_stream).
    let lowered = air_compiler::lower::lower_stream(&program, &sources, &mut diags);
    report("lower (objects printed)");
    if diags.has_errors() {
        eprintln!("error: the generated app has errors");
        return ExitCode::FAILURE;
    }
    let Some(lowered) = lowered else {
        return ExitCode::FAILURE;
    };
    let stream = air_compiler::emit::Stream::new(lowered);
    report("stream sorted");
    let mut bytes = CountingSink(0);
    if let Err(e) = stream.write_to(&mut bytes) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    report("stream written");
    println!("stream: {} bytes", bytes.0);
    drop(program);
    drop(sources);
    report("front end dropped");
    ExitCode::SUCCESS
}
