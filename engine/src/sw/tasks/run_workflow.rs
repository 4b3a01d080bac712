//! `run.workflow`: run another loaded document as a child run; with
//! `await` (the default), its output is the task's raw output and its
//! fault the task's.

use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::flow::Body;
use crate::sw::run::{RUN_DEPTH_LIMIT, RunCtx};
use crate::sw::trace::TaskInfo;
use crate::sw::workflow;
use serde_json::Value;
use std::rc::Rc;

pub async fn run(
    rc: &Rc<RunCtx>,
    def: &Value,
    info: &TaskInfo,
    input: Value,
    args: &Args,
    _scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let Some(spec) = def.pointer("/run/workflow") else {
        return Err(WfError::configuration(
            at,
            "only `run.workflow` can run here (containers, scripts and shells cannot)",
        ));
    };
    let text = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
    let found = crate::sw::engine::find(
        &rc.env,
        text("namespace"),
        text("name"),
        Some(text("version")),
    );
    let Some((key, doc)) = found else {
        return Err(WfError::configuration(
            at,
            format!(
                "no workflow {}/{} version {} is loaded",
                text("namespace"),
                text("name"),
                text("version")
            ),
        ));
    };
    if rc.depth >= RUN_DEPTH_LIMIT {
        return Err(WfError::runtime(
            at,
            format!("`run.workflow` nests deeper than {RUN_DEPTH_LIMIT}"),
        ));
    }
    let child_input = match spec.get("input") {
        Some(v) => rc.eval_value(v, &input, args, at)?,
        None => input.clone(),
    };
    let child = workflow::new_run(&rc.env, &key, doc, &child_input, Some(rc.id), rc.depth + 1);
    let awaited = def.pointer("/run/await") != Some(&Value::Bool(false));
    if awaited {
        // The child's own timeline; its fault becomes this task's.
        workflow::execute(child, child_input).await.map(Body::Out)
    } else {
        let id = child.id;
        let future = Box::pin(async move {
            let _ = workflow::execute(child, child_input).await;
        });
        rc.env.spawned.borrow_mut().push((id, future));
        Ok(Body::Out(input))
    }
}
