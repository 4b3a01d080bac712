//! The fixtures of tests/fixtures/semantics: apps whose compiled output
//! once meant something other than their source. Each must compile
//! without errors into schema-valid documents, and each test here asserts
//! the compiled shape its `// executes:` line relies on (the engine runs
//! them as `air test` cases).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::sw_support as support;
use air_compiler::Code;

use air_compiler::{Diagnostic, Severity};
use air_tests::fixtures::load_all;
use air_tests::repo_root;
use serde_json::{Value as Json, json};
use support::{assert_valid, names, task};

/// A compiled semantics fixture: its objects, documents and diagnostics.
struct Built {
    objects: Vec<Json>,
    documents: Vec<(String, Json)>,
    diagnostics: Vec<Diagnostic>,
}

impl Built {
    fn object(&self, kind: &str, name: &str) -> &Json {
        self.objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}; have {:?}", self.names(kind)))
    }

    fn names(&self, kind: &str) -> Vec<String> {
        let mut n: Vec<String> = self
            .objects
            .iter()
            .filter(|o| o["kind"] == kind)
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    }

    fn document(&self, name: &str) -> &Json {
        &self.documents.iter().find(|(n, _)| n == name).unwrap().1
    }

    fn codes(&self) -> Vec<(Code, Severity)> {
        self.diagnostics
            .iter()
            .map(|d| (d.code, d.severity))
            .collect()
    }
}

fn build(name: &str) -> Built {
    let fixtures = load_all(&repo_root().join("tests/fixtures/semantics"));
    let f = fixtures
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no semantics fixture {name}"));
    let c = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    let program = c.program.as_ref().unwrap();
    let mut diags = air_compiler::diagnostic::Diagnostics::new();
    let lowered = air_compiler::lower::lower(program, &c.sources, &mut diags).unwrap();
    for (_, doc) in &lowered.workflows {
        assert_valid(doc);
    }
    Built {
        objects: lowered.objects,
        documents: lowered.workflows,
        diagnostics: c.diagnostics.iter().cloned().collect(),
    }
}

#[test]
fn every_semantics_fixture_says_what_a_run_must_show() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/semantics"));
    assert!(fixtures.len() >= 4);
    for f in &fixtures {
        let path = repo_root().join(format!("tests/fixtures/semantics/{}.air", f.name));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("// executes: "),
            "{}: first line must be `// executes: …`",
            f.name
        );
        build(&f.name);
    }
}

#[test]
fn awaited_events_get_one_trigger_each_to_the_event_ingress() {
    let b = build("awaited_events");
    assert_eq!(
        b.names("Trigger"),
        [
            "fixture-await-approval-given",
            "fixture-await-approval-refused",
            "fixture-await-payment-settled",
            "fixture-await-refund-issued",
            "settle-on-order-placed",
        ],
        "one per awaited type, however many waits name it"
    );
    let t = b.object("Trigger", "fixture-await-payment-settled");
    assert_eq!(
        t["spec"],
        json!({
            "broker": "fixture",
            "delivery": { "format": "json" },
            "filter": { "attributes": { "type": "fixture.payment_settled" } },
            "subscriber": { "uri": "http://air-runtime.air-system.svc.cluster.local/events/fixtures" }
        })
    );
    let start = b.object("Trigger", "settle-on-order-placed");
    assert_eq!(
        start["spec"]["subscriber"]["uri"],
        "http://air-runtime.air-system.svc.cluster.local/workflows/fixtures/settle"
    );
    assert_eq!(start["spec"]["delivery"], json!({ "format": "json" }));
    let cm = b.object("ConfigMap", "settle-workflow");
    assert_eq!(
        cm["metadata"]["annotations"]["air.dev/broker-url"],
        "http://broker-ingress.knative-eventing.svc.cluster.local/fixtures/fixture"
    );
}

#[test]
fn several_on_of_one_event_make_one_trigger_matching_any_of_them() {
    let b = build("multi_on");
    assert_eq!(b.names("Trigger"), ["welcome-on-order-placed"]);
    let t = b.object("Trigger", "welcome-on-order-placed");
    assert_eq!(
        t["spec"]["filters"],
        json!([
            { "exact": { "type": "fixture.order_placed" } },
            { "cesql": "(source = '/shop/web') OR ((EXISTS subject AND subject = 'vip'))" }
        ])
    );
    assert!(
        b.document("welcome")["do"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("air_guard").is_none()),
        "every filter is the Trigger's: no guard"
    );
}

#[test]
fn a_where_on_data_is_enforced_by_a_guard_task_and_noted() {
    let b = build("where_data_guard");
    let t = b.object("Trigger", "big-orders-on-order-placed");
    assert!(t["spec"].get("filters").is_none(), "type only");
    assert_eq!(
        t["metadata"]["annotations"]["air.dev/where"],
        ".data.amount > 100"
    );
    let d = b.document("big-orders");
    assert_eq!(names(&d["do"]), ["air_guard", "reviewed"]);
    let g = task(&d["do"], "air_guard");
    assert_eq!(
        g["switch"],
        json!([
            { "no_on_matches": {
                "when": "${ (.type == \"fixture.order_placed\" and ((.data.amount > 100) | not)) }",
                "then": "end"
            } },
            { "default": { "then": "continue" } }
        ])
    );
    assert_eq!(g["input"]["from"], "${ $workflow.input }");
    assert_eq!(g["metadata"]["air.dev/kind"], "guard");
    assert!(g.get("export").is_none(), "the guard leaves $context alone");
    assert!(
        b.codes().contains(&(Code::W0501, Severity::Note)),
        "{:?}",
        b.codes()
    );
}

#[test]
fn not_equal_on_an_optional_attribute_matches_events_without_it() {
    let b = build("cesql_not_equal");
    let t = b.object("Trigger", "live-orders-on-order-placed");
    assert_eq!(
        t["spec"]["filters"][1]["cesql"],
        "(NOT EXISTS subject OR subject != 'test')"
    );
    assert!(b.codes().is_empty(), "{:?}", b.codes());
}

#[test]
fn uri_template_variables_come_from_the_step_object() {
    let b = build("uri_templates");
    let with = &task(&b.document("fetch-invoice")["do"], "invoice")["with"];
    assert_eq!(
        with["endpoint"]["uri"],
        "${ \"http://payments.example.com/api/invoices/\" + ((.data.reference) | tostring | @uri) }"
    );
    assert!(
        with.get("query").is_none(),
        "`ref` is not also a query parameter"
    );
}

#[test]
fn a_labelled_race_says_which_branch_won() {
    let b = build("labelled_race");
    let fork = task(&b.document("decide")["do"], "decided");
    for branch in ["answer", "timer"] {
        let t = task(&fork["fork"]["branches"], branch);
        assert_eq!(t["output"]["as"], format!("${{ {{ \"{branch}\": . }} }}"));
    }
    assert_eq!(fork["export"]["as"], "${ $context + { \"decided\": . } }");
}

#[test]
fn catching_a_declared_error_with_a_status_catches_that_http_failure() {
    let b = build("catch_http_status");
    let t = task(&b.document("reserve")["do"], "try_1");
    assert!(t["catch"].get("errors").is_none(), "no type-only filter");
    assert_eq!(
        t["catch"]["when"],
        "${ $err.status == 409 and ($err.type == \"https://air.dev/errors/fixture/out-of-stock\" \
         or $err.type == \"https://serverlessworkflow.io/spec/1.0.0/errors/communication\") }"
    );
    assert!(!b.codes().iter().any(|(c, _)| *c == Code::W0304));
}

#[test]
fn a_skipped_step_flows_on_instead_of_taking_its_then() {
    let b = build("when_with_then");
    let d = &b.document("welcome")["do"];
    assert_eq!(names(d), ["greet_when", "greet", "log"]);
    assert_eq!(
        task(d, "greet_when")["switch"],
        json!([{ "skip": { "when": "${ ($workflow.input | (.vip)) | not }", "then": "log" } }])
    );
    let greet = task(d, "greet");
    assert!(greet.get("if").is_none());
    assert_eq!(greet["then"], "end");
}

#[test]
fn then_exit_in_a_for_body_leaves_the_loop() {
    let b = build("for_exit");
    let f = task(&b.document("scan")["do"], "for_item_1");
    assert_eq!(
        f["while"],
        "${ ($context[\"air.dev/break\"] // null) != \"for_item_1\" }"
    );
    let stop = task(&f["do"], "stop");
    assert_eq!(stop["then"], "exit");
    assert_eq!(
        stop["export"]["as"],
        "${ ($context + { \"stop\": . }) + { \"air.dev/break\": \"for_item_1\" } }"
    );
    assert_eq!(
        f["export"]["as"],
        "${ $context | del(.[\"air.dev/break\"]) }"
    );
}

#[test]
fn a_string_literal_that_is_an_expression_reads_the_workflow_input() {
    let b = build("string_expression");
    let t = task(&b.document("look")["do"], "fail_missing_1");
    assert_eq!(
        t["raise"]["error"]["detail"],
        "${ $workflow.input | (.id) }"
    );
}

#[test]
fn retry_within_bounds_the_whole_retrying() {
    let b = build("retry_backoff");
    let w = task(&b.document("retrying")["do"], "w");
    assert_eq!(
        w["catch"]["retry"],
        json!({
            "delay": "PT1S",
            "backoff": { "exponential": {} },
            "limit": { "attempt": { "count": 4 }, "duration": "PT30S" }
        })
    );
}

#[test]
fn retry_without_backoff_states_one() {
    let b = build("retry_backoff");
    let r = task(&b.document("retrying")["do"], "r");
    assert_eq!(
        r["catch"]["retry"],
        json!({ "backoff": { "constant": {} }, "limit": { "attempt": { "count": 3 } } })
    );
}

/// The `test` blocks of a fixture, run by the engine against its compiled
/// objects, as `air test` runs them: (test name, failures).
fn run_tests(name: &str) -> Vec<(String, Vec<String>)> {
    let fixtures = load_all(&repo_root().join("tests/fixtures/semantics"));
    let f = fixtures.iter().find(|f| f.name == name).unwrap();
    let (mut c, bundle) = air_compiler::compile::test_bundle(f.provider.as_ref(), &f.opts);
    let program = c.program.take().unwrap();
    let lowered = air_compiler::lower::lower(&program, &c.sources, &mut c.diagnostics).unwrap();
    let m = &program.root().unwrap().manifest;
    let bundle: air_engine::plan::TestBundle = serde_json::from_value(bundle.unwrap()).unwrap();
    let wiring = air_engine::scenario::wiring::Wiring::read(
        &lowered.objects,
        &m.runtime_url,
        &m.namespace,
        &m.broker_name,
    )
    .unwrap();
    air_engine::scenario::run_tests(&wiring, &bundle, None)
        .into_iter()
        .map(|r| {
            let failures = r
                .failures
                .iter()
                .map(|f| format!("{}: {}", f.location, f.message))
                .collect();
            (r.name, failures)
        })
        .collect()
}

/// What each fixture's `// executes:` line promises, executed: every
/// fixture has tests, and they all pass on the engine.
#[test]
fn every_semantics_fixture_runs_as_it_says() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/semantics"));
    for f in &fixtures {
        let results = run_tests(&f.name);
        assert!(!results.is_empty(), "{}: no test block", f.name);
        for (test, failures) in results {
            assert!(
                failures.is_empty(),
                "{} / {test}:\n{}",
                f.name,
                failures.join("\n")
            );
        }
    }
}

/// Whether `v` holds an `export` anywhere (a task writing `$context`).
fn has_export(v: &Json) -> bool {
    match v {
        Json::Object(m) => m.contains_key("export") || m.values().any(has_export),
        Json::Array(a) => a.iter().any(has_export),
        _ => false,
    }
}

#[test]
fn fork_branches_never_write_the_context_and_the_fork_merges_once() {
    let b = build("fork_context");
    let doc = &b.document("gather")["do"];
    for fork in ["both", "quick"] {
        let t = task(doc, fork);
        assert!(
            !has_export(&t["fork"]["branches"]),
            "{fork}: a branch task writes $context"
        );
        let export = t["export"]["as"].as_str().unwrap();
        assert!(export.contains("\"air.dev/context\""), "{fork}: {export}");
    }
}
