//! `try`/`catch`: run the `try` list; an error that passes the `catch`
//! filter (`errors.with`, `when`, `exceptWhen`) runs `catch.do` and, with a
//! retry policy, the `try` list again after the policy's delay, while its
//! limits allow (as the reference implementation's `TryExecutor` does).

use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::flow::{Body, duration_ms, escape_pointer, run_list};
use crate::sw::run::RunCtx;
use crate::sw::tasks::flow_body;
use crate::sw::trace::{TaskInfo, TraceEvent};
use crate::sw::world::{Either, select};
use serde_json::Value;
use std::rc::Rc;

/// The exponent cap of exponential backoff (2³² × delay is years).
const MAX_EXPONENT: u32 = 32;

pub async fn run(
    rc: &Rc<RunCtx>,
    def: &Value,
    info: &TaskInfo,
    input: Value,
    args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let null = Value::Null;
    let catch = def.get("catch").unwrap_or(&null);
    let policy = match catch.get("retry") {
        Some(Value::String(name)) => Some(
            rc.doc
                .pointer(&format!("/use/retries/{}", escape_pointer(name)))
                .ok_or_else(|| WfError::configuration(at, format!("no retry `{name}` in use")))?,
        ),
        other => other,
    };
    let attempt_limit = match policy.and_then(|p| p.pointer("/limit/attempt/duration")) {
        Some(d) => Some(duration_ms(rc, d, &input, args, at)?),
        None => None,
    };
    let started = rc.now();
    let mut data = input;
    let mut retries: u32 = 0;
    loop {
        let attempt = run_list(rc, &def["try"], format!("{at}/try"), data.clone(), scope);
        let result = match attempt_limit {
            Some(ms) => match select(attempt, rc.sleep(ms, info, "retry")).await {
                Either::Left(r) => r,
                Either::Right(()) => Err(WfError::timeout(
                    at,
                    format!("an attempt did not finish within {ms} ms"),
                )),
            },
            None => attempt.await,
        };
        let error = match result {
            Ok(flow) => return Ok(flow_body(flow)),
            Err(e) => e,
        };
        if let Some(filter) = catch.pointer("/errors/with")
            && !error.matches(filter)
        {
            return Err(error);
        }
        let var = catch.get("as").and_then(Value::as_str).unwrap_or("error");
        let mut inner = scope.clone();
        inner.set(var, error.to_json());
        let mut catch_args = args.clone();
        catch_args.extend(&inner);
        if !when_except(rc, catch, &data, &catch_args, at)? {
            return Err(error);
        }
        if let Some(list) = catch.get("do") {
            match run_list(rc, list, format!("{at}/catch/do"), data.clone(), &inner).await? {
                crate::sw::flow::Flow::Done(v) => data = v,
                crate::sw::flow::Flow::End(v) => return Ok(Body::End(v)),
            }
        }
        let Some(policy) = policy else {
            return Ok(Body::Out(data));
        };
        let Some(delay) = retry_delay(rc, policy, retries + 1, started, &data, &catch_args, at)?
        else {
            return Err(error);
        };
        retries += 1;
        rc.record(TraceEvent::TaskRetried {
            task: info.clone(),
            attempt: retries,
            delay_ms: delay,
        });
        rc.sleep(delay, info, "retry").await;
    }
}

/// `when` holds (if set) and `exceptWhen` does not (if set).
fn when_except(
    rc: &RunCtx,
    spec: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<bool, WfError> {
    if let Some(when) = spec.get("when")
        && !rc.eval_cond(when, input, args, at)?
    {
        return Ok(false);
    }
    if let Some(except) = spec.get("exceptWhen")
        && rc.eval_cond(except, input, args, at)?
    {
        return Ok(false);
    }
    Ok(true)
}

/// The delay before retry number `n` (from 1), or `None` when the policy
/// refuses it.
fn retry_delay(
    rc: &RunCtx,
    policy: &Value,
    n: u32,
    started: u64,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<Option<u64>, WfError> {
    if let Some(count) = policy
        .pointer("/limit/attempt/count")
        .and_then(Value::as_u64)
        && u64::from(n) > count
    {
        return Ok(None);
    }
    if !when_except(rc, policy, input, args, at)? {
        return Ok(None);
    }
    let base = match policy.get("delay") {
        Some(d) => duration_ms(rc, d, input, args, at)?,
        None => 0,
    };
    let backoff = policy.get("backoff");
    let factor: u64 = if backoff.and_then(|b| b.get("linear")).is_some() {
        u64::from(n)
    } else if backoff.and_then(|b| b.get("exponential")).is_some() {
        1u64 << n.min(MAX_EXPONENT)
    } else {
        1
    };
    let jitter = match policy.pointer("/jitter/from") {
        Some(d) => duration_ms(rc, d, input, args, at)?,
        None => 0,
    };
    let delay = base.saturating_mul(factor).saturating_add(jitter);
    if let Some(limit) = policy.pointer("/limit/duration") {
        let limit = duration_ms(rc, limit, input, args, at)?;
        if rc.now().saturating_add(delay) > started.saturating_add(limit) {
            return Ok(None);
        }
    }
    Ok(Some(delay))
}
