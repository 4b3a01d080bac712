//! `listen`: wait for events; the output is the array of consumed events
//! (as `read` says), or what `foreach` makes of each.

use crate::sw::error::WfError;
use crate::sw::events::{Consumption, Listener};
use crate::sw::expr::Args;
use crate::sw::flow::{Body, Flow, run_list, transform_output};
use crate::sw::run::RunCtx;
use crate::sw::trace::TaskInfo;
use crate::sw::world::{WaitFor, Woken};
use serde_json::Value;
use std::rc::Rc;

pub async fn listen(
    rc: &Rc<RunCtx>,
    def: &Value,
    info: &TaskInfo,
    input: Value,
    args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let to = def
        .pointer("/listen/to")
        .filter(|t| t.is_object())
        .ok_or_else(|| WfError::configuration(at, "`listen` needs `to`"))?;
    let read = def
        .pointer("/listen/read")
        .and_then(Value::as_str)
        .unwrap_or("data")
        .to_string();
    let id = {
        let mut w = rc.env.world.borrow_mut();
        let id = w.next_id();
        w.listeners.insert(
            id,
            Listener {
                run: rc.id,
                task: info.clone(),
                args: args.clone(),
                input: input.clone(),
                read,
                state: Consumption::new(to),
                done: None,
            },
        );
        id
    };
    let events = match rc.wait(id, WaitFor::Listen, info, "listen").await {
        Woken::Events(result) => result?,
        _ => return Err(WfError::runtime(at, "the listen was woken without events")),
    };
    match def.get("foreach") {
        None => Ok(Body::Out(Value::Array(events))),
        Some(each) => foreach(rc, each, at, events, args, scope).await,
    }
}

/// `foreach`: run `do` for each consumed event in order (`item`/`at`
/// variables), apply its `output.as` and `export.as`; the outputs form the
/// task's output.
async fn foreach(
    rc: &Rc<RunCtx>,
    each: &Value,
    at: &str,
    events: Vec<Value>,
    args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let item_var = each.get("item").and_then(Value::as_str).unwrap_or("item");
    let index_var = each.get("at").and_then(Value::as_str).unwrap_or("index");
    let mut outputs = Vec::with_capacity(events.len());
    for (i, event) in events.into_iter().enumerate() {
        let mut inner = scope.clone();
        inner.set(item_var, event.clone());
        inner.set(index_var, Value::from(i));
        let mut item_args = args.clone();
        item_args.extend(&inner);
        let empty = Value::Array(vec![]);
        let list = each.get("do").unwrap_or(&empty);
        let out = match run_list(rc, list, format!("{at}/foreach/do"), event, &inner).await? {
            Flow::Done(v) => v,
            Flow::End(v) => return Ok(Body::End(v)),
        };
        outputs.push(transform_output(rc, each, out, &mut item_args, at)?);
    }
    Ok(Body::Out(Value::Array(outputs)))
}
