//! Ordered parallel map over independent items (files to parse, workflows
//! to lower, objects to print), on scoped std threads.
//!
//! Results come back in input order whatever the scheduling, so output
//! and diagnostics stay byte-for-byte deterministic. Work is handed out
//! one item at a time from a shared counter, so a few large items do not
//! leave a worker idle. Small inputs run on the calling thread: spawning
//! costs more than it saves below [`MIN_PARALLEL_WORK`]. The number of
//! threads is the machine's parallelism unless the caller caps it
//! ([`set_jobs`]).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Below this many units of work (items × their weight, in bytes or
/// nodes as the caller counts), everything runs on the calling thread.
pub(crate) const MIN_PARALLEL_WORK: usize = 64 * 1024;

/// Stack of each worker: the parser and the lowering recurse (nesting is
/// capped by the parser); stacks are committed lazily, so this costs
/// address space, not memory.
const WORKER_STACK: usize = 16 * 1024 * 1024;

thread_local! {
    /// A `with_jobs` override (tests only) for work started on this thread.
    static JOBS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    /// See [`spread_count`].
    static SPREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Run `f` with [`jobs`] fixed to `n` (at least 1) for the maps it starts
/// on this thread: tests compare a sequential and a parallel compile
/// without touching the process environment.
#[cfg(test)]
pub(crate) fn with_jobs<R>(n: usize, f: impl FnOnce() -> R) -> R {
    let before = JOBS.replace(Some(n.max(1)));
    let r = f();
    JOBS.set(before);
    r
}

/// How many maps started on this thread were spread over threads: lets
/// a test prove that it exercised the parallel path.
#[cfg(test)]
pub(crate) fn spread_count() -> usize {
    SPREAD.get()
}

/// The process-wide cap set by [`set_jobs`] (0: the machine's parallelism).
static JOBS_LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Cap the threads of every later compile in this process (`air` sets it
/// from `AIR_JOBS`; the compiler itself reads no environment). 0 restores
/// the default, the machine's parallelism; 1 turns parallelism off.
pub fn set_jobs(n: usize) {
    JOBS_LIMIT.store(n, Ordering::Relaxed);
}

/// How many threads to use: a `with_jobs` override (tests only), else the
/// [`set_jobs`] cap, else the machine's parallelism.
pub fn jobs() -> usize {
    if let Some(n) = JOBS.get() {
        return n;
    }
    match JOBS_LIMIT.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// `(a(), b())`, the two run at once when there is more than one job
/// (`b` on a new thread) and `work` is large enough.
pub fn join<A, B, RA, RB>(work: usize, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if jobs() <= 1 || work < MIN_PARALLEL_WORK {
        return (a(), b());
    }
    SPREAD.set(SPREAD.get() + 1);
    // `b` waits in a slot: the new thread takes it, or, if no thread could
    // be spawned, this one does after `a`.
    let slot = std::sync::Mutex::new(Some(b));
    let take = || slot.lock().ok().and_then(|mut b| b.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, || take().map(|b| b()));
        let ra = a();
        let rb = match spawned.map(|h| h.join()) {
            Ok(Ok(Some(rb))) => Some(rb),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Ok(Ok(None)) | Err(_) => take().map(|b| b()),
        };
        match rb {
            Some(rb) => (ra, rb),
            // The slot is emptied only by a thread that then returns a
            // result, or by a panic re-raised above.
            None => unreachable!("join: `b` ran on no thread"),
        }
    })
}

/// `items.iter().map(f).collect()`, spread over [`jobs`] threads when
/// `work` (the caller's estimate of the whole job) is large enough.
pub fn map<T, R, F>(items: &[T], work: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = jobs().min(items.len());
    if threads <= 1 || work < MIN_PARALLEL_WORK {
        return items.iter().map(f).collect();
    }
    SPREAD.set(SPREAD.get() + 1);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let spawned: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, worker)
                    .ok()
            })
            .collect();
        // The calling thread works too; if no thread could be spawned it
        // simply does everything.
        let mut parts = vec![worker()];
        for handle in spawned {
            match handle.join() {
                Ok(part) => parts.push(part),
                // A panic in `f` is a bug; re-raise it as the sequential
                // code would have.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in parts.into_iter().flatten() {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(r);
            }
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_in_parallel_and_alone() {
        let items: Vec<usize> = (0..1000).collect();
        let before = spread_count();
        let par = with_jobs(3, || map(&items, usize::MAX, |&i| i * 2));
        assert_eq!(spread_count(), before + 1);
        let seq = with_jobs(1, || map(&items, usize::MAX, |&i| i * 2));
        assert_eq!(spread_count(), before + 1);
        assert_eq!(par, seq);
        assert_eq!(par.len(), 1000);
        assert!(par.iter().enumerate().all(|(i, &v)| v == i * 2));
    }

    /// A compile of a multi-file app gives the same bytes and the same
    /// diagnostics, in the same order, on one thread and on several.
    #[test]
    fn parallel_compile_is_byte_identical() {
        use crate::compile::{CompileOptions, build};
        use crate::source::MemProvider;
        use crate::testgen::{FILES_MANIFEST, generate_files};

        let compile = |files: &[(String, String)], jobs: usize| {
            let refs: Vec<(&str, &str)> = files
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()))
                .collect();
            let provider = MemProvider::single("app", FILES_MANIFEST, &refs);
            let opts = CompileOptions {
                app_dir: "app".into(),
                env: None,
            };
            let before = spread_count();
            let c = with_jobs(jobs, || build(&provider, &opts));
            let spread = spread_count() > before;
            let diags: Vec<String> = c
                .diagnostics
                .iter()
                .map(|d| format!("{} {} {:?}", d.code, d.message, d.primary_span()))
                .collect();
            let output = c.output.map(|o| (o.stream, o.files));
            (output, diags, spread)
        };

        let good = generate_files(300);
        let (seq, seq_diags, seq_spread) = compile(&good, 1);
        let (par, par_diags, par_spread) = compile(&good, 4);
        assert!(!seq_spread && par_spread, "one run each way");
        assert!(seq.is_some(), "{seq_diags:?}");
        assert_eq!(seq, par);
        assert_eq!(seq_diags, par_diags);

        // Errors in several files, found by the parser in one run and by
        // the later stages in the other: reported identically and in the
        // same order.
        let broken = |edit: &dyn Fn(usize, &str) -> String| {
            let mut files = good.clone();
            for (i, (_, text)) in files.iter_mut().enumerate().skip(1) {
                *text = edit(i, text);
            }
            files
        };
        let syntax = broken(&|i, text| {
            if i % 2 == 0 {
                text.replacen("wait 5s", "wait 5s {", 1)
            } else {
                text.to_string()
            }
        });
        let semantic = broken(&|i, text| {
            if i % 2 == 0 {
                text.replacen("call worker_", "call missing_", 2)
            } else {
                text.replacen("emit Happened", "emit Nope", 1)
            }
        });
        for bad in [syntax, semantic] {
            let (seq, seq_diags, _) = compile(&bad, 1);
            let (par, par_diags, par_spread) = compile(&bad, 4);
            assert!(par_spread);
            assert!(seq.is_none() && par.is_none());
            assert!(seq_diags.len() >= 6, "{seq_diags:?}");
            assert_eq!(seq_diags, par_diags);
        }
    }

    #[test]
    fn empty_input() {
        let items: Vec<u8> = Vec::new();
        assert!(map(&items, usize::MAX, |&b| b).is_empty());
    }
}
