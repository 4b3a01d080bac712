//! `air diff --live`: the app on disk against what the cluster holds, like
//! `kubectl diff` or `argocd app diff`. It is the plan `air apply` would
//! execute (with prune on), computed by the same pure `plan` from the live
//! objects and the app's inventory; nothing is written, not even a dry run.

use crate::cmd::apply::{Failed, compile_local, kubectl_name};
use crate::cmd::{AppArgs, fail};
use crate::exit;
use air_reconciler::apply::live_state;
use air_reconciler::clip::{MAX_VALUE, clip};
use air_reconciler::cluster::Cluster;
use air_reconciler::plan::{Action, Change, PlanOptions, plan};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where the cluster is, for `--live`.
pub struct LiveArgs {
    pub app: AppArgs,
    pub namespace: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub json: bool,
}

pub fn run(args: LiveArgs) -> u8 {
    let local = match compile_local(&args.app, args.namespace.as_deref()) {
        Ok(l) => l,
        Err(Failed::Usage(e)) => return fail(&e),
        Err(Failed::Errors(n)) => {
            eprintln!("error: the app has {n} error(s); nothing to compare");
            return exit::FINDINGS;
        }
    };
    let runtime = match crate::cmd::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let app = local.objects;
    let changes = runtime.block_on(async {
        // Bounded like `air apply`'s default: a server that never answers
        // must not hang the diff.
        let cluster = Cluster::connect_to(args.kubeconfig.as_deref(), args.context.as_deref())
            .await?
            .with_request_timeout(std::time::Duration::from_secs(30));
        let inventory = air_reconciler::inventory::load(&cluster, &app.app, &app.namespace).await?;
        let live = live_state(&cluster, &app.namespace, &app.objects, &inventory).await?;
        let opts = PlanOptions {
            prune: true,
            allow_prune_all: true,
        };
        Ok::<_, air_reconciler::cluster::ClusterError>(
            plan(
                &app.app,
                &app.namespace,
                &app.objects,
                &live,
                &inventory,
                opts,
            )
            .changes,
        )
    });
    let changes = match changes {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let text = if args.json {
        json_report(&app.app, &app.namespace, &changes) + "\n"
    } else {
        human(&app.app, &app.namespace, &changes)
    };
    print!("{text}");
    if changes.iter().all(|c| c.action == Action::Unchanged) {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

/// The differing fields worth showing: the digest annotation is air's
/// bookkeeping (docs/apply.md), not something a reviewer changed.
fn shown_fields(c: &Change) -> impl Iterator<Item = &air_reconciler::fields::FieldChange> {
    c.fields.iter().filter(|f| !f.is_digest())
}

/// A value on one line, clipped: a live object may hold megabytes in one
/// field (the JSON report keeps them whole).
fn short(v: Option<&Value>) -> String {
    let text = match v {
        None => return "(none)".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    };
    clip(&text, MAX_VALUE).into_owned()
}

/// kubectl-diff-like text: `+` created, `~` updated with its fields, `-`
/// pruned, `!` left alone (with why); unchanged objects only counted.
pub fn human(app: &str, namespace: &str, changes: &[Change]) -> String {
    let mut out = String::new();
    let mut unchanged = 0;
    for c in changes {
        let name = kubectl_name(&c.object);
        match c.action {
            Action::Unchanged => unchanged += 1,
            Action::Create => out.push_str(&format!("+ {name} (not in the cluster)\n")),
            Action::Delete => out.push_str(&format!("- {name} (would be pruned)\n")),
            Action::Blocked | Action::Orphaned => {
                out.push_str(&format!("! {name} ({})\n", c.reason));
            }
            Action::Update => {
                out.push_str(&format!("~ {name}\n"));
                let mut any = false;
                for f in shown_fields(c) {
                    any = true;
                    out.push_str(&format!(
                        "    {}: {} → {}\n",
                        f.path,
                        short(f.live.as_ref()),
                        short(f.desired.as_ref())
                    ));
                }
                if !any {
                    out.push_str(&format!("    ({})\n", c.reason));
                }
            }
        }
    }
    let changed = changes.len() - unchanged;
    if changed == 0 {
        out.push_str(&format!(
            "app {app} in namespace {namespace}: no differences ({unchanged} objects)\n"
        ));
    } else {
        out.push_str(&format!(
            "app {app} in namespace {namespace}: {changed} to change, {unchanged} unchanged\n"
        ));
    }
    out
}

/// `{"app", "namespace", "changes": [{object, action, reason, fields}]}`,
/// unchanged objects included (action `unchanged`).
pub fn json_report(app: &str, namespace: &str, changes: &[Change]) -> String {
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            json!({
                "object": c.object,
                "action": c.action,
                "reason": c.reason,
                "fields": shown_fields(c).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({"app": app, "namespace": namespace, "changes": list}))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use air_reconciler::fields::FieldChange;
    use air_reconciler::object::ObjectRef;

    #[test]
    fn a_huge_live_value_is_clipped() {
        let huge = "x".repeat(10 << 20);
        let change = Change {
            object: ObjectRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: "ns".into(),
                name: "c".into(),
            },
            action: Action::Update,
            reason: "data.k differ".into(),
            desired: None,
            fields: vec![FieldChange {
                path: "data.k".into(),
                live: Some(Value::String(huge)),
                desired: Some(Value::String("small".into())),
            }],
        };
        let text = human("a", "ns", &[change]);
        assert!(text.len() < 3 * MAX_VALUE, "{} bytes", text.len());
        assert!(text.contains("more bytes)"), "{text}");
        assert!(text.contains("\"small\""), "{text}");
    }
}
