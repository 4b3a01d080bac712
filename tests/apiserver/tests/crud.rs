//! Create, get, list, update, delete and dry run over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::json;

const CMS: &str = "/api/v1/namespaces/default/configmaps";

fn cm(name: &str, app: &str) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": app}},
        "data": {"k": "v"}
    })
}

#[tokio::test]
async fn create_get_and_list_with_selectors() {
    let api = support::server().await;
    for (name, app) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        let (code, obj) = api.post(CMS, &cm(name, app)).await;
        assert_eq!(code, 201, "{obj}");
        assert_eq!(obj["metadata"]["namespace"], "default");
        assert!(
            obj["metadata"]["uid"]
                .as_str()
                .is_some_and(|u| !u.is_empty())
        );
        assert!(support::rv(&obj) > 0);
    }
    let (code, obj) = api.get(&format!("{CMS}/a1")).await;
    assert_eq!(code, 200);
    assert_eq!(obj["data"]["k"], "v");

    let (code, list) = api.get(&format!("{CMS}?labelSelector=app%3Da")).await;
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "ConfigMapList");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a1", "a2"]);
    // The list's resourceVersion is the newest one handed out.
    let (_, b1) = api.get(&format!("{CMS}/b1")).await;
    assert_eq!(support::rv(&list), support::rv(&b1));

    let (_, list) = api.get(&format!("{CMS}?labelSelector=app+in+(b,c)")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, list) = api
        .get(&format!("{CMS}?fieldSelector=metadata.name%3Da2"))
        .await;
    assert_eq!(list["items"][0]["metadata"]["name"], "a2");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Across all namespaces.
    let (code, list) = api.get("/api/v1/configmaps").await;
    assert_eq!(code, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);

    let (code, err) = api.get(&format!("{CMS}?labelSelector=%3D%3D%3D")).await;
    assert_eq!(code, 400, "{err}");
}

#[tokio::test]
async fn errors_are_status_documents() {
    let api = support::server().await;
    let (code, _) = api.post(CMS, &cm("dup", "x")).await;
    assert_eq!(code, 201);
    let (code, err) = api.post(CMS, &cm("dup", "x")).await;
    assert_eq!((code, err["reason"].as_str()), (409, Some("AlreadyExists")));
    assert_eq!(err["kind"], "Status");

    let (code, err) = api.get(&format!("{CMS}/missing")).await;
    assert_eq!((code, err["reason"].as_str()), (404, Some("NotFound")));
    assert_eq!(err["message"], "configmaps \"missing\" not found");

    let (code, err) = api.post(CMS, &cm("Bad_Name", "x")).await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (422, Some("Invalid")),
        "{err}"
    );
    assert_eq!(err["details"]["causes"][0]["field"], "metadata.name");

    let (code, err) = api
        .post("/api/v1/namespaces/nowhere/configmaps", &cm("x", "x"))
        .await;
    assert_eq!(code, 404, "{err}");
    assert_eq!(err["message"], "namespaces \"nowhere\" not found");

    let mut other = cm("x", "x");
    other["metadata"]["namespace"] = json!("kube-system");
    let (code, err) = api.post(CMS, &other).await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (400, Some("BadRequest")),
        "{err}"
    );

    let (code, err) = api.put(&format!("{CMS}/dup"), &cm("other", "x")).await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (400, Some("BadRequest")),
        "{err}"
    );
}

#[tokio::test]
async fn update_checks_resource_version() {
    let api = support::server().await;
    let (_, created) = api.post(CMS, &cm("u", "x")).await;
    let mut changed = created.clone();
    changed["data"]["k"] = json!("w");
    let (code, updated) = api.put(&format!("{CMS}/u"), &changed).await;
    assert_eq!(code, 200, "{updated}");
    assert_eq!(updated["data"]["k"], "w");
    assert!(support::rv(&updated) > support::rv(&created));
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);

    // Stale resourceVersion: optimistic concurrency conflict.
    let (code, err) = api.put(&format!("{CMS}/u"), &changed).await;
    assert_eq!(
        (code, err["reason"].as_str()),
        (409, Some("Conflict")),
        "{err}"
    );

    let (code, merged) = api
        .patch(
            &format!("{CMS}/u"),
            support::MERGE,
            json!({"data": {"n": "1"}}).to_string(),
        )
        .await;
    assert_eq!(code, 200, "{merged}");
    assert_eq!(merged["data"], json!({"k": "w", "n": "1"}));

    let (code, patched) = api
        .patch(
            &format!("{CMS}/u"),
            "application/json-patch+json",
            json!([{"op": "remove", "path": "/data/n"}]).to_string(),
        )
        .await;
    assert_eq!(code, 200, "{patched}");
    assert_eq!(patched["data"], json!({"k": "w"}));
}

#[tokio::test]
async fn dry_run_validates_and_does_not_persist() {
    let api = support::server().await;
    let (code, obj) = api
        .post(&format!("{CMS}?dryRun=All"), &cm("dry", "x"))
        .await;
    assert_eq!(code, 201, "{obj}");
    assert_eq!(obj["metadata"]["name"], "dry");
    let (code, _) = api.get(&format!("{CMS}/dry")).await;
    assert_eq!(code, 404);

    // Invalid input fails in dry run as it would for real.
    let (code, _) = api
        .post(&format!("{CMS}?dryRun=All"), &cm("Bad_Name", "x"))
        .await;
    assert_eq!(code, 422);

    let (_, real) = api.post(CMS, &cm("dry", "x")).await;
    // The create made its writer the owner of `data.k` (an Update entry), so
    // a different value from `air` needs `force`, as on a real server.
    let apply = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  k: changed\n";
    let (code, answer) = api
        .patch(
            &format!("{CMS}/dry?fieldManager=air&force=true&dryRun=All"),
            support::APPLY,
            apply.to_string(),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["data"]["k"], "changed");
    let (_, after) = api.get(&format!("{CMS}/dry")).await;
    assert_eq!(after, real, "dry-run apply changed the stored object");

    let mut replaced = real.clone();
    replaced["data"]["k"] = json!("put");
    let (code, _) = api.put(&format!("{CMS}/dry?dryRun=All"), &replaced).await;
    assert_eq!(code, 200);
    let (code, _) = api.delete(&format!("{CMS}/dry?dryRun=All")).await;
    assert_eq!(code, 200);
    let (_, after) = api.get(&format!("{CMS}/dry")).await;
    assert_eq!(after, real, "dry-run put/delete changed the stored object");

    let (code, err) = api.post(&format!("{CMS}?dryRun=Some"), &cm("z", "x")).await;
    assert_eq!(code, 400, "{err}");
}

#[tokio::test]
async fn delete_returns_the_object_and_collections_delete_by_selector() {
    let api = support::server().await;
    let (_, created) = api.post(CMS, &cm("d", "x")).await;
    let (code, deleted) = api.delete(&format!("{CMS}/d")).await;
    assert_eq!(code, 200, "{deleted}");
    assert_eq!(deleted["metadata"]["uid"], created["metadata"]["uid"]);
    let (code, _) = api.get(&format!("{CMS}/d")).await;
    assert_eq!(code, 404);
    let (code, err) = api.delete(&format!("{CMS}/d")).await;
    assert_eq!((code, err["reason"].as_str()), (404, Some("NotFound")));

    for (n, app) in [("c1", "gone"), ("c2", "gone"), ("c3", "kept")] {
        api.post(CMS, &cm(n, app)).await;
    }
    let (code, list) = api.delete(&format!("{CMS}?labelSelector=app%3Dgone")).await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, left) = api.get(CMS).await;
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["metadata"]["name"], "c3");
}

#[tokio::test]
async fn namespaces_are_cluster_scoped_and_take_their_content_along() {
    let api = support::server().await;
    let (code, ns) = api.get("/api/v1/namespaces/default").await;
    assert_eq!(code, 200, "{ns}");
    let ns_body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
    let (code, ns) = api.post("/api/v1/namespaces", &ns_body).await;
    assert_eq!(code, 201, "{ns}");
    assert!(ns["metadata"].get("namespace").is_none());
    let (code, _) = api
        .post("/api/v1/namespaces/shop/configmaps", &cm("inside", "x"))
        .await;
    assert_eq!(code, 201);
    let (_, all) = api.get("/api/v1/namespaces").await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"shop") && names.contains(&"default"),
        "{names:?}"
    );

    let (code, _) = api.delete("/api/v1/namespaces/shop").await;
    assert_eq!(code, 200);
    let (code, _) = api.get("/api/v1/namespaces/shop/configmaps/inside").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn generate_name_and_leases() {
    let api = support::server().await;
    let body = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"generateName": "air-"}, "reason": "Synced"});
    let (code, ev) = api.post("/api/v1/namespaces/default/events", &body).await;
    assert_eq!(code, 201, "{ev}");
    let name = ev["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("air-") && name.len() == 9, "{name}");

    let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "air-leader"}, "spec": {"holderIdentity": "a"}});
    let (code, l) = api
        .post(
            "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            &lease,
        )
        .await;
    assert_eq!(code, 201, "{l}");
}
