//! One app's task: the reconcile cycle and drift handling.
//!
//! Safety (docs/reconcile.md, "Safety"): a revision with any compile error, or whose
//! server-side dry run fails, is never applied — the last good revision
//! stays in force; drift is healed only on objects that still carry air's
//! labels for this app; nothing here deletes (pruning is `apply::sync`'s,
//! inventory-bounded).

use super::Shared;
use super::error::{CompileError, CycleError, FetchError, HealError, SyncFailure};
use super::jobs::Slot;
use super::timing::{after_failure, backoff, jittered};
use crate::apply::{Quiet, SyncError, SyncOptions, sync};
use crate::cluster::Cluster;
use crate::config::AppConfig;
use crate::desired::{CompileFailure, Desired, compile};
use crate::drift::{self, Drift};
use crate::events::{EventSpec, Recorder, transitions};
use crate::git::{GitCache, GitError, Revision, SecretMaterial, redact_url};
use crate::health::{self, Health};
use crate::inventory;
use crate::metrics::app as label;
use crate::object::{ObjectRef, owned_by};
use crate::status::short_commit as short;
use crate::status::{
    AppStatus, DiagnosticSummary, DriftedObject, LastError, ObjectStatus, SyncState,
};
use crate::watch::{Index, Kind, Observed, Watchers};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, watch};

/// The revision in force: what drift is measured against.
#[derive(Clone, Debug)]
struct Target {
    commit: String,
    /// The app name in air.toml (labels, inventory, ownership).
    app: String,
    namespace: String,
    /// Each object as compact JSON text: a fraction of the memory of a
    /// `Value` (with thousands of apps this is most of what the controller
    /// keeps), parsed back for the few objects a watch event or a heal
    /// needs.
    objects: BTreeMap<ObjectRef, Box<str>>,
    /// Its diagnostics (warnings) and how many were left out, shown
    /// again when it is fetched anew.
    diagnostics: (Vec<DiagnosticSummary>, usize),
}

impl Target {
    /// The object `r` as applied.
    fn object(&self, r: &ObjectRef) -> Option<Value> {
        serde_json::from_str(self.objects.get(r)?).ok()
    }

    /// Every object, as applied.
    fn values(&self) -> Vec<Value> {
        self.objects
            .values()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect()
    }
}

/// A revision that does not compile: its (capped) diagnostics and the
/// message saying so, kept so it is not compiled again.
struct Broken {
    commit: String,
    diagnostics: (Vec<DiagnosticSummary>, usize),
    message: String,
}

pub struct AppTask {
    cfg: AppConfig,
    cluster: Cluster,
    cache: GitCache,
    shared: Arc<Shared>,
    index: Arc<Index>,
    watchers: Option<Arc<Mutex<Watchers>>>,
    status: AppStatus,
    target: Option<Target>,
    /// The last revision that failed to compile (not compiled again).
    broken: Option<Broken>,
    /// Transient failures in a row (the back-off's exponent).
    failures: u32,
    /// Health per object, kept current by watch events.
    health: BTreeMap<ObjectRef, health::Assessment>,
    drifted: BTreeMap<ObjectRef, Drift>,
    /// What was last written to the status ConfigMap.
    recorded: Option<String>,
    /// Kubernetes Events: the status as of the last publish (events come
    /// from its changes) and heals waiting to be recorded.
    events: Recorder,
    published: Arc<AppStatus>,
    pending_events: Vec<EventSpec>,
    /// The AirApp this app comes from, whose `.status` mirrors it.
    owner: Option<crate::airapp::StatusWriter>,
    /// The fetch and the compile this app may have running (one each).
    fetch_job: Slot<Result<Revision, GitError>>,
    compile_job: Slot<Result<Desired, CompileFailure>>,
    /// Turns true at shutdown: ends waits for fetches and compiles.
    stop: Option<watch::Receiver<bool>>,
    /// The next fetch must have begun at or after this moment: the app's
    /// start for its first cycle (apps started together share one fetch
    /// per repository), the arrival of a webhook or a manual trigger (what
    /// was pushed before must be seen). `None`: a periodic cycle, which may
    /// share a fetch of the same source by another app from the last half
    /// interval.
    fresh: Option<Instant>,
    /// The next cycle must sync even if nothing changed (a manual trigger
    /// or a webhook).
    forced: bool,
    /// The commit of the last complete sync, when the watchers have
    /// followed every kind of its objects since: until the commit changes
    /// or drift stays unhealed, a cycle has nothing to do beyond the fetch
    /// (the watches heal or report drift as it happens).
    in_sync: Option<String>,
}

/// A held slot among the syncs running at once.
type SyncSlot = Option<tokio::sync::OwnedSemaphorePermit>;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AppTask {
    pub fn new(
        cfg: AppConfig,
        cluster: Cluster,
        cache: GitCache,
        shared: Arc<Shared>,
        index: Arc<Index>,
        watchers: Option<Arc<Mutex<Watchers>>>,
    ) -> Self {
        let status = AppStatus {
            name: cfg.name.clone(),
            repo: redact_url(&cfg.source.url),
            reference: cfg.source.reference.describe(),
            path: cfg.path.clone(),
            namespace: cfg.namespace.clone(),
            sync: if cfg.suspend {
                SyncState::Suspended
            } else {
                SyncState::Pending
            },
            ..AppStatus::default()
        };
        let published = Arc::new(status.clone());
        shared.set_status(published.clone());
        AppTask {
            events: Recorder::new(cluster.clone()),
            published,
            pending_events: Vec::new(),
            cfg,
            cluster,
            cache,
            shared,
            index,
            watchers,
            status,
            target: None,
            broken: None,
            failures: 0,
            health: BTreeMap::new(),
            drifted: BTreeMap::new(),
            recorded: None,
            owner: None,
            fetch_job: Slot::default(),
            compile_job: Slot::default(),
            stop: None,
            fresh: Some(Instant::now()),
            forced: false,
            in_sync: None,
        }
    }

    /// Let the first cycle share a fetch of its source that began at or
    /// after `since` (when the apps it was started with were listed),
    /// instead of one that began after this task was built.
    pub fn fresh_since(mut self, since: Instant) -> Self {
        self.fresh = Some(since);
        self
    }

    /// Mirror the status into this AirApp's `.status`.
    pub fn owned_by(mut self, owner: crate::airapp::StatusWriter) -> Self {
        self.owner = Some(owner);
        self
    }

    /// One cycle, for `air reconcile --once`.
    pub async fn run_once(mut self) {
        if !self.cfg.suspend {
            // Its failure is in the status; nothing retries it.
            let _ = self.cycle().await;
        }
        self.status.attempted = true;
        self.publish().await;
    }

    /// Cycles every interval and handles drift until `stop` turns true.
    pub async fn run(
        mut self,
        mut observed: mpsc::UnboundedReceiver<Observed>,
        mut triggers: mpsc::UnboundedReceiver<u64>,
        mut stop: watch::Receiver<bool>,
    ) {
        self.stop = Some(stop.clone());
        let mut next = tokio::time::Instant::now();
        // The newest trigger this pass answers (triggers that arrived
        // together are answered by one pass).
        let mut handling: Option<u64> = None;
        loop {
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                Some(id) = triggers.recv() => {
                    let mut newest = id;
                    while let Ok(more) = triggers.try_recv() {
                        newest = newest.max(more);
                    }
                    handling = Some(newest);
                    next = tokio::time::Instant::now();
                    self.fresh = Some(Instant::now());
                    self.forced = true;
                }
                Some(first) = observed.recv() => {
                    // Coalesce a burst of events (a relist, a namespace
                    // deletion) into one pass.
                    let mut batch = vec![first];
                    while let Ok(more) = observed.try_recv() {
                        batch.push(more);
                    }
                    // Boxed, as the cycle below: a waiting task keeps only
                    // its small state, not room for the largest step.
                    if let Some(delay) = Box::pin(self.observe(batch)).await {
                        next = next.min(tokio::time::Instant::now() + delay);
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(next) => {}
            }
            if tokio::time::Instant::now() < next {
                continue;
            }
            let wait = if self.cfg.suspend {
                self.status.sync = SyncState::Suspended;
                self.cfg.interval
            } else {
                match Box::pin(self.cycle()).await {
                    Ok(()) => {
                        self.failures = 0;
                        jittered(self.cfg.interval)
                    }
                    // Transient: back off. Terminal: the interval (a
                    // trigger or a push hook still runs a cycle at once).
                    Err(e) => {
                        let (wait, failures) =
                            after_failure(e.is_transient(), self.failures, self.cfg.interval);
                        self.failures = failures;
                        wait
                    }
                }
            };
            self.status.attempted = true;
            // Published with the outcome, so whoever sent the trigger can
            // tell that this status answers it.
            if let Some(id) = handling.take() {
                self.status.handled_trigger = Some(id);
            }
            // Boxed too: writing the AirApp's status and the Events is
            // kilobytes of request state that a waiting task need not keep.
            Box::pin(self.publish()).await;
            next = tokio::time::Instant::now() + wait;
        }
    }

    /// Fetch, compile, sync, assess. Never panics; every failure ends in
    /// the status.
    async fn cycle(&mut self) -> Result<(), CycleError> {
        let started = Instant::now();
        let app = label(&self.cfg.name);
        let outcome = self.cycle_inner().await;
        self.shared
            .metrics
            .reconcile_duration
            .get_or_create(&app)
            .observe(started.elapsed().as_secs_f64());
        if let Err(e) = &outcome {
            self.fail(e);
            self.shared
                .metrics
                .reconcile_errors
                .get_or_create(&app)
                .inc();
        }
        outcome
    }

    async fn cycle_inner(&mut self) -> Result<(), CycleError> {
        let app = label(&self.cfg.name);
        // 1. Fetch.
        let fetch_started = Instant::now();
        let fetched = self.fetch().await;
        self.shared
            .metrics
            .git_fetch_duration
            .get_or_create(&app)
            .observe(fetch_started.elapsed().as_secs_f64());
        let revision = match fetched {
            Ok(r) => r,
            Err(e) => {
                self.shared
                    .metrics
                    .git_fetch_errors
                    .get_or_create(&app)
                    .inc();
                tracing::warn!(app = %self.cfg.name, error = %e, reason = %e.reason(), "fetch failed; keeping the last applied revision");
                return Err(e);
            }
        };
        self.status.fetched_revision = Some(revision.commit.clone());
        // 2. Compile (once per commit).
        let mut slot = None;
        let mut desired = match &self.broken {
            Some(b) if b.commit == revision.commit => {
                (self.status.diagnostics, self.status.diagnostics_omitted) = b.diagnostics.clone();
                let message = b.message.clone();
                return Err(CycleError::Compile(CompileError::Diagnostics(message)));
            }
            _ => match &self.target {
                // Back at the revision in force (a revert): its own
                // diagnostics, not those of the broken one fetched since.
                Some(t) if t.commit == revision.commit => {
                    (self.status.diagnostics, self.status.diagnostics_omitted) =
                        t.diagnostics.clone();
                    None
                }
                _ => {
                    // The sync slot is taken before compiling, so compiled
                    // objects never pile up waiting for one.
                    slot = Some(self.sync_slot().await);
                    Some(self.compile(&revision).await?)
                }
            },
        };
        if let Some(d) = &desired {
            self.status.set_diagnostics(&d.diagnostics);
        }
        let (commit, air_app, namespace) = match (&desired, &self.target) {
            (Some(d), _) => (d.commit.clone(), d.app.clone(), d.namespace.clone()),
            (None, Some(t)) => (t.commit.clone(), t.app.clone(), t.namespace.clone()),
            // Unreachable: without a target the revision was compiled
            // (or failed above). Nothing to apply, nothing to report.
            (None, None) => return Ok(()),
        };
        // Nothing changed since the last complete sync: not the commit, not
        // the configuration (fixed for the task's life: a changed AirApp
        // spec starts a new task), and the watches have kept the cluster in
        // step (healed, or with self-heal off reported, every drift). No
        // request at all: an idle app costs only its fetches. A forced cycle
        // counts once it gets this far (a failed fetch keeps it forced).
        let forced = std::mem::take(&mut self.forced);
        if desired.is_none()
            && !forced
            && self.in_sync.as_deref() == Some(commit.as_str())
            && (self.drifted.is_empty() || !self.cfg.self_heal)
        {
            self.status.last_error = None;
            if self.status.sync == SyncState::Failed {
                self.status.sync = SyncState::Synced;
            }
            return Ok(());
        }
        // Without self-heal an unchanged revision is not re-applied: drift
        // is only reported (a new commit is still applied).
        if desired.is_none() && !self.cfg.self_heal {
            self.status.last_error = None;
            if self.status.sync == SyncState::Failed {
                self.status.sync = SyncState::Synced;
            }
            self.observe(vec![Observed::Relisted]).await;
            return Ok(());
        }
        // 3. Plan, dry run, apply, prune.
        self.status.namespace = Some(namespace.clone());
        // The compiled objects and views move on (never copied); an
        // unchanged revision's objects are read back from the target.
        let objects = match desired.as_mut() {
            Some(d) => std::mem::take(&mut d.objects),
            None => self.target.as_ref().map(Target::values).unwrap_or_default(),
        };
        let views = desired.as_mut().map(|d| std::mem::take(&mut d.views));
        let synced = self
            .sync(&commit, &air_app, &namespace, objects, slot)
            .await;
        if let (Some(d), Some(t)) = (&desired, &mut self.target)
            && t.commit == d.commit
        {
            t.diagnostics = (
                self.status.diagnostics.clone(),
                self.status.diagnostics_omitted,
            );
        }
        match synced {
            Ok(()) => {
                if let Some(v) = views {
                    self.shared.set_views(&self.cfg.name, v);
                }
                self.status.revision = Some(commit);
                self.status.last_synced = Some(now());
                self.status.last_error = None;
                self.status.sync = SyncState::Synced;
                self.drifted.clear();
                Ok(())
            }
            Err(e) => {
                self.in_sync = None;
                Err(CycleError::Sync(e))
            }
        }
    }

    /// The status of a failed cycle: the last good revision stays.
    fn fail(&mut self, e: &CycleError) {
        self.status.sync = SyncState::Failed;
        self.status.last_error = Some(last_error(e));
    }

    /// A slot among the syncs running at once (`None` only if the
    /// semaphore were closed, which it never is: then no bound).
    async fn sync_slot(&self) -> SyncSlot {
        self.shared.jobs.syncs().clone().acquire_owned().await.ok()
    }

    async fn fetch(&mut self) -> Result<Revision, CycleError> {
        let cache = self.cache.clone();
        let source = self.cfg.source.clone();
        let limit = self.shared.jobs.fetches().clone();
        // Read before every fetch: a rotated Secret counts at once.
        let material = match &self.cfg.secrets {
            Some(refs) => {
                match tokio::time::timeout(self.cfg.timeout, refs.read(&self.cluster)).await {
                    Ok(Ok(m)) => m,
                    Ok(Err(e)) => return Err(CycleError::secrets(e)),
                    Err(_) => {
                        return Err(CycleError::Fetch(FetchError::SecretsTimedOut(
                            self.cfg.timeout,
                        )));
                    }
                }
            }
            None => SecretMaterial::default(),
        };
        // A fetch another app starts while this one waits for a worker or
        // the repository's lock is as fresh as its own would be.
        let fresh_since = self.fresh.take().unwrap_or_else(|| {
            let asked = Instant::now();
            asked.checked_sub(self.cfg.interval / 2).unwrap_or(asked)
        });
        let result = self
            .fetch_job
            .run(
                self.cfg.timeout,
                &limit,
                self.stop.as_mut(),
                move |cancel| cache.fetch_shared(&source, &material, cancel, fresh_since),
            )
            .await;
        match result {
            Err(source) => Err(CycleError::Fetch(FetchError::Job {
                url: redact_url(&self.cfg.source.url),
                source,
            })),
            // GitError messages are scrubbed of secrets by the Git layer.
            Ok(r) => r.map_err(CycleError::fetch),
        }
    }

    async fn compile(&mut self, revision: &Revision) -> Result<Desired, CycleError> {
        let cache = self.cache.clone();
        let source = self.cfg.source.clone();
        let rev = revision.clone();
        let path = self.cfg.path.clone();
        let env = self.cfg.env.clone();
        let ns = self.cfg.namespace.clone();
        let limit = self.shared.jobs.compiles().clone();
        // The compiler has no cancellation point: a timed-out compile runs
        // to its end, but holds its app's slot and a shared permit.
        let result = self
            .compile_job
            .run(self.cfg.timeout, &limit, self.stop.as_mut(), move |_| {
                compile(&cache, &source, &rev, &path, env.as_deref(), ns.as_deref())
            })
            .await;
        match result {
            Err(source) => Err(CycleError::Compile(CompileError::Job {
                commit: revision.commit.clone(),
                source,
            })),
            Ok(Ok(d)) => {
                self.broken = None;
                Ok(d)
            }
            Ok(Err(CompileFailure::Git(e))) => Err(CycleError::Compile(CompileError::Git(e))),
            Ok(Err(CompileFailure::Diagnostics(diags))) => {
                let message = compile_message(revision, &diags);
                tracing::warn!(app = %self.cfg.name, commit = %revision.commit, "revision does not compile; not applied");
                self.status.set_diagnostics(&diags);
                self.broken = Some(Broken {
                    commit: revision.commit.clone(),
                    diagnostics: (
                        self.status.diagnostics.clone(),
                        self.status.diagnostics_omitted,
                    ),
                    message: message.clone(),
                });
                Err(CycleError::Compile(CompileError::Diagnostics(message)))
            }
        }
    }

    /// Apply `objects` as revision `commit`; on success (or on a failure
    /// after the dry run passed) they become the target drift is
    /// measured against.
    async fn sync(
        &mut self,
        commit: &str,
        air_app: &str,
        namespace: &str,
        objects: Vec<Value>,
        slot: Option<SyncSlot>,
    ) -> Result<(), SyncFailure> {
        let opts = SyncOptions {
            dry_run: false,
            prune: self.cfg.prune,
            allow_prune_all: self.cfg.allow_prune_all,
            force: self.cfg.force,
        };
        // Waiting for a slot is not part of the sync's timeout.
        let permit = match slot {
            Some(s) => s,
            None => self.sync_slot().await,
        };
        let result = tokio::time::timeout(
            self.cfg.timeout,
            sync(
                &self.cluster,
                air_app,
                namespace,
                Some(commit),
                &objects,
                opts,
                &mut Quiet,
            ),
        )
        .await;
        drop(permit);
        let result = match result {
            Err(_) => Err(None),
            Ok(r) => r.map_err(Some),
        };
        let validated = !matches!(
            result,
            Err(Some(SyncError::DryRun(_) | SyncError::Refused(_)))
        );
        let mut watched = self.watchers.is_some();
        if validated {
            let objs: BTreeMap<ObjectRef, Box<str>> = objects
                .into_iter()
                .filter_map(|o| Some((ObjectRef::of(&o)?, o.to_string().into_boxed_str())))
                .collect();
            // The inventory is watched too (the ConfigMap watcher sees it:
            // it is labelled as managed by air): deleted out of band, it is
            // written again by a full sync at once, not at the next commit
            // (an idle cycle sends no request that would notice).
            let inventory = inventory::configmap_ref(air_app, namespace);
            let inventory_kind = Kind::of(&inventory);
            self.index.set_objects(
                &self.cfg.name,
                objs.keys().cloned().chain(std::iter::once(inventory)),
            );
            self.shared
                .metrics
                .objects_managed
                .get_or_create(&label(&self.cfg.name))
                .set(i64::try_from(objs.len()).unwrap_or(i64::MAX));
            if let Some(w) = &self.watchers {
                let kinds: BTreeSet<Kind> = objs
                    .keys()
                    .map(Kind::of)
                    .chain(std::iter::once(inventory_kind))
                    .collect();
                let mut w = w.lock().await;
                for k in kinds {
                    watched &= w.ensure(k).await;
                }
            }
            self.target = Some(Target {
                commit: commit.to_string(),
                app: air_app.to_string(),
                namespace: namespace.to_string(),
                objects: objs,
                diagnostics: (Vec::new(), 0),
            });
        }
        match result {
            Ok(mut report) => {
                self.health = std::mem::take(&mut report.health);
                // Skipping later cycles relies on the watches: only when
                // every kind is watched.
                self.in_sync = watched.then(|| commit.to_string());
                if !report.applied.is_empty() || !report.deleted.is_empty() {
                    tracing::info!(app = %self.cfg.name, commit = %commit,
                        applied = report.applied.len(), deleted = report.deleted.len(), "synced");
                }
                for c in report
                    .plan
                    .changes
                    .iter()
                    .filter(|c| c.action == crate::plan::Action::Blocked)
                {
                    tracing::warn!(app = %self.cfg.name, object = %c.object, reason = %c.reason, "blocked");
                }
                Ok(())
            }
            Err(e) => {
                self.shared
                    .metrics
                    .apply_errors
                    .get_or_create(&label(&self.cfg.name))
                    .inc();
                let e = match e {
                    None => SyncFailure::TimedOut {
                        commit: commit.to_string(),
                        after: self.cfg.timeout,
                    },
                    Some(e) => SyncFailure::Sync(e),
                };
                tracing::warn!(app = %self.cfg.name, error = %e, "sync failed");
                Err(e)
            }
        }
    }

    /// Handle watch events; returns a delay after which a full cycle
    /// should run (a heal failed, or the watchers relisted).
    async fn observe(&mut self, batch: Vec<Observed>) -> Option<Duration> {
        let target = self.target.as_ref()?;
        let air_app = target.app.clone();
        let inventory = inventory::configmap_ref(&air_app, &target.namespace);
        let mut latest: BTreeMap<ObjectRef, Option<Value>> = BTreeMap::new();
        let mut relisted = false;
        let mut unlisted = BTreeSet::new();
        for o in batch {
            match o {
                Observed::Object(change) => {
                    let (r, live) = *change;
                    latest.insert(r, live);
                }
                Observed::Relisted => relisted = true,
                Observed::Unlisted(refs) => unlisted.extend(refs),
            }
        }
        if relisted {
            unlisted.extend(target.objects.keys().cloned());
        }
        if relisted || !unlisted.is_empty() {
            // The API server may have lost everything (the status
            // ConfigMap too): record the status again.
            self.recorded = None;
            for r in &unlisted {
                match self.cluster.get(r).await {
                    Ok(live) => {
                        latest.insert(r.clone(), live);
                    }
                    Err(_) => {
                        // What changed meanwhile is unknown: the next
                        // cycle syncs in full.
                        self.in_sync = None;
                        return Some(backoff(self.failures.max(1), self.cfg.interval));
                    }
                }
            }
        }
        let mut retry = None;
        let before = self.status.clone();
        for (r, live) in latest {
            if r == inventory {
                // Air writes the inventory at every sync and never deletes
                // it: a deletion is out of band, and only a full sync
                // restores it (with what prune needs to know).
                if live.is_none() {
                    tracing::info!(app = %self.cfg.name, "inventory deleted; syncing in full");
                    retry = Some(Duration::from_millis(200));
                }
                continue;
            }
            let Some(desired) = self.target.as_ref().and_then(|t| t.object(&r)) else {
                continue;
            };
            let mut a = health::assess(live.as_ref());
            match drift::detect(&air_app, &desired, live.as_ref()) {
                None => {
                    self.drifted.remove(&r);
                }
                Some(d) => {
                    let app = label(&self.cfg.name);
                    self.shared.metrics.drift_detected.get_or_create(&app).inc();
                    tracing::info!(app = %self.cfg.name, drift = %d.summary(), "drift detected");
                    if self.cfg.self_heal && d.healable() {
                        match self.heal(&air_app, &desired, &d).await {
                            Ok(healed) => {
                                self.shared.metrics.drift_healed.get_or_create(&app).inc();
                                self.status.healed += 1;
                                self.pending_events
                                    .push(EventSpec::healed(&r, &d.summary()));
                                self.drifted.remove(&r);
                                a = health::assess(Some(&healed));
                                tracing::info!(app = %self.cfg.name, object = %r, "drift healed");
                            }
                            Err(e) => {
                                self.shared.metrics.apply_errors.get_or_create(&app).inc();
                                tracing::warn!(app = %self.cfg.name, object = %r, error = %e, "heal failed");
                                self.status.last_error = Some(last_error(&CycleError::Heal(e)));
                                self.drifted.insert(r.clone(), d);
                                // A full sync recreates what a heal cannot
                                // (a deleted namespace, the inventory):
                                // not a retry of the heal, whatever its
                                // error, but the remedy for it.
                                retry = Some(Duration::from_millis(200));
                            }
                        }
                    } else {
                        self.drifted.insert(r.clone(), d);
                    }
                }
            }
            self.health.insert(r, a);
        }
        // A fetch or compile failure stays visible; drift only moves an
        // app between synced and out-of-sync.
        if matches!(self.status.sync, SyncState::Synced | SyncState::OutOfSync) {
            self.status.sync = if self.drifted.is_empty() {
                SyncState::Synced
            } else {
                SyncState::OutOfSync
            };
        }
        if retry.is_some() {
            // A full sync recreates what a heal cannot: never skipped.
            self.in_sync = None;
        }
        self.fill_status();
        if self.status != before || retry.is_some() {
            self.publish().await;
        }
        retry
    }

    /// Re-apply the object as air's field manager (creates it when
    /// deleted). A deleted object is recreated only if nothing else took
    /// its name meanwhile.
    async fn heal(&self, air_app: &str, desired: &Value, d: &Drift) -> Result<Value, HealError> {
        if matches!(d.kind, drift::DriftKind::Deleted)
            && let Ok(Some(live)) = self.cluster.get(&d.object).await
            && !owned_by(&live, air_app)
        {
            return Err(HealError::Foreign(d.object.clone()));
        }
        // Forced: an imperative edit took ownership of the fields it
        // changed, and healing means taking them back. Fields air does not
        // set are untouched by server-side apply, forced or not.
        self.cluster
            .apply(desired, false, true)
            .await
            .map_err(HealError::Cluster)
    }

    fn fill_status(&mut self) {
        self.status.drifted = self
            .drifted
            .values()
            .map(|d| DriftedObject {
                object: d.object.clone(),
                summary: d.summary(),
            })
            .collect();
        self.status.objects = self
            .health
            .iter()
            .map(|(r, a)| ObjectStatus {
                object: r.clone(),
                health: a.health,
                message: a.message.clone(),
            })
            .collect();
        self.status.health = if self.target.is_none() {
            Health::Progressing
        } else {
            health::worst(self.health.values().map(|a| &a.health))
        };
        self.shared
            .metrics
            .drifted_objects
            .get_or_create(&label(&self.cfg.name))
            .set(i64::try_from(self.drifted.len()).unwrap_or(i64::MAX));
    }

    /// Share the status and record it in the cluster when it changed.
    async fn publish(&mut self) {
        self.fill_status();
        if !self.drifted.is_empty() && self.status.sync == SyncState::Synced {
            self.status.sync = SyncState::OutOfSync;
        }
        let mut events = transitions(&self.published, &self.status);
        if *self.published != self.status {
            self.published = Arc::new(self.status.clone());
        }
        self.shared.set_status(self.published.clone());
        if let Some(owner) = &mut self.owner {
            owner.write(&self.cluster, &self.status).await;
        }
        events.append(&mut self.pending_events);
        // Before anything was applied, events go to the configured target
        // namespace if there is one (a first revision that never fetched or
        // compiled has no other).
        let target_ns = self.target.as_ref().map(|t| t.namespace.clone());
        let notifier = self.shared.notifier.read().ok().and_then(|n| n.clone());
        let ns = target_ns.as_ref().or(self.cfg.namespace.as_ref());
        for e in &events {
            if let Some(n) = &notifier {
                let revision = self.status.revision.as_deref();
                n.send(&self.cfg.name, ns.map_or("", String::as_str), revision, e);
            }
            if let Some(ns) = ns {
                self.events.record(&self.cfg.name, ns, e).await;
            }
        }
        let Some(ns) = target_ns else {
            return;
        };
        let cm = self.status.to_configmap(&ns);
        let text = cm["data"]["status.json"].as_str().map(str::to_string);
        if text == self.recorded {
            return;
        }
        match self.cluster.apply(&cm, false, true).await {
            Ok(_) => self.recorded = text,
            Err(e) => {
                tracing::warn!(app = %self.cfg.name, error = %e, "cannot record the status ConfigMap");
            }
        }
    }
}

/// What the status says of a failure.
fn last_error(e: &CycleError) -> LastError {
    LastError {
        stage: e.stage(),
        reason: Some(e.reason()),
        message: e.to_string(),
        time: now(),
    }
}

fn compile_message(revision: &Revision, diags: &[DiagnosticSummary]) -> String {
    let errors: Vec<&DiagnosticSummary> = diags
        .iter()
        .filter(|d| d.severity == air_compiler::Severity::Error)
        .collect();
    let first = errors.first().map_or(String::new(), |d| {
        let at = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!(" at {f}:{l}"),
            _ => String::new(),
        };
        format!(": {} {}{at}", d.code, d.message)
    });
    format!(
        "revision {} does not compile ({} error{}){first}; not applied, the last good revision stays in force",
        short(&revision.commit),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}
