//! The Serverless Workflow 1.0.3 interpreter of `air test`.
//!
//! [`Engine`] executes compiled documents (the `serde_json::Value` of their
//! YAML), never air's syntax tree. Semantics follow the DSL reference
//! (dsl.md, dsl-reference.md, 1.0.3); where the text is silent, the
//! reference Java implementation (serverlessworkflow/sdk-java, `impl`)
//! decides, and the choice is listed below.
//!
//! # Determinism
//!
//! There are no threads and no real time. Each run is a future polled by a
//! tiny single-threaded executor ([`Engine::run_until_idle`]); `wait`,
//! timeouts, retry delays and HTTP answers await virtual timers that only
//! [`Engine::advance`] and [`Engine::settle`] move. Runs are polled in start
//! order, fork branches in declaration order, every round. Event ids and
//! times are derived from a counter and the virtual clock (virtual time 0 is
//! 1970-01-01T00:00:00Z).
//!
//! # Choices where the specification is silent
//!
//! 1. A skipped task (`if` false) outputs its raw input and continues with
//!    the next task in declaration order; its `then` is not followed.
//! 2. Conditions (`if`, `switch` `when`, `catch.when`/`exceptWhen`, `while`,
//!    `retry.when`) hold only when the expression yields `true`.
//! 3. Fields typed as runtime expressions (`if`, `when`, `exceptWhen`,
//!    `while`, `for.in`, `input.from`, `output.as`, `export.as`, `until`,
//!    `correlate.from`/`expect`, a string `set`) are expressions with or
//!    without `${ }`; any other string is an expression only inside `${ }`
//!    (strict mode) or always (loose mode, where a failed evaluation leaves
//!    the string as it is).
//! 4. An expression's first output is its value; no output gives `null`.
//!    jq's `now` reads the virtual clock; `env`, `input`, `halt`,
//!    `localtime`, `debug` and the like do not exist.
//! 5. `emit` outputs the emitted CloudEvent (what the conformance kit
//!    expects); missing `id` is `<run>-<n>` from a counter, `time` is the
//!    virtual clock, `specversion` is `1.0`.
//! 6. `raise`: `instance` is always the JSON pointer of the raising task;
//!    `title`/`detail` may be expressions.
//! 7. `try`/`catch` (sdk-java `TryExecutor`): a caught error runs
//!    `catch.do`; with a retry policy, `limit.attempt.count` is the number
//!    of retries after the first attempt; when retries are exhausted (or
//!    `retry.when` refuses) the error propagates. The retry delay is `delay`
//!    × 1 (constant), × n (linear) or × 2ⁿ (exponential) for the n-th retry,
//!    plus `jitter.from` (the Java engine adds a random part up to
//!    `jitter.to`; a test engine takes the lower bound). `limit.duration`
//!    bounds the time since the first attempt; `limit.attempt.duration`
//!    bounds each attempt (it times out with the standard `timeout` error).
//! 8. `fork` with `compete: true`: the branch that finishes at the earliest
//!    virtual time wins, ties by declaration order; a branch that faults
//!    first faults the fork. Without `compete`, the first fault (in time,
//!    then declaration order) faults the fork and cancels the others.
//!    Each branch reads and writes its own copy of `$context`, taken when
//!    the fork starts; when it ends, the last writer's copy wins — the
//!    worst interleaving of concurrent `export.as` writes (tasks/fork.rs).
//! 9. `listen`: an event is offered only to listens already waiting when it
//!    is delivered (no buffering); every matching listen of every run
//!    consumes it. Filter attributes match by equality, a string also as a
//!    fully anchored regular expression, a `${ }` expression by yielding
//!    `true` on the attribute's value, an object attribute by matching each
//!    of its properties. A `correlate.expect` expression is evaluated on the
//!    listen task's transformed input. An `until` expression is evaluated
//!    after each consumed event, on the array consumed so far.
//! 10. `then: end` inside a nested list ends the whole workflow with the
//!     ending task's output; outer `output.as` are not applied. Inside a
//!     workflow run by `run.workflow`, it ends that child workflow only.
//! 11. `call: http`: a `${ }` endpoint is evaluated, any other is an RFC 6570
//!     template expanded with the top-level properties of the task's
//!     transformed input; `output: raw` is the base64 of the body's text.
//!     Authentication `basic` and `bearer` become an `Authorization` header;
//!     other schemes fault with a `configuration` error.
//! 12. `call: openapi` fetches the document through the [`Host`] (a JSON
//!     answer), finds `operationId`, and sends `parameters` as path, query
//!     and header parameters as the document declares them (`body`
//!     parameters and `requestBody` take the parameter named `body`).
//! 13. A run executes at most 100 000 tasks and nests `run.workflow` at most
//!     32 deep; beyond, it faults with a `runtime` error (no test can hang).
//! 14. `call: <name>` runs the task `use.functions.<name>` on its own, its
//!     input the evaluated `with`. `$secrets` (set with
//!     [`Engine::set_secrets`]) is visible to every expression, not only
//!     `input.from`.
//! 15. A run started by `run.workflow` whose awaiting task is cancelled (a
//!     losing branch, a timeout) ends [`RunStatus::Cancelled`].
//!
//! # Not supported
//!
//! Ignored: schemas (`input`/`output`/`export` `schema`), `schedule` (the
//! Knative side starts runs), `use.extensions`. Faulting with a
//! `configuration` error when reached: `call` of `grpc`, `asyncapi`,
//! `a2a`, `mcp` and catalog functions, `run` of containers, scripts and
//! shells, authentication other than `basic` and `bearer`.

mod document;
mod duration;
mod engine;
mod error;
mod events;
mod expr;
mod flow;
mod run;
mod tasks;
#[cfg(test)]
mod tests;
mod trace;
mod uri;
mod workflow;
mod world;

pub use engine::Engine;
pub use error::{Kind as ErrorKind, WfError};
pub use trace::{TaskInfo, TraceEntry, TraceEvent};

use serde_json::Value;
use std::collections::BTreeMap;

/// One run of a workflow, numbered from 1 in start order.
pub type RunId = u64;

/// How a document is indexed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkflowKey {
    pub namespace: String,
    pub name: String,
    pub version: String,
}

/// Why a document was refused by [`Engine::load`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("the document is not an object")]
    NotAnObject,
    #[error("`{0}` is missing or not a string")]
    MissingField(&'static str),
    #[error("{namespace}/{name} version {version} is already loaded")]
    Duplicate {
        namespace: String,
        name: String,
        version: String,
    },
    #[error("{at}: {message}")]
    BadTask { at: String, message: String },
    #[error("{at}: `then: {target}` names no task of the same list")]
    UnknownTarget { at: String, target: String },
}

/// Why [`Engine::start`] refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    #[error("no workflow {namespace}/{name} is loaded")]
    UnknownWorkflow { namespace: String, name: String },
}

/// An HTTP request made by `call: http` (or `call: openapi`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// Upper-case method (`GET`, `POST`, …).
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

/// The answer of the outside world to an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
    /// Virtual milliseconds before the answer arrives.
    pub delay_ms: u64,
}

impl HttpResponse {
    /// A JSON answer with no delay.
    pub fn json(status: u16, body: Value) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("Content-Type".to_string(), "application/json".to_string());
        HttpResponse {
            status,
            headers,
            body,
            delay_ms: 0,
        }
    }
}

/// What the outside world answers; the `air test` runner implements it with
/// mocks. No method may need the [`Engine`]: reactions (a `start` or a
/// `deliver` after an emitted event) happen between engine calls.
pub trait Host {
    /// Answer a request; `Err(message)` means no answer (e.g. unmocked): the
    /// task faults with a `communication` error whose detail is the message.
    fn http(&mut self, request: &HttpRequest) -> Result<HttpResponse, String>;
    /// A CloudEvent published by `emit` (a complete JSON object).
    fn emit(&mut self, event: &Value);
}

/// Where a running workflow waits.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitPoint {
    pub task: TaskInfo,
    /// `listen`, `wait`, `http`, `retry`, `fork`.
    pub on: &'static str,
}

/// The state of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    Running {
        waiting_at: Vec<WaitPoint>,
    },
    Completed {
        output: Value,
    },
    Faulted {
        error: Value,
        at: String,
    },
    /// A child run whose awaiting task was cancelled (a losing fork branch,
    /// a timeout).
    Cancelled,
}

/// What [`Engine::runs`] reports about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub id: RunId,
    pub workflow: WorkflowKey,
    /// The run that started this one with `run.workflow`, if any.
    pub parent: Option<RunId>,
    pub status: RunStatus,
    /// The run's `$context`: the current one while it runs, else the last.
    pub context: Value,
}

thread_local! {
    /// Compiled predicates of `air test` expectations, reused across tests.
    static PREDICATES: expr::Jq = expr::Jq::default();
}

/// Run a jq predicate of a test (on an event, a body, an output): true
/// only when its first output is `true`.
pub fn predicate(program: &str, input: &Value) -> Result<bool, String> {
    PREDICATES.with(|jq| {
        jq.eval(program, input, &expr::Args::default())
            .map(|v| v == Value::Bool(true))
            .map_err(|e| e.to_string())
    })
}
