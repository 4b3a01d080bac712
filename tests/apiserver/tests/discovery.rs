//! Discovery documents over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::Value;

fn names(list: &Value) -> Vec<String> {
    list["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn version_and_core_group() {
    let api = support::server().await;
    let (code, v) = api.get("/version").await;
    assert_eq!(code, 200);
    assert_eq!(v["major"], "1");

    let (code, v) = api.get("/api").await;
    assert_eq!(code, 200);
    assert_eq!(v["kind"], "APIVersions");
    assert_eq!(v["versions"][0], "v1");

    let (code, v) = api.get("/api/v1").await;
    assert_eq!(code, 200);
    assert_eq!(v["groupVersion"], "v1");
    let n = names(&v);
    for r in ["configmaps", "namespaces", "secrets", "events"] {
        assert!(n.contains(&r.to_string()), "{r} missing from {n:?}");
    }
    let ns = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "namespaces")
        .unwrap();
    assert_eq!(ns["namespaced"], false);
    assert!(!n.contains(&"pods".to_string()));
}

#[tokio::test]
async fn groups_versions_and_knative_kinds() {
    let api = support::server().await;
    let (code, v) = api.get("/apis").await;
    assert_eq!(code, 200);
    assert_eq!(v["kind"], "APIGroupList");
    let eventing = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "eventing.knative.dev")
        .expect("eventing group");
    assert_eq!(eventing["preferredVersion"]["version"], "v1");
    let versions: Vec<&str> = eventing["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v1", "v1beta3", "v1beta2"]);
    for g in [
        "serving.knative.dev",
        "sources.knative.dev",
        "coordination.k8s.io",
        "air.dev",
    ] {
        assert!(
            v["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == g),
            "{g} missing"
        );
    }

    let (code, v) = api.get("/apis/serving.knative.dev/v1").await;
    assert_eq!(code, 200);
    let ksvc = &v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "services")
        .unwrap()
        .clone();
    assert_eq!(ksvc["kind"], "Service");
    assert_eq!(ksvc["namespaced"], true);
    assert!(
        ksvc["shortNames"]
            .as_array()
            .unwrap()
            .contains(&"ksvc".into())
    );
    assert!(ksvc["verbs"].as_array().unwrap().contains(&"watch".into()));
    assert!(names(&v).contains(&"services/status".to_string()));

    let (code, v) = api.get("/apis/eventing.knative.dev/v1beta3").await;
    assert_eq!(code, 200);
    assert_eq!(names(&v), ["eventtypes", "eventtypes/status"]);

    let (code, v) = api.get("/apis/air.dev/v1alpha1").await;
    assert_eq!(code, 200);
    assert!(names(&v).contains(&"airapps".to_string()));

    let (code, v) = api.get("/apis/coordination.k8s.io").await;
    assert_eq!(code, 200);
    assert_eq!(v["kind"], "APIGroup");
}

#[tokio::test]
async fn unknown_groups_and_kinds_are_404_status() {
    let api = support::server().await;
    for path in [
        "/apis/apps/v1",
        "/apis/apps",
        "/apis/apps/v1/namespaces/default/deployments",
        "/api/v1/namespaces/default/pods",
        "/apis/serving.knative.dev/v2/namespaces/default/services",
    ] {
        let (code, v) = api.get(path).await;
        assert_eq!(code, 404, "{path}");
        assert_eq!(v["kind"], "Status", "{path}");
        assert_eq!(v["reason"], "NotFound", "{path}");
        assert_eq!(v["code"], 404, "{path}");
    }
}
