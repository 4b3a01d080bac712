//! `plan(desired, live, inventory)`: what it takes to make the cluster
//! match the compiled revision. Pure and unit-tested; `air apply
//! --dry-run`, `air diff --live` and the controller all use it.
//!
//! Safety rules enforced here (docs/reconcile.md, "Safety"):
//! - an object that exists without air's labels for this app is never
//!   updated or deleted (it is reported as blocked);
//! - only objects in the previous inventory are ever deleted, and only if
//!   they still carry air's labels for this app;
//! - the inventory is a hint, never an authority (anyone who can write the
//!   ConfigMap can add to it): only kinds the compiler emits, in the app's
//!   namespaces, are ever deleted — never a Namespace nor anything
//!   cluster-scoped ([`Scope`]);
//! - a plan that would delete everything is refused unless allowed.

use crate::fields::{FieldChange, diff_owned};
use crate::object::{ObjectRef, apply_rank, is_emitted_kind, owned_by};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What air applied last time for one app: the objects it owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Inventory {
    /// Git revision (commit) the inventory was written for.
    #[serde(default)]
    pub revision: Option<String>,
    pub objects: BTreeSet<ObjectRef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
    /// Wanted, but something else owns an object of that name: left alone.
    Blocked,
    /// No longer wanted, but not deleted (prune off, or labels removed).
    Orphaned,
}

/// One step of a plan, with the reason for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub object: ObjectRef,
    pub action: Action,
    pub reason: String,
    /// The desired object (create/update/unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<Value>,
    /// Field-level differences (update).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

/// "a, b, c differ and 2 more"; the digest alone means the revision
/// changed fields another manager owns now.
fn update_reason(fields: &[FieldChange]) -> String {
    let named: Vec<&str> = fields
        .iter()
        .filter(|f| !f.is_digest())
        .map(|f| f.path.as_str())
        .collect();
    if named.is_empty() {
        return "changed in the revision, in fields another field manager owns now".into();
    }
    let more = if named.len() > 3 {
        format!(" and {} more", named.len() - 3)
    } else {
        String::new()
    };
    format!("{} differ{more}", named[..named.len().min(3)].join(", "))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// Delete objects the revision no longer wants.
    pub prune: bool,
    /// Allow a plan that deletes every object of the app.
    pub allow_prune_all: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            prune: true,
            allow_prune_all: false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// In execution order: creates and updates by apply rank, then deletes
    /// in reverse rank.
    pub changes: Vec<Change>,
    /// Set when the plan must not be executed (prune-all guard).
    pub refused: Option<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Does executing the plan change anything?
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(|c| {
            matches!(
                c.action,
                Action::Unchanged | Action::Blocked | Action::Orphaned
            )
        })
    }
}

/// What air may ever delete for an app: objects of a kind the compiler
/// emits, in one of the app's namespaces (its own, and those of the objects
/// the revision wants). Never a Namespace, never anything cluster-scoped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    namespaces: BTreeSet<String>,
}

impl Scope {
    /// The scope of an app deployed to `namespace` wanting `desired`.
    pub fn of(namespace: &str, desired: &[Value]) -> Scope {
        let mut namespaces: BTreeSet<String> = desired
            .iter()
            .filter_map(ObjectRef::of)
            .map(|r| r.namespace)
            .collect();
        namespaces.insert(namespace.to_string());
        namespaces.remove("");
        Scope { namespaces }
    }

    /// May `r` (listed in the inventory) be read and deleted?
    pub fn contains(&self, r: &ObjectRef) -> bool {
        r.kind != "Namespace" && self.namespaces.contains(&r.namespace) && is_emitted_kind(r)
    }
}

/// Compute the plan for `app`, deployed to `namespace`. `live` holds the current object for every
/// reference of `desired` and of `inventory` that exists in the cluster.
pub fn plan(
    app: &str,
    namespace: &str,
    desired: &[Value],
    live: &BTreeMap<ObjectRef, Value>,
    inventory: &Inventory,
    opts: PlanOptions,
) -> Plan {
    let mut changes = Vec::new();
    let mut wanted = BTreeSet::new();
    for d in desired {
        let Some(r) = ObjectRef::of(d) else { continue };
        wanted.insert(r.clone());
        let change = match live.get(&r) {
            None => Change {
                object: r,
                action: Action::Create,
                reason: "not in the cluster".into(),
                desired: Some(d.clone()),
                fields: Vec::new(),
            },
            Some(l) if !owned_by(l, app) => Change {
                object: r,
                action: Action::Blocked,
                reason: format!(
                    "exists but is not labelled as managed by air for app `{app}`: left untouched"
                ),
                desired: Some(d.clone()),
                fields: Vec::new(),
            },
            Some(l) => {
                let fields = diff_owned(d, l);
                if fields.is_empty() {
                    Change {
                        object: r,
                        action: Action::Unchanged,
                        reason: "in sync".into(),
                        desired: Some(d.clone()),
                        fields,
                    }
                } else {
                    Change {
                        object: r,
                        action: Action::Update,
                        reason: update_reason(&fields),
                        desired: Some(d.clone()),
                        fields,
                    }
                }
            }
        };
        changes.push(change);
    }
    let mut deletes = Vec::new();
    // Inventory entries out of scope are ignored: they are not air's, and
    // are dropped from the next inventory.
    let scope = Scope::of(namespace, desired);
    for r in inventory
        .objects
        .iter()
        .filter(|r| !wanted.contains(r) && scope.contains(r))
    {
        let Some(l) = live.get(r) else { continue };
        let (action, reason) = if !owned_by(l, app) {
            (
                Action::Orphaned,
                format!("no longer carries air's labels for app `{app}`: not deleted"),
            )
        } else if !opts.prune {
            (
                Action::Orphaned,
                "no longer wanted; prune is off".to_string(),
            )
        } else {
            (Action::Delete, "no longer in the revision".to_string())
        };
        deletes.push(Change {
            object: r.clone(),
            action,
            reason,
            desired: None,
            fields: Vec::new(),
        });
    }
    changes.sort_by(|a, b| {
        (apply_rank(&a.object.kind), &a.object).cmp(&(apply_rank(&b.object.kind), &b.object))
    });
    deletes.sort_by(|a, b| {
        (apply_rank(&b.object.kind), &b.object).cmp(&(apply_rank(&a.object.kind), &a.object))
    });
    let deleting = deletes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let refused = (deleting > 0 && wanted.is_empty() && !opts.allow_prune_all).then(|| {
        format!(
            "the revision wants no objects, so pruning would delete all {deleting} objects of app `{app}`; \
             refusing (allow it explicitly to proceed)"
        )
    });
    changes.extend(deletes);
    Plan { changes, refused }
}

#[cfg(test)]
mod tests;
