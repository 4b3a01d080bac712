//! Holding requests of one verb (`Server::hold`, `Server::release`), so a
//! test can catch a client in the middle of a sequence of writes — an apply
//! in flight when a signal arrives — without guessing a delay. A held
//! request waits before it is served, and is served as usual once its verb
//! is released; one whose client gave up is forgotten.

use crate::counter::verb;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

/// Which verbs are held, and how many requests wait. Cheap to clone.
#[derive(Clone)]
pub struct Gate(Arc<Inner>);

struct Inner {
    /// The held verbs, as `counter::verb` names them.
    closed: watch::Sender<BTreeSet<String>>,
    waiting: Mutex<BTreeMap<&'static str, usize>>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate(Arc::new(Inner {
            closed: watch::Sender::new(BTreeSet::new()),
            waiting: Mutex::default(),
        }))
    }
}

impl Gate {
    pub fn hold(&self, verb: &str) {
        self.0.closed.send_modify(|c| {
            c.insert(verb.to_string());
        });
    }

    pub fn release(&self, verb: &str) {
        self.0.closed.send_modify(|c| {
            c.remove(verb);
        });
    }

    /// Requests of `verb` waiting now.
    pub fn waiting(&self, verb: &str) -> usize {
        self.0
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(verb)
            .copied()
            .unwrap_or(0)
    }

    fn add(&self, verb: &'static str, delta: isize) {
        let mut w = self
            .0
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let n = w.entry(verb).or_default();
        *n = n.saturating_add_signed(delta);
    }
}

/// Counts a waiting request until dropped: served, or its client gone.
struct Waiting<'a>(&'a Gate, &'static str);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.add(self.1, -1);
    }
}

/// Middleware: wait while the request's verb is held, then serve.
pub async fn pass(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let v = verb(req.method(), req.uri().path(), req.uri().query());
    let mut closed = gate.0.closed.subscribe();
    if closed.borrow().contains(v) {
        gate.add(v, 1);
        let _waiting = Waiting(&gate, v);
        // The sender lives as long as the gate: `wait_for` ends only on release.
        let _ = closed.wait_for(|c| !c.contains(v)).await;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_waiters_per_verb() {
        let gate = Gate::default();
        gate.hold("patch");
        gate.add("patch", 1);
        assert_eq!(gate.waiting("patch"), 1);
        assert_eq!(gate.waiting("get"), 0);
        {
            let _w = Waiting(&gate, "patch");
        }
        assert_eq!(gate.waiting("patch"), 0);
        gate.release("patch");
        assert!(gate.0.closed.borrow().is_empty());
    }
}
