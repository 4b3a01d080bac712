//! The end of a test: every expectation against what happened, and the
//! strict rules — no unmocked call, no unexpected emit, no unexpected
//! fault, no run still waiting.

use super::host::{Call, Happening, Recorder};
use super::matching::{contains, describe_error, first_difference, short, url_matches};
use super::report::Failure;
use crate::plan::{
    Action, ExpectCall, ExpectEmit, ExpectWorkflow, OrderItem, Outcome, Step, TestPlan,
};
use crate::sw::{
    RunId, RunReport, RunStatus, TaskInfo, TraceEntry, TraceEvent, WaitPoint, predicate,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where workflow steps are written: document name → step → `file:line`.
pub type StepIndex = BTreeMap<String, BTreeMap<String, String>>;

/// The tasks the engine's trace names: by (run, JSON pointer), and the
/// task behind each HTTP call in call order.
#[derive(Default)]
pub struct TaskIndex {
    by_ref: HashMap<(RunId, String), TaskInfo>,
    calls: Vec<TaskInfo>,
}

impl TaskIndex {
    pub fn new(trace: &[TraceEntry]) -> Self {
        let mut index = TaskIndex::default();
        for entry in trace {
            match &entry.event {
                TraceEvent::TaskEntered { task } => {
                    index
                        .by_ref
                        .insert((entry.run, task.reference.clone()), task.clone());
                }
                TraceEvent::HttpRequested { task, .. } => index.calls.push(task.clone()),
                _ => {}
            }
        }
        index
    }

    /// (`air.dev/workflow`, `air.dev/step`) of a task of a run.
    fn step(&self, run: RunId, reference: &str) -> Option<(String, String)> {
        let task = self.by_ref.get(&(run, reference.to_string()))?;
        Some((task.workflow.clone()?, task.step.clone()?))
    }
}

pub struct Checker<'a> {
    plan: &'a TestPlan,
    steps: &'a StepIndex,
    record: &'a Recorder,
    runs: &'a [RunReport],
    tasks: &'a TaskIndex,
    pub failures: Vec<Failure>,
    /// Emits some expectation accounted for.
    expected_emits: BTreeSet<usize>,
}

impl<'a> Checker<'a> {
    pub fn new(
        plan: &'a TestPlan,
        steps: &'a StepIndex,
        record: &'a Recorder,
        runs: &'a [RunReport],
        tasks: &'a TaskIndex,
    ) -> Self {
        Checker {
            plan,
            steps,
            record,
            runs,
            tasks,
            failures: Vec::new(),
            expected_emits: BTreeSet::new(),
        }
    }

    fn at(&self, line: u32) -> String {
        format!("{}:{line}", self.plan.file)
    }

    fn fail(&mut self, line: u32, message: String, step: Option<String>) {
        self.failures.push(Failure {
            location: self.at(line),
            message,
            step,
        });
    }

    /// Where a step of a workflow is written, if known.
    fn step_location(&self, workflow: &str, step: &str) -> Option<String> {
        self.steps.get(workflow)?.get(step).cloned()
    }

    /// Where the task at `reference` of `run` is written.
    fn task_location(&self, run: RunId, reference: &str) -> Option<String> {
        let (workflow, step) = self.tasks.step(run, reference)?;
        self.step_location(&workflow, &step)
    }

    /// The step name of a task of a run, or its JSON pointer.
    fn task_name(&self, run: RunId, reference: &str) -> String {
        if reference == "/" || reference.is_empty() {
            return "the workflow itself".to_string();
        }
        self.tasks
            .step(run, reference)
            .map_or_else(|| format!("`{reference}`"), |(_, s)| format!("`{s}`"))
    }

    /// Check every expectation, then the strict rules.
    pub fn check(mut self) -> Vec<Failure> {
        let mut allowed = BTreeSet::new();
        let mut expected_workflows = BTreeSet::new();
        for Step { line, action } in &self.plan.steps {
            match action {
                Action::ExpectEmit(e) => self.expect_emit(*line, e),
                Action::ExpectCall(c) => self.expect_call(*line, c),
                Action::ExpectWorkflow(w) => {
                    expected_workflows.insert((w.namespace.clone(), w.workflow.clone()));
                    self.expect_workflow(*line, w);
                }
                Action::ExpectOrder { items } => self.expect_order(*line, items),
                Action::AllowEmit { event_type } => {
                    allowed.insert(event_type.clone());
                }
                _ => {}
            }
        }
        let end = self.plan.steps.last().map_or(self.plan.line, |s| s.line);
        self.unexpected_emits(end, &allowed);
        self.unmocked_calls(end);
        self.runs_left(end, &expected_workflows);
        for e in &self.record.predicate_errors {
            self.failures.push(Failure {
                location: format!("{}:{}", self.plan.file, self.plan.line),
                message: e.clone(),
                step: None,
            });
        }
        self.failures
    }

    fn emit_matches(&mut self, e: &ExpectEmit, event: &Value, line: u32) -> bool {
        if event["type"].as_str() != Some(&e.event_type) {
            return false;
        }
        if let Some(data) = &e.data
            && !contains(&event["data"], data)
        {
            return false;
        }
        match &e.predicate {
            None => true,
            Some(p) => match predicate(p, event) {
                Ok(b) => b,
                Err(err) => {
                    self.fail(
                        line,
                        format!("`{}`: predicate failed: {err}", e.label),
                        None,
                    );
                    false
                }
            },
        }
    }

    fn matching_emits(&mut self, e: &ExpectEmit, line: u32) -> Vec<usize> {
        let record = self.record;
        (0..record.emitted.len())
            .filter(|&i| self.emit_matches(e, &record.emitted[i].event, line))
            .collect()
    }

    fn expect_emit(&mut self, line: u32, e: &ExpectEmit) {
        let found = self.matching_emits(e, line);
        self.expected_emits.extend(found.iter().copied());
        let ok = match e.times {
            Some(n) => found.len() == n as usize,
            None => !found.is_empty(),
        };
        if ok {
            return;
        }
        let same_type: Vec<&Value> = self
            .record
            .emitted
            .iter()
            .map(|x| &x.event)
            .filter(|ev| ev["type"].as_str() == Some(&e.event_type))
            .collect();
        let why = match (e.times, same_type.first(), &e.data) {
            (Some(n), _, _) => format!("emitted {} time(s), expected {n}", found.len()),
            (None, None, _) => "no event of that type was emitted".to_string(),
            (None, Some(ev), Some(data)) => format!(
                "{} event(s) of that type, none matching; the first differs at {}",
                same_type.len(),
                first_difference(&ev["data"], data).unwrap_or_else(|| "the predicate".into())
            ),
            (None, Some(_), None) => format!(
                "{} event(s) of that type, none satisfying the predicate",
                same_type.len()
            ),
        };
        self.fail(line, format!("expected `{}`: {why}", e.label), None);
    }

    fn call_matches(&mut self, c: &ExpectCall, call: &Call, line: u32) -> bool {
        if !c.method.eq_ignore_ascii_case(&call.request.method)
            || !url_matches(&c.url, &call.request.url)
        {
            return false;
        }
        let body = call.request.body.clone().unwrap_or(Value::Null);
        if let Some(expected) = &c.body
            && !contains(&body, expected)
        {
            return false;
        }
        match &c.predicate {
            None => true,
            Some(p) => match predicate(p, &body) {
                Ok(b) => b,
                Err(err) => {
                    self.fail(
                        line,
                        format!("`{}`: predicate failed: {err}", c.label),
                        None,
                    );
                    false
                }
            },
        }
    }

    fn matching_calls(&mut self, c: &ExpectCall, line: u32) -> Vec<usize> {
        let record = self.record;
        (0..record.calls.len())
            .filter(|&i| self.call_matches(c, &record.calls[i], line))
            .collect()
    }

    fn expect_call(&mut self, line: u32, c: &ExpectCall) {
        let found = self.matching_calls(c, line).len();
        let ok = match c.times {
            Some(n) => found == n as usize,
            None => found > 0,
        };
        if !ok {
            let expected = c
                .times
                .map_or("at least once".to_string(), |n| format!("{n} time(s)"));
            self.fail(
                line,
                format!(
                    "expected `{}` {expected}, it was made {found} time(s)",
                    c.label
                ),
                None,
            );
        }
    }

    fn expect_workflow(&mut self, line: u32, w: &ExpectWorkflow) {
        let runs: Vec<&RunReport> = self
            .runs
            .iter()
            .filter(|r| r.workflow.namespace == w.namespace && r.workflow.name == w.workflow)
            .collect();
        if runs.is_empty() {
            self.fail(
                line,
                format!("expected `{}`, but the workflow never ran", w.label),
                None,
            );
            return;
        }
        for run in runs {
            if let Some((why, step)) = self.outcome_mismatch(&w.outcome, run, line) {
                self.fail(
                    line,
                    format!("expected `{}`: run {} {why}", w.label, run.id),
                    step,
                );
            }
        }
    }

    /// Why `run` does not end as `outcome` says, and the step to blame.
    fn outcome_mismatch(
        &mut self,
        outcome: &Outcome,
        run: &RunReport,
        line: u32,
    ) -> Option<(String, Option<String>)> {
        let subset_or_predicate =
            |this: &mut Self, actual: &Value, value: &Option<Value>, program: &Option<String>| {
                if let Some(v) = value
                    && let Some(d) = first_difference(actual, v)
                {
                    return Some(d);
                }
                if let Some(p) = program {
                    match predicate(p, actual) {
                        Ok(true) => {}
                        Ok(false) => return Some(format!("`{p}` is false on {}", short(actual))),
                        Err(e) => {
                            this.fail(line, format!("predicate failed: {e}"), None);
                        }
                    }
                }
                None
            };
        match (&run.status, outcome) {
            (
                RunStatus::Completed { output },
                Outcome::Completes {
                    output: v,
                    predicate,
                },
            ) => subset_or_predicate(self, output, v, predicate)
                .map(|d| (format!("completed with another output: {d}"), None)),
            (RunStatus::Completed { .. }, Outcome::Context { value, predicate })
            | (RunStatus::Faulted { .. }, Outcome::Context { value, predicate }) => {
                subset_or_predicate(self, &run.context, value, predicate)
                    .map(|d| (format!("ended with another $context: {d}"), None))
            }
            (RunStatus::Faulted { error, at }, Outcome::Fails { error_type, status }) => {
                let ty = error["type"].as_str().unwrap_or("");
                let st = error["status"].as_u64();
                let type_ok = error_type.as_ref().is_none_or(|t| t == ty);
                let status_ok = status.is_none_or(|s| st == Some(u64::from(s)));
                if type_ok && status_ok {
                    None
                } else {
                    Some((
                        format!(
                            "faulted at {} with another error: {}",
                            self.task_name(run.id, at),
                            describe_error(error)
                        ),
                        self.task_location(run.id, at),
                    ))
                }
            }
            (RunStatus::Faulted { error, at }, _) => Some((
                format!(
                    "faulted at {}: {}",
                    self.task_name(run.id, at),
                    describe_error(error)
                ),
                self.task_location(run.id, at),
            )),
            (RunStatus::Completed { output }, Outcome::Fails { .. }) => {
                Some((format!("completed with {}", short(output)), None))
            }
            (RunStatus::Cancelled, _) => {
                Some(("was cancelled (its caller ended first)".to_string(), None))
            }
            (RunStatus::Running { waiting_at }, _) => {
                let (step, location) = self.waiting(run, waiting_at);
                Some((format!("is still waiting at {step}"), location))
            }
        }
    }

    fn expect_order(&mut self, line: u32, items: &[OrderItem]) {
        let mut position = 0;
        let order = &self.record.order;
        for item in items {
            let label = match item {
                OrderItem::Emit(e) => e.label.clone(),
                OrderItem::Call(c) => c.label.clone(),
            };
            let matches: BTreeSet<Happening> = match item {
                OrderItem::Emit(e) => {
                    let found = self.matching_emits(e, line);
                    self.expected_emits.extend(found.iter().copied());
                    found.into_iter().map(Happening::Emit).collect()
                }
                OrderItem::Call(c) => self
                    .matching_calls(c, line)
                    .into_iter()
                    .map(Happening::Call)
                    .collect(),
            };
            match order[position..].iter().position(|h| matches.contains(h)) {
                Some(i) => position += i + 1,
                None => {
                    let why = if matches.is_empty() {
                        "it never happened"
                    } else {
                        "it happened only before the previous item"
                    };
                    self.fail(
                        line,
                        format!("expected `{label}` next in order: {why}"),
                        None,
                    );
                    return;
                }
            }
        }
    }

    /// The step a running run waits at (the first wait point), and where it is written.
    fn waiting(&self, run: &RunReport, points: &[WaitPoint]) -> (String, Option<String>) {
        match points.first() {
            Some(p) => {
                let step = p.task.step.clone().unwrap_or_else(|| p.task.name.clone());
                let location = self.task_location(run.id, &p.task.reference).or_else(|| {
                    p.task
                        .workflow
                        .as_ref()
                        .and_then(|w| self.step_location(w, &step))
                });
                (format!("`{step}` ({})", p.on), location)
            }
            None => ("an unknown step".to_string(), None),
        }
    }

    /// Every emitted event must be expected or allowed.
    fn unexpected_emits(&mut self, line: u32, allowed: &BTreeSet<String>) {
        for (i, e) in self.record.emitted.iter().enumerate() {
            let ty = e.event["type"].as_str().unwrap_or("?");
            if self.expected_emits.contains(&i) || allowed.contains(ty) {
                continue;
            }
            let workflow = e.event["airworkflow"].as_str().unwrap_or("");
            let step = e.event["airstep"].as_str().unwrap_or("");
            let location = self.step_location(workflow, step);
            self.failures.push(Failure {
                location: self.at(line),
                message: format!(
                    "unexpected emit of `{ty}` by {workflow}/{step} (add `expect emit` or `allow emit`): data {}",
                    short(&e.event["data"])
                ),
                step: location,
            });
        }
    }

    /// Every call must have found a mock.
    fn unmocked_calls(&mut self, line: u32) {
        for (i, call) in self.record.calls.iter().enumerate() {
            if call.status.is_some() {
                continue;
            }
            let task = self.tasks.calls.get(i);
            let step = task.and_then(|t| Some((t.workflow.clone()?, t.step.clone()?)));
            let location = step.as_ref().and_then(|(w, s)| self.step_location(w, s));
            let by = step.map_or(String::new(), |(w, s)| format!(" by {w}/{s}"));
            self.failures.push(Failure {
                location: self.at(line),
                message: format!(
                    "unmocked call {} {}{by} (add a `mock call`)",
                    call.request.method.to_uppercase(),
                    call.request.url
                ),
                step: location,
            });
        }
    }

    /// No run may still wait at the end; a fault nobody expected fails.
    fn runs_left(&mut self, line: u32, expected: &BTreeSet<(String, String)>) {
        for run in self.runs {
            let key = (run.workflow.namespace.clone(), run.workflow.name.clone());
            let name = &run.workflow.name;
            match &run.status {
                RunStatus::Running { waiting_at } => {
                    let (step, location) = self.waiting(run, waiting_at);
                    self.failures.push(Failure {
                        location: self.at(line),
                        message: format!(
                            "run {} of `{name}` is still waiting at {step} when the test ends",
                            run.id
                        ),
                        step: location,
                    });
                }
                RunStatus::Faulted { error, at } if !expected.contains(&key) => {
                    self.failures.push(Failure {
                        location: self.at(line),
                        message: format!(
                            "run {} of `{name}` faulted at {}: {}",
                            run.id,
                            self.task_name(run.id, at),
                            describe_error(error)
                        ),
                        step: self.task_location(run.id, at),
                    });
                }
                _ => {}
            }
        }
    }
}
