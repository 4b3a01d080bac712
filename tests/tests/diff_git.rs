//! `air diff` over real Git repositories: each scenario commits two
//! revisions (or leaves the head uncommitted) and checks the report.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::repo;

use air_reconciler::diff::{AppStatus, WorkflowStatus};
use repo::{SHOP, TestRepo};

fn kinds_names(refs: &[air_reconciler::diff::ObjectRef]) -> Vec<String> {
    refs.iter()
        .map(|r| format!("{}/{}", r.kind, r.name))
        .collect()
}

#[test]
fn no_change_is_no_change() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let c = r.commit("base");
    let report = r.diff(Some(&c), Some(&c), "shop");
    assert!(!report.has_changes());
    assert_eq!(report.apps_compared, 1);
}

#[test]
fn function_added() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    r.app(
        "shop",
        &format!("{SHOP}function shipping {{ image = \"registry.example.com/shipping:1.0.0\" }}\n"),
    );
    let head = r.commit("head");
    let report = r.diff(Some(&base), Some(&head), "shop");
    let app = &report.apps[0];
    assert_eq!(app.status, AppStatus::Changed);
    assert!(
        kinds_names(&app.objects.added).contains(&"Service/shipping".to_string()),
        "{:?}",
        app.objects
    );
    assert!(app.objects.removed.is_empty());
}

#[test]
fn function_removed() {
    let r = TestRepo::new();
    r.app(
        "shop",
        &format!("{SHOP}function shipping {{ image = \"registry.example.com/shipping:1.0.0\" }}\n"),
    );
    let base = r.commit("base");
    r.app("shop", SHOP);
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    assert_eq!(kinds_names(&app.objects.removed), vec!["Service/shipping"]);
}

#[test]
fn function_changed_field_by_yaml_path() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    r.app("shop", &SHOP.replace("billing:1.0.0", "billing:1.1.0"));
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    let svc = app
        .objects
        .changed
        .iter()
        .find(|c| c.object.kind == "Service" && c.object.name == "billing")
        .expect("billing changed");
    let f = svc
        .fields
        .iter()
        .find(|f| f.path == "spec.template.spec.containers[0].image")
        .expect("image path");
    assert_eq!(
        f.base.as_ref().unwrap(),
        "registry.example.com/billing:1.0.0"
    );
    assert_eq!(
        f.head.as_ref().unwrap(),
        "registry.example.com/billing:1.1.0"
    );
    assert!(app.workflows.is_empty());
}

#[test]
fn steps_reordered() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let swapped = SHOP.replace(
        "  reserve: call inventory { order: ${ .data.id } }\n  charge: call billing { amount: ${ .data.amount } }\n",
        "  charge: call billing { amount: ${ .data.amount } }\n  reserve: call inventory { order: ${ .data.id } }\n",
    );
    assert_ne!(swapped, SHOP);
    r.app("shop", &swapped);
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    let w = &app.workflows[0];
    assert_eq!(w.name, "fulfil");
    assert_eq!(w.status, WorkflowStatus::Changed);
    assert!(w.steps_added.is_empty() && w.steps_removed.is_empty());
    let added: Vec<String> = w
        .transitions_added
        .iter()
        .map(|t| format!("{}>{}", t.from, t.to))
        .collect();
    let removed: Vec<String> = w
        .transitions_removed
        .iter()
        .map(|t| format!("{}>{}", t.from, t.to))
        .collect();
    assert!(added.contains(&"charge>reserve".to_string()), "{added:?}");
    assert!(
        removed.contains(&"reserve>charge".to_string()),
        "{removed:?}"
    );
    assert!(
        app.objects
            .changed
            .iter()
            .any(|c| c.object.kind == "Workflow")
    );
}

#[test]
fn event_schema_changed_and_event_newly_produced() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let head_text = SHOP
        .replace("event OrderConfirmed { data { id: string } }", "event OrderConfirmed { data { id: string  total: number } }\nevent OrderShipped { data { id: string } }")
        .replace("  emit OrderConfirmed { id: ${ .data.id } }\n", "  emit OrderConfirmed { id: ${ .data.id }, total: 1 }\n  emit OrderShipped { id: ${ .data.id } }\n");
    r.app("shop", &head_text);
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    let et = app
        .objects
        .changed
        .iter()
        .find(|c| c.object.kind == "EventType" && c.object.name.contains("order-confirmed"))
        .expect("EventType changed");
    assert!(
        et.fields
            .iter()
            .any(|f| f.path == "spec.schemaData.properties.total"),
        "{:?}",
        et.fields
    );
    let w = &app.workflows[0];
    assert_eq!(w.produces_added, vec!["OrderShipped"]);
    assert!(
        w.steps_added.iter().any(|s| s.contains("order_shipped")),
        "{:?}",
        w.steps_added
    );
}

#[test]
fn apps_added_and_removed_at_the_root() {
    let r = TestRepo::new();
    r.app("apps/a", SHOP);
    r.app("apps/b", SHOP);
    let base = r.commit("base");
    r.remove("apps/a");
    r.app("apps/c", SHOP);
    let head = r.commit("head");
    let report = r.diff(Some(&base), Some(&head), "");
    let st: Vec<(String, AppStatus)> = report
        .apps
        .iter()
        .map(|a| (a.path.clone(), a.status))
        .collect();
    assert_eq!(
        st,
        vec![
            ("apps/a".to_string(), AppStatus::Removed),
            ("apps/c".to_string(), AppStatus::Added)
        ]
    );
    assert_eq!(report.apps_compared, 3);
    assert_eq!(report.apps[0].head_compiles, None);
    assert!(!report.apps[0].objects.removed.is_empty());
    assert!(!report.apps[1].objects.added.is_empty());
}

#[test]
fn base_broken_still_shows_head_objects() {
    let r = TestRepo::new();
    r.app(
        "shop",
        &SHOP.replace("workflow fulfil {", "workflow fulfil {{"),
    );
    let base = r.commit("base");
    r.app("shop", SHOP);
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    assert_eq!(app.base_compiles, Some(false));
    assert_eq!(app.head_compiles, Some(true));
    assert!(
        app.notes
            .iter()
            .any(|n| n.contains("base does not compile"))
    );
    assert!(kinds_names(&app.objects.added).contains(&"Service/billing".to_string()));
    assert!(!app.diagnostics.resolved.is_empty());
    assert!(app.diagnostics.new.iter().all(|d| d.severity != "error"));
}

#[test]
fn head_broken_reports_new_errors() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    r.app("shop", &SHOP.replace("call billing", "call billling"));
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    assert_eq!(app.head_compiles, Some(false));
    assert!(
        app.notes
            .iter()
            .any(|n| n.contains("head does not compile"))
    );
    let d = app
        .diagnostics
        .new
        .iter()
        .find(|d| d.severity == "error")
        .expect("an error");
    assert_eq!(d.file.as_deref(), Some("shop/main.air"));
    assert!(d.message.contains("billling"), "{}", d.message);
}

#[test]
fn diagnostics_are_matched_without_line_numbers() {
    let r = TestRepo::new();
    let broken = SHOP.replace("call billing", "call billling");
    r.app("shop", &broken);
    let base = r.commit("base");
    r.app(
        "shop",
        &format!("// a comment that moves everything down\n\n{broken}"),
    );
    let head = r.commit("head");
    let report = r.diff(Some(&base), Some(&head), "shop");
    assert!(!report.has_changes(), "{:?}", report.apps);
}

#[test]
fn workflow_renamed() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    r.app(
        "shop",
        &SHOP.replace("workflow fulfil {", "workflow fulfil_order {"),
    );
    let head = r.commit("head");
    let app = &r.diff(Some(&base), Some(&head), "shop").apps[0];
    let ws: Vec<(String, WorkflowStatus)> = app
        .workflows
        .iter()
        .map(|w| (w.name.clone(), w.status))
        .collect();
    assert_eq!(
        ws,
        vec![
            ("fulfil".to_string(), WorkflowStatus::Removed),
            ("fulfil_order".to_string(), WorkflowStatus::Added)
        ]
    );
    assert!(
        app.objects
            .added
            .iter()
            .any(|o| o.name.contains("fulfil-order"))
    );
    assert!(
        app.objects
            .removed
            .iter()
            .any(|o| o.name == "fulfil" || o.name.starts_with("fulfil-"))
    );
}

#[test]
fn working_tree_head_against_merge_base_with_main() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    r.commit("base");
    // Uncommitted edit plus an untracked file: head = working tree.
    r.app("shop", &SHOP.replace("billing:1.0.0", "billing:2.0.0"));
    r.write(
        "shop/extra.air",
        "function audit { image = \"registry.example.com/audit:1.0.0\" }\n",
    );
    let report = r.diff(None, None, "shop");
    assert_eq!(report.head.commit, None);
    assert_eq!(report.base.label, "merge base with main");
    let app = &report.apps[0];
    assert!(kinds_names(&app.objects.added).contains(&"Service/audit".to_string()));
    assert!(
        app.objects
            .changed
            .iter()
            .any(|c| c.object.name == "billing")
    );
}

#[test]
fn default_base_is_the_merge_base_of_a_feature_branch() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    // A feature branch: HEAD moves on, main stays at `base`.
    let main_commit = r.repo.find_commit(base.parse().unwrap()).unwrap();
    r.repo.branch("feature", &main_commit, false).unwrap();
    r.repo.set_head("refs/heads/feature").unwrap();
    r.app("shop", &SHOP.replace("inventory:1.0.0", "inventory:1.0.1"));
    let head = r.commit("feature change");
    let report = r.diff(None, Some("HEAD"), "shop");
    assert_eq!(report.base.commit.as_deref(), Some(base.as_str()));
    assert_eq!(report.head.commit.as_deref(), Some(head.as_str()));
    assert!(report.has_changes());
}

#[test]
fn cli_exit_codes() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    let run = |head: Option<String>, path: std::path::PathBuf| {
        air_cli::cmd::diff::run(air_cli::cmd::diff::Args {
            path,
            base: Some(base.clone()),
            head,
            env: None,
            format: air_cli::cmd::diff::DiffFormat::Json,
            post: None,
            api_url: None,
            live: false,
            namespace: None,
            kubeconfig: None,
            context: None,
        })
    };
    assert_eq!(run(Some(base.clone()), r.path().join("shop")), 0);
    r.app("shop", &SHOP.replace("billing:1.0.0", "billing:3.0.0"));
    assert_eq!(run(None, r.path().join("shop")), 1);
    assert_eq!(run(Some("no-such-rev".into()), r.path().join("shop")), 2);
}

#[test]
fn default_branch_is_origin_head_first() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let first = r.commit("first");
    r.app("shop", &SHOP.replace("inventory:1.0.0", "inventory:1.0.1"));
    let second = r.commit("second");
    // origin/HEAD → origin/trunk at the first commit; local main is at the
    // second: origin/HEAD wins.
    let oid = first.parse().unwrap();
    r.repo
        .reference("refs/remotes/origin/trunk", oid, true, "test")
        .unwrap();
    r.repo
        .reference_symbolic(
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
            true,
            "test",
        )
        .unwrap();
    let report = r.diff(None, Some(&second), "shop");
    assert_eq!(report.base.commit.as_deref(), Some(first.as_str()));
    assert_eq!(report.base.label, "merge base with origin/trunk");
    assert!(report.has_changes());
}

#[test]
fn default_branch_falls_back_to_master() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = air_reconciler::git::git2::RepositoryInitOptions::new();
    opts.initial_head("master");
    air_reconciler::git::git2::Repository::init_opts(dir.path(), &opts).unwrap();
    let r = TestRepo {
        repo: air_reconciler::git::git2::Repository::open(dir.path()).unwrap(),
        dir,
    };
    r.app("shop", SHOP);
    let c = r.commit("only");
    let report = r.diff(None, None, "shop");
    assert_eq!(report.base.label, "merge base with master");
    assert_eq!(report.base.commit.as_deref(), Some(c.as_str()));
    assert!(!report.has_changes());
    // No main, no master, no origin/HEAD: an error that says what to pass.
    r.repo
        .find_reference("refs/heads/master")
        .unwrap()
        .rename("refs/heads/other", true, "test")
        .unwrap();
    let err = air_reconciler::diff::diff_repository(
        r.path(),
        &air_reconciler::diff::DiffRequest {
            path: "shop".into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("--base"), "{err}");
}

#[test]
fn uncommitted_deletion_of_an_app_is_seen() {
    let r = TestRepo::new();
    r.app("apps/a", SHOP);
    r.app("apps/b", SHOP);
    r.commit("base");
    r.remove("apps/b");
    let report = r.diff(None, None, "");
    assert_eq!(report.apps.len(), 1, "{:?}", report.apps);
    assert_eq!(report.apps[0].path, "apps/b");
    assert_eq!(report.apps[0].status, AppStatus::Removed);
}

#[test]
fn a_corrupt_object_is_an_error_not_a_change() {
    let r = TestRepo::new();
    r.app("shop", SHOP);
    let base = r.commit("base");
    r.app("shop", &SHOP.replace("billing:1.0.0", "billing:3.0.0"));
    let head = r.commit("head");
    // Damage head's main.air object on disk (a loose object: zlib data).
    let blob = r
        .repo
        .revparse_single(&format!("{head}:shop/main.air"))
        .unwrap()
        .id()
        .to_string();
    let object = r
        .repo
        .path()
        .join("objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"not zlib at all").unwrap();
    let code = air_cli::cmd::diff::run(air_cli::cmd::diff::Args {
        path: r.path().join("shop"),
        base: Some(base),
        head: Some(head),
        env: None,
        format: air_cli::cmd::diff::DiffFormat::Json,
        post: None,
        api_url: None,
        live: false,
        namespace: None,
        kubeconfig: None,
        context: None,
    });
    assert_eq!(code, 2);
}

/// Generated step names (`call_inventory_1`, …) stay put when an unrelated
/// step is added elsewhere: `air diff` shows the one new step, no renamed
/// step, and only the changed workflow's object; removing it again gives
/// back the very same compiled objects.
#[test]
fn generated_step_names_survive_an_unrelated_step() {
    const BASE: &str = r#"event OrderCreated { data { id: string  amount: number } }
event OrderConfirmed { data { id: string } }
function inventory { image = "registry.example.com/inventory:1.0.0" }
function billing { image = "registry.example.com/billing:1.0.0" }
workflow fulfil {
  on OrderCreated
  call inventory { order: ${ .data.id } }
  call inventory { check: ${ .data.id } }
  emit OrderConfirmed { id: ${ .data.id } }
}
workflow audit {
  on OrderConfirmed
  call billing { id: ${ .data.id } }
}
"#;
    let r = TestRepo::new();
    r.app("shop", BASE);
    let base = r.commit("base");
    // A step of another target, first in the workflow.
    r.app(
        "shop",
        &BASE.replace(
            "  on OrderCreated\n",
            "  on OrderCreated\n  call billing { amount: ${ .data.amount } }\n",
        ),
    );
    let head = r.commit("one more step");
    let report = r.diff(Some(&base), Some(&head), "shop");
    let app = &report.apps[0];
    let fulfil = app.workflows.iter().find(|w| w.name == "fulfil").unwrap();
    assert_eq!(fulfil.steps_added, ["call_billing_1"], "{fulfil:?}");
    assert!(fulfil.steps_removed.is_empty(), "{fulfil:?}");
    assert!(
        app.workflows.iter().all(|w| w.name == "fulfil"),
        "{:?}",
        app.workflows
    );
    assert!(app.objects.added.is_empty() && app.objects.removed.is_empty());
    let changed: Vec<String> = app
        .objects
        .changed
        .iter()
        .map(|c| format!("{} {}", c.object.kind, c.object.name))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].contains("fulfil"), "{changed:?}");

    // Removed again: nothing differs from the base.
    r.app("shop", BASE);
    let back = r.commit("step removed");
    let report = r.diff(Some(&base), Some(&back), "shop");
    for app in &report.apps {
        assert!(
            app.workflows.is_empty() && app.objects.changed.is_empty(),
            "{:?} {:?}",
            app.workflows,
            app.objects.changed
        );
    }
}
