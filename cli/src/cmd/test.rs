//! `air test`: compile an app, then run its `test` blocks against the
//! compiled output in the local engine (virtual clock, mocked calls, events
//! routed through the compiled Triggers). docs/testing-workflows.md.

use crate::cmd::fail;
use crate::exit;
use crate::render::{Format as DiagFormat, print_all};
use air_engine::plan::TestBundle;
use air_engine::scenario::report::{self, TestResult};
use air_engine::scenario::wiring::Wiring;

/// How results are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// One line per test, failures with their source lines, a summary.
    #[default]
    Human,
    /// One JSON document (docs/testing-workflows.md).
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

/// Run an app's tests locally against its compiled workflows.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air test examples/order-fulfilment\n  air test . --filter declined --trace\n  air test . --format junit > report.xml"
)]
pub struct Args {
    #[command(flatten)]
    pub app: crate::cmd::AppArgs,
    /// Run only the tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Print each test's timeline: runs, steps, events, calls.
    #[arg(long)]
    pub trace: bool,
}

pub fn run(args: Args) -> u8 {
    let (provider, opts) = match args.app.options() {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let (mut c, bundle) = air_compiler::compile::test_bundle(&provider, &opts);
    let lowered = match (&c.program, bundle.is_some()) {
        (Some(program), true) => {
            air_compiler::lower::lower(program, &c.sources, &mut c.diagnostics)
        }
        _ => None,
    };
    if c.diagnostics.has_errors() {
        print_all(c.diagnostics.iter(), &c.sources, DiagFormat::Human);
        return fail("the app does not compile; no test was run");
    }
    let (Some(program), Some(bundle), Some(lowered)) = (&c.program, bundle, lowered) else {
        return fail("nothing to test");
    };
    let Some(app) = program.root().map(|r| &r.manifest) else {
        return fail("nothing to test");
    };
    let bundle: TestBundle = match serde_json::from_value(bundle) {
        Ok(b) => b,
        Err(e) => return fail(&format!("internal: the test plan does not read back: {e}")),
    };
    let wiring = match Wiring::read(
        &lowered.objects,
        &app.runtime_url,
        &app.namespace,
        &app.broker_name,
    ) {
        Ok(w) => w,
        Err(e) => return fail(&format!("the compiled objects cannot be run: {e}")),
    };
    let mut results = air_engine::scenario::run_tests(&wiring, &bundle, args.filter.as_deref());
    located(&mut results, &args.app.path);
    match args.format {
        Format::Human => print_human(&app.name, &results, args.trace),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report::to_json(&app.name, &results, args.trace))
                .unwrap_or_default()
        ),
        Format::Junit => print!("{}", report::to_junit(&app.name, &results)),
    }
    if results.iter().all(TestResult::passed) {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

/// Locations are app-relative (`tests.air:7`); print them as paths from
/// where `air` runs (`examples/shop/tests.air:7`), so terminals and editors
/// can open them.
fn located(results: &mut [TestResult], app: &std::path::Path) {
    if app == std::path::Path::new(".") {
        return;
    }
    let at = |loc: &mut String| *loc = app.join(&*loc).display().to_string();
    for r in results {
        at(&mut r.location);
        for f in &mut r.failures {
            at(&mut f.location);
            if let Some(step) = &mut f.step {
                at(step);
            }
        }
    }
}

/// `cargo test`'s shape: a line per test, then the failures, then the
/// closing line `result: N passed, M failed`.
fn print_human(app: &str, results: &[TestResult], trace: bool) {
    println!(
        "running {} test{} of app `{app}`",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    for r in results {
        let verdict = if r.passed() { "ok" } else { "FAILED" };
        println!("test {} ... {verdict}", r.name);
        if trace {
            for line in &r.trace {
                println!("    {}", line.render());
            }
        }
    }
    let failed: Vec<&TestResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        println!("\nfailures:");
        for r in &failed {
            println!("\n---- {} ({}) ----", r.name, r.location);
            for f in &r.failures {
                println!("  {}: {}", f.location, f.message);
                if let Some(step) = &f.step {
                    println!("      step written at {step}");
                }
            }
        }
        println!();
    }
    println!(
        "result: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
}
