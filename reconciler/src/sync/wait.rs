//! Waiting for applied objects to become healthy (`air apply --wait`):
//! poll each object, judge it with [`crate::health::assess`], and stop as
//! soon as every object is healthy, one is degraded, or the time is up —
//! what `kubectl wait` and Flux's `--wait` do, with air's health rules.

use crate::cluster::{Cluster, ClusterError};
use crate::health::{Assessment, Health, assess};
use crate::object::ObjectRef;
use std::time::Duration;
use tokio::time::Instant;

/// How long to wait and how often to look.
#[derive(Clone, Copy, Debug)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(300),
            interval: Duration::from_millis(500),
        }
    }
}

/// Every object's latest assessment, in the order given.
pub type States = Vec<(ObjectRef, Assessment)>;

/// How a wait ended.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitOutcome {
    /// Every object is healthy.
    Healthy(States),
    /// At least one object reports a failure; waiting longer would not help.
    Degraded(States),
    /// The timeout passed with objects still progressing.
    TimedOut(States),
}

impl WaitOutcome {
    pub fn states(&self) -> &States {
        match self {
            WaitOutcome::Healthy(s) | WaitOutcome::Degraded(s) | WaitOutcome::TimedOut(s) => s,
        }
    }

    /// The objects that are not healthy, with why.
    pub fn unhealthy(&self) -> impl Iterator<Item = &(ObjectRef, Assessment)> {
        self.states()
            .iter()
            .filter(|(_, a)| a.health != Health::Healthy)
    }
}

/// Called after every poll, for displays.
pub trait WaitProgress {
    fn polled(&mut self, _states: &States) {}
}

/// No display.
pub struct Silent;
impl WaitProgress for Silent {}

/// Poll `objects` until all are healthy, one is degraded, or the timeout.
/// A missing object counts as progressing (it may be on its way).
/// Transient API errors are retried until the timeout (which then returns
/// the error if nothing could be read at all); others end the wait.
pub async fn wait_healthy(
    cluster: &Cluster,
    objects: &[ObjectRef],
    opts: WaitOptions,
    progress: &mut dyn WaitProgress,
) -> Result<WaitOutcome, ClusterError> {
    let deadline = Instant::now() + opts.timeout;
    let mut states: States = objects
        .iter()
        .map(|r| {
            (
                r.clone(),
                Assessment {
                    health: Health::Progressing,
                    message: "not looked at yet".into(),
                },
            )
        })
        .collect();
    loop {
        let mut last_error = None;
        for (r, state) in &mut states {
            if state.health == Health::Healthy {
                continue;
            }
            match cluster.get(r).await {
                Ok(Some(live)) => *state = assess(Some(&live)),
                Ok(None) => {
                    *state = Assessment {
                        health: Health::Progressing,
                        message: "not in the cluster yet".into(),
                    }
                }
                Err(e) if e.is_transient() => {
                    state.message = format!("cannot read it: {e}");
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        progress.polled(&states);
        if states.iter().all(|(_, a)| a.health == Health::Healthy) {
            return Ok(WaitOutcome::Healthy(states));
        }
        if states.iter().any(|(_, a)| a.health == Health::Degraded) {
            return Ok(WaitOutcome::Degraded(states));
        }
        if Instant::now() >= deadline {
            if let Some(e) = last_error
                && states
                    .iter()
                    .all(|(_, a)| a.message.starts_with("cannot read"))
            {
                return Err(e);
            }
            return Ok(WaitOutcome::TimedOut(states));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(opts.interval.min(left)).await;
    }
}
