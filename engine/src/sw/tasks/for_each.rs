//! `for`: run `do` once per item of `for.in`, each iteration's output the
//! next one's input, while `while` holds.

use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::flow::{Body, Flow, run_list};
use crate::sw::run::RunCtx;
use crate::sw::trace::TaskInfo;
use serde_json::Value;
use std::rc::Rc;

pub async fn run(
    rc: &Rc<RunCtx>,
    def: &Value,
    info: &TaskInfo,
    input: Value,
    args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let spec = &def["for"];
    let each = spec.get("each").and_then(Value::as_str).unwrap_or("item");
    let index = spec.get("at").and_then(Value::as_str).unwrap_or("index");
    let collection = match spec.get("in") {
        Some(expr) => rc.eval_field(expr, &input, args, at)?,
        None => return Err(WfError::configuration(at, "`for` needs `in`")),
    };
    // Arrays iterate their items, objects their values (as the reference
    // implementation iterates a JSON node); anything else is empty.
    let items: Vec<Value> = match collection {
        Value::Array(items) => items,
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => vec![],
    };
    let mut data = input;
    for (i, item) in items.into_iter().enumerate() {
        let mut inner = scope.clone();
        inner.set(each, item);
        inner.set(index, Value::from(i));
        if let Some(cond) = def.get("while") {
            // `$context` as the previous iterations left it, not as it
            // was when the loop started.
            let mut cond_args = args.clone();
            cond_args.extend(&rc.base_args());
            cond_args.extend(&inner);
            if !rc.eval_cond(cond, &data, &cond_args, at)? {
                break;
            }
        }
        match run_list(rc, &def["do"], format!("{at}/do"), data, &inner).await? {
            Flow::Done(v) => data = v,
            Flow::End(v) => return Ok(Body::End(v)),
        }
    }
    Ok(Body::Out(data))
}
