//! Watching the cluster for drift: one kube-runtime watcher per kind air
//! applies, across all namespaces, selecting
//! `app.kubernetes.io/managed-by=air`. Each event about an object some app
//! wants is handed to that app's task, which compares and heals
//! ([`crate::drift`]). When a watcher (re)lists — at start, and after the
//! API server lost its history (410 Gone, e.g. it restarted empty) — the
//! list shows every object that exists; each app is told which of its
//! objects of that kind the list did not show (a relist reports no
//! deletions), and reads only those.

use crate::cluster::Cluster;
use crate::object::{LABEL_MANAGED_BY, MANAGED_BY_AIR, ObjectRef};
use futures::StreamExt;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;

/// `apiVersion` + `kind`: what one watcher follows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind {
    pub api_version: String,
    pub kind: String,
}

impl Kind {
    pub fn of(r: &ObjectRef) -> Kind {
        Kind {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
        }
    }
}

/// What an app task is told by the watchers. Small (a pointer and a tag):
/// each app's inbox allocates room for 32 of them up front, a thousand
/// inboxes at once.
#[derive(Debug)]
pub enum Observed {
    /// The object changed (`Some`) or was deleted (`None`).
    Object(Box<(ObjectRef, Option<Value>)>),
    /// Check every object (read each from the cluster).
    Relisted,
    /// A watcher relisted, and these objects of the app were not in the
    /// list: read them (they may be gone, or created after the list).
    Unlisted(Vec<ObjectRef>),
}

/// Which app wants which object, and the apps' inboxes. Written by the
/// app tasks after each sync, read by the watchers.
#[derive(Default)]
pub struct Index {
    owners: RwLock<HashMap<ObjectRef, String>>,
    inboxes: RwLock<HashMap<String, mpsc::UnboundedSender<Observed>>>,
}

impl Index {
    pub fn register(&self, app: &str, inbox: mpsc::UnboundedSender<Observed>) {
        if let Ok(mut m) = self.inboxes.write() {
            m.insert(app.to_string(), inbox);
        }
    }

    /// Forget an app that no longer runs (its AirApp was deleted).
    pub fn unregister(&self, app: &str) {
        if let Ok(mut m) = self.inboxes.write() {
            m.remove(app);
        }
        self.set_objects(app, []);
    }

    /// Replace the set of objects `app` wants.
    pub fn set_objects(&self, app: &str, objects: impl IntoIterator<Item = ObjectRef>) {
        if let Ok(mut m) = self.owners.write() {
            m.retain(|_, a| a != app);
            for r in objects {
                m.insert(r, app.to_string());
            }
        }
    }

    fn deliver(&self, r: ObjectRef, live: Option<Value>) {
        let app = self.owners.read().ok().and_then(|m| m.get(&r).cloned());
        let Some(app) = app else { return };
        if let Some(tx) = self.inboxes.read().ok().and_then(|m| m.get(&app).cloned()) {
            let _ = tx.send(Observed::Object(Box::new((r, live))));
        }
    }

    /// A watcher of `kind` listed `seen`: tell each app which of its
    /// objects of that kind were missing.
    fn relisted(&self, kind: &Kind, seen: &HashSet<ObjectRef>) {
        let mut missing: HashMap<String, Vec<ObjectRef>> = HashMap::new();
        if let Ok(m) = self.owners.read() {
            for (r, app) in m.iter() {
                if r.api_version == kind.api_version && r.kind == kind.kind && !seen.contains(r) {
                    missing.entry(app.clone()).or_default().push(r.clone());
                }
            }
        }
        if let Ok(m) = self.inboxes.read() {
            for (app, refs) in missing {
                if let Some(tx) = m.get(&app) {
                    let _ = tx.send(Observed::Unlisted(refs));
                }
            }
        }
    }
}

/// Starts watchers on demand (one per kind) until shutdown.
pub struct Watchers {
    cluster: Cluster,
    index: Arc<Index>,
    started: BTreeSet<Kind>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Watchers {
    pub fn new(
        cluster: Cluster,
        index: Arc<Index>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        Watchers {
            cluster,
            index,
            started: BTreeSet::new(),
            shutdown,
        }
    }

    /// Make sure `kind` is watched; false when it cannot be (retried at
    /// the next call).
    pub async fn ensure(&mut self, kind: Kind) -> bool {
        if self.started.contains(&kind) {
            return true;
        }
        let template = ObjectRef {
            api_version: kind.api_version.clone(),
            kind: kind.kind.clone(),
            namespace: String::new(),
            name: String::new(),
        };
        let api = match self.cluster.api_for(&template).await {
            Ok(api) => api,
            Err(e) => {
                // Retried at the next sync, which asks again.
                tracing::warn!(kind = %kind.kind, error = %e, "cannot watch kind");
                return false;
            }
        };
        self.started.insert(kind.clone());
        let index = self.index.clone();
        let mut shutdown = self.shutdown.clone();
        let selector = format!("{LABEL_MANAGED_BY}={MANAGED_BY_AIR}");
        tokio::spawn(async move {
            let stream =
                watcher(api, watcher::Config::default().labels(&selector)).default_backoff();
            let mut stream = std::pin::pin!(stream);
            tracing::debug!(kind = %kind.kind, "watching");
            // The objects of the list in progress (between Init and
            // InitDone).
            let mut listed = HashSet::new();
            loop {
                let event = tokio::select! {
                    _ = shutdown.changed() => break,
                    e = stream.next() => e,
                };
                match event {
                    None => break,
                    Some(Err(e)) => {
                        tracing::debug!(kind = %kind.kind, error = %e, "watch interrupted; retrying");
                    }
                    Some(Ok(watcher::Event::Apply(o))) => {
                        if let Some((r, v)) = to_ref(&kind, o) {
                            index.deliver(r, Some(v));
                        }
                    }
                    Some(Ok(watcher::Event::InitApply(o))) => {
                        if let Some((r, v)) = to_ref(&kind, o) {
                            listed.insert(r.clone());
                            index.deliver(r, Some(v));
                        }
                    }
                    Some(Ok(watcher::Event::Delete(o))) => {
                        if let Some((r, _)) = to_ref(&kind, o) {
                            index.deliver(r, None);
                        }
                    }
                    Some(Ok(watcher::Event::Init)) => listed.clear(),
                    Some(Ok(watcher::Event::InitDone)) => {
                        index.relisted(&kind, &std::mem::take(&mut listed));
                    }
                }
            }
        });
        true
    }
}

/// The reference and JSON of a watched object. List items often lack
/// `apiVersion`/`kind`, so both come from the watcher's kind.
fn to_ref(kind: &Kind, o: kube::api::DynamicObject) -> Option<(ObjectRef, Value)> {
    let mut v = serde_json::to_value(o).ok()?;
    if let Value::Object(m) = &mut v {
        m.insert("apiVersion".into(), Value::String(kind.api_version.clone()));
        m.insert("kind".into(), Value::String(kind.kind.clone()));
    }
    let r = ObjectRef::of(&v)?;
    Some((r, v))
}
