//! `emit`: publish a CloudEvent through the host.

use crate::sw::error::{Kind, WfError};
use crate::sw::expr::Args;
use crate::sw::run::{RunCtx, iso8601, wall_ms};
use crate::sw::trace::{TaskInfo, TraceEvent};
use serde_json::Value;

/// Build the event from `emit.event.with`, queue it for the host, and
/// output it.
pub fn emit(
    rc: &RunCtx,
    def: &Value,
    info: &TaskInfo,
    input: &Value,
    args: &Args,
) -> Result<Value, WfError> {
    let at = info.reference.as_str();
    let with = def
        .pointer("/emit/event/with")
        .ok_or_else(|| WfError::configuration(at, "`emit` needs `event.with`"))?;
    let mut event = rc.eval_value(with, input, args, at)?;
    let Some(attrs) = event.as_object_mut() else {
        return Err(WfError::configuration(at, "`event.with` must be an object"));
    };
    for required in ["source", "type"] {
        if !attrs.get(required).is_some_and(Value::is_string) {
            return Err(WfError::new(
                Kind::Validation,
                at,
                "Validation Error",
                format!("an emitted event needs a string `{required}`"),
            ));
        }
    }
    let (seq, now) = {
        let mut w = rc.env.world.borrow_mut();
        (w.next_id(), w.now)
    };
    attrs
        .entry("id")
        .or_insert_with(|| Value::String(format!("{}-{seq}", rc.id)));
    attrs
        .entry("specversion")
        .or_insert_with(|| Value::String("1.0".into()));
    attrs
        .entry("time")
        .or_insert_with(|| Value::String(iso8601(wall_ms(now))));
    let mut w = rc.env.world.borrow_mut();
    w.outbox.push_back(event.clone());
    w.progress += 1;
    w.record(
        rc.id,
        TraceEvent::EventEmitted {
            task: info.clone(),
            event: event.clone(),
        },
    );
    Ok(event)
}
