//! Every Serverless Workflow document air produces for the test fixtures
//! validates against the official 1.0.3 schema
//! (tests/specs/serverless-workflow/schema/workflow.yaml, draft
//! 2020-12). The fixtures go through the real front end (parse, resolve,
//! check), so this covers every step and modifier the language has.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::sw_support as support;

use air_compiler::lower::sw::workflow_document;
use air_tests::fixtures::load_all;
use air_tests::repo_root;
use support::schema_errors;

#[test]
fn fixture_workflows_validate_against_the_official_schema() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/ok"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for f in &fixtures {
        let c = air_compiler::compile::check(f.provider.as_ref(), &f.opts);
        let Some(program) = &c.program else {
            failures.push(format!("{}: no program", f.name));
            continue;
        };
        if c.diagnostics.has_errors() {
            failures.push(format!("{}: does not check", f.name));
            continue;
        }
        for (app, unit) in program.apps.iter().enumerate() {
            for wf in unit.workflows() {
                match workflow_document(program, app, wf) {
                    Ok(doc) => {
                        let errors = schema_errors(&doc);
                        if !errors.is_empty() {
                            failures.push(format!(
                                "{} / {}:\n  {}\n{}",
                                f.name,
                                wf.name.name,
                                errors.join("\n  "),
                                serde_json::to_string_pretty(&doc).unwrap()
                            ));
                        }
                        checked += 1;
                    }
                    Err(d) => failures.push(format!("{} / {}: {d:?}", f.name, wf.name.name)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked >= 5,
        "only {checked} workflows found in the fixtures"
    );
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // Guards the harness: a validator that accepts anything proves nothing.
    let bad = serde_json::json!({
        "document": { "dsl": "1.0.3", "namespace": "x", "name": "y", "version": "1" },
        "do": [ { "t": { "wait": "5 minutes" } } ]
    });
    let errors = schema_errors(&bad);
    assert!(!errors.is_empty(), "an invalid document validated");
}
