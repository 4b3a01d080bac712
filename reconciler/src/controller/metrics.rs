//! Prometheus metrics of the controller (served at `/metrics` in the
//! OpenMetrics text format). Every series carries the `app` label.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AppLabel {
    pub app: String,
}

fn histogram() -> Histogram {
    // 5 ms … ~80 s
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// The controller's metrics; cheap to clone (shared counters).
#[derive(Clone)]
pub struct Metrics {
    pub reconcile_duration: Family<AppLabel, Histogram, fn() -> Histogram>,
    pub reconcile_errors: Family<AppLabel, Counter>,
    pub apply_errors: Family<AppLabel, Counter>,
    pub git_fetch_duration: Family<AppLabel, Histogram, fn() -> Histogram>,
    pub git_fetch_errors: Family<AppLabel, Counter>,
    pub drift_detected: Family<AppLabel, Counter>,
    pub drift_healed: Family<AppLabel, Counter>,
    pub drifted_objects: Family<AppLabel, Gauge>,
    pub objects_managed: Family<AppLabel, Gauge>,
}

impl Metrics {
    /// The metrics and the registry that serves them.
    pub fn new() -> (Metrics, Registry) {
        let m = Metrics {
            reconcile_duration: Family::new_with_constructor(histogram),
            reconcile_errors: Family::default(),
            apply_errors: Family::default(),
            git_fetch_duration: Family::new_with_constructor(histogram),
            git_fetch_errors: Family::default(),
            drift_detected: Family::default(),
            drift_healed: Family::default(),
            drifted_objects: Family::default(),
            objects_managed: Family::default(),
        };
        let mut r = Registry::with_prefix("air");
        r.register(
            "reconcile_duration_seconds",
            "Time of one full reconcile (fetch, compile, apply, prune, health)",
            m.reconcile_duration.clone(),
        );
        r.register(
            "reconcile_errors",
            "Reconciles that failed (any stage)",
            m.reconcile_errors.clone(),
        );
        r.register(
            "apply_errors",
            "Server-side applies, dry runs, prunes or heals the API server refused or could not take",
            m.apply_errors.clone(),
        );
        r.register(
            "git_fetch_duration_seconds",
            "Time of one Git fetch",
            m.git_fetch_duration.clone(),
        );
        r.register(
            "git_fetch_errors",
            "Git fetches that failed",
            m.git_fetch_errors.clone(),
        );
        r.register(
            "drift_detected",
            "Out-of-band changes or deletions of objects air manages",
            m.drift_detected.clone(),
        );
        r.register(
            "drift_healed",
            "Drifted objects reverted by self-heal",
            m.drift_healed.clone(),
        );
        r.register(
            "drifted_objects",
            "Objects currently drifted and not healed",
            m.drifted_objects.clone(),
        );
        r.register(
            "objects_managed",
            "Objects in the app's inventory",
            m.objects_managed.clone(),
        );
        (m, r)
    }
}

pub fn app(name: &str) -> AppLabel {
    AppLabel {
        app: name.to_string(),
    }
}

/// The text exposition of a registry.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_series_with_the_app_label() {
        let (m, r) = Metrics::new();
        m.drift_detected.get_or_create(&app("media")).inc();
        m.objects_managed.get_or_create(&app("media")).set(7);
        m.reconcile_duration
            .get_or_create(&app("media"))
            .observe(0.25);
        let text = encode(&r);
        assert!(
            text.contains("air_drift_detected_total{app=\"media\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("air_objects_managed{app=\"media\"} 7"),
            "{text}"
        );
        assert!(
            text.contains("air_reconcile_duration_seconds_count{app=\"media\"} 1"),
            "{text}"
        );
    }
}
