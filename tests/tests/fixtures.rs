//! Runs every fixture under tests/fixtures: error fixtures must report
//! exactly the codes and lines their headers state (and their rendered
//! output is snapshot-tested); ok fixtures must compile cleanly.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::Severity;
use air_tests::fixtures::load_all;
use air_tests::repo_root;

/// The diagnostics as `air build` prints them, with this checkout's
/// location written `<repo>`: a folder that cannot be read is reported
/// with its absolute path, which must not make snapshots machine-specific.
fn render(c: &air_compiler::Compilation) -> String {
    let root = repo_root();
    let root = root.canonicalize().unwrap_or(root);
    let root = root.to_string_lossy();
    c.diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.message = d.message.replace(root.as_ref(), "<repo>");
            air_cli::render::human(&d, &c.sources, false, 100)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn error_fixtures_report_expected_codes_and_lines() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/err"));
    let mut failures = Vec::new();
    for f in &fixtures {
        assert!(
            !f.expect.is_empty(),
            "{}: error fixture without `// expect:` header",
            f.name
        );
        let c = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
        let found: Vec<(String, String, usize)> = c
            .diagnostics
            .iter()
            .filter_map(|d| {
                let span = d.primary_span()?;
                let (line, _) = c.sources.line_col(span);
                Some((
                    d.code.to_string(),
                    c.sources.path(span.file).to_string(),
                    line,
                ))
            })
            .collect();
        for e in &f.expect {
            if !found.contains(e) {
                failures.push(format!(
                    "{}: expected {} at {}:{}, got {:?}",
                    f.name, e.0, e.1, e.2, found
                ));
            }
        }
        for d in c
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            if !f.expect.iter().any(|e| e.0 == d.code.as_str()) {
                failures.push(format!(
                    "{}: unexpected error {}: {}",
                    f.name, d.code, d.message
                ));
            }
        }
        insta::assert_snapshot!(format!("err__{}", f.name.replace('/', "__")), render(&c));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ok_fixtures_compile_cleanly() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/ok"));
    let mut failures = Vec::new();
    for f in &fixtures {
        let c = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
        for d in c.diagnostics.iter() {
            let allowed =
                d.severity == Severity::Note || f.allow.iter().any(|a| a == d.code.as_str());
            if !allowed {
                failures.push(format!("{}: {}", f.name, render_one(&c, d)));
            }
        }
        if c.output.is_none() && !c.diagnostics.has_errors() {
            failures.push(format!("{}: no output", f.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `air check` is `air build` without output: on every fixture it
/// reports exactly what a build reports (lowering included).
#[test]
fn check_reports_every_diagnostic_build_reports() {
    let mut fixtures = load_all(&repo_root().join("tests/fixtures/err"));
    fixtures.extend(load_all(&repo_root().join("tests/fixtures/ok")));
    let mut failures = Vec::new();
    for f in &fixtures {
        let built = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
        let checked = air_compiler::compile::check(f.provider.as_ref(), &f.opts);
        let (b, c) = (render(&built), render(&checked));
        if b != c {
            failures.push(format!("{}:\n-- build\n{b}\n-- check\n{c}", f.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn render_one(c: &air_compiler::Compilation, d: &air_compiler::Diagnostic) -> String {
    air_cli::render::human(d, &c.sources, false, 100)
}
