//! [`Engine`]: loads documents, starts runs, delivers events, and drives
//! every run with a single-threaded executor over the virtual clock.

use super::document;
use super::events::{Offer, offer};
use super::expr::Var;
use super::trace::TraceEvent;
use super::workflow;
use super::world::{Env, LocalFuture};
use super::{Host, LoadError, RunId, RunReport, RunStatus, StartError, TraceEntry, WorkflowKey};
use serde_json::Value;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::task::{Context, Waker};

/// Most timer instants [`Engine::settle`] visits (a workflow that waits in
/// a loop forever must not hang a test).
const SETTLE_LIMIT: usize = 100_000;

/// The interpreter. See the [module documentation](super).
pub struct Engine {
    env: Rc<Env>,
    runs: BTreeMap<RunId, LocalFuture<'static, ()>>,
    /// The trace, moved out of the shared state after each call.
    trace: Vec<TraceEntry>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// The document `namespace/name` at `version` (`None` or `latest`: the
/// highest version loaded).
pub fn find(
    env: &Env,
    namespace: &str,
    name: &str,
    version: Option<&str>,
) -> Option<(WorkflowKey, Rc<Value>)> {
    let docs = env.docs.borrow();
    let candidates = docs
        .iter()
        .filter(|(k, _)| k.namespace == namespace && k.name == name);
    match version {
        Some(v) if v != "latest" && !v.is_empty() => candidates
            .filter(|(k, _)| k.version == v)
            .map(|(k, d)| (k.clone(), d.clone()))
            .next(),
        _ => candidates
            .max_by(|(a, _), (b, _)| version_order(&a.version).cmp(&version_order(&b.version)))
            .map(|(k, d)| (k.clone(), d.clone())),
    }
}

/// Semantic-version order: numeric parts compare as numbers.
fn version_order(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-'])
        .map(|p| (p.parse().unwrap_or(0), p.to_string()))
        .collect()
}

impl Engine {
    pub fn new() -> Self {
        let env = Env::default();
        *env.secrets.borrow_mut() = Var::new(Value::Object(Default::default()));
        Engine {
            env: Rc::new(env),
            runs: BTreeMap::new(),
            trace: Vec::new(),
        }
    }

    /// Parse and check the shape of one document; index it by
    /// (namespace, name, version).
    pub fn load(&mut self, document: Value) -> Result<WorkflowKey, LoadError> {
        let key = document::validate(&document)?;
        let mut docs = self.env.docs.borrow_mut();
        if docs.contains_key(&key) {
            return Err(LoadError::Duplicate {
                namespace: key.namespace,
                name: key.name,
                version: key.version,
            });
        }
        docs.insert(key.clone(), Rc::new(document));
        Ok(key)
    }

    /// Start a run of the highest loaded version of `namespace/name`. It
    /// runs at the next [`Engine::run_until_idle`].
    pub fn start(
        &mut self,
        namespace: &str,
        name: &str,
        input: Value,
    ) -> Result<RunId, StartError> {
        let (key, doc) =
            find(&self.env, namespace, name, None).ok_or_else(|| StartError::UnknownWorkflow {
                namespace: namespace.to_string(),
                name: name.to_string(),
            })?;
        let rc = workflow::new_run(&self.env, &key, doc, &input, None, 0);
        self.collect_trace();
        let id = rc.id;
        self.runs.insert(
            id,
            Box::pin(async move {
                let _ = workflow::execute(rc, input).await;
            }),
        );
        Ok(id)
    }

    /// The `$secrets` every run sees (an object; `{}` by default).
    pub fn set_secrets(&mut self, secrets: Value) {
        *self.env.secrets.borrow_mut() = Var::new(secrets);
    }

    /// Offer a CloudEvent to every waiting `listen` of every run whose
    /// filter and correlation match; how many consumed it. Only listens
    /// already waiting see it: call [`Engine::run_until_idle`] after
    /// [`Engine::start`] so a new run reaches its listen first.
    pub fn deliver(&mut self, event: Value) -> usize {
        let mut consumers = 0;
        let mut world = self.env.world.borrow_mut();
        let ids: Vec<u64> = world.listeners.keys().copied().collect();
        for id in ids {
            let Some(listener) = world.listeners.get_mut(&id) else {
                continue;
            };
            let result = offer(&self.env.jq, listener, &event);
            if result != Offer::Ignored {
                consumers += 1;
                let (run, task) = (listener.run, listener.task.clone());
                world.progress += 1;
                world.record(
                    run,
                    TraceEvent::EventConsumed {
                        task,
                        event: event.clone(),
                    },
                );
            }
        }
        drop(world);
        self.collect_trace();
        consumers
    }

    /// Run everything runnable at the current virtual time: poll runs,
    /// answer HTTP requests through `host`, hand emitted events to it,
    /// until nothing changes.
    pub fn run_until_idle(&mut self, host: &mut dyn Host) {
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            let before = self.env.world.borrow().progress;
            for (id, future) in self.env.spawned.borrow_mut().drain(..) {
                self.runs.insert(id, future);
            }
            let ids: Vec<RunId> = self.runs.keys().copied().collect();
            for id in ids {
                let finished = self
                    .runs
                    .get_mut(&id)
                    .is_some_and(|f| f.as_mut().poll(&mut cx).is_ready());
                if finished {
                    self.runs.remove(&id);
                }
            }
            let serviced = self.service(host);
            let mut world = self.env.world.borrow_mut();
            if world.progress != before || serviced || !self.env.spawned.borrow().is_empty() {
                continue;
            }
            if world.instant_waiters > 0 {
                // Nothing else can happen at this instant: wake those
                // waiting for its end (competing forks decide now).
                world.instant_epoch += 1;
                world.progress += 1;
                continue;
            }
            break;
        }
        self.collect_trace();
    }

    /// Answer queued HTTP requests and hand over emitted events; whether
    /// anything was done.
    fn service(&mut self, host: &mut dyn Host) -> bool {
        let mut any = false;
        loop {
            let next = self.env.world.borrow_mut().http_queue.pop_front();
            let Some((id, request, task)) = next else {
                break;
            };
            any = true;
            let answer = host.http(&request);
            let mut w = self.env.world.borrow_mut();
            let (status, body) = match &answer {
                Ok(r) => (Some(r.status), r.body.clone()),
                Err(m) => (None, Value::String(m.clone())),
            };
            let ready_at = w
                .now
                .saturating_add(answer.as_ref().map_or(0, |r| r.delay_ms));
            let run = w.waiting.get(&id).map_or(0, |(run, _)| *run);
            w.record(run, TraceEvent::HttpAnswered { task, status, body });
            w.timers.insert((ready_at, id));
            w.http_answers.insert(id, (ready_at, answer));
            w.progress += 1;
        }
        loop {
            let next = self.env.world.borrow_mut().outbox.pop_front();
            let Some(event) = next else {
                break;
            };
            any = true;
            host.emit(&event);
        }
        any
    }

    /// Move the clock forward by `ms`, firing timers in time order and
    /// running until idle at each instant.
    pub fn advance(&mut self, ms: u64, host: &mut dyn Host) {
        let target = self.now_ms().saturating_add(ms);
        self.run_until_idle(host);
        while let Some(next) = self.next_timer()
            && next <= target
        {
            self.env.world.borrow_mut().now = next;
            self.run_until_idle(host);
        }
        self.env.world.borrow_mut().now = target;
        self.run_until_idle(host);
    }

    /// Advance until no timer is pending (visiting at most 100 000 instants).
    pub fn settle(&mut self, host: &mut dyn Host) {
        self.run_until_idle(host);
        for _ in 0..SETTLE_LIMIT {
            let Some(next) = self.next_timer() else {
                return;
            };
            self.env.world.borrow_mut().now = next;
            self.run_until_idle(host);
        }
    }

    /// The first timer strictly after now.
    fn next_timer(&self) -> Option<u64> {
        let w = self.env.world.borrow();
        let now = w.now;
        w.timers.iter().map(|(t, _)| *t).find(|t| *t > now)
    }

    /// When the next timer fires (a wait, a timeout, a retry delay, an
    /// HTTP answer), if any: the `air test` runner interleaves delayed
    /// sends and schedules with it.
    pub fn next_timer_ms(&self) -> Option<u64> {
        self.next_timer()
    }

    pub fn now_ms(&self) -> u64 {
        self.env.world.borrow().now
    }

    /// Every run, in start order.
    pub fn runs(&self) -> Vec<RunReport> {
        let w = self.env.world.borrow();
        w.runs
            .iter()
            .map(|(id, r)| {
                let status = match &r.status {
                    RunStatus::Running { .. } => RunStatus::Running {
                        waiting_at: w
                            .waiting
                            .values()
                            .filter(|(run, _)| run == id)
                            .map(|(_, p)| p.clone())
                            .collect(),
                    },
                    other => other.clone(),
                };
                RunReport {
                    id: *id,
                    workflow: r.workflow.clone(),
                    parent: r.parent,
                    status,
                    context: r.context.clone(),
                }
            })
            .collect()
    }

    /// Everything that happened, in virtual-time order.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.trace
    }

    fn collect_trace(&mut self) {
        let mut w = self.env.world.borrow_mut();
        self.trace.append(&mut w.trace);
    }
}
