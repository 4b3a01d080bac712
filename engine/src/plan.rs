//! Test plans: what the compiler makes of an app's `test "…" { … }` blocks.
//!
//! The compiler resolves every name of a test to wire-level values (an
//! event's CloudEvents `type` and `source`, a service's URL, a workflow's
//! document name, an error's type URI) and writes a [`TestBundle`] as JSON;
//! this crate reads it. Neither crate depends on the other: the JSON form is
//! the contract, documented in docs/testing-workflows.md.
//!
//! Durations are whole milliseconds of virtual time. Data given in a test
//! is literal JSON; `predicate` fields hold jq programs (without `${ }`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Every test of one app, and where each workflow step was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TestBundle {
    pub tests: Vec<TestPlan>,
    /// document name → step name (the `air.dev/step` metadata) → where the
    /// step is written, `file:line`.
    #[serde(default)]
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
}

/// One `test "name" { … }` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestPlan {
    pub name: String,
    /// Where the block starts: the app-relative file and its 1-based line.
    pub file: String,
    pub line: u32,
    /// The statements, in source order.
    pub steps: Vec<Step>,
}

/// One statement of a test, with its 1-based line in [`TestPlan::file`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub line: u32,
    #[serde(flatten)]
    pub action: Action,
}

/// What a statement does. Statements run in order: `send`, `start`, `tick`
/// and `advance` act at the current virtual time (then everything runnable
/// at that time runs); `mock` registers an answer from that point on;
/// `expect` and `allow` are checked once the test has run to its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Publish a CloudEvent to the app's broker (it reaches workflows only
    /// through the compiled Triggers).
    Send {
        event: EventSpec,
        /// Publish at this offset from the current virtual time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_ms: Option<u64>,
    },
    /// Start a workflow directly (as its start endpoint would), with this input.
    Start {
        namespace: String,
        workflow: String,
        #[serde(default)]
        input: Value,
    },
    /// Fire the schedule of a workflow: the compiled PingSource whose sink
    /// is this workflow's start endpoint.
    Tick { namespace: String, workflow: String },
    /// Let virtual time pass (timers, waits, timeouts and retries fire).
    Advance { by_ms: u64 },
    /// Answer HTTP calls.
    Mock(Mock),
    /// Expect emitted events.
    ExpectEmit(ExpectEmit),
    /// Expect HTTP calls made.
    ExpectCall(ExpectCall),
    /// Expect the outcome of a workflow's runs.
    ExpectWorkflow(ExpectWorkflow),
    /// Expect these emits and calls to have happened in this relative order
    /// (each item also counts as its own expectation).
    ExpectOrder { items: Vec<OrderItem> },
    /// Emitted events of this type need no `expect emit`.
    AllowEmit {
        #[serde(rename = "type")]
        event_type: String,
    },
}

/// A CloudEvent to publish. `id`, `specversion` and `time` are filled in
/// by the runner (deterministically) unless given in `extensions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    #[serde(rename = "type")]
    pub event_type: String,
    pub source: String,
    #[serde(default)]
    pub data: Value,
    /// Further context attributes (`subject`, extension attributes, …).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

/// A call to answer. Matches by method and URL template (RFC 6570 simple
/// `{var}` segments match one path segment), then `predicate` on the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mock {
    /// Lower-case HTTP method.
    pub method: String,
    /// Absolute URL, possibly with `{var}` path segments; no query.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Answers in turn; the last one repeats.
    pub responses: Vec<Response>,
    /// How the test wrote it, for messages (`call payments POST "/charges"`).
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Virtual time the answer takes.
    #[serde(default)]
    pub delay_ms: u64,
}

fn ok() -> u16 {
    200
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectEmit {
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's data must contain this (objects: a subset, recursively;
    /// anything else: equal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// jq, run on the whole event (`.data`, `.type`, …), must be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Exactly this many matching emits; without it, at least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectCall {
    pub method: String,
    /// Absolute URL template, as in [`Mock::url`].
    pub url: String,
    /// The request body must contain this (as in [`ExpectEmit::data`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// jq on the request body must be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    pub label: String,
}

/// Every run of `workflow` must end this way (and there must be one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectWorkflow {
    pub namespace: String,
    pub workflow: String,
    pub outcome: Outcome,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    /// Completed; its output contains `output` / satisfies `predicate`.
    Completes {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        predicate: Option<String>,
    },
    /// Faulted with an error of this type URI (and status).
    Fails {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// Its final `$context` contains `value` / satisfies `predicate`.
    Context {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        predicate: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OrderItem {
    Emit(ExpectEmit),
    Call(ExpectCall),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_back_what_it_writes() {
        let json = serde_json::json!({
            "tests": [{
                "name": "declined", "file": "fulfil.air", "line": 3,
                "steps": [
                    {"line": 4, "send": {"event": {"type": "t", "source": "/s", "data": {"id": "o-1"}}}},
                    {"line": 5, "mock": {"method": "post", "url": "http://p/charges",
                        "responses": [{"status": 409}, {"body": {"ok": true}}], "label": "call p"}},
                    {"line": 6, "advance": {"by_ms": 1000}},
                    {"line": 7, "expect_workflow": {"namespace": "shop", "workflow": "w",
                        "outcome": {"fails": {"error_type": "https://e/x"}}, "label": "w fails"}}
                ]
            }],
            "steps": {"w": {"charge": "fulfil.air:12"}}
        });
        let bundle: TestBundle = serde_json::from_value(json.clone()).unwrap_or_default();
        assert_eq!(bundle.tests.len(), 1);
        assert_eq!(bundle.tests[0].steps.len(), 4);
        let back = serde_json::to_value(&bundle).unwrap_or_default();
        let again: TestBundle = serde_json::from_value(back).unwrap_or_default();
        assert_eq!(bundle, again);
        match &bundle.tests[0].steps[1].action {
            Action::Mock(m) => assert_eq!(m.responses[1].status, 200),
            other => panic!("not a mock: {other:?}"),
        }
    }
}
