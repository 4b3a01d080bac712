//! The task kinds. Small ones live here; the others in `tasks/`.

mod emit;
mod for_each;
mod fork;
mod http;
mod listen;
mod openapi;
mod run_workflow;
mod try_catch;

use super::error::{Kind, WfError};
use super::expr::Args;
use super::flow::{Body, Flow, duration_ms, escape_pointer, run_alone, run_list};
use super::run::RunCtx;
use super::trace::{TaskInfo, TraceEvent};
use super::world::LocalFuture;
use serde_json::Value;
use std::rc::Rc;

/// Task kinds, as the key that names them in a task definition.
pub const KINDS: &[&str] = &[
    "call", "do", "emit", "for", "fork", "listen", "raise", "run", "set", "switch", "try", "wait",
];

/// The kind key of a task definition.
pub fn kind_of(def: &Value) -> Option<&'static str> {
    // `for` tasks also hold `do`; `try` holds `catch`: `for` and `try` first.
    ["for", "try"]
        .into_iter()
        .chain(KINDS.iter().copied())
        .find(|k| def.get(*k).is_some())
}

/// Do the task's own work on its transformed `input`. `args` are what its
/// expressions see; `scope` the variables nested lists inherit (`for`
/// items, `catch.as`), without the per-task ones.
pub fn execute<'a>(
    rc: &'a Rc<RunCtx>,
    name: &'a str,
    def: &'a Value,
    info: &'a TaskInfo,
    input: Value,
    args: &'a Args,
    scope: &'a Args,
) -> LocalFuture<'a, Result<Body, WfError>> {
    let at = info.reference.as_str();
    Box::pin(async move {
        match kind_of(def) {
            Some("do") => Ok(flow_body(
                run_list(rc, &def["do"], format!("{at}/do"), input, scope).await?,
            )),
            Some("set") => set(rc, &def["set"], &input, args, at).map(Body::Out),
            Some("switch") => switch(rc, &def["switch"], input, args, at),
            Some("wait") => {
                let ms = duration_ms(rc, &def["wait"], &input, args, at)?;
                let until = rc.now().saturating_add(ms);
                rc.record(TraceEvent::TimerSet {
                    task: info.clone(),
                    until_ms: until,
                });
                rc.sleep(ms, info, "wait").await;
                Ok(Body::Out(input))
            }
            Some("raise") => Err(raise(rc, &def["raise"], &input, args, at)?),
            Some("emit") => emit::emit(rc, def, info, &input, args).map(Body::Out),
            Some("listen") => listen::listen(rc, def, info, input, args, scope).await,
            Some("for") => for_each::run(rc, def, info, input, args, scope).await,
            Some("fork") => fork::run(rc, def, info, input, args, scope).await,
            Some("try") => try_catch::run(rc, def, info, input, args, scope).await,
            Some("run") => run_workflow::run(rc, def, info, input, args, scope).await,
            Some("call") => match def["call"].as_str() {
                Some("http") => http::call(rc, def, info, &input, args).await.map(Body::Out),
                Some("openapi") => openapi::call(rc, def, info, &input, args)
                    .await
                    .map(Body::Out),
                Some(function) => call_function(rc, def, function, info, input, args, scope).await,
                None => Err(WfError::configuration(at, "`call` must name a function")),
            },
            _ => Err(WfError::configuration(
                at,
                format!("`{name}` has no task kind"),
            )),
        }
    })
}

/// `call: <name>` of a task in `use.functions`: it runs on its own, its
/// input the evaluated `with` (the caller's input without `with`).
/// Catalog functions (`name:version@catalog`) and the other protocols
/// (`grpc`, `asyncapi`, `a2a`, `mcp`) are not supported.
async fn call_function(
    rc: &Rc<RunCtx>,
    def: &Value,
    function: &str,
    info: &TaskInfo,
    input: Value,
    args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let pointer = format!("/use/functions/{}", escape_pointer(function));
    let Some(body) = rc.doc.pointer(&pointer) else {
        return Err(WfError::configuration(
            at,
            format!("`call: {function}` is not supported (not in use.functions)"),
        ));
    };
    let input = match def.get("with") {
        Some(with) => rc.eval_value(with, &input, args, at)?,
        None => input,
    };
    Ok(flow_body(
        run_alone(rc, function, body, pointer, input, scope).await?,
    ))
}

/// A nested list's end as a task body.
pub fn flow_body(flow: Flow) -> Body {
    match flow {
        Flow::Done(v) => Body::Out(v),
        Flow::End(v) => Body::End(v),
    }
}

/// `set`: an object (its `${ }` values evaluated) or one expression.
fn set(rc: &RunCtx, set: &Value, input: &Value, args: &Args, at: &str) -> Result<Value, WfError> {
    match set {
        Value::String(_) => rc.eval_field(set, input, args, at),
        other => rc.eval_value(other, input, args, at),
    }
}

/// `switch`: the first case whose `when` holds (or the case without
/// `when`, if none does) chooses the directive; no match continues as the
/// task's own `then` says. The output is the input.
fn switch(
    rc: &RunCtx,
    cases: &Value,
    input: Value,
    args: &Args,
    at: &str,
) -> Result<Body, WfError> {
    let mut default = None;
    for case in cases.as_array().map_or(&[][..], Vec::as_slice) {
        let Some((_, case)) = case.as_object().and_then(|m| m.iter().next()) else {
            continue;
        };
        let then = case
            .get("then")
            .and_then(Value::as_str)
            .unwrap_or("continue");
        match case.get("when") {
            None => default = default.or(Some(then)),
            Some(when) => {
                if rc.eval_cond(when, &input, args, at)? {
                    return Ok(Body::Then(input, then.to_string()));
                }
            }
        }
    }
    Ok(match default {
        Some(then) => Body::Then(input, then.to_string()),
        None => Body::Out(input),
    })
}

/// `raise`: the inline error or one from `use.errors`; `instance` is the
/// raising task's pointer.
fn raise(
    rc: &RunCtx,
    raise: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<WfError, WfError> {
    let error = match raise.get("error") {
        Some(Value::String(name)) => rc
            .doc
            .pointer(&format!("/use/errors/{}", escape_pointer(name)))
            .ok_or_else(|| WfError::configuration(at, format!("no error `{name}` in use")))?,
        Some(inline) => inline,
        None => return Err(WfError::configuration(at, "`raise` needs `error`")),
    };
    let error = rc.eval_value(error, input, args, at)?;
    let text = |key: &str| match error.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    Ok(WfError {
        type_: text("type").unwrap_or_else(|| Kind::Runtime.type_uri()),
        status: error.get("status").and_then(Value::as_i64).unwrap_or(500),
        title: text("title"),
        detail: text("detail"),
        instance: at.to_string(),
    })
}
