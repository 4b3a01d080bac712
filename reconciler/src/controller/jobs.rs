//! Blocking work (Git fetches, compiles) run off the async threads: one
//! job at a time per app and kind, a bounded number across apps.
//!
//! A blocking thread cannot be killed. A job that outlives its timeout is
//! told to stop (its cancel flag: a fetch checks it whenever the remote
//! sends something) and kept: the next cycle waits for it instead of
//! starting another, so a remote that never answers holds one thread per
//! app, not one per retry, and timed-out compiles never pile up. The
//! permit of the shared limit is held until the thread really ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Why a job gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JobError {
    #[error("timed out after {}", crate::config::format_duration(*.0))]
    TimedOut(Duration),
    #[error(
        "the previous one, abandoned after a timeout, is still running; no other is started until it ends"
    )]
    Busy,
    #[error("timed out after {} waiting for a free worker", crate::config::format_duration(*.0))]
    NoWorker(Duration),
    #[error("the controller is stopping")]
    Stopped,
    #[error("the worker failed: {0}")]
    Failed(String),
}

/// How many apps may sync at once.
const SYNCS: usize = 16;

/// Bounds on blocking jobs across every app.
#[derive(Clone, Debug)]
pub struct JobLimits {
    fetches: Arc<Semaphore>,
    compiles: Arc<Semaphore>,
    /// Syncs (plan, dry run, apply) at once, each held from before its
    /// compile: a sync holds its app's desired objects several times over
    /// (the plan's changes, the live objects), so a thousand apps syncing
    /// at once (the first cycle), or compiled and waiting, would hold them
    /// all; the API server is the bottleneck anyway.
    syncs: Arc<Semaphore>,
    /// Fetches plus compiles: the jobs that may run at once.
    jobs: usize,
}

/// Blocking threads beyond the jobs': the runtime's own blocking work
/// (file reads, name lookups).
const RUNTIME_BLOCKING: usize = 4;

impl JobLimits {
    /// At most `fetches` fetches and `compiles` compiles at once (each at
    /// least 1).
    pub fn new(fetches: usize, compiles: usize) -> Self {
        JobLimits {
            fetches: Arc::new(Semaphore::new(fetches.max(1))),
            compiles: Arc::new(Semaphore::new(compiles.max(1))),
            syncs: Arc::new(Semaphore::new(SYNCS)),
            jobs: fetches.max(1) + compiles.max(1),
        }
    }

    /// The blocking threads a runtime needs for these jobs. Each job keeps
    /// its permit until it really ends (an abandoned one too), so no more
    /// jobs than this ever run; an unbounded pool would still start a new
    /// thread whenever a job is queued before the last one's thread is
    /// idle again, and every thread costs the allocator a heap of its own.
    pub fn blocking_threads(&self) -> usize {
        self.jobs + RUNTIME_BLOCKING
    }

    pub(crate) fn syncs(&self) -> &Arc<Semaphore> {
        &self.syncs
    }

    pub(crate) fn fetches(&self) -> &Arc<Semaphore> {
        &self.fetches
    }

    pub(crate) fn compiles(&self) -> &Arc<Semaphore> {
        &self.compiles
    }
}

impl Default for JobLimits {
    /// Fetches wait on the network (eight at once); compiles use the CPU
    /// and memory (as many as cores, compiles are parallel inside too).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        JobLimits::new(8, cores.min(4))
    }
}

/// The one job of a kind an app may have running.
pub(crate) struct Slot<T> {
    running: Option<(JoinHandle<T>, Arc<AtomicBool>)>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot { running: None }
    }
}

enum Waited<T> {
    Done(Result<T, tokio::task::JoinError>),
    TimedOut,
    Stopped,
}

/// Resolves when `stop` turns true (never without one, or once its
/// sender is gone).
async fn stopping(stop: Option<&mut watch::Receiver<bool>>) {
    if let Some(s) = stop
        && s.wait_for(|v| *v).await.is_ok()
    {
        return;
    }
    std::future::pending().await
}

async fn wait<T>(
    handle: &mut JoinHandle<T>,
    deadline: Instant,
    stop: Option<&mut watch::Receiver<bool>>,
) -> Waited<T> {
    tokio::select! {
        r = handle => Waited::Done(r),
        () = tokio::time::sleep_until(deadline) => Waited::TimedOut,
        () = stopping(stop) => Waited::Stopped,
    }
}

impl<T: Send + 'static> Slot<T> {
    /// Whether an abandoned job is still running.
    #[cfg(test)]
    pub(crate) fn busy(&self) -> bool {
        self.running.as_ref().is_some_and(|(h, _)| !h.is_finished())
    }

    /// Run `job` on a blocking thread within `timeout` (waiting for an
    /// earlier abandoned job and for a permit of `limit` counts against
    /// it); `job` gets the flag that asks it to give up.
    pub(crate) async fn run<F>(
        &mut self,
        timeout: Duration,
        limit: &Arc<Semaphore>,
        mut stop: Option<&mut watch::Receiver<bool>>,
        job: F,
    ) -> Result<T, JobError>
    where
        F: FnOnce(&AtomicBool) -> T + Send + 'static,
    {
        let deadline = Instant::now() + timeout;
        if let Some((handle, _)) = &mut self.running {
            // Its result is stale (a newer commit may exist): drop it.
            match wait(handle, deadline, stop.as_deref_mut()).await {
                Waited::Done(_) => self.running = None,
                Waited::TimedOut => return Err(JobError::Busy),
                Waited::Stopped => return Err(JobError::Stopped),
            }
        }
        let permit: OwnedSemaphorePermit = tokio::select! {
            p = limit.clone().acquire_owned() => p.map_err(|e| JobError::Failed(e.to_string()))?,
            () = tokio::time::sleep_until(deadline) => return Err(JobError::NoWorker(timeout)),
            () = stopping(stop.as_deref_mut()) => return Err(JobError::Stopped),
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let mut handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job(&flag)
        });
        let abandoned = match wait(&mut handle, deadline, stop).await {
            Waited::Done(r) => return r.map_err(|e| JobError::Failed(e.to_string())),
            Waited::TimedOut => JobError::TimedOut(timeout),
            Waited::Stopped => JobError::Stopped,
        };
        cancel.store(true, Ordering::Relaxed);
        self.running = Some((handle, cancel));
        Err(abandoned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A job that blocks until released, as a fetch from a remote that
    /// never answers does.
    fn stuck(
        release: mpsc::Receiver<()>,
        started: Arc<std::sync::atomic::AtomicUsize>,
    ) -> impl FnOnce(&AtomicBool) -> u32 + Send + 'static {
        move |_| {
            started.fetch_add(1, Ordering::SeqCst);
            let _ = release.recv();
            1
        }
    }

    #[tokio::test]
    async fn a_timed_out_job_is_kept_and_no_second_one_starts() {
        let limit = Arc::new(Semaphore::new(4));
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut slot = Slot::default();
        let (tx, rx) = mpsc::channel();
        let t = Duration::from_millis(50);
        let r = slot.run(t, &limit, None, stuck(rx, started.clone())).await;
        assert_eq!(r, Err(JobError::TimedOut(t)));
        assert!(slot.busy());
        // Retries while it still runs start nothing.
        for _ in 0..3 {
            let (_tx2, rx2) = mpsc::channel();
            let r = slot.run(t, &limit, None, stuck(rx2, started.clone())).await;
            assert_eq!(r, Err(JobError::Busy));
        }
        assert_eq!(started.load(Ordering::SeqCst), 1);
        // Once it ends, the next run starts a fresh job.
        let _ = tx.send(());
        let r = slot.run(Duration::from_secs(30), &limit, None, |_| 7).await;
        assert_eq!(r, Ok(7));
        assert!(!slot.busy());
    }

    #[tokio::test]
    async fn the_cancel_flag_is_set_on_timeout_and_the_permit_held_until_the_end() {
        let limit = Arc::new(Semaphore::new(1));
        let mut slot = Slot::default();
        let (seen_tx, seen_rx) = mpsc::channel();
        let t = Duration::from_millis(50);
        let r = slot
            .run(t, &limit, None, move |cancel: &AtomicBool| {
                while !cancel.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let _ = seen_tx.send(());
                0u32
            })
            .await;
        assert_eq!(r, Err(JobError::TimedOut(t)));
        assert_eq!(
            seen_rx.recv_timeout(Duration::from_secs(30)),
            Ok(()),
            "the job saw its cancel flag"
        );
        // Another app's job gets the permit back once the thread ends.
        let mut other = Slot::default();
        let r = other
            .run(Duration::from_secs(30), &limit, None, |_| 3u32)
            .await;
        assert_eq!(r, Ok(3));
    }

    #[tokio::test]
    async fn stop_ends_the_wait() {
        let limit = Arc::new(Semaphore::new(1));
        let mut slot = Slot::default();
        let (tx, mut rx) = watch::channel(false);
        let (_release, hold) = mpsc::channel::<()>();
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let _ = tx.send(true);
        let r = slot
            .run(
                Duration::from_secs(3600),
                &limit,
                Some(&mut rx),
                stuck(hold, started),
            )
            .await;
        assert_eq!(r, Err(JobError::Stopped));
    }
}
