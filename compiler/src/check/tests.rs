//! End-to-end tests of the check stage through the real parser and
//! resolver (the fixture suite in tests/ covers every code; these pin the
//! finer points: exact columns, evaluation of params, scoping of `.data`).

use crate::codes::Code;
use crate::compile::{CompileOptions, check};
use crate::source::MemProvider;

const MANIFEST: &str = "[app]\nname = \"t\"\nnamespace = \"t\"\n";

/// (code, line, column, text under the primary label) of every diagnostic
/// of the check stage.
fn run(manifest: &str, src: &str) -> Vec<(Code, usize, usize, String)> {
    let p = MemProvider::single("app", manifest, &[("main.air", src)]);
    let c = check(
        &p,
        &CompileOptions {
            app_dir: "app".into(),
            env: None,
        },
    );
    c.diagnostics
        .iter()
        .filter(|d| {
            let c = d.code.as_str();
            c.starts_with("E03") || c.starts_with("E05") || c.starts_with("W03")
        })
        .filter_map(|d| {
            let s = d.primary_span()?;
            let (l, col) = c.sources.line_col(s);
            Some((d.code, l, col, c.sources.snippet(s).to_string()))
        })
        .collect()
}

fn codes(src: &str) -> Vec<(Code, String)> {
    run(MANIFEST, src)
        .into_iter()
        .map(|(c, _, _, t)| (c, t))
        .collect()
}

const PING: &str = "extern event Ping { data { id: string  n?: integer } }\n";

fn function(body: &str) -> String {
    format!("{PING}function f {{\n  image = \"r.io/a/f:1\"\n{body}\n  on Ping\n}}\n")
}

#[test]
fn image_errors_point_into_the_concatenated_part() {
    let src = format!(
        "{PING}param tag: string = \"1.0 rc\"\nparam good: string = \"1\"\nfunction f {{\n  image = \"r.io/A/f:\" + params.good\n  on Ping\n}}\nfunction g {{\n  image = \"r.io/a/g:\" + params.tag\n  on Ping\n}}\n"
    );
    let got = codes(&src);
    assert_eq!(
        got,
        [
            (Code::E0306, "A".to_string()),
            (Code::E0306, "params.tag".to_string())
        ]
    );
}

#[test]
fn params_are_evaluated_from_the_manifest() {
    let manifest = format!("{MANIFEST}[params]\nlo = 3\nhi = 2\nport = 8013\n");
    let src = format!(
        "{PING}param lo: integer = 0\nparam hi: integer = 5\nparam port: integer = 8080\nfunction f {{\n  image = \"r.io/a/f:1\"\n  port = params.port\n  scale {{ min: params.lo  max: params.hi }}\n  on Ping\n}}\n"
    );
    let got: Vec<Code> = run(&manifest, &src).into_iter().map(|d| d.0).collect();
    assert_eq!(got, [Code::E0501, Code::E0305]);
    // The defaults alone are fine.
    assert!(codes(&src).is_empty());
}

#[test]
fn max_scale_zero_means_unlimited() {
    assert!(codes(&function("  scale { min: 5  max: 0 }")).is_empty());
    assert_eq!(
        codes(&function("  scale { min: 5  max: 4 }"))[0].0,
        Code::E0305
    );
}

#[test]
fn timeout_boundary_is_600_seconds() {
    assert!(codes(&function("  timeout = 10m")).is_empty());
    assert_eq!(codes(&function("  timeout = 600001ms"))[0].0, Code::E0503);
}

#[test]
fn jq_errors_have_exact_columns() {
    let src = format!("{PING}workflow w {{\n  on Ping\n  set {{ a: ${{ .x | | .y }} }}\n}}\n");
    let got = run(MANIFEST, &src);
    assert_eq!(got.len(), 1);
    let (code, line, col, text) = &got[0];
    assert_eq!(
        (*code, *line, *col, text.as_str()),
        (Code::E0311, 4, 20, "|")
    );
}

#[test]
fn data_paths_follow_the_start_event_only() {
    let wf = |trigger: &str, expr: &str| {
        format!("{PING}workflow w {{\n  {trigger}\n  set {{ a: ${{ {expr} }} }}\n}}\n")
    };
    assert!(codes(&wf("on Ping", ".data.n")).is_empty());
    assert_eq!(
        codes(&wf("on Ping", ".data.m"))[0],
        (Code::W0303, "m".to_string())
    );
    // Not a typed event input: nothing to check against.
    assert!(codes(&wf("on http", ".data.m")).is_empty());
    // Not the workflow input.
    assert!(codes(&wf("on Ping", ".list | .data.m")).is_empty());
    assert!(codes(&wf("on Ping", "$x.data.m")).is_empty());
}

#[test]
fn emit_checks_nested_types_and_optional_fields() {
    let src = "type Line { sku: string  qty?: integer }\nevent E { data { lines: [Line]  tags: map<string> } }\nworkflow w {\n  on http\n  emit E { lines: [{ sku: \"a\" }, { sku: \"b\", qty: 1.5 }], tags: { a: \"x\", b: 2 } }\n}\n";
    let got = codes(src);
    assert_eq!(
        got,
        [
            (Code::E0322, "1.5".to_string()),
            (Code::E0322, "2".to_string())
        ]
    );
}

#[test]
fn run_input_defaults_to_the_first_start_event() {
    let src = format!(
        "{PING}workflow callee {{\n  on Ping\n  wait 1s\n}}\nworkflow caller {{\n  on http\n  run callee {{ id: \"x\", n: 2 }}\n  run callee {{ n: 2 }}\n}}\n"
    );
    let got = codes(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, Code::E0321);
}

#[test]
fn escaped_strings_fall_back_to_the_whole_literal() {
    let src = "workflow w {\n  on schedule \"0 24 * * \\u{2A}\"\n  wait 1s\n}\n";
    let got = codes(src);
    assert_eq!(got[0].0, Code::E0301);
    assert_eq!(got[0].1, "\"0 24 * * \\u{2A}\"");
}
