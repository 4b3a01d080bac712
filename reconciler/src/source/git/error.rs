//! The errors of Git sources. Every string stored here has already been
//! scrubbed of secrets and carries redacted URLs only, so deriving `Debug`
//! is safe.

/// Why a Git source could not be fetched or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    #[error("invalid Git URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("invalid Git source: {0}")]
    InvalidConfig(String),

    #[error("cannot reach Git remote {url}: {detail}")]
    Unreachable { url: String, detail: String },

    #[error("authentication to {url} failed: {detail}")]
    AuthFailed { url: String, detail: String },

    #[error("missing credential for {url}: {detail}")]
    MissingCredential { url: String, detail: String },

    #[error("{kind} `{name}` not found in {url}{}", list_available(available))]
    RefNotFound {
        url: String,
        /// "branch", "tag" or "commit".
        kind: &'static str,
        name: String,
        /// A few names that do exist (empty when listing them was not cheap).
        available: Vec<String>,
    },

    #[error(
        "no tag in {url} matches the semver range `{range}`{}",
        list_available(available)
    )]
    NoMatchingTag {
        url: String,
        range: String,
        available: Vec<String>,
    },

    #[error(
        "host key of {host} is not in the known_hosts file {known_hosts}; refusing to connect \
         (add the host's key, e.g. from `ssh-keyscan`, after checking its fingerprint)"
    )]
    HostKeyUnknown { host: String, known_hosts: String },

    #[error(
        "host key of {host} does NOT match the known_hosts file {known_hosts}; refusing to \
         connect (the key changed or someone is intercepting the connection)"
    )]
    HostKeyMismatch { host: String, known_hosts: String },

    #[error("host key of {host} is marked @revoked in {known_hosts}; refusing to connect")]
    HostKeyRevoked { host: String, known_hosts: String },

    #[error("cannot read known_hosts file {path}: {detail}")]
    KnownHostsUnreadable { path: String, detail: String },

    #[error("cannot use ca_file {path}: {detail}")]
    CaFile { path: String, detail: String },

    #[error(
        "refusing the TLS certificate of {url}: {detail} (trusted CAs: {trusted}; set \
         `ca_file` to the CA that issued the server's certificate)"
    )]
    Certificate {
        url: String,
        detail: String,
        /// The `ca_file`, or "the system's trust store".
        trusted: String,
    },

    #[error("Git cache {path}: {detail}")]
    Cache { path: String, detail: String },

    #[error("Git repository {path}: {detail}")]
    Repository { path: String, detail: String },

    #[error("fetching from {url} took longer than {seconds}s; aborted")]
    Timeout { url: String, seconds: u64 },

    #[error("fetching from {url} was cancelled")]
    Cancelled { url: String },

    #[error("fetching from {url} would download more than {limit} bytes; aborted")]
    TooLarge { url: String, limit: usize },

    #[error("fetching from {url} failed: {detail}")]
    Fetch { url: String, detail: String },
}

fn list_available(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" (available: {})", names.join(", "))
    }
}

impl GitError {
    /// True when retrying later may help (network down, server busy), so the
    /// controller should keep the last applied state and back off.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GitError::Unreachable { .. } | GitError::Fetch { .. } | GitError::Timeout { .. }
        )
    }
}
