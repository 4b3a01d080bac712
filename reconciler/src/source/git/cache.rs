//! The Git cache: one bare repository per remote under a cache folder,
//! named by a hash of the credential-free URL, reused across fetches.
//!
//! Apps that read the same repository share fetches: a fetch waiting for
//! the repository's lock takes the answer of a fetch of the same source
//! (URL, ref, credentials) that began after the moment it accepts
//! ([`GitCache::fetch_shared`]), so 1,000 apps on 10 repositories cost
//! about one fetch per repository and revision, not one per app.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use git2::Repository;
use sha2::{Digest, Sha256};

use super::auth::{EnvLookup, ResolvedAuth};
use super::error::GitError;
use super::fetch::{FetchLimits, FetchOutcome, Fetcher};
use super::source::{GitSource, Revision, SecretMaterial};
use super::tree::TreeProvider;
use super::url::RemoteUrl;

/// libgit2 cannot repack, and every fetch that downloads adds a pack file;
/// past this many the cache is rebuilt from the remote instead.
const DEFAULT_MAX_PACKS: usize = 64;

/// Fetches Git sources into bare repositories under one folder.
///
/// Cheap to clone; clones share the per-repository locks, so two apps on
/// the same remote never fetch into the same cache at once.
#[derive(Clone)]
pub struct GitCache {
    root: PathBuf,
    env: Arc<EnvLookup>,
    limits: FetchLimits,
    max_packs: usize,
    /// Per cache repository: its lock, holding the last fetch of each source.
    locks: Arc<Mutex<HashMap<PathBuf, Arc<Mutex<Recent>>>>>,
    /// Fetches that reached the remote (shared answers not counted).
    remote_fetches: Arc<AtomicU64>,
}

/// The last successful fetch of each source into one cache repository:
/// when it began and what it found. Keyed by a digest of the URL as
/// written (credentials included), the ref and the credential settings, so
/// an app only ever shares a fetch it could have made itself.
#[derive(Default)]
struct Recent(HashMap<[u8; 32], (Instant, FetchOutcome)>);

fn source_key(source: &GitSource) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        source.url.as_str(),
        &format!("{:?}", source.reference),
        &format!("{:?}", source.credentials),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

impl std::fmt::Debug for GitCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCache")
            .field("root", &self.root)
            .finish()
    }
}

impl GitCache {
    /// A cache under `root`; secrets are read from the process environment.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        GitCache {
            root: root.into(),
            env: Arc::new(|name: &str| std::env::var(name).ok()),
            limits: FetchLimits::default(),
            max_packs: DEFAULT_MAX_PACKS,
            locks: Arc::default(),
            remote_fetches: Arc::default(),
        }
    }

    /// Read secrets (token_env, ssh_key_passphrase_env, HOME) through
    /// `lookup` instead of the process environment.
    pub fn with_env(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    /// Bound the time and size of each fetch.
    pub fn with_fetch_limits(mut self, limits: FetchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Rebuild a cache from scratch once it holds more than `n` pack files
    /// (each downloading fetch adds one; libgit2 cannot repack).
    pub fn with_max_packs(mut self, n: usize) -> Self {
        self.max_packs = n;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The cache folder of a remote: `<root>/<name>-<hash>.git`, where the
    /// hash covers the URL without any credentials.
    pub fn repo_dir(&self, url: &str) -> Result<PathBuf, GitError> {
        let url = RemoteUrl::parse(url)?;
        Ok(self.dir_for(&url))
    }

    fn dir_for(&self, url: &RemoteUrl) -> PathBuf {
        let digest = Sha256::digest(url.cache_key().as_bytes());
        let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
        self.root.join(format!("{}-{hex}.git", url.repo_name()))
    }

    /// Fetch the source's ref and resolve it to a commit.
    pub fn fetch(&self, source: &GitSource) -> Result<Revision, GitError> {
        self.fetch_detailed(source).map(|o| o.revision)
    }

    /// Like [`GitCache::fetch`], also telling whether anything was
    /// downloaded and whether the cache is shallow.
    pub fn fetch_detailed(&self, source: &GitSource) -> Result<FetchOutcome, GitError> {
        self.fetch_with(source, &SecretMaterial::default(), None, None)
    }

    /// Like [`GitCache::fetch`], with secret values that take the place of
    /// the source's environment variables and files (`material`); setting
    /// `cancel` abandons the transfer at the next sign of progress from the
    /// remote (the controller sets it when a fetch outlives its timeout).
    pub fn fetch_cancellable(
        &self,
        source: &GitSource,
        material: &SecretMaterial,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Revision, GitError> {
        self.fetch_with(source, material, Some(cancel), None)
            .map(|o| o.revision)
    }

    /// Like [`GitCache::fetch_cancellable`], but when a fetch of the same
    /// source (URL, ref, credentials) that began at or after `fresh_since`
    /// has succeeded, its answer is returned without asking the remote.
    /// A caller passes the moment it needs news from: when it asked (a
    /// webhook: anything pushed before must be seen), or a little earlier
    /// for a periodic poll. Several apps on one repository then cost one
    /// fetch, even when they all wait for it at once.
    ///
    /// A fetch with Secret material (`material` not empty) is never shared
    /// either way: which Secret an app may read is decided per AirApp
    /// namespace, so one app must not see what another's Secret fetched.
    pub fn fetch_shared(
        &self,
        source: &GitSource,
        material: &SecretMaterial,
        cancel: &std::sync::atomic::AtomicBool,
        fresh_since: Instant,
    ) -> Result<Revision, GitError> {
        let share = material.is_empty().then_some(fresh_since);
        self.fetch_with(source, material, Some(cancel), share)
            .map(|o| o.revision)
    }

    /// How many fetches reached a remote since this cache (or the cache it
    /// was cloned from) was created; answers shared by
    /// [`GitCache::fetch_shared`] are not counted.
    pub fn remote_fetches(&self) -> u64 {
        self.remote_fetches.load(Ordering::Relaxed)
    }

    fn fetch_with(
        &self,
        source: &GitSource,
        material: &SecretMaterial,
        cancel: Option<&std::sync::atomic::AtomicBool>,
        fresh_since: Option<Instant>,
    ) -> Result<FetchOutcome, GitError> {
        let url = source.validate()?;
        let started = Instant::now();
        let auth = ResolvedAuth::resolve(&url, &source.credentials, material, self.env.as_ref())?;
        let dir = self.dir_for(&url);
        let key = source_key(source);
        let lock = self.lock_for(&dir);
        let mut recent = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(since) = fresh_since
            && let Some((began, outcome)) = recent.0.get(&key)
            && *began >= since
        {
            tracing::debug!(url = %url.redacted(), commit = %outcome.revision.commit, "sharing a fetch that began since");
            return Ok(FetchOutcome {
                downloaded: false,
                ..outcome.clone()
            });
        }
        let began = Instant::now();
        self.remote_fetches.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!(
            "git_fetch",
            url = %url.redacted(),
            reference = %source.reference.describe()
        );
        let _enter = span.enter();
        let packs = pack_count(&dir);
        if packs > self.max_packs {
            tracing::info!(packs, "Git cache holds too many packs; rebuilding it");
            recent.0.clear();
            std::fs::remove_dir_all(&dir).map_err(|e| GitError::Cache {
                path: dir.display().to_string(),
                detail: e.to_string(),
            })?;
        }
        let repo = open_or_init(&dir, &url)?;
        let result = Fetcher {
            repo: &repo,
            url: &url,
            auth: &auth,
            limits: self.limits,
            started,
            cancel,
        }
        .fetch(&source.reference);
        match &result {
            Ok(o) => tracing::info!(
                commit = %o.revision.commit,
                ref_name = %o.revision.ref_name,
                downloaded = o.downloaded,
                shallow = o.shallow,
                "git fetch done"
            ),
            Err(e) => tracing::warn!(error = %e, "git fetch failed"),
        }
        match &result {
            Ok(o) => {
                recent.0.insert(key, (began, o.clone()));
            }
            // The cache may have been rebuilt or damaged: what other
            // sources found before may no longer be in it.
            Err(_) => recent.0.clear(),
        }
        result
    }

    /// Open the cache repository of a source (after a fetch).
    pub fn open(&self, source: &GitSource) -> Result<Repository, GitError> {
        let url = source.validate()?;
        let dir = self.dir_for(&url);
        Repository::open_bare(&dir).map_err(|e| GitError::Cache {
            path: dir.display().to_string(),
            detail: e.message().to_string(),
        })
    }

    /// A [`TreeProvider`] over the fetched revision of a source.
    pub fn tree_provider(
        &self,
        source: &GitSource,
        revision: &Revision,
    ) -> Result<TreeProvider, GitError> {
        let repo = self.open(source)?;
        TreeProvider::for_revision(repo, &revision.commit)
    }

    fn lock_for(&self, dir: &Path) -> Arc<Mutex<Recent>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        locks.entry(dir.to_path_buf()).or_default().clone()
    }
}

fn pack_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("objects/pack"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                .count()
        })
        .unwrap_or(0)
}

/// Open the bare cache, or (re)create it: a cache that cannot be opened is
/// disposable and is rebuilt from the remote.
fn open_or_init(dir: &Path, url: &RemoteUrl) -> Result<Repository, GitError> {
    let cache_err = |e: &dyn std::fmt::Display| GitError::Cache {
        path: dir.display().to_string(),
        detail: e.to_string(),
    };
    if dir.exists() {
        match Repository::open_bare(dir) {
            Ok(r) => return Ok(r),
            Err(e) => {
                tracing::warn!(path = %dir.display(), error = %e.message(), "unusable Git cache; recreating it");
                std::fs::remove_dir_all(dir).map_err(|e| cache_err(&e))?;
            }
        }
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| cache_err(&e))?;
    }
    let repo = Repository::init_bare(dir).map_err(|e| cache_err(&e.message()))?;
    // For people looking at the cache folder: which remote is this?
    let _ = std::fs::write(dir.join("description"), format!("{}\n", url.redacted()));
    Ok(repo)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cache_dir_never_contains_credentials() {
        let cache = GitCache::new("/tmp/cache");
        let a = cache
            .repo_dir("https://u:topsecret@example.com/org/app.git")
            .unwrap();
        let b = cache.repo_dir("https://example.com/org/app.git").unwrap();
        assert_eq!(a, b);
        assert!(!a.display().to_string().contains("topsecret"));
        assert!(a.file_name().unwrap().to_string_lossy().starts_with("app-"));
        let c = cache.repo_dir("https://example.com/org/other.git").unwrap();
        assert_ne!(a, c);
    }
}
