//! `air reconcile`: one process, many apps. Each app runs in its own task:
//! fetch → compile → plan/apply/prune → health → status, every interval
//! (with jitter), backing off on errors; drift events from the watchers
//! ([`crate::watch`]) are handled between cycles. The HTTP surface
//! ([`crate::http`]) serves the shared status and metrics.

//!
//! The room holds everything of the long-running process besides the loop
//! itself: AirApps, the watches, leader election, its configuration,
//! status, Kubernetes Events, outgoing notifications, metrics, the HTTP
//! surface with its dashboard, and incoming Git push hooks.

pub mod airapp;
pub mod config;
pub(crate) mod dashboard;
pub(crate) mod events;
pub mod http;
pub mod leader;
pub mod metrics;
pub(crate) mod notifications;
pub mod push_hooks;
pub(crate) mod secrets;
pub mod status;
pub(crate) mod watch;

mod airapps;
mod app;
mod error;
mod jobs;
mod timing;

use crate::cluster::Cluster;
use crate::config::{AppConfig, Config};
use crate::desired::AppViews;
use crate::git::GitCache;
use crate::metrics::Metrics;
use crate::notifications::Notifier;
use crate::secret::Secret;
use crate::status::AppStatus;
use crate::watch::{Index, Watchers};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use prometheus_client::registry::Registry;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use tokio::sync::{Mutex, mpsc, watch as stop_signal};

pub use app::AppTask;
pub use jobs::JobLimits;
pub use timing::{backoff, jittered};

/// The shortest `/hooks/git` secret accepted, in bytes.
pub(crate) const MIN_WEBHOOK_SECRET: usize = 16;
/// How many recent deliveries `/hooks/git` remembers to refuse replays.
const RECENT_DELIVERIES: usize = 4096;

/// A webhook secret too short to resist guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the webhook secret has {0} bytes; use at least {MIN_WEBHOOK_SECRET} (for example `openssl rand -hex 32`)"
)]
pub struct WeakSecret(pub usize);

/// State shared by the app tasks and the HTTP server.
pub struct Shared {
    /// Shared with the app tasks, which keep the same `Arc` as what they
    /// last published: one copy of each status, not two.
    statuses: RwLock<BTreeMap<String, Arc<AppStatus>>>,
    pub metrics: Metrics,
    pub registry: Registry,
    /// Ask an app for an immediate cycle (`POST /api/apps/<name>/reconcile`,
    /// a push hook); each request carries its id.
    triggers: RwLock<BTreeMap<String, mpsc::UnboundedSender<u64>>>,
    /// The last trigger id given out (ids start at 1 and only grow).
    last_trigger: AtomicU64,
    /// Each app's repository, normalised (`push_hooks::normalize`), for
    /// `POST /hooks/git`.
    repos: RwLock<BTreeMap<String, String>>,
    /// The secret `/hooks/git` verifies with; `None` turns the hook off.
    webhook_secret: RwLock<Option<Secret>>,
    /// The delivery ids and body digests `/hooks/git` accepted lately.
    deliveries: std::sync::Mutex<std::collections::VecDeque<String>>,
    /// Who may use the API and the dashboard.
    http_policy: RwLock<Arc<crate::http::HttpPolicy>>,
    /// Where notifications go (set by [`run`] from the configuration).
    pub(crate) notifier: RwLock<Option<Notifier>>,
    /// The dashboard's graphs and catalog of each app's revision in force.
    views: RwLock<BTreeMap<String, Arc<AppViews>>>,
    /// How many fetches and compiles may run at once, across apps.
    pub(crate) jobs: JobLimits,
}

impl Shared {
    pub fn new() -> Arc<Shared> {
        let (metrics, registry) = Metrics::new();
        Arc::new(Shared {
            statuses: RwLock::default(),
            metrics,
            registry,
            triggers: RwLock::default(),
            last_trigger: AtomicU64::new(0),
            repos: RwLock::default(),
            webhook_secret: RwLock::default(),
            deliveries: std::sync::Mutex::default(),
            http_policy: RwLock::default(),
            notifier: RwLock::default(),
            views: RwLock::default(),
            jobs: JobLimits::default(),
        })
    }

    pub(crate) fn set_views(&self, app: &str, views: AppViews) {
        {
            let mut m = self.views.write().unwrap_or_else(PoisonError::into_inner);
            m.insert(app.to_string(), Arc::new(views));
        }
    }

    /// The graphs and catalog of `app`'s revision in force.
    pub fn views(&self, app: &str) -> Option<Arc<AppViews>> {
        self.views.read().ok()?.get(app).cloned()
    }

    /// Turn `POST /hooks/git` on with this secret (or off with `None`).
    /// A secret shorter than [`MIN_WEBHOOK_SECRET`] bytes is refused (the
    /// hook stays off): it could be guessed.
    pub fn set_webhook_secret(&self, secret: Option<String>) -> Result<(), WeakSecret> {
        let secret = secret.filter(|s| !s.is_empty());
        if let Some(s) = &secret
            && s.len() < MIN_WEBHOOK_SECRET
        {
            return Err(WeakSecret(s.len()));
        }
        {
            let mut s = self
                .webhook_secret
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            *s = secret.map(Secret::from);
        }
        Ok(())
    }

    /// Who may use the API and the dashboard from now on.
    pub fn set_http_policy(&self, policy: crate::http::HttpPolicy) {
        {
            let mut p = self
                .http_policy
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            *p = Arc::new(policy);
        }
    }

    pub(crate) fn http_policy(&self) -> Arc<crate::http::HttpPolicy> {
        self.http_policy
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Record a `/hooks/git` delivery; false when its id or its body was
    /// seen among the last [`RECENT_DELIVERIES`].
    pub(crate) fn first_delivery(&self, id: Option<&str>, body: &[u8]) -> bool {
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let keys: Vec<String> = id
            .map(|i| format!("id:{i}"))
            .into_iter()
            .chain([format!("body:{digest}")])
            .collect();
        let Ok(mut seen) = self.deliveries.lock() else {
            return false;
        };
        if keys.iter().any(|k| seen.contains(k)) {
            return false;
        }
        for k in keys {
            if seen.len() >= RECENT_DELIVERIES {
                seen.pop_front();
            }
            seen.push_back(k);
        }
        true
    }

    pub(crate) fn webhook_secret(&self) -> Option<Secret> {
        self.webhook_secret.read().ok()?.clone()
    }

    /// Trigger every app reading one of `urls`; the apps triggered.
    pub fn trigger_repositories(&self, urls: &[String]) -> Vec<String> {
        let wanted: Vec<String> = urls
            .iter()
            .map(|u| crate::push_hooks::normalize(u))
            .collect();
        let apps: Vec<String> = self
            .repos
            .read()
            .map(|m| {
                m.iter()
                    .filter(|(_, repo)| wanted.contains(repo))
                    .map(|(app, _)| app.clone())
                    .collect()
            })
            .unwrap_or_default();
        apps.into_iter().filter(|a| self.trigger(a)).collect()
    }

    /// Every app's status, sorted by name.
    pub fn statuses(&self) -> Vec<AppStatus> {
        self.shared_statuses()
            .iter()
            .map(|s| AppStatus::clone(s))
            .collect()
    }

    /// Every app's status, sorted by name, without copying them (a
    /// thousand statuses are megabytes; the API and the dashboard only
    /// read them).
    pub(crate) fn shared_statuses(&self) -> Vec<Arc<AppStatus>> {
        // A poisoned lock (a panic elsewhere while it was held) still
        // holds whole entries: reads and writes go on, none is dropped.
        self.statuses
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    pub fn status(&self, app: &str) -> Option<AppStatus> {
        self.statuses
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app)
            .map(|s| AppStatus::clone(s))
    }

    pub(crate) fn set_status(&self, s: Arc<AppStatus>) {
        {
            let mut m = self
                .statuses
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            m.insert(s.name.clone(), s);
        }
    }

    /// Forget an app that no longer runs: its status, trigger, repository
    /// and views.
    pub(crate) fn forget(&self, app: &str) {
        {
            let mut m = self
                .statuses
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            m.remove(app);
        }
        {
            let mut m = self
                .triggers
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            m.remove(app);
        }
        {
            let mut m = self.repos.write().unwrap_or_else(PoisonError::into_inner);
            m.remove(app);
        }
        {
            let mut m = self.views.write().unwrap_or_else(PoisonError::into_inner);
            m.remove(app);
        }
    }

    /// Ready once every app has finished its first cycle.
    pub fn ready(&self) -> bool {
        self.statuses
            .read()
            .map(|m| m.values().all(|s| s.attempted))
            .unwrap_or(false)
    }

    /// Trigger an immediate cycle; false when no such app.
    pub fn trigger(&self, app: &str) -> bool {
        self.request_cycle(app).is_some()
    }

    /// Trigger an immediate cycle and return its id (`None`: no such app).
    /// Once the app's task has handled it — run the cycle, or, suspended,
    /// decided to do nothing — its status says so
    /// ([`AppStatus::handled_trigger`] at least this id), so a caller can
    /// wait for the outcome instead of guessing how long it takes.
    pub fn request_cycle(&self, app: &str) -> Option<u64> {
        let triggers = self.triggers.read().ok()?;
        let tx = triggers.get(app)?;
        let id = self
            .last_trigger
            .fetch_add(1, Ordering::SeqCst)
            .saturating_add(1);
        tx.send(id).is_ok().then_some(id)
    }
}

/// Run every app until `shutdown` resolves: those of the configuration
/// file, and, with `airapp_namespace`, the AirApps of that namespace as
/// they are created, changed and deleted. With `once`, run one cycle of
/// each app (no watchers, no interval) and return.
pub async fn run(
    config: Config,
    cluster: Cluster,
    cache: GitCache,
    shared: Arc<Shared>,
    once: bool,
    shutdown: impl Future<Output = ()>,
) -> Vec<AppStatus> {
    let notifier = Notifier::new(&config.notify, |v| std::env::var(v).ok());
    {
        let mut n = shared
            .notifier
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *n = (!notifier.is_empty()).then_some(notifier);
    }
    let (stop_tx, stop_rx) = stop_signal::channel(false);
    let index = Arc::new(Index::default());
    let watchers = Arc::new(Mutex::new(Watchers::new(
        cluster.clone(),
        index.clone(),
        stop_rx.clone(),
    )));
    let starter = Starter {
        cluster: cluster.clone(),
        cache,
        shared: shared.clone(),
        index,
        watchers: (!once).then_some(watchers),
        stop: stop_rx,
    };
    let file_apps: BTreeSet<String> = config.apps.iter().map(|a| a.name.clone()).collect();
    if once {
        for cfg in config.apps {
            starter.task(cfg).run_once().await;
        }
        if let Some(ns) = &config.airapp_namespace {
            airapps::run_once(&starter, ns, &file_apps).await;
        }
        return shared.statuses();
    }
    let mut tasks = FuturesUnordered::new();
    // The apps of the file start together: their first cycles share one
    // fetch per repository.
    let listed = std::time::Instant::now();
    for cfg in config.apps {
        tasks.push(starter.start(cfg, None, None, listed));
    }
    let mut airapps = match &config.airapp_namespace {
        Some(ns) => airapps::AirApps::watch(&cluster, ns, file_apps),
        None => airapps::AirApps::none(),
    };
    // The app tasks run concurrently on this task (`apply::sync` takes a
    // non-`Send` progress callback); Git and compile work runs on blocking
    // threads, so no app stalls another.
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(change) = airapps.next() => airapps.apply(change, &starter, &mut tasks).await,
            Some(()) = tasks.next(), if !tasks.is_empty() => {}
        }
    }
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    airapps.stop_all();
    while tasks.next().await.is_some() {}
    shared.statuses()
}

/// A running app task's future.
type TaskFuture<'a> = futures::future::LocalBoxFuture<'a, ()>;

/// What every app task is built from.
struct Starter {
    cluster: Cluster,
    cache: GitCache,
    shared: Arc<Shared>,
    index: Arc<Index>,
    watchers: Option<Arc<Mutex<Watchers>>>,
    /// Turns true at shutdown.
    stop: stop_signal::Receiver<bool>,
}

impl Starter {
    fn task(&self, cfg: AppConfig) -> AppTask {
        AppTask::new(
            cfg,
            self.cluster.clone(),
            self.cache.clone(),
            self.shared.clone(),
            self.index.clone(),
            self.watchers.clone(),
        )
    }

    /// The future of one app's task: a file app runs until shutdown; an
    /// AirApp app (`owner`) until its handle's stop turns true. It first
    /// waits for `after` (the task it replaces, so two never run for one
    /// app), and registers the app only then. An AirApp app stopped for
    /// good (deleted, or made invalid) is forgotten when its task ends,
    /// unless its handle says a successor takes its place. Its first fetch
    /// may share one of the same source that began at or after `listed`
    /// (when the app's configuration was read).
    fn start<'a>(
        &'a self,
        cfg: AppConfig,
        owner: Option<(crate::airapp::StatusWriter, airapps::Handle)>,
        after: Option<tokio::sync::oneshot::Receiver<()>>,
        listed: std::time::Instant,
    ) -> TaskFuture<'a> {
        Box::pin(async move {
            if let Some(previous) = after {
                let _ = previous.await;
            }
            let name = cfg.name.clone();
            let (obs_tx, obs_rx) = mpsc::unbounded_channel();
            let (trig_tx, trig_rx) = mpsc::unbounded_channel();
            self.index.register(&name, obs_tx);
            {
                let mut m = self
                    .shared
                    .triggers
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                m.insert(name.clone(), trig_tx);
            }
            {
                let mut m = self
                    .shared
                    .repos
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                m.insert(name.clone(), crate::push_hooks::normalize(&cfg.source.url));
            }
            // The task moves into its boxed `run` future: held once, not
            // also in this one's state.
            let mut task = self.task(cfg).fresh_since(listed);
            let Some((writer, handle)) = owner else {
                Box::pin(task.run(obs_rx, trig_rx, self.stop.clone())).await;
                return;
            };
            task = task.owned_by(writer);
            Box::pin(task.run(obs_rx, trig_rx, handle.stop.clone())).await;
            if !handle.replaced() {
                self.shared.forget(&name);
                self.index.unregister(&name);
            }
            handle.finished();
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_status_lock_still_takes_and_serves_writes() {
        let shared = Shared::new();
        let poisoner = Arc::clone(&shared);
        let panicked = std::thread::spawn(move || {
            let _guard = poisoner.statuses.write();
            panic!("a panic while the status lock is held");
        })
        .join();
        assert!(panicked.is_err() && shared.statuses.is_poisoned());
        shared.set_status(Arc::new(AppStatus {
            name: "shop".into(),
            ..AppStatus::default()
        }));
        assert_eq!(shared.status("shop").map(|s| s.name), Some("shop".into()));
        assert_eq!(shared.statuses().len(), 1);
    }
}
