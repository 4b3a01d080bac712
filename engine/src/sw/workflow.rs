//! A whole workflow run: `input.from`, the top-level `do` under the
//! workflow `timeout`, `output.as`, and the run's final record.

use super::error::WfError;
use super::expr::{Args, Var};
use super::flow::{Flow, run_list, timeout_ms};
use super::run::{RunCtx, date_time};
use super::trace::{TaskInfo, TraceEvent};
use super::world::{Either, Env, select};
use super::{RunId, RunStatus, WorkflowKey};
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Register a run of `key` and build its context.
pub fn new_run(
    env: &Rc<Env>,
    key: &WorkflowKey,
    doc: Rc<Value>,
    input: &Value,
    parent: Option<RunId>,
    depth: usize,
) -> Rc<RunCtx> {
    let (id, now) = {
        let mut w = env.world.borrow_mut();
        let id = w.new_run(key.clone(), parent);
        w.record(
            id,
            TraceEvent::RunStarted {
                workflow: key.clone(),
                input: input.clone(),
            },
        );
        (id, w.now)
    };
    let loose = doc.pointer("/evaluate/mode").and_then(Value::as_str) == Some("loose");
    let workflow = json!({
        "id": format!("{}-{}-{id}", key.namespace, key.name),
        "definition": &*doc,
        "input": input,
        "startedAt": date_time(now),
    });
    Rc::new(RunCtx {
        env: env.clone(),
        id,
        doc,
        context: RefCell::new(Var::new(Value::Object(Default::default()))),
        workflow: Var::new(workflow),
        runtime: Var::new(json!({
            "name": "air-engine",
            "version": env!("CARGO_PKG_VERSION"),
            "metadata": {},
        })),
        loose,
        steps: Cell::new(0),
        depth,
    })
}

/// Marks a run cancelled if its future is dropped before it ends (a child
/// run awaited by a cancelled fork branch or a timed-out task).
struct Cancel {
    rc: Rc<RunCtx>,
    armed: bool,
}

impl Drop for Cancel {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Ok(mut w) = self.rc.env.world.try_borrow_mut() {
            if let Some(record) = w.runs.get_mut(&self.rc.id) {
                record.status = RunStatus::Cancelled;
            }
            w.record(self.rc.id, TraceEvent::RunCancelled);
        }
    }
}

/// Run the document to its end and record the outcome.
pub async fn execute(rc: Rc<RunCtx>, raw_input: Value) -> Result<Value, WfError> {
    let mut cancel = Cancel {
        rc: rc.clone(),
        armed: true,
    };
    let result = body(&rc, raw_input).await;
    cancel.armed = false;
    let mut w = rc.env.world.borrow_mut();
    let context = rc.context();
    let (status, event) = match &result {
        Ok(output) => (
            RunStatus::Completed {
                output: output.clone(),
            },
            TraceEvent::RunCompleted {
                output: output.clone(),
            },
        ),
        Err(e) => (
            RunStatus::Faulted {
                error: e.to_json(),
                at: e.instance.clone(),
            },
            TraceEvent::RunFaulted { error: e.to_json() },
        ),
    };
    if let Some(record) = w.runs.get_mut(&rc.id) {
        record.status = status;
        record.context = context;
    }
    w.progress += 1;
    w.record(rc.id, event);
    result
}

async fn body(rc: &Rc<RunCtx>, raw_input: Value) -> Result<Value, WfError> {
    let doc = rc.doc.clone();
    let args = rc.base_args();
    let input = match doc.pointer("/input/from") {
        Some(from) => rc.eval_field(from, &raw_input, &args, "/input/from")?,
        None => raw_input,
    };
    let scope = Args::default();
    let run = run_list(rc, &doc["do"], "/do".to_string(), input.clone(), &scope);
    let flow = match timeout_ms(rc, doc.get("timeout"), &input, &args, "/timeout")? {
        Some(ms) => {
            let whole = TaskInfo {
                reference: String::new(),
                name: doc
                    .pointer("/document/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                workflow: None,
                step: None,
            };
            match select(run, rc.sleep(ms, &whole, "timeout")).await {
                Either::Left(flow) => flow?,
                Either::Right(()) => {
                    return Err(WfError::timeout(
                        "/",
                        format!("the workflow did not finish within {ms} ms"),
                    ));
                }
            }
        }
        None => run.await?,
    };
    let (Flow::Done(out) | Flow::End(out)) = flow;
    match doc.pointer("/output/as") {
        Some(expr) => {
            let mut args = rc.base_args();
            args.set("output", out.clone());
            rc.eval_field(expr, &out, &args, "/output/as")
        }
        None => Ok(out),
    }
}
