//! The apps that come from `AirApp` resources: a watch on one namespace
//! turns creations, spec changes and deletions into started, restarted
//! and stopped app tasks while the controller runs.
//!
//! Rules (docs/reconcile.md, "AirApp resources"):
//! - an invalid spec, or a name the configuration file already uses, is
//!   refused: nothing runs for it and its `.status` says why;
//! - a spec change stops the app's task and starts a new one once the old
//!   one has finished its cycle (two never run for one app);
//! - only spec changes restart (labels and annotations do not);
//! - deleting an AirApp stops reconciling it and forgets its status; its
//!   objects stay in the cluster (like deleting an Argo CD Application
//!   without its finalizer), as do the status ConfigMap and inventory.

use super::{Starter, TaskFuture};
use crate::airapp::{AirApp, AirAppSpec, AirAppStatus, StatusWriter, patch_status};
use crate::cluster::Cluster;
use crate::config::AppConfig;
use futures::StreamExt;
use futures::stream::{BoxStream, FuturesUnordered};
use kube::api::ListParams;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::{oneshot, watch};

/// The task's side of a running AirApp app.
pub(super) struct Handle {
    /// Turns true when the AirApp changes or goes away, and at shutdown.
    pub stop: watch::Receiver<bool>,
    replaced: Arc<AtomicBool>,
    done: oneshot::Sender<()>,
}

impl Handle {
    /// A new task takes this one's place (its spec changed).
    pub fn replaced(&self) -> bool {
        self.replaced.load(Ordering::SeqCst)
    }

    /// The task has ended; a successor may start.
    pub fn finished(self) {
        let _ = self.done.send(());
    }
}

/// The controller's side of a running AirApp app.
struct Running {
    spec: AirAppSpec,
    stop: watch::Sender<bool>,
    replaced: Arc<AtomicBool>,
    done: oneshot::Receiver<()>,
}

/// A change seen by the watch.
pub(super) enum Change {
    Applied(Box<AirApp>),
    Deleted(String),
    /// A (re)list began: names seen until `ListDone` are the live set.
    ListStart,
    ListDone,
}

pub(super) struct AirApps {
    cluster: Option<Cluster>,
    namespace: String,
    stream: Option<BoxStream<'static, Change>>,
    /// Names the configuration file uses.
    file_apps: BTreeSet<String>,
    running: BTreeMap<String, Running>,
    /// Tasks stopped for good but maybe not finished yet: a new AirApp of
    /// the same name waits for them.
    stopping: BTreeMap<String, oneshot::Receiver<()>>,
    /// The last status written for each refused AirApp.
    refused: BTreeMap<String, String>,
    listing: Option<BTreeSet<String>>,
    /// When the listing in progress began.
    listed_at: Option<Instant>,
}

impl AirApps {
    pub fn none() -> AirApps {
        AirApps {
            cluster: None,
            namespace: String::new(),
            stream: None,
            file_apps: BTreeSet::new(),
            running: BTreeMap::new(),
            stopping: BTreeMap::new(),
            refused: BTreeMap::new(),
            listing: None,
            listed_at: None,
        }
    }

    pub fn watch(cluster: &Cluster, namespace: &str, file_apps: BTreeSet<String>) -> AirApps {
        let api: Api<AirApp> = Api::namespaced(cluster.client().clone(), namespace);
        let ns = namespace.to_string();
        let stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .filter_map(move |event| {
                let ns = ns.clone();
                async move {
                    match event {
                        Ok(watcher::Event::Apply(a) | watcher::Event::InitApply(a)) => {
                            Some(Change::Applied(Box::new(a)))
                        }
                        Ok(watcher::Event::Delete(a)) => Some(Change::Deleted(a.name_any())),
                        Ok(watcher::Event::Init) => Some(Change::ListStart),
                        Ok(watcher::Event::InitDone) => Some(Change::ListDone),
                        Err(e) => {
                            // The watcher retries with backoff; running
                            // apps go on meanwhile.
                            tracing::warn!(namespace = %ns, error = %e, "watching AirApps failed; retrying");
                            None
                        }
                    }
                }
            })
            .boxed();
        tracing::info!(namespace, "reconciling AirApp resources");
        AirApps {
            cluster: Some(cluster.clone()),
            namespace: namespace.to_string(),
            stream: Some(stream),
            file_apps,
            ..AirApps::none()
        }
    }

    /// The next change; never resolves without a watch.
    pub async fn next(&mut self) -> Option<Change> {
        match &mut self.stream {
            Some(s) => s.next().await,
            None => std::future::pending().await,
        }
    }

    pub async fn apply<'a>(
        &mut self,
        change: Change,
        starter: &'a Starter,
        tasks: &mut FuturesUnordered<TaskFuture<'a>>,
    ) {
        match change {
            Change::ListStart => {
                self.listing = Some(BTreeSet::new());
                self.listed_at = Some(Instant::now());
            }
            Change::ListDone => {
                // Apps whose AirApp vanished while the watch was down.
                let live = self.listing.take().unwrap_or_default();
                self.listed_at = None;
                let gone: Vec<String> = self
                    .running
                    .keys()
                    .filter(|n| !live.contains(*n))
                    .cloned()
                    .collect();
                for name in gone {
                    self.stop(&name);
                }
                self.refused.retain(|n, _| live.contains(n));
            }
            Change::Deleted(name) => {
                tracing::info!(app = %name, "AirApp deleted; no longer reconciled (its objects stay)");
                self.stop(&name);
                self.refused.remove(&name);
            }
            Change::Applied(app) => {
                let name = app.name_any();
                if let Some(l) = &mut self.listing {
                    l.insert(name.clone());
                }
                self.applied(*app, starter, tasks).await;
            }
        }
    }

    async fn applied<'a>(
        &mut self,
        app: AirApp,
        starter: &'a Starter,
        tasks: &mut FuturesUnordered<TaskFuture<'a>>,
    ) {
        let name = app.name_any();
        let generation = app.metadata.generation;
        if self.running.get(&name).is_some_and(|r| r.spec == app.spec) {
            return; // metadata or status only
        }
        let cfg = match app_config(&app, &self.file_apps) {
            Ok(cfg) => cfg,
            Err(why) => {
                tracing::warn!(app = %name, error = %why, "AirApp refused");
                self.stop(&name);
                if self.refused.get(&name) != Some(&why) {
                    if let Some(cluster) = &self.cluster {
                        refuse(cluster, &self.namespace, &name, &why, generation).await;
                    }
                    self.refused.insert(name, why);
                }
                return;
            }
        };
        self.refused.remove(&name);
        let (stop_tx, stop_rx) = watch::channel(false);
        let (done_tx, done_rx) = oneshot::channel();
        let replaced = Arc::new(AtomicBool::new(false));
        // The task this one replaces, or one stopped for good that has
        // not finished yet: wait for it.
        let after = match self.running.remove(&name) {
            Some(old) => {
                tracing::info!(app = %name, "AirApp changed; restarting its task");
                old.replaced.store(true, Ordering::SeqCst);
                let _ = old.stop.send(true);
                Some(old.done)
            }
            None => {
                tracing::info!(app = %name, "AirApp added");
                self.stopping.remove(&name)
            }
        };
        let handle = Handle {
            stop: stop_rx,
            replaced: replaced.clone(),
            done: done_tx,
        };
        let writer = StatusWriter::new(&self.namespace, &name, generation);
        // The AirApps of one listing start together and share their first
        // fetch of each repository; one added later fetches anew.
        let listed = self.listed_at.unwrap_or_else(Instant::now);
        tasks.push(starter.start(cfg, Some((writer, handle)), after, listed));
        self.running.insert(
            name,
            Running {
                spec: app.spec,
                stop: stop_tx,
                replaced,
                done: done_rx,
            },
        );
    }

    /// Stop `name`'s task for good (its status is forgotten when it ends).
    fn stop(&mut self, name: &str) {
        if let Some(old) = self.running.remove(name) {
            let _ = old.stop.send(true);
            self.stopping.insert(name.to_string(), old.done);
        }
    }

    /// Shutdown: every AirApp task ends after its current step.
    pub fn stop_all(&mut self) {
        for r in self.running.values() {
            let _ = r.stop.send(true);
        }
    }
}

/// Record in AirApp `name`'s status why it is refused.
async fn refuse(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    why: &str,
    generation: Option<i64>,
) {
    let status = AirAppStatus::invalid(why.to_string(), generation);
    if let Err(e) = patch_status(cluster, namespace, name, &status).await {
        tracing::debug!(app = %name, error = %e, "cannot write AirApp status");
    }
}

/// The app an AirApp describes, unless its spec is invalid or its name is
/// taken by the configuration file.
fn app_config(app: &AirApp, file_apps: &BTreeSet<String>) -> Result<AppConfig, String> {
    let name = app.name_any();
    if file_apps.contains(&name) {
        return Err(format!(
            "an app named `{name}` is already configured in the reconciler's file; rename this AirApp"
        ));
    }
    app.spec
        .to_app_config(&name, app.namespace().as_deref().unwrap_or_default())
}

/// `air reconcile --once`: one cycle of every AirApp of `namespace`.
pub(super) async fn run_once(starter: &Starter, namespace: &str, file_apps: &BTreeSet<String>) {
    let api: Api<AirApp> = Api::namespaced(starter.cluster.client().clone(), namespace);
    let apps = match api.list(&ListParams::default()).await {
        Ok(list) => list.items,
        Err(e) => {
            tracing::error!(namespace, error = %e, "cannot list AirApps");
            return;
        }
    };
    for app in apps {
        let name = app.name_any();
        match app_config(&app, file_apps) {
            Ok(cfg) => {
                let writer = StatusWriter::new(namespace, &name, app.metadata.generation);
                starter.task(cfg).owned_by(writer).run_once().await;
            }
            Err(why) => {
                tracing::warn!(app = %name, error = %why, "AirApp refused");
                refuse(
                    &starter.cluster,
                    namespace,
                    &name,
                    &why,
                    app.metadata.generation,
                )
                .await;
            }
        }
    }
}
