//! Executing a plan: server-side dry run of everything first (a revision
//! whose dry run fails is not applied at all), then apply in dependency
//! order, then prune — only after the whole apply succeeded — then record
//! the inventory.

use crate::cluster::{Cluster, ClusterError};
use crate::health::{Assessment, assess_owned};
use crate::inventory;
use crate::object::ObjectRef;
use crate::plan::{Action, Change, Inventory, Plan, PlanOptions, Scope, plan};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, Default)]
pub struct SyncOptions {
    /// Plan and validate on the server, change nothing.
    pub dry_run: bool,
    pub prune: bool,
    pub allow_prune_all: bool,
    /// Take over fields another manager owns (conflicts otherwise fail).
    pub force: bool,
}

/// What a sync did.
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    pub plan: Plan,
    pub applied: Vec<ObjectRef>,
    pub deleted: Vec<ObjectRef>,
    /// A dry run into a namespace that does not exist yet: the API server
    /// validated the namespace's creation, but cannot validate objects in
    /// a namespace that does not exist, so those were not sent. Its name.
    pub unvalidated_namespace: Option<String>,
    /// The health of each object of the revision as the API server last
    /// showed it: the answer to its apply, or the read that found it
    /// unchanged. Kept instead of the objects themselves, so callers need
    /// not read them again and no copy outlives the sync.
    pub health: BTreeMap<ObjectRef, Assessment>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Refused(String),
    #[error("server-side dry run failed, nothing was applied: {0}")]
    DryRun(ClusterError),
    #[error("apply failed: {0}")]
    Apply(ClusterError),
    #[error("{0}")]
    Cluster(#[from] ClusterError),
}

impl SyncError {
    pub fn is_transient(&self) -> bool {
        self.cluster_error().is_some_and(ClusterError::is_transient)
    }

    /// Were the credentials refused (401)?
    pub fn is_unauthorized(&self) -> bool {
        self.cluster_error()
            .is_some_and(ClusterError::is_unauthorized)
    }

    fn cluster_error(&self) -> Option<&ClusterError> {
        match self {
            SyncError::Refused(_) => None,
            SyncError::DryRun(e) | SyncError::Apply(e) | SyncError::Cluster(e) => Some(e),
        }
    }
}

/// Progress callbacks for displays (`air apply` prints them).
pub trait Progress {
    fn planned(&mut self, _plan: &Plan) {}
    fn applied(&mut self, _change: &Change) {}
    fn deleted(&mut self, _object: &ObjectRef) {}
}

/// No display.
pub struct Quiet;
impl Progress for Quiet {}

/// Read the live state for every object the revision wants or the
/// inventory lists within the app's [`Scope`] (an entry planted in the
/// inventory for a Secret elsewhere is not even read).
pub async fn live_state(
    cluster: &Cluster,
    namespace: &str,
    desired: &[Value],
    inventory: &Inventory,
) -> Result<BTreeMap<ObjectRef, Value>, ClusterError> {
    let scope = Scope::of(namespace, desired);
    let refs: BTreeSet<ObjectRef> = desired
        .iter()
        .filter_map(ObjectRef::of)
        .chain(
            inventory
                .objects
                .iter()
                .filter(|r| scope.contains(r))
                .cloned(),
        )
        .collect();
    let mut live = BTreeMap::new();
    for r in refs {
        if let Some(obj) = cluster.get(&r).await? {
            live.insert(r, obj);
        }
    }
    Ok(live)
}

/// Make the cluster match `desired` for `app` in `namespace`.
pub async fn sync(
    cluster: &Cluster,
    app: &str,
    namespace: &str,
    revision: Option<&str>,
    desired: &[Value],
    opts: SyncOptions,
    progress: &mut dyn Progress,
) -> Result<SyncReport, SyncError> {
    let namespace_existed = ensure_namespace(cluster, namespace, opts.dry_run).await?;
    let unvalidated = (opts.dry_run && !namespace_existed).then(|| namespace.to_string());
    let old = inventory::load(cluster, app, namespace).await?;
    let live = live_state(cluster, namespace, desired, &old).await?;
    let plan_opts = PlanOptions {
        prune: opts.prune,
        allow_prune_all: opts.allow_prune_all,
    };
    let plan = plan(app, namespace, desired, &live, &old, plan_opts);
    let wanted: BTreeSet<ObjectRef> = desired.iter().filter_map(ObjectRef::of).collect();
    let mut health: BTreeMap<ObjectRef, Assessment> = wanted
        .iter()
        .map(|r| (r.clone(), assess_owned(live.get(r), app)))
        .collect();
    // The plan holds what it needs; the live objects go now.
    drop(live);
    progress.planned(&plan);
    if let Some(why) = &plan.refused {
        return Err(SyncError::Refused(why.clone()));
    }
    let to_apply: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update))
        .collect();
    // Validate every object on the server before changing anything.
    for c in &to_apply {
        if unvalidated.as_deref() == Some(c.object.namespace.as_str()) {
            continue;
        }
        if let Some(d) = &c.desired {
            cluster
                .apply(d, true, opts.force)
                .await
                .map_err(SyncError::DryRun)?;
        }
    }
    let mut report = SyncReport {
        unvalidated_namespace: unvalidated,
        ..SyncReport::default()
    };
    if opts.dry_run {
        report.plan = plan;
        report.health = health;
        return Ok(report);
    }
    // Record what we are about to own before creating it, so a crash
    // mid-apply leaves nothing air created outside its inventory.
    let blocked: BTreeSet<&ObjectRef> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Blocked)
        .map(|c| &c.object)
        .collect();
    let mut pending = old.clone();
    pending
        .objects
        .extend(wanted.iter().filter(|r| !blocked.contains(r)).cloned());
    if !to_apply.is_empty() {
        inventory::store(cluster, app, namespace, &pending, None).await?;
    }
    for c in &to_apply {
        if let Some(d) = &c.desired {
            let applied = cluster
                .apply(d, false, opts.force)
                .await
                .map_err(SyncError::Apply)?;
            health.insert(c.object.clone(), assess_owned(Some(&applied), app));
            report.applied.push(c.object.clone());
            progress.applied(c);
        }
    }
    let mut kept = BTreeSet::new();
    for c in plan.changes.iter().filter(|c| c.action == Action::Delete) {
        match cluster.delete(&c.object).await {
            Ok(()) => {
                report.deleted.push(c.object.clone());
                progress.deleted(&c.object);
            }
            Err(e) if e.is_transient() => return Err(SyncError::Apply(e)),
            Err(_) => {
                kept.insert(c.object.clone());
            }
        }
    }
    let mut next = Inventory {
        revision: revision.map(str::to_string),
        objects: wanted
            .into_iter()
            .filter(|r| !blocked.contains(r))
            .collect(),
    };
    next.objects.extend(kept);
    // Objects that were orphaned (prune off) stay in the inventory so a
    // later run with prune on can still remove them.
    next.objects.extend(
        plan.changes
            .iter()
            .filter(|c| c.action == Action::Orphaned && !opts.prune)
            .map(|c| c.object.clone()),
    );
    if next != old {
        inventory::store(cluster, app, namespace, &next, None).await?;
    }
    report.plan = plan;
    report.health = health;
    Ok(report)
}

/// Create the target namespace when missing (only validate its creation
/// in a dry run); whether it existed. air never deletes a namespace, so it
/// is created without air's ownership labels.
async fn ensure_namespace(
    cluster: &Cluster,
    namespace: &str,
    dry_run: bool,
) -> Result<bool, ClusterError> {
    let r = ObjectRef {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        name: namespace.into(),
    };
    if cluster.get(&r).await?.is_some() {
        return Ok(true);
    }
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    cluster.apply(&ns, dry_run, false).await.map(|_| false)
}
