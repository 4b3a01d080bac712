//! Server-side apply over real HTTP: create, re-apply, conflicts, force.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::{Value, json};

const CM: &str = "/api/v1/namespaces/default/configmaps/settings";

fn doc(data: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels:\n    app.kubernetes.io/managed-by: air\ndata:\n{data}"
    )
}

/// The same object without air's label: the fake reports a conflict even on
/// an equal value (gap 3 in docs/testing.md), so the second manager must not
/// send fields it does not mean to contest.
fn unlabelled(data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n{data}")
}

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn apply_creates_then_updates_and_a_repeat_is_a_no_op() {
    let api = support::server().await;
    let (code, created) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            doc("  a: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["data"]["a"], "1");
    assert_eq!(
        managers(&created),
        [("air".to_string(), "Apply".to_string())]
    );
    assert_eq!(
        created["metadata"]["managedFields"][0]["fieldsV1"]["f:data"]["f:a"],
        json!({})
    );

    // The same document again changes nothing, not even resourceVersion.
    let (code, again) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            doc("  a: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(support::rv(&again), support::rv(&created));

    let (code, updated) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            doc("  a: \"2\"\n  b: \"3\"\n"),
        )
        .await;
    assert_eq!(code, 200, "{updated}");
    assert_eq!(updated["data"], json!({"a": "2", "b": "3"}));
    assert!(support::rv(&updated) > support::rv(&created));
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(managers(&updated).len(), 1);

    // JSON bodies are YAML too.
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings"}, "data": {"a": "2", "b": "3"}});
    let (code, _) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            body.to_string(),
        )
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn apply_needs_a_field_manager_and_a_kind() {
    let api = support::server().await;
    let (code, err) = api.patch(CM, support::APPLY, doc("  a: \"1\"\n")).await;
    assert_eq!(code, 422, "{err}");
    let (code, err) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            "metadata:\n  name: settings\n".to_string(),
        )
        .await;
    assert_eq!(code, 400, "{err}");
    let (code, err) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            "text/plain",
            doc("  a: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 415, "{err}");
}

#[tokio::test]
async fn two_managers_conflict_and_force_takes_ownership() {
    let api = support::server().await;
    let (code, _) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            doc("  a: \"1\"\n  b: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 201);

    let (code, err) = api
        .patch(
            &format!("{CM}?fieldManager=someone-else"),
            support::APPLY,
            unlabelled("  a: \"9\"\n  b: \"9\"\n"),
        )
        .await;
    assert_eq!(code, 409, "{err}");
    assert_eq!(err["reason"], "Conflict");
    let msg = err["message"].as_str().unwrap();
    assert!(msg.starts_with("Apply failed with 2 conflicts"), "{msg}");
    assert!(msg.contains("conflicts with \"air\""), "{msg}");
    assert!(
        msg.contains("- .data.a") && msg.contains("- .data.b"),
        "{msg}"
    );
    let causes = err["details"]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 2);
    assert_eq!(causes[0]["reason"], "FieldManagerConflict");
    // The losing request changed nothing.
    let (_, now) = api.get(CM).await;
    assert_eq!(now["data"]["a"], "1");

    // A field nobody else owns does not conflict.
    let (code, ok) = api
        .patch(
            &format!("{CM}?fieldManager=someone-else"),
            support::APPLY,
            unlabelled("  c: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 200, "{ok}");

    let (code, forced) = api
        .patch(
            &format!("{CM}?fieldManager=someone-else&force=true"),
            support::APPLY,
            unlabelled("  a: \"9\"\n  c: \"1\"\n"),
        )
        .await;
    assert_eq!(code, 200, "{forced}");
    assert_eq!(forced["data"]["a"], "9");
    // air lost .data.a but still owns .data.b.
    let air = forced["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "air")
        .expect("air still owns something");
    assert!(air["fieldsV1"]["f:data"].get("f:a").is_none(), "{air}");
    assert!(air["fieldsV1"]["f:data"].get("f:b").is_some(), "{air}");

    // force is only for apply.
    let (code, _) = api
        .patch(
            &format!("{CM}?force=true"),
            support::MERGE,
            "{}".to_string(),
        )
        .await;
    assert_eq!(code, 422);
}

#[tokio::test]
async fn an_edit_by_another_manager_takes_ownership_so_apply_then_conflicts() {
    let api = support::server().await;
    let desired = doc("  a: \"1\"\n  b: \"1\"\n");
    let (code, _) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            desired.clone(),
        )
        .await;
    assert_eq!(code, 201);

    // Drift: someone edits a field air manages (like `kubectl edit`).
    let (code, edited) = api
        .patch(
            &format!("{CM}?fieldManager=kubectl-edit"),
            support::MERGE,
            json!({"data": {"a": "edited"}}).to_string(),
        )
        .await;
    assert_eq!(code, 200, "{edited}");
    let entries = edited["metadata"]["managedFields"].as_array().unwrap();
    let editor = entries
        .iter()
        .find(|e| e["manager"] == "kubectl-edit")
        .unwrap();
    assert_eq!(editor["operation"], "Update");
    assert_eq!(editor["fieldsV1"], json!({"f:data": {"f:a": {}}}));
    let air = entries.iter().find(|e| e["manager"] == "air").unwrap();
    assert_eq!(air["fieldsV1"]["f:data"], json!({"f:b": {}}));

    // Re-applying without force conflicts with the editor, as on a cluster.
    let (code, err) = api
        .patch(
            &format!("{CM}?fieldManager=air"),
            support::APPLY,
            desired.clone(),
        )
        .await;
    assert_eq!(code, 409, "{err}");
    let msg = err["message"].as_str().unwrap();
    assert!(
        msg.contains("\"kubectl-edit\"") && msg.contains(".data.a"),
        "{msg}"
    );

    let (code, healed) = api
        .patch(
            &format!("{CM}?fieldManager=air&force=true"),
            support::APPLY,
            desired,
        )
        .await;
    assert_eq!(code, 200, "{healed}");
    assert_eq!(healed["data"]["a"], "1");
    assert!(
        healed["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["manager"] != "kubectl-edit"),
        "{healed}"
    );
}

/// `Server::hold("patch")` holds applies (not their dry runs, nor reads)
/// until released: a test can catch a client between two writes.
#[tokio::test]
async fn a_held_apply_waits_until_released() {
    let api = std::sync::Arc::new(support::server().await);
    api.server.hold("patch");
    let dry = api
        .patch(
            &format!("{CM}?fieldManager=air&dryRun=All"),
            support::APPLY,
            doc("  a: \"1\"\n"),
        )
        .await;
    assert!(
        (200..300).contains(&dry.0),
        "a dry run is not held: {dry:?}"
    );
    let writer = api.clone();
    let apply = tokio::spawn(async move {
        writer
            .patch(
                &format!("{CM}?fieldManager=air"),
                support::APPLY,
                doc("  a: \"1\"\n"),
            )
            .await
    });
    tokio::time::timeout(support::WAIT, async {
        while api.server.held("patch") == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the apply is held");
    assert_eq!(api.get(CM).await.0, 404, "nothing written while held");
    api.server.release("patch");
    let (code, created) = tokio::time::timeout(support::WAIT, apply)
        .await
        .expect("the apply is served once released")
        .unwrap();
    assert_eq!(code, 201, "{created}");
    assert_eq!(api.server.held("patch"), 0);
    assert_eq!(api.get(CM).await.1["data"]["a"], "1");
}
