//! Scenario tests of the interpreter, through the public API: one small
//! document per behaviour, a scripted [`Host`].

mod flow;
mod io;

use super::{Engine, Host, HttpRequest, HttpResponse, RunReport, RunStatus, TraceEvent};
use serde_json::{Value, json};
use std::collections::VecDeque;

/// Answers HTTP requests from a script (in order; `Err` when empty) and
/// keeps what it saw.
#[derive(Default)]
pub struct Script {
    pub answers: VecDeque<Result<HttpResponse, String>>,
    pub requests: Vec<HttpRequest>,
    pub emitted: Vec<Value>,
}

impl Host for Script {
    fn http(&mut self, request: &HttpRequest) -> Result<HttpResponse, String> {
        self.requests.push(request.clone());
        self.answers
            .pop_front()
            .unwrap_or_else(|| Err("not mocked".to_string()))
    }

    fn emit(&mut self, event: &Value) {
        self.emitted.push(event.clone());
    }
}

/// A document `test/<name>` with these tasks and top-level extras.
pub fn doc(name: &str, tasks: Value, extra: Value) -> Value {
    let mut d = json!({
        "document": {"dsl": "1.0.3", "namespace": "test", "name": name, "version": "1.0.0"},
        "do": tasks,
    });
    if let (Some(d), Some(extra)) = (d.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            d.insert(k.clone(), v.clone());
        }
    }
    d
}

/// Load `doc`, start it with `input`, run until idle.
pub fn start(engine: &mut Engine, host: &mut Script, doc: Value, input: Value) -> u64 {
    let key = engine.load(doc).expect("a valid document");
    let id = engine
        .start(&key.namespace, &key.name, input)
        .expect("a loaded workflow");
    engine.run_until_idle(host);
    id
}

pub fn report(engine: &Engine, id: u64) -> RunReport {
    engine
        .runs()
        .into_iter()
        .find(|r| r.id == id)
        .expect("the run exists")
}

pub fn output(engine: &Engine, id: u64) -> Value {
    match report(engine, id).status {
        RunStatus::Completed { output } => output,
        other => panic!("run {id} did not complete: {other:?}"),
    }
}

pub fn fault(engine: &Engine, id: u64) -> Value {
    match report(engine, id).status {
        RunStatus::Faulted { error, .. } => error,
        other => panic!("run {id} did not fault: {other:?}"),
    }
}

/// Names of entered tasks, in order.
pub fn entered(engine: &Engine) -> Vec<String> {
    engine
        .trace()
        .iter()
        .filter_map(|t| match &t.event {
            TraceEvent::TaskEntered { task } => Some(task.name.clone()),
            _ => None,
        })
        .collect()
}

/// Run a one-shot workflow to its end and give its output.
pub fn run_to_end(tasks: Value, input: Value) -> Value {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let id = start(&mut engine, &mut host, doc("w", tasks, json!({})), input);
    engine.settle(&mut host);
    output(&engine, id)
}
