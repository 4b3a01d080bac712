//! The CESQL specification's TCK (engine/tests/cesql_tck, see SOURCE.md
//! there): every case parsed and evaluated by `air_engine::route::cesql`.
//! A case with `error` must fail with that kind of error (parse or
//! evaluation); any other case must produce exactly `result`.

use air_engine::route::cesql::{EvalError, Value, parse};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Suite {
    name: String,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    expression: String,
    result: Option<serde_json::Value>,
    error: Option<String>,
    event: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(rename = "eventOverrides")]
    event_overrides: Option<serde_json::Map<String, serde_json::Value>>,
}

fn error_kind(e: &EvalError) -> &'static str {
    match e {
        EvalError::Math(_) => "math",
        EvalError::Cast { .. } => "cast",
        EvalError::MissingAttribute(_) => "missingAttribute",
        EvalError::MissingFunction { .. } => "missingFunction",
        EvalError::FunctionEvaluation { .. } => "functionEvaluation",
    }
}

fn expected(v: &serde_json::Value) -> Option<Value> {
    match v {
        serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
        serde_json::Value::Number(n) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map(Value::Int),
        serde_json::Value::String(s) => Some(Value::Str(s.clone())),
        _ => None,
    }
}

/// Cases where Knative's evaluator (cloudevents/sdk-go `sql/v2`, whose
/// own copy of the TCK says so) and the specification's cast table agree
/// against this TCK: (suite, case, the result Knative gives, why).
const KNATIVE_DIFFERS: &[(&str, &str, Value, &str)] = &[(
    "Not operator",
    "Invalid int cast",
    Value::Bool(false),
    "spec §3.7: Integer -> Boolean MUST cast (0 is false, else true); sdk-go: NOT 10 = false",
)];

/// Runs one case; `Err` says how it failed.
fn run(suite: &str, case: &Case) -> Result<(), String> {
    if let Some((.., want, why)) = KNATIVE_DIFFERS
        .iter()
        .find(|(s, c, ..)| *s == suite && *c == case.name)
    {
        let got = parse(&case.expression).map(|e| e.evaluate(&event_of(case)));
        return match got {
            Ok(Ok(v)) if v == *want => Ok(()),
            other => Err(format!("wanted {want:?} ({why}), got {other:?}")),
        };
    }
    let event = event_of(case);
    let outcome = match parse(&case.expression) {
        Err(e) => Err(("parse", e.to_string())),
        Ok(expr) => expr
            .evaluate(&event)
            .map_err(|e| (error_kind(&e), e.to_string())),
    };
    match (&case.error, outcome) {
        (Some(want), Err((got, _))) if want == got => Ok(()),
        (Some(want), Err((got, msg))) => Err(format!("wanted a {want} error, got {got}: {msg}")),
        (Some(want), Ok(v)) => Err(format!("wanted a {want} error, got {v:?}")),
        (None, Err((got, msg))) => Err(format!("unexpected {got} error: {msg}")),
        (None, Ok(v)) => {
            let want = case.result.as_ref().and_then(expected);
            if want.as_ref() == Some(&v) {
                Ok(())
            } else {
                Err(format!("wanted {want:?}, got {v:?}"))
            }
        }
    }
}

/// The case's event: `event`, or a minimal valid one, with its overrides.
fn event_of(case: &Case) -> serde_json::Map<String, serde_json::Value> {
    let mut event = case.event.clone().unwrap_or_else(|| {
        let base = serde_json::json!({
            "specversion": "1.0", "id": "tck-id", "source": "/tck", "type": "tck.type"
        });
        base.as_object().cloned().unwrap_or_default()
    });
    for (k, v) in case.event_overrides.iter().flatten() {
        event.insert(k.clone(), v.clone());
    }
    event
}

#[test]
fn every_tck_case_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cesql_tck");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    assert!(files.len() >= 18, "TCK files missing in {}", dir.display());
    let mut cases = 0;
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let suite: Suite = match serde_norway::from_str(&text) {
            Ok(s) => s,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        for case in &suite.tests {
            cases += 1;
            if let Err(why) = run(&suite.name, case) {
                failures.push(format!(
                    "{} / {}: `{}`: {why}",
                    suite.name, case.name, case.expression
                ));
            }
        }
    }
    assert!(cases > 200, "only {cases} cases read");
    assert!(
        failures.is_empty(),
        "{} of {cases} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
