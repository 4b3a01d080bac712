//! Task lists and the life of one task: `if`, `input.from`, the task
//! itself (under its `timeout`), `output.as`, `export.as`, then the flow
//! directive (`continue`, `exit`, `end`, or a task of the same list).

use super::duration;
use super::error::WfError;
use super::expr::{Args, mentioned_in};
use super::run::{RunCtx, date_time};
use super::tasks;
use super::trace::{TaskInfo, TraceEvent};
use super::world::{Either, LocalFuture, select};
use serde_json::{Value, json};
use std::rc::Rc;

/// How a task list (or a task holding one) ended.
pub enum Flow {
    /// Ran to its end (or `exit`): the last output.
    Done(Value),
    /// A task said `then: end`: the workflow ends with this output.
    End(Value),
}

/// What a task's own work produced.
pub enum Body {
    Out(Value),
    /// A switch case chose a flow directive.
    Then(Value, String),
    End(Value),
}

/// What happens after a task.
enum Step {
    Continue(Value),
    Goto(String, Value),
    Exit(Value),
    End(Value),
}

/// The `(name, definition)` of a task list item (`- name: { … }`).
pub fn entry(item: &Value) -> Option<(&String, &Value)> {
    item.as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
}

pub fn task_info(name: &str, def: &Value, pointer: &str) -> TaskInfo {
    let meta = |key: &str| {
        def.get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    TaskInfo {
        reference: pointer.to_string(),
        name: name.to_string(),
        workflow: meta("air.dev/workflow"),
        step: meta("air.dev/step"),
    }
}

/// Run the tasks of `list` (JSON pointer `base`) from the first.
pub fn run_list<'a>(
    rc: &'a Rc<RunCtx>,
    list: &'a Value,
    base: String,
    input: Value,
    scope: &'a Args,
) -> LocalFuture<'a, Result<Flow, WfError>> {
    Box::pin(async move {
        let items: &[Value] = list.as_array().map_or(&[], Vec::as_slice);
        let mut data = input;
        let mut i = 0;
        while let Some(item) = items.get(i) {
            let Some((name, def)) = entry(item) else {
                return Err(WfError::configuration(
                    &base,
                    "a task list item has one key",
                ));
            };
            let pointer = format!("{base}/{i}/{name}");
            match run_task(rc, name, def, &pointer, data, scope).await? {
                Step::Continue(v) => {
                    data = v;
                    i += 1;
                }
                Step::Goto(target, v) => {
                    data = v;
                    i = items
                        .iter()
                        .position(|it| entry(it).is_some_and(|(n, _)| *n == target))
                        .ok_or_else(|| {
                            WfError::configuration(&pointer, format!("no task `{target}`"))
                        })?;
                }
                Step::Exit(v) => return Ok(Flow::Done(v)),
                Step::End(v) => return Ok(Flow::End(v)),
            }
        }
        Ok(Flow::Done(data))
    })
}

/// Run one task on its own (a fork branch, a `use.functions` function):
/// `then: end` ends the workflow; any other directive ends the task.
pub fn run_alone<'a>(
    rc: &'a Rc<RunCtx>,
    name: &'a str,
    def: &'a Value,
    pointer: String,
    input: Value,
    scope: &'a Args,
) -> LocalFuture<'a, Result<Flow, WfError>> {
    Box::pin(async move {
        Ok(
            match run_task(rc, name, def, &pointer, input, scope).await? {
                Step::End(v) => Flow::End(v),
                Step::Continue(v) | Step::Goto(_, v) | Step::Exit(v) => Flow::Done(v),
            },
        )
    })
}

async fn run_task(
    rc: &Rc<RunCtx>,
    name: &str,
    def: &Value,
    pointer: &str,
    raw: Value,
    scope: &Args,
) -> Result<Step, WfError> {
    let info = task_info(name, def, pointer);
    rc.step(pointer)?;
    // `$task` holds the whole definition: built only for a task whose
    // expressions (its own or its subtasks') name it.
    let mut descriptor = mentioned_in(def, "task").then(|| {
        json!({
            "name": name,
            "reference": pointer,
            "definition": def,
            "input": raw,
            "startedAt": date_time(rc.now()),
        })
    });
    let mut args = rc.base_args();
    if let Some(descriptor) = &descriptor {
        args.set("task", descriptor.clone());
    }
    args.extend(scope);
    if let Some(cond) = def.get("if")
        && !rc.eval_cond(cond, &raw, &args, pointer)?
    {
        rc.record(TraceEvent::TaskSkipped { task: info });
        return Ok(Step::Continue(raw));
    }
    rc.record(TraceEvent::TaskEntered { task: info.clone() });
    let result = async {
        let input = match def.get("input").and_then(|i| i.get("from")) {
            Some(from) => rc.eval_field(from, &raw, &args, pointer)?,
            None => raw.clone(),
        };
        args.set("input", input.clone());
        let body = match task_timeout(rc, def, &input, &args, pointer)? {
            Some(ms) => {
                let work = tasks::execute(rc, name, def, &info, input.clone(), &args, scope);
                match select(work, rc.sleep(ms, &info, "timeout")).await {
                    Either::Left(body) => body?,
                    Either::Right(()) => {
                        return Err(WfError::timeout(
                            pointer,
                            format!("the task did not finish within {ms} ms"),
                        ));
                    }
                }
            }
            None => tasks::execute(rc, name, def, &info, input.clone(), &args, scope).await?,
        };
        let (raw_out, chosen) = match body {
            Body::End(v) => return Ok(Step::End(v)),
            Body::Out(v) => (v, None),
            Body::Then(v, then) => (v, Some(then)),
        };
        if let Some(descriptor) = &mut descriptor {
            descriptor["output"] = raw_out.clone();
            args.set("task", descriptor.clone());
        }
        let out = transform_output(rc, def, raw_out, &mut args, pointer)?;
        let then = chosen.or_else(|| def.get("then").and_then(Value::as_str).map(String::from));
        Ok(match then.as_deref() {
            None | Some("continue") => Step::Continue(out),
            Some("exit") => Step::Exit(out),
            Some("end") => Step::End(out),
            Some(target) => Step::Goto(target.to_string(), out),
        })
    }
    .await;
    match &result {
        Ok(Step::Continue(out) | Step::Goto(_, out) | Step::Exit(out) | Step::End(out)) => {
            rc.record(TraceEvent::TaskCompleted {
                task: info,
                output: out.clone(),
            });
        }
        Err(e) => rc.record(TraceEvent::TaskFaulted {
            task: info,
            error: e.to_json(),
        }),
    }
    result
}

/// `output.as` on the raw output, then `export.as` on the result (which
/// replaces `$context`); for a task or a listen's `foreach`.
pub fn transform_output(
    rc: &RunCtx,
    spec: &Value,
    raw_out: Value,
    args: &mut Args,
    at: &str,
) -> Result<Value, WfError> {
    let out = match spec.pointer("/output/as") {
        Some(expr) => rc.eval_field(expr, &raw_out, args, at)?,
        None => raw_out,
    };
    args.set("output", out.clone());
    if let Some(expr) = spec.pointer("/export/as") {
        // The context now, not as the task started: a fork's branches
        // may have changed it meanwhile (dsl.md: `export.as` replaces the
        // workflow's current context).
        args.set_var("context", rc.context_var());
        let context = rc.eval_field(expr, &out, args, at)?;
        rc.set_context(context);
    }
    Ok(out)
}

/// A task's or the workflow's `timeout`: inline `{ after }` or the name of
/// one in `use.timeouts`.
pub fn timeout_ms(
    rc: &RunCtx,
    timeout: Option<&Value>,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<Option<u64>, WfError> {
    let Some(timeout) = timeout else {
        return Ok(None);
    };
    let timeout = match timeout {
        Value::String(name) => rc
            .doc
            .pointer(&format!("/use/timeouts/{}", escape_pointer(name)))
            .ok_or_else(|| WfError::configuration(at, format!("no timeout `{name}` in use")))?,
        other => other,
    };
    let after = timeout
        .get("after")
        .ok_or_else(|| WfError::configuration(at, "a timeout needs `after`"))?;
    duration_ms(rc, after, input, args, at).map(Some)
}

fn task_timeout(
    rc: &RunCtx,
    def: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<Option<u64>, WfError> {
    timeout_ms(rc, def.get("timeout"), input, args, at)
}

/// A duration field, possibly a `${ }` expression giving an ISO 8601 text.
pub fn duration_ms(
    rc: &RunCtx,
    value: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<u64, WfError> {
    let value = rc.eval_value(value, input, args, at)?;
    duration::to_ms(&value).map_err(|m| WfError::configuration(at, m))
}

/// RFC 6901 escaping of one reference token.
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
