//! What a Git source is: a URL, exactly one ref, and where its credentials
//! come from (names of environment variables and files — never the secrets
//! themselves), plus the [`Revision`] a fetch resolves to.

use std::path::PathBuf;

use super::error::GitError;
use super::url::{RemoteUrl, redact_url};
use crate::secret::Secret;

/// Which revision of the remote to follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitRef {
    /// The tip of a branch (`main`).
    Branch(String),
    /// A tag (`v1.2.3`).
    Tag(String),
    /// The highest tag matching a semver range (`^1.2`, `>=1.0, <2.0`);
    /// tags may be written `v1.2.3` or `1.2.3`.
    Semver(String),
    /// A commit id, full (40 hex digits) or abbreviated (at least 4).
    Commit(String),
}

impl GitRef {
    /// Check the ref's own syntax before any network use.
    pub fn validate(&self) -> Result<(), GitError> {
        let bad = |msg: String| Err(GitError::InvalidConfig(msg));
        match self {
            GitRef::Branch(b) => {
                if !git2::Reference::is_valid_name(&format!("refs/heads/{b}")) {
                    return bad(format!("`{b}` is not a valid branch name"));
                }
            }
            GitRef::Tag(t) => {
                if !git2::Reference::is_valid_name(&format!("refs/tags/{t}")) {
                    return bad(format!("`{t}` is not a valid tag name"));
                }
            }
            GitRef::Semver(r) => {
                if let Err(e) = semver::VersionReq::parse(r) {
                    return bad(format!("`{r}` is not a semver range: {e}"));
                }
            }
            GitRef::Commit(c) => {
                if c.len() < 4 || c.len() > 40 || !c.chars().all(|ch| ch.is_ascii_hexdigit()) {
                    return bad(format!(
                        "`{c}` is not a commit id (4 to 40 hexadecimal digits)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// "branch `main`", "tag `v1`", … for messages.
    pub fn describe(&self) -> String {
        match self {
            GitRef::Branch(b) => format!("branch `{b}`"),
            GitRef::Tag(t) => format!("tag `{t}`"),
            GitRef::Semver(r) => format!("semver range `{r}`"),
            GitRef::Commit(c) => format!("commit `{c}`"),
        }
    }
}

/// Where the credentials of a source come from. Holds only names and paths,
/// so it is safe to print.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// https: the token is read from this environment variable and sent as
    /// HTTP basic auth (user [`Credentials::token_user`], password = token).
    pub token_env: Option<String>,
    /// Basic-auth user sent with the token (default `x-access-token`, which
    /// GitHub and Gitea accept; GitLab wants `oauth2`).
    pub token_user: Option<String>,
    /// ssh: private key file.
    pub ssh_key: Option<PathBuf>,
    /// ssh: the key's passphrase is read from this environment variable.
    pub ssh_key_passphrase_env: Option<String>,
    /// ssh: OpenSSH known_hosts file (default `~/.ssh/known_hosts`).
    pub known_hosts: Option<PathBuf>,
    /// ssh: accept any host key. Off by default; only for throwaway setups.
    pub insecure_skip_host_key_check: bool,
    /// https: PEM file of the CAs to trust instead of the system's trust
    /// store (Git's `http.sslCAInfo`).
    pub ca_file: Option<PathBuf>,
}

/// Secret values the caller hands in for one fetch — the controller reads
/// them from a Kubernetes Secret before each fetch, so a rotated Secret is
/// used at the next fetch — in place of the environment variables and
/// files of [`Credentials`]. Each value carries where it came from, for
/// messages; `Debug` never shows a value.
#[derive(Clone, Default)]
pub struct SecretMaterial {
    pub(crate) token: Option<Supplied>,
    pub(crate) ssh_key: Option<Supplied>,
    pub(crate) ssh_key_passphrase: Option<Supplied>,
    pub(crate) known_hosts: Option<Supplied>,
}

/// One secret value and where it came from ("Secret `ns/name`, key `k`").
#[derive(Clone)]
pub(crate) struct Supplied {
    pub(crate) value: Secret,
    pub(crate) origin: String,
}

impl SecretMaterial {
    /// No value handed in: the source's own environment and files apply.
    pub fn is_empty(&self) -> bool {
        self.token.is_none()
            && self.ssh_key.is_none()
            && self.ssh_key_passphrase.is_none()
            && self.known_hosts.is_none()
    }

    fn supplied(value: impl Into<Secret>, origin: String) -> Option<Supplied> {
        Some(Supplied {
            value: value.into(),
            origin,
        })
    }

    /// https: the token (sent as the basic-auth password).
    pub fn with_token(mut self, value: impl Into<Secret>, origin: String) -> Self {
        self.token = Self::supplied(value, origin);
        self
    }

    /// ssh: the private key, in OpenSSH or PEM form.
    pub fn with_ssh_key(mut self, value: impl Into<Secret>, origin: String) -> Self {
        self.ssh_key = Self::supplied(value, origin);
        self
    }

    /// ssh: the private key's passphrase.
    pub fn with_ssh_key_passphrase(mut self, value: impl Into<Secret>, origin: String) -> Self {
        self.ssh_key_passphrase = Self::supplied(value, origin);
        self
    }

    /// ssh: the text of a known_hosts file (not secret, but it comes with
    /// the others).
    pub fn with_known_hosts(mut self, value: impl Into<Secret>, origin: String) -> Self {
        self.known_hosts = Self::supplied(value, origin);
        self
    }
}

impl std::fmt::Debug for SecretMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = |s: &Option<Supplied>| s.as_ref().map(|s| s.origin.clone());
        f.debug_struct("SecretMaterial")
            .field("token", &origin(&self.token))
            .field("ssh_key", &origin(&self.ssh_key))
            .field("ssh_key_passphrase", &origin(&self.ssh_key_passphrase))
            .field("known_hosts", &origin(&self.known_hosts))
            .finish()
    }
}

/// A Git source: remote URL, one ref, credentials. `Debug` is written by
/// hand so a password in the URL is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct GitSource {
    pub url: String,
    pub reference: GitRef,
    pub credentials: Credentials,
}

impl std::fmt::Debug for GitSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitSource")
            .field("url", &redact_url(&self.url))
            .field("reference", &self.reference)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl GitSource {
    pub fn new(url: impl Into<String>, reference: GitRef) -> Self {
        GitSource {
            url: url.into(),
            reference,
            credentials: Credentials::default(),
        }
    }

    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Build a source from the config's optional ref fields, of which
    /// exactly one must be set.
    pub fn from_parts(
        url: impl Into<String>,
        branch: Option<String>,
        tag: Option<String>,
        semver: Option<String>,
        commit: Option<String>,
    ) -> Result<Self, GitError> {
        let mut refs: Vec<GitRef> = Vec::new();
        refs.extend(branch.map(GitRef::Branch));
        refs.extend(tag.map(GitRef::Tag));
        refs.extend(semver.map(GitRef::Semver));
        refs.extend(commit.map(GitRef::Commit));
        let reference = match refs.len() {
            1 => refs.remove(0),
            0 => {
                return Err(GitError::InvalidConfig(
                    "set exactly one of branch, tag, semver or commit (none is set)".into(),
                ));
            }
            _ => {
                let names: Vec<String> = refs.iter().map(GitRef::describe).collect();
                return Err(GitError::InvalidConfig(format!(
                    "set exactly one of branch, tag, semver or commit (found {})",
                    names.join(" and ")
                )));
            }
        };
        let source = GitSource::new(url, reference);
        source.validate()?;
        Ok(source)
    }

    /// Check URL and ref syntax without touching the network.
    pub fn validate(&self) -> Result<RemoteUrl, GitError> {
        self.reference.validate()?;
        RemoteUrl::parse(&self.url)
    }
}

/// The commit a ref resolved to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revision {
    /// Full commit id, lowercase hex.
    pub commit: String,
    /// `refs/heads/main`, `refs/tags/v1.2.3`, or the commit id itself.
    pub ref_name: String,
    /// Committer time, seconds since the Unix epoch.
    pub time: Option<i64>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_ref() {
        let u = "https://example.com/a.git";
        assert!(GitSource::from_parts(u, None, None, None, None).is_err());
        let e = GitSource::from_parts(u, Some("main".into()), Some("v1".into()), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("branch `main` and tag `v1`"), "{e}");
        assert!(GitSource::from_parts(u, None, None, Some("^1.2".into()), None).is_ok());
        assert!(GitSource::from_parts(u, None, None, Some("one".into()), None).is_err());
        assert!(GitSource::from_parts(u, None, None, None, Some("xyz".into())).is_err());
        assert!(GitSource::from_parts(u, Some("a..b".into()), None, None, None).is_err());
    }

    #[test]
    fn debug_redacts_url() {
        let s = GitSource::new("https://u:hunter2@h/x.git", GitRef::Branch("main".into()));
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
