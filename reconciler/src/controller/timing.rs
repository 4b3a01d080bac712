//! When to run next: the interval with ±10 % jitter (so many apps, or
//! many replicas, do not fetch in lockstep), and exponential back-off
//! after failures.

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
    let exp = BACKOFF_BASE.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let capped = exp.min(BACKOFF_CAP).min(interval);
    jittered(capped)
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
}
