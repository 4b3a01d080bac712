//! One run: its document, `$context`, descriptors, and how runtime
//! expressions are found and evaluated inside task definitions.

use super::error::WfError;
use super::expr::{Args, Var};
use super::trace::{TaskInfo, TraceEvent};
use super::world::{Env, Wait, WaitFor, Woken};
use super::{RunId, WaitPoint};
use serde_json::{Map, Value, json};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Most tasks one run may execute (loops without waits end here).
pub const STEP_LIMIT: u64 = 100_000;
/// Deepest nesting of `run.workflow`.
pub const RUN_DEPTH_LIMIT: usize = 32;

pub struct RunCtx {
    pub env: Rc<Env>,
    pub id: RunId,
    pub doc: Rc<Value>,
    /// `$context`, shared with the arguments of the tasks that read it
    /// (no copy per task; see [`Var`]).
    pub context: RefCell<Var>,
    /// `$workflow`: id, definition, raw input, startedAt.
    pub workflow: Var,
    pub runtime: Var,
    pub loose: bool,
    pub steps: Cell<u64>,
    pub depth: usize,
}

/// Virtual time 0 on the wall clock: 2026-01-01T00:00:00Z (a Thursday), the
/// instant `air test` schedules count from too. Timestamps a run can see
/// (`$runtime`/`$task` times, `time` of emitted events, jq's `now`) are
/// this plus the virtual time.
pub const EPOCH_MS: u64 = 1_767_225_600_000;

/// Wall-clock milliseconds of a virtual time.
pub fn wall_ms(virtual_ms: u64) -> u64 {
    EPOCH_MS.saturating_add(virtual_ms)
}

/// `{ iso8601, epoch: { seconds, milliseconds } }` of a virtual time.
pub fn date_time(virtual_ms: u64) -> Value {
    let ms = wall_ms(virtual_ms);
    json!({
        "iso8601": iso8601(ms),
        "epoch": { "seconds": ms / 1000, "milliseconds": ms },
    })
}

/// RFC 3339 UTC text of virtual milliseconds since 1970-01-01.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// `${ … }` → the program inside, else `None`.
pub fn strip_expr(text: &str) -> Option<&str> {
    let t = text.trim();
    t.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .map(str::trim)
}

impl RunCtx {
    pub fn now(&self) -> u64 {
        self.env.world.borrow().now
    }

    pub fn record(&self, event: TraceEvent) {
        self.env.world.borrow_mut().record(self.id, event);
    }

    pub fn context(&self) -> Value {
        self.context.borrow().json().clone()
    }

    /// `$context` as an expression argument (shared, not copied).
    pub fn context_var(&self) -> Var {
        self.context.borrow().clone()
    }

    /// Replace `$context` for a moment, without recording it: a fork runs
    /// each branch on its own copy (tasks/fork.rs). Returns the old value.
    pub fn swap_context(&self, context: Value) -> Value {
        std::mem::replace(&mut *self.context.borrow_mut(), Var::new(context)).into_json()
    }

    /// Replace `$context` (and what [`super::Engine::runs`] reports).
    pub fn set_context(&self, context: Value) {
        if let Some(record) = self.env.world.borrow_mut().runs.get_mut(&self.id) {
            record.context = context.clone();
        }
        *self.context.borrow_mut() = Var::new(context);
    }

    /// Count one task against [`STEP_LIMIT`].
    pub fn step(&self, at: &str) -> Result<(), WfError> {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n > STEP_LIMIT {
            return Err(WfError::runtime(
                at,
                format!("the run executed more than {STEP_LIMIT} tasks"),
            ));
        }
        Ok(())
    }

    /// The arguments every expression of this run sees.
    pub fn base_args(&self) -> Args {
        let mut args = Args::default();
        args.set_var("context", self.context_var());
        args.set_var("workflow", self.workflow.clone());
        args.set_var("runtime", self.runtime.clone());
        args.set_var("secrets", self.env.secrets.borrow().clone());
        // jq's `now`, on the virtual clock (see `expr`).
        args.set("__now", Value::from(wall_ms(self.now()) as f64 / 1000.0));
        args
    }

    /// Evaluate the jq `program` (no `${ }`).
    pub fn eval_program(
        &self,
        program: &str,
        input: &Value,
        args: &Args,
        at: &str,
    ) -> Result<Value, WfError> {
        self.env
            .jq
            .eval(program, input, args)
            .map_err(|e| WfError::expression(at, e.to_string()))
    }

    /// A field typed as a runtime expression: a string is a program, with
    /// or without `${ }`; anything else is evaluated as a value.
    pub fn eval_field(
        &self,
        field: &Value,
        input: &Value,
        args: &Args,
        at: &str,
    ) -> Result<Value, WfError> {
        match field {
            Value::String(s) => {
                let program = strip_expr(s).unwrap_or(s);
                self.eval_program(program, input, args, at)
            }
            other => self.eval_value(other, input, args, at),
        }
    }

    /// A condition field: true only when the expression yields `true`.
    pub fn eval_cond(
        &self,
        field: &Value,
        input: &Value,
        args: &Args,
        at: &str,
    ) -> Result<bool, WfError> {
        Ok(self.eval_field(field, input, args, at)? == Value::Bool(true))
    }

    /// A value in a task definition: `${ }` strings (every string in loose
    /// mode) are evaluated, objects and arrays recursively.
    pub fn eval_value(
        &self,
        value: &Value,
        input: &Value,
        args: &Args,
        at: &str,
    ) -> Result<Value, WfError> {
        match value {
            Value::String(s) => match strip_expr(s) {
                Some(program) => self.eval_program(program, input, args, at),
                None if self.loose => Ok(self
                    .eval_program(s, input, args, at)
                    .unwrap_or_else(|_| value.clone())),
                None => Ok(value.clone()),
            },
            Value::Array(items) => items
                .iter()
                .map(|v| self.eval_value(v, input, args, at))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.eval_value(v, input, args, at)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Sleep `ms` of virtual time.
    pub async fn sleep(&self, ms: u64, task: &TaskInfo, on: &'static str) {
        let (id, until) = {
            let mut w = self.env.world.borrow_mut();
            (w.next_id(), w.now.saturating_add(ms))
        };
        self.wait(id, WaitFor::Until(until), task, on).await;
    }

    /// Await one leaf.
    pub async fn wait(&self, id: u64, for_: WaitFor, task: &TaskInfo, on: &'static str) -> Woken {
        let point = WaitPoint {
            task: task.clone(),
            on,
        };
        Wait::new(&self.env, id, for_, self.id, point).await
    }

    /// Await the end of the current instant (see [`WaitFor::EndOfInstant`]).
    pub async fn end_of_instant(&self, task: &TaskInfo) {
        let (id, epoch) = {
            let mut w = self.env.world.borrow_mut();
            (w.next_id(), w.instant_epoch)
        };
        self.wait(id, WaitFor::EndOfInstant(epoch), task, "fork")
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_expressions() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        assert_eq!(strip_expr(" ${ .a } "), Some(".a"));
        assert_eq!(strip_expr(".a"), None);
    }
}
