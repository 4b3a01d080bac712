//! The Serverless Workflow conformance test kit, run through the engine:
//! the feature files vendored once for the whole repository in
//! tests/specs/serverless-workflow/ctk (see its SOURCE.md and LICENSE).
//!
//! A small reader of the Gherkin the kit uses turns each scenario into a
//! document, an input and a list of expectations; the document runs as
//! given. HTTP is answered by [`StandIn`], which behaves like the public
//! APIs the kit calls (petstore.swagger.io, httpbin.org) for the requests
//! the kit makes. Scenarios the kit gets wrong are listed in [`EXCEPTIONS`]
//! with the sentence of the specification that shows it; the test fails if
//! an excepted scenario passes, or any other fails.

use air_engine::sw::{Engine, Host, HttpRequest, HttpResponse, RunStatus, TraceEvent};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// (feature file, scenario, why the kit is wrong).
const EXCEPTIONS: &[(&str, &str, &str)] = &[(
    "try.feature",
    "Try Handle Caught Error",
    "The catch filters on type `https://serverlessworkflow.io/dsl/errors/types/communication`, \
     but dsl.md (Interoperability) says: \"Runtimes **must** raise an error with type \
     `https://serverlessworkflow.io/spec/1.0.0/errors/communication` if and when a problem occurs \
     during a call.\" The 404 error therefore does not match the filter and the workflow faults.",
)];

#[derive(Debug, Default)]
struct Scenario {
    feature: String,
    name: String,
    definition: Option<Value>,
    input: Value,
    checks: Vec<Check>,
}

#[derive(Debug)]
enum Check {
    Completes,
    CompletesWith(Value),
    Faults,
    FaultsWith(Value),
    HasProperties(Vec<String>),
    PropertyEquals(String, Value),
    PropertyCount(String, usize),
    RunsFirst(String),
    RunsLast(String),
    RunsAfter(String, String),
}

/// Parse one feature file into scenarios.
fn parse_feature(file: &str, text: &str) -> Vec<Scenario> {
    let lines: Vec<&str> = text.lines().collect();
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        i += 1;
        if let Some(name) = line.strip_prefix("Scenario:") {
            scenarios.push(Scenario {
                feature: file.to_string(),
                name: name.trim().to_string(),
                input: json!({}),
                ..Scenario::default()
            });
            continue;
        }
        let Some(step) = ["Given ", "And ", "When ", "Then "]
            .iter()
            .find_map(|k| line.strip_prefix(k))
        else {
            continue;
        };
        let doc = if lines.get(i).is_some_and(|l| l.trim().starts_with("\"\"\"")) {
            let (text, next) = doc_string(&lines, i);
            i = next;
            Some(serde_norway::from_str::<Value>(&text).expect("a doc string is YAML"))
        } else {
            None
        };
        let scenario = scenarios.last_mut().expect("a step belongs to a scenario");
        step_into(scenario, step, doc);
    }
    scenarios
}

/// The doc string opening at `lines[start]`, de-indented; and the line after it.
fn doc_string(lines: &[&str], start: usize) -> (String, usize) {
    let indent = lines[start].len() - lines[start].trim_start().len();
    let mut out = String::new();
    let mut i = start + 1;
    while i < lines.len() && !lines[i].trim().starts_with("\"\"\"") {
        let l = lines[i];
        let cut = l.len() - l.trim_start().len();
        out.push_str(&l[cut.min(indent)..]);
        out.push('\n');
        i += 1;
    }
    (out, i + 1)
}

fn quoted(text: &str) -> Vec<String> {
    text.split('\'')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

fn step_into(s: &mut Scenario, step: &str, doc: Option<Value>) {
    let check = match step {
        "a workflow with definition:" => {
            s.definition = doc;
            return;
        }
        "given the workflow input is:" => {
            s.input = doc.expect("an input doc string");
            return;
        }
        "the workflow is executed" => return,
        "the workflow should complete" => Check::Completes,
        "the workflow should complete with output:" => {
            Check::CompletesWith(doc.expect("an output"))
        }
        "the workflow should fault" => Check::Faults,
        "the workflow should fault with error:" => Check::FaultsWith(doc.expect("an error")),
        _ if step.starts_with("the workflow output should have properties") => {
            Check::HasProperties(quoted(step))
        }
        _ if step.starts_with("the workflow output should have a")
            && step.ends_with("with value:") =>
        {
            Check::PropertyEquals(quoted(step)[0].clone(), doc.expect("a value"))
        }
        _ if step.starts_with("the workflow output should have a")
            && step.contains("containing") =>
        {
            let n = step
                .split_whitespace()
                .rev()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .expect("an item count");
            Check::PropertyCount(quoted(step)[0].clone(), n)
        }
        _ if step.ends_with(" should run first") => {
            Check::RunsFirst(step.trim_end_matches(" should run first").into())
        }
        _ if step.ends_with(" should run last") => {
            Check::RunsLast(step.trim_end_matches(" should run last").into())
        }
        _ if step.contains(" should run after ") => {
            let (a, b) = step.split_once(" should run after ").expect("two tasks");
            Check::RunsAfter(a.into(), b.into())
        }
        other => panic!("{}: unknown step `{other}`", s.name),
    };
    s.checks.push(check);
}

/// The public APIs the kit calls, as they answer its requests.
struct StandIn;

fn pet(id: u64) -> Option<Value> {
    let (name, status) = match id {
        1 => ("doggie", "available"),
        2 => ("Milou", "available"),
        3 => ("Rantanplan", "sold"),
        _ => return None,
    };
    Some(
        json!({"id": id, "category": {"id": 1, "name": "dogs"}, "name": name, "photoUrls": [], "tags": [], "status": status}),
    )
}

fn swagger() -> Value {
    json!({
        "swagger": "2.0",
        "host": "petstore.swagger.io",
        "basePath": "/v2",
        "schemes": ["https", "http"],
        "paths": {
            "/pet/findByStatus": {"get": {
                "operationId": "findPetsByStatus",
                "produces": ["application/json"],
                "parameters": [{"name": "status", "in": "query", "required": true, "type": "array",
                    "items": {"type": "string", "enum": ["available", "pending", "sold"]},
                    "collectionFormat": "multi"}]
            }},
            "/pet/{petId}": {"get": {
                "operationId": "getPetById",
                "produces": ["application/json"],
                "parameters": [{"name": "petId", "in": "path", "required": true, "type": "integer", "format": "int64"}]
            }}
        }
    })
}

impl Host for StandIn {
    fn http(&mut self, r: &HttpRequest) -> Result<HttpResponse, String> {
        let petstore = "https://petstore.swagger.io/v2";
        if r.method == "GET" && r.url == format!("{petstore}/swagger.json") {
            return Ok(HttpResponse::json(200, swagger()));
        }
        if let Some(q) = r.url.strip_prefix(&format!("{petstore}/pet/findByStatus?")) {
            let wanted: BTreeSet<&str> = q
                .split('&')
                .filter_map(|p| p.strip_prefix("status="))
                .collect();
            let pets: Vec<Value> = (1..=3)
                .filter_map(pet)
                .filter(|p| p["status"].as_str().is_some_and(|s| wanted.contains(s)))
                .collect();
            return Ok(HttpResponse::json(200, Value::Array(pets)));
        }
        if let Some(rest) = r.url.strip_prefix(&format!("{petstore}/pet/")) {
            return Ok(match rest.parse::<u64>().ok().and_then(pet) {
                Some(p) => HttpResponse::json(200, p),
                None => HttpResponse::json(
                    404,
                    json!({"code": 1, "type": "error", "message": "Pet not found"}),
                ),
            });
        }
        if let Some(rest) = r.url.strip_prefix("https://httpbin.org/basic-auth/") {
            let (user, password) = rest.split_once('/').ok_or("bad httpbin path")?;
            let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
            return Ok(if r.headers.get("Authorization") == Some(&expected) {
                HttpResponse::json(200, json!({"authenticated": true, "user": user}))
            } else {
                HttpResponse::json(401, Value::Null)
            });
        }
        Err(format!("no stand-in for {} {}", r.method, r.url))
    }

    fn emit(&mut self, _: &Value) {}
}

/// `a.b` in `value`.
fn property<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// Run one scenario; `Err` says what did not hold.
fn run(s: &Scenario) -> Result<(), String> {
    let mut engine = Engine::new();
    let definition = s.definition.clone().ok_or("no definition")?;
    let key = engine.load(definition).map_err(|e| e.to_string())?;
    engine
        .start(&key.namespace, &key.name, s.input.clone())
        .map_err(|e| e.to_string())?;
    engine.settle(&mut StandIn);
    let report = engine.runs().into_iter().next().ok_or("no run")?;
    let entered: Vec<&str> = engine
        .trace()
        .iter()
        .filter_map(|t| match &t.event {
            TraceEvent::TaskEntered { task } => Some(task.name.as_str()),
            _ => None,
        })
        .collect();
    let position = |name: &str| entered.iter().position(|n| *n == name);
    let output = match &report.status {
        RunStatus::Completed { output } => Some(output),
        _ => None,
    };
    let status = format!("{:?}", report.status);
    for check in &s.checks {
        let ok = match check {
            Check::Completes => output.is_some(),
            Check::CompletesWith(want) => output == Some(want),
            Check::Faults => matches!(report.status, RunStatus::Faulted { .. }),
            Check::FaultsWith(want) => {
                matches!(&report.status, RunStatus::Faulted { error, .. } if error == want)
            }
            Check::HasProperties(paths) => {
                output.is_some_and(|o| paths.iter().all(|p| property(o, p).is_some()))
            }
            Check::PropertyEquals(path, want) => {
                output.and_then(|o| property(o, path)) == Some(want)
            }
            Check::PropertyCount(path, n) => output
                .and_then(|o| property(o, path))
                .and_then(Value::as_array)
                .is_some_and(|a| a.len() == *n),
            Check::RunsFirst(t) => entered.first() == Some(&t.as_str()),
            Check::RunsLast(t) => entered.last() == Some(&t.as_str()),
            Check::RunsAfter(a, b) => {
                matches!((position(a), position(b)), (Some(x), Some(y)) if x > y)
            }
        };
        if !ok {
            return Err(format!(
                "{check:?} does not hold; run: {status}; tasks: {entered:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn conformance_kit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/specs/serverless-workflow/ctk/features");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/ctk exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "feature"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut passed = 0;
    let mut failed = BTreeSet::new();
    let mut messages = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("a readable feature");
        for scenario in parse_feature(&file, &text) {
            total += 1;
            match run(&scenario) {
                Ok(()) => passed += 1,
                Err(why) => {
                    messages.push(format!("{file} / {}: {why}", scenario.name));
                    failed.insert((scenario.feature.clone(), scenario.name.clone()));
                }
            }
        }
    }
    println!("ctk: {passed}/{total} passed");
    for m in &messages {
        println!("  {m}");
    }
    assert_eq!(total, 21, "the kit has 21 scenarios");
    let excepted: BTreeSet<(String, String)> = EXCEPTIONS
        .iter()
        .map(|(f, s, _)| (f.to_string(), s.to_string()))
        .collect();
    assert_eq!(
        failed, excepted,
        "failures must be exactly the documented exceptions"
    );
}
