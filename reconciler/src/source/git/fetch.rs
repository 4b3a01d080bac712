//! One fetch into a bare cache repository: list the remote's refs, choose
//! the one the source names, download it (depth 1 where possible, full
//! history as a fallback) unless the cache already holds it, and resolve it
//! to a commit.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, Direction, ErrorClass, ErrorCode, FetchOptions, Oid, ProxyOptions, Repository,
};

use super::auth::{AuthState, ResolvedAuth};
use super::error::GitError;
use super::refs::RemoteRefs;
use super::source::{GitRef, Revision};
use super::url::{RemoteUrl, Transport};

/// libgit2's "convert a shallow repository into a complete one".
const DEPTH_UNSHALLOW: i32 = i32::MAX;
/// libgit2's "full history".
const DEPTH_FULL: i32 = 0;

/// Bounds on one fetch, so a slow or hostile remote cannot hold the
/// controller or fill its disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// Abort a transfer still running after this long (checked while data
    /// or server progress arrives).
    pub timeout: Duration,
    /// Abort a transfer that has received more than this many bytes.
    pub max_bytes: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            timeout: Duration::from_secs(300),
            max_bytes: 1 << 30,
        }
    }
}

/// What a fetch did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOutcome {
    pub revision: Revision,
    /// False when the cache already held the commit (no objects downloaded).
    pub downloaded: bool,
    /// True when the cache repository is shallow after this fetch.
    pub shallow: bool,
}

pub(crate) struct Fetcher<'a> {
    pub(crate) repo: &'a Repository,
    pub(crate) url: &'a RemoteUrl,
    pub(crate) auth: &'a ResolvedAuth,
    pub(crate) limits: FetchLimits,
    pub(crate) started: Instant,
    /// Set by the caller to abandon the transfer (checked, like the
    /// deadline, whenever data or server progress arrives).
    pub(crate) cancel: Option<&'a AtomicBool>,
}

impl Fetcher<'_> {
    pub(crate) fn fetch(&self, reference: &GitRef) -> Result<FetchOutcome, GitError> {
        if let GitRef::Commit(sha) = reference {
            return self.fetch_commit(sha);
        }
        let refs = self.list()?;
        let chosen = refs.choose(reference, &self.url.redacted())?;
        let have = self.repo.find_object(chosen.oid, None).is_ok();
        if have {
            tracing::debug!(ref_name = %chosen.ref_name, "cache already holds the commit");
            self.set_ref(&chosen.ref_name, chosen.oid)?;
        } else {
            let spec = format!("+{0}:{0}", chosen.ref_name);
            self.download(&[spec.as_str()], self.shallow_depth())?;
        }
        let commit = self.peel(&chosen.ref_name)?;
        Ok(self.outcome(commit, chosen.ref_name, !have))
    }

    fn fetch_commit(&self, sha: &str) -> Result<FetchOutcome, GitError> {
        let sha = sha.to_ascii_lowercase();
        if let Some(oid) = self.lookup_commit(&sha)? {
            tracing::debug!(commit = %oid, "cache already holds the commit");
            return Ok(self.outcome(oid, oid.to_string(), false));
        }
        // Listing first gives a precise error when the remote is down or
        // refuses us, before any download.
        self.list()?;
        let keep = format!("refs/air/commits/{sha}");
        if sha.len() == 40 {
            // Servers that allow fetching any reachable commit (GitHub,
            // GitLab, git >= 2.5 with allowReachableSHA1InWant) get a
            // shallow fetch of just that commit.
            let spec = format!("+{sha}:{keep}");
            if let Err(e) = self.download_once(&[spec.as_str()], self.shallow_depth()) {
                tracing::debug!(error = %e, "fetch by commit id refused; fetching all branches and tags");
            }
        }
        if self.lookup_commit(&sha)?.is_none() {
            let depth = if self.repo.is_shallow() {
                DEPTH_UNSHALLOW
            } else {
                DEPTH_FULL
            };
            self.download_once(
                &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                depth,
            )?;
        }
        let Some(oid) = self.lookup_commit(&sha)? else {
            return Err(GitError::RefNotFound {
                url: self.url.redacted(),
                kind: "commit",
                name: sha,
                available: Vec::new(),
            });
        };
        // Keep the commit reachable from a ref of its own.
        self.set_ref(&format!("refs/air/commits/{oid}"), oid)?;
        Ok(self.outcome(oid, oid.to_string(), true))
    }

    /// Depth 1, except where it cannot help: libgit2's local transport
    /// (file://) refuses shallow fetches and copies objects directly anyway.
    fn shallow_depth(&self) -> i32 {
        if self.url.transport() == Transport::File {
            DEPTH_FULL
        } else {
            1
        }
    }

    fn outcome(&self, commit: Oid, ref_name: String, downloaded: bool) -> FetchOutcome {
        let time = self
            .repo
            .find_commit(commit)
            .ok()
            .map(|c| c.time().seconds());
        FetchOutcome {
            revision: Revision {
                commit: commit.to_string(),
                ref_name,
                time,
            },
            downloaded,
            shallow: self.repo.is_shallow(),
        }
    }

    /// A commit of the cache by (possibly abbreviated) id — never by ref
    /// name, so a branch called `dead` cannot stand in for commit `dead…`.
    /// An ambiguous prefix finds nothing.
    fn lookup_commit(&self, sha: &str) -> Result<Option<Oid>, GitError> {
        match self.repo.find_commit_by_prefix(sha) {
            Ok(c) => Ok(Some(c.id())),
            Err(e) if e.code() == ErrorCode::Ambiguous => Err(GitError::InvalidConfig(format!(
                "commit `{sha}` is ambiguous in {}; give more digits",
                self.url.redacted()
            ))),
            Err(_) => Ok(None),
        }
    }

    /// ls-remote: connect, read the advertisement, disconnect.
    fn list(&self) -> Result<RemoteRefs, GitError> {
        let mut remote = self
            .repo
            .remote_anonymous(&self.url.for_libgit2())
            .map_err(|e| self.error(&e, &AuthState::default()))?;
        let state = RefCell::new(AuthState::default());
        let result = remote
            .connect_auth(
                Direction::Fetch,
                Some(self.auth.callbacks(&state)),
                Some(auto_proxy()),
            )
            .and_then(|conn| {
                conn.list().map(|heads| {
                    heads
                        .iter()
                        .map(|h| (h.name().to_string(), h.oid()))
                        .collect::<Vec<_>>()
                })
            });
        match result {
            Ok(refs) => Ok(RemoteRefs::new(refs)),
            Err(e) => Err(self.error(&e, &state.borrow())),
        }
    }

    /// Download with the given depth; if that fails for a reason other than
    /// reachability or credentials (a server or transport without shallow
    /// support), retry with full history.
    fn download(&self, specs: &[&str], depth: i32) -> Result<(), GitError> {
        match self.download_once(specs, depth) {
            Ok(()) => Ok(()),
            Err(e) if depth != DEPTH_FULL && !is_fatal(&e) => {
                tracing::debug!(error = %e, "shallow fetch failed; retrying with full history");
                let depth = if self.repo.is_shallow() {
                    DEPTH_UNSHALLOW
                } else {
                    DEPTH_FULL
                };
                self.download_once(specs, depth)
            }
            Err(e) => Err(e),
        }
    }

    fn download_once(&self, specs: &[&str], depth: i32) -> Result<(), GitError> {
        let mut remote = self
            .repo
            .remote_anonymous(&self.url.for_libgit2())
            .map_err(|e| self.error(&e, &AuthState::default()))?;
        let state = RefCell::new(AuthState::default());
        let mut callbacks = self.auth.callbacks(&state);
        let deadline = self.started + self.limits.timeout;
        let (max_bytes, url) = (self.limits.max_bytes, self.url.redacted());
        let timeout = GitError::Timeout {
            url: url.clone(),
            seconds: self.limits.timeout.as_secs(),
        };
        let timeout2 = timeout.clone();
        let cancelled = GitError::Cancelled { url: url.clone() };
        let cancelled2 = cancelled.clone();
        let cancel = self.cancel;
        let is_cancelled = move || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let st = &state;
        callbacks.transfer_progress(move |p| {
            if is_cancelled() {
                st.borrow_mut().aborted = Some(cancelled.clone());
                return false;
            }
            if p.received_bytes() > max_bytes {
                st.borrow_mut().aborted = Some(GitError::TooLarge {
                    url: url.clone(),
                    limit: max_bytes,
                });
                return false;
            }
            if Instant::now() > deadline {
                st.borrow_mut().aborted = Some(timeout.clone());
                return false;
            }
            true
        });
        callbacks.sideband_progress(move |_| {
            if is_cancelled() {
                st.borrow_mut().aborted = Some(cancelled2.clone());
                return false;
            }
            if Instant::now() > deadline {
                st.borrow_mut().aborted = Some(timeout2.clone());
                return false;
            }
            true
        });
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(callbacks)
            .proxy_options(auto_proxy())
            .download_tags(AutotagOption::None)
            .update_fetchhead(false)
            .depth(depth);
        let result = remote.fetch(specs, Some(&mut opts), None);
        drop(opts);
        result.map_err(|e| self.error(&e, &state.borrow()))
    }

    fn set_ref(&self, name: &str, oid: Oid) -> Result<(), GitError> {
        self.repo
            .reference(name, oid, true, "air: fetched")
            .map(|_| ())
            .map_err(|e| self.cache_error(&e))
    }

    fn peel(&self, ref_name: &str) -> Result<Oid, GitError> {
        self.repo
            .find_reference(ref_name)
            .and_then(|r| r.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| self.cache_error(&e))
    }

    fn cache_error(&self, e: &git2::Error) -> GitError {
        GitError::Cache {
            path: self.repo.path().display().to_string(),
            detail: self.auth.scrub(e.message()),
        }
    }

    /// Turn a libgit2 error into a precise one, using what the callbacks saw.
    fn error(&self, e: &git2::Error, st: &AuthState) -> GitError {
        let url = self.url.redacted();
        let detail = self.auth.scrub(e.message());
        if let Some(abort) = &st.aborted {
            return abort.clone();
        }
        if let Some(hk) = &st.host_key {
            return hk.clone();
        }
        if let Some(cert) = &st.certificate {
            return cert.clone();
        }
        if let Some(m) = &st.missing {
            return GitError::MissingCredential {
                url,
                detail: m.clone(),
            };
        }
        if let Some(r) = &st.rejected {
            return GitError::AuthFailed {
                url,
                detail: r.clone(),
            };
        }
        if e.code() == ErrorCode::Certificate
            || (e.class() == ErrorClass::Ssl && detail.contains("certificate"))
        {
            // libgit2 refused it against the system's trust store.
            return GitError::Certificate {
                url,
                detail,
                trusted: "the system's trust store".into(),
            };
        }
        let lower = detail.to_ascii_lowercase();
        if e.code() == ErrorCode::Auth
            || lower.contains("401")
            || lower.contains("403")
            || lower.contains("authentication")
        {
            return GitError::AuthFailed { url, detail };
        }
        let detail = if lower.contains("404") {
            format!("{detail} (no such repository?)")
        } else {
            detail
        };
        match e.class() {
            ErrorClass::Net
            | ErrorClass::Os
            | ErrorClass::Ssh
            | ErrorClass::Http
            | ErrorClass::Ssl => GitError::Unreachable { url, detail },
            _ if e.code() == ErrorCode::NotFound || lower.contains("could not find repository") => {
                GitError::Unreachable { url, detail }
            }
            _ => GitError::Fetch { url, detail },
        }
    }
}

/// libgit2's proxy auto-detection (Git's `http.proxy`, the `http_proxy` /
/// `https_proxy` environment variables), as clusters often require.
fn auto_proxy<'a>() -> ProxyOptions<'a> {
    let mut p = ProxyOptions::new();
    p.auto();
    p
}

/// Errors a retry with another depth cannot fix.
fn is_fatal(e: &GitError) -> bool {
    match e {
        GitError::Fetch { .. } => false,
        GitError::Unreachable { detail, .. } => !detail.contains("shallow"),
        _ => true,
    }
}
