//! `fork`: branches run concurrently (polled in declaration order each
//! round). Without `compete`, the output is every branch's output in
//! declaration order; with it, the output of the branch that finished at
//! the earliest virtual time (ties: declaration order), the others
//! cancelled.
//!
//! `$context` in branches: each branch reads and writes its own copy, taken
//! when the fork starts, and when the fork ends the context is the copy of
//! the branch that wrote last (last-writer-wins). The specification runs
//! branches "concurrently" (dsl-reference.md, Fork) and lets `export.as`
//! "replace the workflow's current context" (dsl.md, Data Flow) without
//! any isolation, so this is the worst interleaving a conformant engine
//! may show: two branches' read-modify-writes of `$context` lose one.

use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::flow::{Body, Flow, entry, run_alone};
use crate::sw::run::RunCtx;
use crate::sw::trace::TaskInfo;
use crate::sw::world::LocalFuture;
use serde_json::Value;
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll};

type Branch<'a> = Option<LocalFuture<'a, Result<Flow, WfError>>>;

pub async fn run(
    rc: &Rc<RunCtx>,
    def: &Value,
    info: &TaskInfo,
    input: Value,
    _args: &Args,
    scope: &Args,
) -> Result<Body, WfError> {
    let at = info.reference.as_str();
    let compete = def.pointer("/fork/compete") == Some(&Value::Bool(true));
    let empty = vec![];
    let branches = def
        .pointer("/fork/branches")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if branches.iter().any(|b| entry(b).is_none()) {
        return Err(WfError::configuration(at, "a branch is one named task"));
    }
    if branches.is_empty() {
        return Ok(Body::Out(Value::Array(vec![])));
    }
    let mut futures: Vec<Branch<'_>> = Vec::new();
    let base = format!("{at}/fork/branches");
    for (i, branch) in branches.iter().enumerate() {
        if let Some((name, def)) = entry(branch) {
            let pointer = format!("{base}/{i}/{name}");
            futures.push(Some(run_alone(
                rc,
                name,
                def,
                pointer,
                input.clone(),
                scope,
            )));
        }
    }
    let mut results: Vec<Option<Result<Flow, WfError>>> =
        (0..futures.len()).map(|_| None).collect();
    let mut views = Views::new(rc, futures.len());
    let out = loop {
        std::future::poll_fn(|cx| {
            if poll_branches(&mut futures, &mut results, &mut views, cx) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        // Fault: the first failing branch (in declaration order) wins.
        if !compete && let Some(err) = results.iter().flatten().find_map(|r| r.as_ref().err()) {
            break Err(err.clone());
        }
        if let Some(end) = results.iter().flatten().find_map(|r| match r {
            Ok(Flow::End(v)) => Some(v.clone()),
            _ => None,
        }) {
            break Ok(Body::End(end));
        }
        if compete && results.iter().any(Option::is_some) {
            // A competing fork decides only once nothing else can finish at
            // this instant: ties go to declaration order.
            // Let every branch finishing at this same instant finish too.
            let settle = rc.end_of_instant(info);
            let mut settle = Box::pin(settle);
            std::future::poll_fn(|cx| {
                poll_branches(&mut futures, &mut results, &mut views, cx);
                settle.as_mut().poll(cx)
            })
            .await;
            let winner = results.iter_mut().find_map(Option::take);
            break match winner {
                Some(Ok(Flow::Done(v))) => Ok(Body::Out(v)),
                Some(Ok(Flow::End(v))) => Ok(Body::End(v)),
                Some(Err(e)) => Err(e),
                None => Ok(Body::Out(Value::Null)),
            };
        }
        if futures.iter().all(Option::is_none) {
            let outputs = results
                .into_iter()
                .map(|r| match r {
                    Some(Ok(Flow::Done(v) | Flow::End(v))) => v,
                    _ => Value::Null,
                })
                .collect();
            break Ok(Body::Out(Value::Array(outputs)));
        }
    };
    views.land();
    out
}

/// Each branch's own `$context` (see the module's comment).
struct Views {
    rc: Rc<RunCtx>,
    /// The context every branch saw when the fork started.
    base: Value,
    copies: Vec<Value>,
    /// The branch whose poll last changed its copy.
    last_writer: Option<usize>,
}

impl Views {
    fn new(rc: &Rc<RunCtx>, branches: usize) -> Self {
        let base = rc.context();
        Views {
            rc: Rc::clone(rc),
            copies: vec![base.clone(); branches],
            base,
            last_writer: None,
        }
    }

    /// Poll branch `i` with its own copy as `$context`.
    fn with<T>(&mut self, i: usize, poll: impl FnOnce() -> T) -> T {
        let rc = Rc::clone(&self.rc);
        let Some(copy) = self.copies.get_mut(i) else {
            return poll();
        };
        let before = rc.swap_context(std::mem::take(copy));
        let r = poll();
        *copy = rc.swap_context(before);
        if *copy != self.base && Some(i) != self.last_writer {
            // A changed copy counts as a write now; an unchanged one since
            // its last write keeps its place.
            self.last_writer = Some(i);
        }
        r
    }

    /// The last writer's copy becomes the context.
    fn land(self) {
        let rc = self.rc;
        if let Some(i) = self.last_writer
            && let Some(copy) = self.copies.into_iter().nth(i)
        {
            rc.set_context(copy);
        }
    }
}

/// Poll every unfinished branch once, in declaration order; whether one
/// finished.
fn poll_branches(
    futures: &mut [Branch<'_>],
    results: &mut [Option<Result<Flow, WfError>>],
    views: &mut Views,
    cx: &mut Context<'_>,
) -> bool {
    let mut any = false;
    for (i, (slot, result)) in futures.iter_mut().zip(results.iter_mut()).enumerate() {
        if let Some(f) = slot
            && let Poll::Ready(r) = views.with(i, || f.as_mut().poll(cx))
        {
            *slot = None;
            *result = Some(r);
            any = true;
        }
    }
    any
}
