//! `air reconcile`: one process, many apps. Each app runs in its own task:
//! fetch → compile → plan/apply/prune → health → status, every interval
//! (with jitter), backing off on errors; drift events from the watchers
//! ([`crate::watch`]) are handled between cycles. The HTTP surface
//! ([`crate::http`]) serves the shared status and metrics.

mod app;
mod timing;

use crate::cluster::Cluster;
use crate::config::Config;
use crate::desired::AppViews;
use crate::git::GitCache;
use crate::metrics::Metrics;
use crate::notify::Notifier;
use crate::status::AppStatus;
use crate::watch::{Index, Watchers};
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, mpsc, watch};

pub use app::AppTask;
pub use timing::{backoff, jittered};

/// State shared by the app tasks and the HTTP server.
pub struct Shared {
    statuses: RwLock<BTreeMap<String, AppStatus>>,
    pub metrics: Metrics,
    pub registry: Registry,
    /// Ask an app for an immediate cycle (`POST /api/apps/<name>/reconcile`).
    triggers: RwLock<BTreeMap<String, mpsc::UnboundedSender<()>>>,
    /// Each app's repository, normalised (`webhook::normalize`), for
    /// `POST /hooks/git`.
    repos: RwLock<BTreeMap<String, String>>,
    /// The secret `/hooks/git` verifies with; `None` turns the hook off.
    webhook_secret: RwLock<Option<String>>,
    /// Where notifications go (set by [`run`] from the configuration).
    pub(crate) notifier: RwLock<Option<Notifier>>,
    /// The dashboard's graphs and catalog of each app's revision in force.
    views: RwLock<BTreeMap<String, Arc<AppViews>>>,
}

impl Shared {
    pub fn new() -> Arc<Shared> {
        let (metrics, registry) = Metrics::new();
        Arc::new(Shared {
            statuses: RwLock::default(),
            metrics,
            registry,
            triggers: RwLock::default(),
            repos: RwLock::default(),
            webhook_secret: RwLock::default(),
            notifier: RwLock::default(),
            views: RwLock::default(),
        })
    }

    pub(crate) fn set_views(&self, app: &str, views: AppViews) {
        if let Ok(mut m) = self.views.write() {
            m.insert(app.to_string(), Arc::new(views));
        }
    }

    /// The graphs and catalog of `app`'s revision in force.
    pub fn views(&self, app: &str) -> Option<Arc<AppViews>> {
        self.views.read().ok()?.get(app).cloned()
    }

    /// Turn `POST /hooks/git` on with this secret (or off with `None`).
    pub fn set_webhook_secret(&self, secret: Option<String>) {
        if let Ok(mut s) = self.webhook_secret.write() {
            *s = secret.filter(|s| !s.is_empty());
        }
    }

    pub(crate) fn webhook_secret(&self) -> Option<String> {
        self.webhook_secret.read().ok()?.clone()
    }

    /// Trigger every app reading one of `urls`; the apps triggered.
    pub fn trigger_repositories(&self, urls: &[String]) -> Vec<String> {
        let wanted: Vec<String> = urls.iter().map(|u| crate::webhook::normalize(u)).collect();
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
        self.statuses
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn status(&self, app: &str) -> Option<AppStatus> {
        self.statuses.read().ok()?.get(app).cloned()
    }

    pub(crate) fn set_status(&self, s: AppStatus) {
        if let Ok(mut m) = self.statuses.write() {
            m.insert(s.name.clone(), s);
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
        self.triggers
            .read()
            .ok()
            .and_then(|m| m.get(app).map(|tx| tx.send(()).is_ok()))
            .unwrap_or(false)
    }
}

/// Run every app until `shutdown` resolves. With `once`, run one cycle of
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
    if let Ok(mut n) = shared.notifier.write() {
        *n = (!notifier.is_empty()).then_some(notifier);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let index = Arc::new(Index::default());
    let watchers = Arc::new(Mutex::new(Watchers::new(
        cluster.clone(),
        index.clone(),
        stop_rx.clone(),
    )));
    let mut tasks = Vec::new();
    for cfg in config.apps {
        let (obs_tx, obs_rx) = mpsc::unbounded_channel();
        let (trig_tx, trig_rx) = mpsc::unbounded_channel();
        index.register(&cfg.name, obs_tx);
        if let Ok(mut m) = shared.triggers.write() {
            m.insert(cfg.name.clone(), trig_tx);
        }
        if let Ok(mut m) = shared.repos.write() {
            m.insert(cfg.name.clone(), crate::webhook::normalize(&cfg.source.url));
        }
        let task = AppTask::new(
            cfg,
            cluster.clone(),
            cache.clone(),
            shared.clone(),
            index.clone(),
            (!once).then(|| watchers.clone()),
        );
        if once {
            task.run_once().await;
        } else {
            tasks.push(task.run(obs_rx, trig_rx, stop_rx.clone()));
        }
    }
    if !once {
        // The app tasks run concurrently on this task (`apply::sync` takes
        // a non-`Send` progress callback); Git and compile work runs on
        // blocking threads, so no app stalls another.
        let stopper = async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = stop_tx.send(true);
        };
        futures::join!(stopper, futures::future::join_all(tasks));
    }
    shared.statuses()
}
