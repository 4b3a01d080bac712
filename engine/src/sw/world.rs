//! The state every run shares: the virtual clock, timers, HTTP calls in
//! flight, waiting listens, the outbox, the trace; and [`Wait`], the one
//! leaf future through which a run ever suspends.

use super::events::Listener;
use super::expr::{Jq, Var};
use super::trace::{TaskInfo, TraceEntry, TraceEvent};
use super::{HttpRequest, HttpResponse, RunId, RunStatus, WaitPoint, WfError, WorkflowKey};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What runs share; owned by the [`super::Engine`] and every run future.
#[derive(Default)]
pub struct Env {
    pub jq: Jq,
    pub docs: RefCell<BTreeMap<WorkflowKey, Rc<Value>>>,
    /// `$secrets` of every run.
    pub secrets: RefCell<Var>,
    pub world: RefCell<World>,
    /// Runs started from inside a run (`run.workflow` with `await: false`),
    /// picked up by the executor.
    pub spawned: RefCell<Vec<(RunId, LocalFuture<'static, ()>)>>,
}

/// One run's record, what [`super::Engine::runs`] reports.
pub struct RunRecord {
    pub workflow: WorkflowKey,
    pub parent: Option<RunId>,
    pub status: RunStatus,
    pub context: Value,
}

#[derive(Default)]
pub struct World {
    pub now: u64,
    /// Ids of timers, HTTP calls, listens, emitted events.
    pub seq: u64,
    /// Bumped whenever something a run waits for happens.
    pub progress: u64,
    pub timers: BTreeSet<(u64, u64)>,
    pub instant_waiters: usize,
    pub instant_epoch: u64,
    pub http_queue: VecDeque<(u64, HttpRequest, TaskInfo)>,
    pub http_answers: HashMap<u64, (u64, Result<HttpResponse, String>)>,
    pub outbox: VecDeque<Value>,
    pub listeners: BTreeMap<u64, Listener>,
    pub waiting: BTreeMap<u64, (RunId, WaitPoint)>,
    pub trace: Vec<TraceEntry>,
    pub runs: BTreeMap<RunId, RunRecord>,
    pub next_run: RunId,
}

impl World {
    pub fn next_id(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn record(&mut self, run: RunId, event: TraceEvent) {
        let at_ms = self.now;
        self.trace.push(TraceEntry { at_ms, run, event });
    }

    pub fn new_run(&mut self, workflow: WorkflowKey, parent: Option<RunId>) -> RunId {
        self.next_run += 1;
        let id = self.next_run;
        self.runs.insert(
            id,
            RunRecord {
                workflow,
                parent,
                status: RunStatus::Running { waiting_at: vec![] },
                context: Value::Object(Default::default()),
            },
        );
        id
    }
}

/// What a run waits for.
pub enum WaitFor {
    /// The virtual clock reaching a time.
    Until(u64),
    /// The answer to an HTTP request (queued when the wait is created).
    Http,
    /// A listen's events (the listener is registered by the caller).
    Listen,
    /// The end of the current instant: nothing else can run at this time.
    EndOfInstant(u64),
}

/// What a finished [`Wait`] gives.
pub enum Woken {
    Elapsed,
    Http(Result<HttpResponse, String>),
    Events(Result<Vec<Value>, WfError>),
}

/// The leaf future. Registers itself where the executor looks (timers,
/// HTTP queue, listeners, instant waiters) and unregisters on drop, so a
/// cancelled branch leaves nothing behind.
pub struct Wait {
    env: Rc<Env>,
    id: u64,
    for_: WaitFor,
    registered: bool,
}

impl Wait {
    /// Wait for `for_`; `id` must be fresh from [`World::next_id`] (for
    /// HTTP and listens, the id the request or listener was filed under).
    pub fn new(env: &Rc<Env>, id: u64, for_: WaitFor, run: RunId, point: WaitPoint) -> Self {
        let mut world = env.world.borrow_mut();
        world.waiting.insert(id, (run, point));
        if let WaitFor::EndOfInstant(_) = for_ {
            world.instant_waiters += 1;
        }
        drop(world);
        Wait {
            env: env.clone(),
            id,
            for_,
            registered: true,
        }
    }

    fn finish(&mut self, world: &mut World) {
        world.progress += 1;
        self.unregister(world);
    }

    fn unregister(&mut self, world: &mut World) {
        if !self.registered {
            return;
        }
        self.registered = false;
        world.waiting.remove(&self.id);
        match self.for_ {
            WaitFor::Until(t) => {
                world.timers.remove(&(t, self.id));
            }
            WaitFor::Http => {
                world.http_queue.retain(|(id, _, _)| *id != self.id);
                if let Some((t, _)) = world.http_answers.remove(&self.id) {
                    world.timers.remove(&(t, self.id));
                }
            }
            WaitFor::Listen => {
                world.listeners.remove(&self.id);
            }
            WaitFor::EndOfInstant(_) => world.instant_waiters -= 1,
        }
    }
}

impl Future for Wait {
    type Output = Woken;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Woken> {
        let env = self.env.clone();
        let mut world = env.world.borrow_mut();
        let now = world.now;
        let id = self.id;
        match self.for_ {
            WaitFor::Until(t) => {
                if now >= t {
                    self.finish(&mut world);
                    return Poll::Ready(Woken::Elapsed);
                }
                world.timers.insert((t, id));
            }
            WaitFor::Http => {
                if let Some((ready_at, _)) = world.http_answers.get(&id)
                    && *ready_at <= now
                    && let Some((t, answer)) = world.http_answers.remove(&id)
                {
                    world.timers.remove(&(t, id));
                    self.finish(&mut world);
                    return Poll::Ready(Woken::Http(answer));
                }
            }
            WaitFor::Listen => {
                let done = world.listeners.get_mut(&id).and_then(|l| l.done.take());
                if let Some(result) = done {
                    self.finish(&mut world);
                    return Poll::Ready(Woken::Events(result));
                }
            }
            WaitFor::EndOfInstant(epoch) => {
                if world.instant_epoch > epoch {
                    self.finish(&mut world);
                    return Poll::Ready(Woken::Elapsed);
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        let env = self.env.clone();
        if let Ok(mut world) = env.world.try_borrow_mut() {
            self.unregister(&mut world);
        }
    }
}

/// Which of two futures finished first (the first wins a tie).
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Poll `a` then `b` until one finishes; the other is dropped (cancelled).
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}
