//! Git sources for the reconciler and `air diff`: fetch a remote into a
//! local bare cache (shallow where possible), resolve a ref to a commit, and
//! read app folders straight from Git objects — never from a checkout.
//!
//! Secrets (tokens, key passphrases, passwords in URLs) are held only in
//! [`Secret`](crate::secret::Secret)-like wrappers, are never formatted,
//! and every message that libgit2 produces is scrubbed before it reaches an error or a log line.

mod auth;
mod cache;
mod error;
mod fetch;
mod known_hosts;
mod refs;
mod source;
mod tls;
mod tree;
mod url;
mod workdir;

pub use cache::GitCache;
pub use error::GitError;
pub use fetch::{FetchLimits, FetchOutcome};
pub use known_hosts::{HostKeyStatus, KnownHosts};
pub use source::{Credentials, GitRef, GitSource, Revision, SecretMaterial};
pub use tree::{Limits, OBJECT_READ_FAILED, TreeProvider};
pub use url::{RemoteUrl, Transport, redact_url};
pub use workdir::{
    WorkdirProvider, default_branch, discover_repository, merge_base_with_default,
    working_revision, working_tree_files,
};

/// The git2 version these types use (for `Repository`, `Oid`), so callers
/// need no git2 dependency of their own.
pub use git2;
