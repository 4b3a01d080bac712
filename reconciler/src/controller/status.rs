//! The status of each app: what `/api/apps` serves, `air status` prints,
//! and the controller records in the cluster (ConfigMap
//! `air-status-<app>`, key `status.json`, in the app's namespace).
//!
//! Nothing secret ever goes in here: the repository URL is redacted, Git
//! errors are scrubbed by the Git layer, and no credential value is ever
//! held by the controller outside the fetch itself.

use crate::health::Health;
use crate::object::{LABEL_MANAGED_BY, MANAGED_BY_AIR, ObjectRef};
use air_compiler::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where the app stands with respect to its Git source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncState {
    /// Not reconciled yet.
    #[default]
    Pending,
    /// The cluster matches the newest revision.
    Synced,
    /// The cluster differs from the newest revision (drift not healed,
    /// or self-heal off).
    OutOfSync,
    /// The newest revision could not be fetched, compiled or applied; the
    /// last good revision stays in force.
    Failed,
    /// `suspend = true`: nothing is fetched or applied.
    Suspended,
}

impl std::fmt::Display for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::OutOfSync => "out-of-sync",
            SyncState::Failed => "failed",
            SyncState::Suspended => "suspended",
        })
    }
}

/// Which step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Fetch,
    Compile,
    Apply,
    Heal,
}

/// What kind of failure it was; it decides when the controller tries
/// again (docs/reconcile.md, "Failures and retries").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The Git remote or the Kubernetes API could not be reached.
    Unreachable,
    /// No answer in time, or an earlier attempt that timed out is still
    /// running.
    Timeout,
    /// The peer is there but cannot serve now: 5xx, 429, a transfer
    /// broken off, no free worker.
    Unavailable,
    /// Another writer changed the object meanwhile (409).
    Conflict,
    /// The app's configuration cannot be used as it is: the Git source's
    /// settings, a ref that does not exist, the credentials' Secrets.
    InvalidConfig,
    /// Credentials or the peer's identity refused: Git authentication, a
    /// host key or certificate, the API's 401 or 403.
    Unauthorized,
    /// The revision does not compile.
    CompileErrors,
    /// The API server (or air's own rules) refuses the objects as they
    /// are: a 4xx validation, a field owned by another manager, pruning
    /// everything, an object air does not own in its way.
    Rejected,
    /// Local trouble: the Git cache, a worker that failed.
    Internal,
}

impl Reason {
    /// Retrying soon may help (with back-off); otherwise the controller
    /// waits for a change: a new revision, a changed configuration or
    /// AirApp, a manual trigger, or the next interval.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Reason::Unreachable | Reason::Timeout | Reason::Unavailable | Reason::Conflict
        )
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reason::Unreachable => "unreachable",
            Reason::Timeout => "timeout",
            Reason::Unavailable => "unavailable",
            Reason::Conflict => "conflict",
            Reason::InvalidConfig => "invalid-config",
            Reason::Unauthorized => "unauthorized",
            Reason::CompileErrors => "compile-errors",
            Reason::Rejected => "rejected",
            Reason::Internal => "internal",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    pub stage: Stage,
    /// The kind of failure (absent from statuses written before it
    /// existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub message: String,
    /// Unix seconds.
    pub time: u64,
}

// Defined where revisions are compiled (sync, below this room); the
// status keeps the diagnostics it is given.
pub use crate::desired::DiagnosticSummary;

/// One managed object's health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectStatus {
    pub object: ObjectRef,
    pub health: Health,
    pub message: String,
}

/// One drifted object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftedObject {
    pub object: ObjectRef,
    pub summary: String,
}

/// Everything known about one app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    pub name: String,
    /// Redacted URL.
    pub repo: String,
    /// "branch `main`", "tag `v1`", …
    pub reference: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub sync: SyncState,
    pub health: Health,
    /// The commit whose objects are in force (last applied good revision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The newest commit fetched (may be broken and not applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_revision: Option<String>,
    /// Unix seconds of the last successful sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_synced: Option<u64>,
    /// Diagnostics of the newest fetched revision (errors block it), at
    /// most [`MAX_DIAGNOSTICS`], errors first (see
    /// [`AppStatus::set_diagnostics`]).
    #[serde(default)]
    pub diagnostics: Vec<DiagnosticSummary>,
    /// How many more diagnostics the revision has than are kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub diagnostics_omitted: usize,
    #[serde(default)]
    pub drifted: Vec<DriftedObject>,
    /// Drift reverted by self-heal since the controller started.
    #[serde(default)]
    pub healed: u64,
    #[serde(default)]
    pub objects: Vec<ObjectStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<LastError>,
    /// The previous run of this app's cycle finished (success or not).
    #[serde(default)]
    pub attempted: bool,
    /// The newest trigger (`POST /api/apps/<name>/reconcile`, a push hook)
    /// this status answers: the cycle it asked for is over — or, while
    /// suspended, nothing was done — and this is the result. Trigger ids
    /// are given out by the controller process, in increasing order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_trigger: Option<u64>,
}

/// The most diagnostics a status keeps: a revision with 100,000 of them
/// must not make a 24 MB status, dashboard page or ConfigMap.
pub const MAX_DIAGNOSTICS: usize = 1000;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl AppStatus {
    /// Keep at most [`MAX_DIAGNOSTICS`] of `diags` (errors before other
    /// severities, so warnings never crowd out what blocks a revision;
    /// otherwise in their order) and count the rest.
    pub fn set_diagnostics(&mut self, diags: &[DiagnosticSummary]) {
        let (kept, omitted) = cap_diagnostics(diags);
        self.diagnostics = kept;
        self.diagnostics_omitted = omitted;
    }

    /// The part of the status worth recording in the cluster (no
    /// timestamps of attempts, so unchanged state writes nothing).
    pub fn to_configmap(&self, namespace: &str) -> Value {
        // Nor the last trigger: a trigger that changed nothing writes nothing.
        let recorded = AppStatus {
            handled_trigger: None,
            ..self.clone()
        };
        let text = serde_json::to_string_pretty(&recorded).unwrap_or_default();
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": configmap_name(&self.name),
                "namespace": namespace,
                // Labelled as air's but not `part-of` the app, so no plan
                // prunes it and drift detection ignores it.
                "labels": { LABEL_MANAGED_BY: MANAGED_BY_AIR, "air.dev/status-of": self.name },
            },
            "data": { "status.json": text },
        })
    }
}

/// At most [`MAX_DIAGNOSTICS`] of `diags`, errors first, and how many
/// were left out.
pub(crate) fn cap_diagnostics(diags: &[DiagnosticSummary]) -> (Vec<DiagnosticSummary>, usize) {
    if diags.len() <= MAX_DIAGNOSTICS {
        return (diags.to_vec(), 0);
    }
    let errors = diags.iter().filter(|d| d.severity == Severity::Error);
    let others = diags.iter().filter(|d| d.severity != Severity::Error);
    let kept: Vec<DiagnosticSummary> = errors
        .chain(others)
        .take(MAX_DIAGNOSTICS)
        .cloned()
        .collect();
    (kept, diags.len() - MAX_DIAGNOSTICS)
}

/// A commit id shortened to 12 characters, as status messages, events and
/// the dashboard show it.
pub(crate) fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// `air-status-<app>`.
pub(crate) fn configmap_name(app: &str) -> String {
    format!("air-status-{app}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use air_compiler::{Code, Diagnostics, SourceMap};

    #[test]
    fn json_round_trip_and_names() {
        let s = AppStatus {
            name: "media".into(),
            sync: SyncState::OutOfSync,
            health: Health::Degraded,
            ..AppStatus::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["sync"], "out-of-sync");
        assert_eq!(v["health"], "degraded");
        let back: AppStatus = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
        let cm = s.to_configmap("media");
        assert_eq!(cm["metadata"]["name"], "air-status-media");
        assert!(
            cm["data"]["status.json"]
                .as_str()
                .unwrap()
                .contains("out-of-sync")
        );
    }

    fn diag(severity: Severity, n: usize) -> DiagnosticSummary {
        DiagnosticSummary {
            code: Code::E0101.to_string(),
            severity,
            message: format!("bad {n}"),
            file: None,
            line: None,
            column: None,
            help: None,
        }
    }

    #[test]
    fn diagnostics_are_capped_errors_first() {
        let mut all: Vec<DiagnosticSummary> = (0..MAX_DIAGNOSTICS)
            .map(|n| diag(Severity::Warning, n))
            .collect();
        all.extend((0..5).map(|n| diag(Severity::Error, n)));
        let mut s = AppStatus::default();
        s.set_diagnostics(&all);
        assert_eq!(s.diagnostics.len(), MAX_DIAGNOSTICS);
        assert_eq!(s.diagnostics_omitted, 5);
        assert!(
            s.diagnostics[..5]
                .iter()
                .all(|d| d.severity == Severity::Error)
        );
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["diagnostics_omitted"], 5);
        // A short list is kept whole, in order.
        s.set_diagnostics(&all[..3]);
        assert_eq!(s.diagnostics, all[..3].to_vec());
        assert_eq!(s.diagnostics_omitted, 0);
        assert!(
            serde_json::to_value(&s)
                .unwrap()
                .get("diagnostics_omitted")
                .is_none()
        );
    }

    #[test]
    fn diagnostics_carry_code_and_line() {
        let mut map = SourceMap::new();
        let f = map.add("a.air", "x\ny\n");
        let mut d = Diagnostics::new();
        d.push(
            air_compiler::Diagnostic::error(Code::E0101, "bad")
                .with_primary(air_compiler::Span::new(f, 2, 3), "here"),
        );
        let s = DiagnosticSummary::all(&d, &map);
        assert_eq!(s[0].code, Code::E0101.as_str());
        assert_eq!(s[0].line, Some(2));
        assert_eq!(s[0].severity, Severity::Error);
    }
}
