//! When to run next: the interval with ±10 % jitter (so many apps, or
//! many replicas, do not fetch in lockstep), exponential back-off after
//! transient failures, and the interval again after terminal ones (a
//! revision that does not compile compiles no better a second later).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// First retry after a failure.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest wait between retries (never longer than the interval).
const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// A random number without a dependency: the standard library seeds each
/// `RandomState` randomly.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos().into()),
    );
    h.finish()
}

/// `interval` ± up to 10 %, never below 1 s.
pub fn jittered(interval: Duration) -> Duration {
    jitter_with(interval, random_u64())
}

fn jitter_with(interval: Duration, random: u64) -> Duration {
    let ms = interval.as_millis().min(u128::from(u64::MAX)) as u64;
    let spread = ms / 10;
    if spread == 0 {
        return interval;
    }
    let offset = random % (2 * spread + 1);
    let out = Duration::from_millis(ms - spread + offset);
    out.max(Duration::from_secs(1).min(interval))
}

/// Wait after the `failures`-th failure in a row (1-based): 1 s, 2 s, 4 s
/// … capped at 60 s and at the interval, with jitter.
pub fn backoff(failures: u32, interval: Duration) -> Duration {
    jittered(backoff_base(failures, interval))
}

/// [`backoff`] before jitter.
fn backoff_base(failures: u32, interval: Duration) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    exp.min(BACKOFF_CAP).min(interval)
}

/// The wait after a failed cycle, and the count of transient failures in
/// a row it leaves: a transient failure backs off (1 s, 2 s, 4 s … at most
/// 60 s and the interval); a terminal one waits the interval (a manual
/// trigger, a push hook or a changed AirApp still run a cycle at once)
/// and ends the series, so a later transient failure starts again at 1 s.
pub(crate) fn after_failure(transient: bool, failures: u32, interval: Duration) -> (Duration, u32) {
    after_failure_with(transient, failures, interval, random_u64())
}

fn after_failure_with(
    transient: bool,
    failures: u32,
    interval: Duration,
    random: u64,
) -> (Duration, u32) {
    if transient {
        let failures = failures.saturating_add(1);
        (
            jitter_with(backoff_base(failures, interval), random),
            failures,
        )
    } else {
        (jitter_with(interval, random), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent() {
        let i = Duration::from_secs(300);
        for r in [0, 1, 29_999, 30_000, 60_000, u64::MAX] {
            let d = jitter_with(i, r);
            assert!(
                d >= Duration::from_secs(270) && d <= Duration::from_secs(330),
                "{d:?}"
            );
        }
        assert_eq!(
            jitter_with(Duration::from_millis(5), 3),
            Duration::from_millis(5)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1, Duration::from_secs(3600)) <= Duration::from_millis(1100));
        assert!(backoff(3, Duration::from_secs(3600)) >= Duration::from_millis(3600));
        assert!(backoff(30, Duration::from_secs(3600)) <= Duration::from_secs(66));
        assert!(backoff(30, Duration::from_secs(10)) <= Duration::from_secs(11));
    }

    /// `random` that puts the jitter at exactly 0 for `base`.
    fn no_jitter(base: Duration) -> u64 {
        (base.as_millis() / 10) as u64
    }

    #[test]
    fn transient_failures_back_off_exponentially_up_to_the_caps() {
        let interval = Duration::from_secs(300);
        let mut failures = 0;
        let mut waits = Vec::new();
        for _ in 0..9 {
            let base = backoff_base(failures + 1, interval);
            let (wait, next) = after_failure_with(true, failures, interval, no_jitter(base));
            assert_eq!(next, failures + 1);
            failures = next;
            waits.push(wait.as_secs());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        // Never longer than the interval.
        let short = Duration::from_secs(10);
        let (wait, _) = after_failure_with(true, 7, short, no_jitter(short));
        assert_eq!(wait, short);
        // Jitter stays within 10 %.
        for r in [0, 1, 12_345, u64::MAX] {
            let (wait, _) = after_failure_with(true, 3, interval, r);
            assert!(
                wait >= Duration::from_millis(7200) && wait <= Duration::from_millis(8800),
                "{wait:?}"
            );
        }
    }

    #[test]
    fn terminal_failures_wait_the_interval_and_end_the_series() {
        let interval = Duration::from_secs(300);
        for failures in [0, 1, 5, u32::MAX] {
            let (wait, next) = after_failure_with(false, failures, interval, no_jitter(interval));
            assert_eq!((wait, next), (interval, 0));
        }
        // The next transient failure starts the back-off again.
        let (wait, next) = after_failure_with(true, 0, interval, no_jitter(Duration::from_secs(1)));
        assert_eq!((wait, next), (Duration::from_secs(1), 1));
        for r in [0, 7, u64::MAX] {
            let (wait, _) = after_failure_with(false, 2, interval, r);
            assert!(
                wait >= Duration::from_secs(270) && wait <= Duration::from_secs(330),
                "{wait:?}"
            );
        }
    }
}
