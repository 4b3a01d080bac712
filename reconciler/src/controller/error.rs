//! Why one cycle of an app failed: one error type by stage, each with its
//! cause, and the kind of failure ([`Reason`]) that decides when the
//! controller tries again (docs/reconcile.md, "Failures and retries"):
//! transient failures (network, timeouts, 5xx, conflicts) are retried
//! with back-off; terminal ones (compile errors, an unusable
//! configuration, refused credentials, a request the API server rejects)
//! wait for something to change.
//!
//! Messages are those the status, the Events and the notifications
//! showed before the type existed: each stage's error prints its cause
//! as the cycle used to word it.

use super::jobs::JobError;
use crate::apply::SyncError;
use crate::cluster::ClusterError;
use crate::config::format_duration;
use crate::git::GitError;
use crate::object::ObjectRef;
use crate::secrets::SecretsError;
use crate::status::{Reason, Stage, short_commit as short};
use std::time::Duration;

/// One failed cycle (or heal) of an app.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CycleError {
    /// The app's configuration cannot be used as it is: nothing to retry
    /// before it changes.
    #[error("{0}")]
    Config(ConfigError),
    #[error("{0}")]
    Fetch(FetchError),
    #[error("{0}")]
    Compile(CompileError),
    #[error("{0}")]
    Sync(SyncFailure),
    #[error("{0}")]
    Heal(HealError),
}

/// A configuration that cannot work, found when it is used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The Git source's settings (URL, credentials' variables and files,
    /// known_hosts, CA file).
    #[error("{0}")]
    Git(GitError),
    /// The credentials' Secrets: missing, not readable by the controller,
    /// a key missing or empty.
    #[error("{0}")]
    Secrets(SecretsError),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("{0}")]
    Git(GitError),
    /// The fetch job gave no result (timed out, still running, stopping).
    #[error("fetching {url}: {source}")]
    Job { url: String, source: JobError },
    /// The credentials' Secrets could not be read (the API's fault).
    #[error("{0}")]
    Secrets(SecretsError),
    #[error(
        "reading the Git credentials' Secrets timed out after {}",
        format_duration(*.0)
    )]
    SecretsTimedOut(Duration),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CompileError {
    /// The compile job gave no result.
    #[error("compiling {}: {source}", short(commit))]
    Job { commit: String, source: JobError },
    /// The commit's tree could not be read.
    #[error("{0}")]
    Git(GitError),
    /// The revision has error diagnostics (in the status); the message
    /// says how many and the first.
    #[error("{0}")]
    Diagnostics(String),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SyncFailure {
    #[error("applying {} timed out after {}", short(commit), format_duration(*after))]
    TimedOut { commit: String, after: Duration },
    #[error("{0}")]
    Sync(SyncError),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HealError {
    /// Something else took the name of a deleted object.
    #[error("{0} was recreated without air's labels; left untouched")]
    Foreign(ObjectRef),
    #[error("{0}")]
    Cluster(ClusterError),
}

impl CycleError {
    /// A Git failure of the fetch: the source's settings are the
    /// configuration's fault, the rest the fetch's.
    pub(crate) fn fetch(e: GitError) -> CycleError {
        if git_config_error(&e) {
            CycleError::Config(ConfigError::Git(e))
        } else {
            CycleError::Fetch(FetchError::Git(e))
        }
    }

    /// A failure to read the credentials' Secrets: only a failed read is
    /// the fetch's; a missing Secret or key is the configuration's.
    pub(crate) fn secrets(e: SecretsError) -> CycleError {
        match e {
            SecretsError::Unreadable { .. } => CycleError::Fetch(FetchError::Secrets(e)),
            e => CycleError::Config(ConfigError::Secrets(e)),
        }
    }

    /// Where it failed, as the status says it. A configuration found
    /// unusable is found by the fetch, and the status (and the Events'
    /// `FetchFailed`) have always said so.
    pub(crate) fn stage(&self) -> Stage {
        match self {
            CycleError::Config(_) | CycleError::Fetch(_) => Stage::Fetch,
            CycleError::Compile(_) => Stage::Compile,
            CycleError::Sync(_) => Stage::Apply,
            CycleError::Heal(_) => Stage::Heal,
        }
    }

    /// The kind of failure.
    pub(crate) fn reason(&self) -> Reason {
        match self {
            CycleError::Config(ConfigError::Git(e)) => git_reason(e),
            CycleError::Config(ConfigError::Secrets(e))
            | CycleError::Fetch(FetchError::Secrets(e)) => secrets_reason(e),
            CycleError::Fetch(FetchError::Git(e)) | CycleError::Compile(CompileError::Git(e)) => {
                git_reason(e)
            }
            CycleError::Fetch(FetchError::Job { source, .. })
            | CycleError::Compile(CompileError::Job { source, .. }) => job_reason(source),
            CycleError::Fetch(FetchError::SecretsTimedOut(_))
            | CycleError::Sync(SyncFailure::TimedOut { .. }) => Reason::Timeout,
            CycleError::Compile(CompileError::Diagnostics(_)) => Reason::CompileErrors,
            CycleError::Sync(SyncFailure::Sync(e)) => sync_reason(e),
            CycleError::Heal(HealError::Foreign(_)) => Reason::Rejected,
            CycleError::Heal(HealError::Cluster(e)) => cluster_reason(e),
        }
    }

    /// Retry soon, with back-off (otherwise wait for a change or the
    /// interval).
    pub(crate) fn is_transient(&self) -> bool {
        self.reason().is_transient()
    }
}

/// Git errors that name a setting of the source (found before anything
/// was asked of the remote).
fn git_config_error(e: &GitError) -> bool {
    matches!(
        e,
        GitError::InvalidUrl { .. }
            | GitError::InvalidConfig(_)
            | GitError::MissingCredential { .. }
            | GitError::KnownHostsUnreadable { .. }
            | GitError::CaFile { .. }
    )
}

/// The Git layer's own judgement ([`GitError::is_transient`]) decides
/// what is retried soon; the reason only names it.
fn git_reason(e: &GitError) -> Reason {
    match e {
        GitError::Unreachable { .. } => Reason::Unreachable,
        GitError::Timeout { .. } => Reason::Timeout,
        // A transfer broken off midway (the remote or the link failed).
        GitError::Fetch { .. } => Reason::Unavailable,
        GitError::AuthFailed { .. }
        | GitError::HostKeyUnknown { .. }
        | GitError::HostKeyMismatch { .. }
        | GitError::HostKeyRevoked { .. }
        | GitError::Certificate { .. } => Reason::Unauthorized,
        GitError::InvalidUrl { .. }
        | GitError::InvalidConfig(_)
        | GitError::MissingCredential { .. }
        | GitError::KnownHostsUnreadable { .. }
        | GitError::CaFile { .. }
        | GitError::RefNotFound { .. }
        | GitError::NoMatchingTag { .. } => Reason::InvalidConfig,
        GitError::TooLarge { .. } => Reason::Rejected,
        // Only at shutdown: nothing retries it.
        GitError::Cancelled { .. } => Reason::Unavailable,
        GitError::Cache { .. } | GitError::Repository { .. } => Reason::Internal,
    }
}

fn job_reason(e: &JobError) -> Reason {
    match e {
        // A stuck remote (or compile): retried, and the kept job makes
        // sure retries never pile up threads.
        JobError::TimedOut(_) | JobError::Busy => Reason::Timeout,
        JobError::NoWorker(_) | JobError::Stopped => Reason::Unavailable,
        // A worker that panicked does so again on the same input.
        JobError::Failed(_) => Reason::Internal,
    }
}

fn secrets_reason(e: &SecretsError) -> Reason {
    match e {
        SecretsError::Missing { .. } | SecretsError::BadKey(_) => Reason::InvalidConfig,
        SecretsError::Forbidden { .. } => Reason::Unauthorized,
        SecretsError::Unreadable { source, .. } => kube_reason(source),
    }
}

fn kube_reason(e: &kube::Error) -> Reason {
    match e {
        kube::Error::Api(s) => api_reason(s.code, &s.message),
        kube::Error::HyperError(_) | kube::Error::Service(_) => Reason::Unreachable,
        _ => Reason::Internal,
    }
}

fn sync_reason(e: &SyncError) -> Reason {
    match e {
        // air's own refusal (pruning everything without `allow_prune_all`).
        SyncError::Refused(_) => Reason::Rejected,
        SyncError::DryRun(e) | SyncError::Apply(e) | SyncError::Cluster(e) => cluster_reason(e),
    }
}

fn cluster_reason(e: &ClusterError) -> Reason {
    match e {
        ClusterError::Unreachable(_) => Reason::Unreachable,
        ClusterError::TimedOut { .. } => Reason::Timeout,
        ClusterError::Api { code, message, .. } => api_reason(*code, message),
        // What `ClusterError::is_transient` counts as a transport failure.
        ClusterError::Other(m) if m.contains("connect") || m.contains("timed out") => {
            Reason::Unreachable
        }
        ClusterError::Other(_) => Reason::Internal,
    }
}

/// An answer of the API server by its status code.
fn api_reason(code: u16, message: &str) -> Reason {
    match code {
        401 | 403 => Reason::Unauthorized,
        // A server-side apply conflict names fields another manager owns:
        // they stay its own until `force` or that manager lets go. Other
        // conflicts (a concurrent write, an object being created) pass.
        409 if message.contains("Apply failed with") => Reason::Rejected,
        409 => Reason::Conflict,
        429 => Reason::Unavailable,
        c if c >= 500 => Reason::Unavailable,
        _ => Reason::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git_unreachable() -> GitError {
        GitError::Unreachable {
            url: "git://127.0.0.1:1/shop.git".into(),
            detail: "connection refused".into(),
        }
    }

    fn api(code: u16, message: &str) -> ClusterError {
        ClusterError::Api {
            object: "Service shop/web".into(),
            code,
            message: message.into(),
        }
    }

    fn sync(e: ClusterError) -> CycleError {
        CycleError::Sync(SyncFailure::Sync(SyncError::Apply(e)))
    }

    #[test]
    fn network_timeouts_server_errors_and_conflicts_are_transient() {
        let transient = [
            CycleError::fetch(git_unreachable()),
            CycleError::fetch(GitError::Timeout {
                url: "u".into(),
                seconds: 120,
            }),
            CycleError::fetch(GitError::Fetch {
                url: "u".into(),
                detail: "early EOF".into(),
            }),
            CycleError::Fetch(FetchError::Job {
                url: "u".into(),
                source: JobError::Busy,
            }),
            CycleError::Fetch(FetchError::SecretsTimedOut(Duration::from_secs(5))),
            CycleError::Compile(CompileError::Job {
                commit: "0123456789abcdef".into(),
                source: JobError::TimedOut(Duration::from_secs(5)),
            }),
            sync(ClusterError::Unreachable("connection refused".into())),
            sync(api(503, "the server is shutting down")),
            sync(api(429, "too many requests")),
            sync(api(
                409,
                "Operation cannot be fulfilled: the object has been modified",
            )),
            CycleError::Sync(SyncFailure::TimedOut {
                commit: "c".into(),
                after: Duration::from_secs(1),
            }),
            CycleError::Heal(HealError::Cluster(api(500, "internal error"))),
        ];
        for e in &transient {
            assert!(e.is_transient(), "{e:?} ({})", e.reason());
        }
    }

    #[test]
    fn compile_errors_bad_config_auth_and_validation_are_terminal() {
        let terminal = [
            CycleError::Compile(CompileError::Diagnostics(
                "revision x does not compile".into(),
            )),
            CycleError::fetch(GitError::AuthFailed {
                url: "u".into(),
                detail: "401".into(),
            }),
            CycleError::fetch(GitError::RefNotFound {
                url: "u".into(),
                kind: "branch",
                name: "mian".into(),
                available: vec![],
            }),
            CycleError::fetch(GitError::InvalidUrl {
                url: "u".into(),
                reason: "no scheme".into(),
            }),
            CycleError::secrets(SecretsError::BadKey(
                "key `token` of Secret … is empty".into(),
            )),
            CycleError::secrets(SecretsError::Missing {
                shown: "Secret `a/b`".into(),
                namespace: "a".into(),
            }),
            sync(api(422, "spec.template: Invalid value")),
            sync(api(401, "Unauthorized")),
            sync(api(
                409,
                "Apply failed with 1 conflict: conflict with \"kubectl-edit\"",
            )),
            CycleError::Sync(SyncFailure::Sync(SyncError::Refused(
                "the revision wants no objects".into(),
            ))),
            CycleError::Heal(HealError::Foreign(ObjectRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: "shop".into(),
                name: "c".into(),
            })),
        ];
        for e in &terminal {
            assert!(!e.is_transient(), "{e:?} ({})", e.reason());
        }
    }

    #[test]
    fn stages_reasons_and_messages() {
        let e = CycleError::fetch(git_unreachable());
        assert_eq!((e.stage(), e.reason()), (Stage::Fetch, Reason::Unreachable));
        assert_eq!(e.to_string(), git_unreachable().to_string());
        // The configuration's faults are reported where they are found.
        let e = CycleError::secrets(SecretsError::BadKey("no key".into()));
        assert!(matches!(e, CycleError::Config(_)));
        assert_eq!(
            (e.stage(), e.reason(), e.to_string().as_str()),
            (Stage::Fetch, Reason::InvalidConfig, "no key")
        );
        let e = CycleError::Compile(CompileError::Job {
            commit: "0123456789abcdef".into(),
            source: JobError::TimedOut(Duration::from_secs(90)),
        });
        assert_eq!(e.stage(), Stage::Compile);
        assert_eq!(
            e.to_string(),
            "compiling 0123456789ab: timed out after 1m30s"
        );
        let e = CycleError::Sync(SyncFailure::TimedOut {
            commit: "0123456789abcdef".into(),
            after: Duration::from_secs(120),
        });
        assert_eq!(
            (e.stage(), e.to_string().as_str()),
            (Stage::Apply, "applying 0123456789ab timed out after 2m")
        );
        let e = CycleError::Fetch(FetchError::SecretsTimedOut(Duration::from_secs(30)));
        assert_eq!(
            e.to_string(),
            "reading the Git credentials' Secrets timed out after 30s"
        );
    }
}
