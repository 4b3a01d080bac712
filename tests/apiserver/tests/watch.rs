//! Watch streams over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::{Value, json};
use support::Lines;

const CMS: &str = "/api/v1/namespaces/default/configmaps";

fn cm(name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": app}}, "data": {"k": "1"}})
}

async fn open(api: &support::Api, query: &str) -> Lines {
    let res = api
        .http
        .get(api.url(&format!("{CMS}?watch=true&{query}")))
        .send()
        .await
        .expect("watch request");
    assert_eq!(res.status().as_u16(), 200);
    Lines::new(res)
}

fn summary(ev: &Value) -> (String, String) {
    (
        ev["type"].as_str().unwrap().to_string(),
        ev["object"]["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[tokio::test]
async fn label_selected_watch_sees_added_modified_deleted() {
    let api = support::server().await;
    let (_, list) = api.get(&format!("{CMS}?labelSelector=app%3Dw")).await;
    let start = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = open(
        &api,
        &format!("labelSelector=app%3Dw&resourceVersion={start}"),
    )
    .await;

    api.post(CMS, &cm("other", "x")).await;
    let (_, created) = api.post(CMS, &cm("mine", "w")).await;
    api.patch(
        &format!("{CMS}/mine"),
        support::MERGE,
        json!({"data": {"k": "2"}}).to_string(),
    )
    .await;
    api.delete(&format!("{CMS}/other")).await;
    api.delete(&format!("{CMS}/mine")).await;

    let mut seen = Vec::new();
    let mut last_rv = 0;
    for _ in 0..3 {
        let ev = w.next_change().await.expect("event");
        let rv = support::rv(&ev["object"]);
        assert!(rv > last_rv, "resourceVersions increase");
        last_rv = rv;
        seen.push(summary(&ev));
    }
    assert_eq!(
        seen,
        [
            ("ADDED".into(), "mine".into()),
            ("MODIFIED".into(), "mine".into()),
            ("DELETED".into(), "mine".into()),
        ]
    );
    assert!(last_rv > support::rv(&created));
}

#[tokio::test]
async fn watch_without_resource_version_starts_with_current_state() {
    let api = support::server().await;
    api.post(CMS, &cm("before", "w")).await;
    let mut w = open(&api, "watch=1").await;
    assert_eq!(
        summary(&w.next_change().await.unwrap()),
        ("ADDED".into(), "before".into())
    );
    api.post(CMS, &cm("after", "w")).await;
    assert_eq!(
        summary(&w.next_change().await.unwrap()),
        ("ADDED".into(), "after".into())
    );
}

#[tokio::test]
async fn watch_replays_from_a_resource_version() {
    let api = support::server().await;
    let (_, first) = api.post(CMS, &cm("one", "w")).await;
    api.post(CMS, &cm("two", "w")).await;
    api.post(CMS, &cm("three", "w")).await;
    let mut w = open(&api, &format!("resourceVersion={}", support::rv(&first))).await;
    assert_eq!(summary(&w.next_change().await.unwrap()).1, "two");
    assert_eq!(summary(&w.next_change().await.unwrap()).1, "three");
}

#[tokio::test]
async fn relabelling_out_of_a_selector_is_a_delete() {
    let api = support::server().await;
    api.post(CMS, &cm("moving", "w")).await;
    let (_, list) = api.get(CMS).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = open(&api, &format!("labelSelector=app%3Dw&resourceVersion={rv}")).await;
    api.patch(
        &format!("{CMS}/moving"),
        support::MERGE,
        json!({"metadata": {"labels": {"app": "elsewhere"}}}).to_string(),
    )
    .await;
    api.patch(
        &format!("{CMS}/moving"),
        support::MERGE,
        json!({"metadata": {"labels": {"app": "w"}}}).to_string(),
    )
    .await;
    assert_eq!(
        summary(&w.next_change().await.unwrap()),
        ("DELETED".into(), "moving".into())
    );
    assert_eq!(
        summary(&w.next_change().await.unwrap()),
        ("ADDED".into(), "moving".into())
    );
}

#[tokio::test]
async fn initial_events_end_with_a_bookmark_and_timeouts_end_the_stream() {
    let api = support::server().await;
    api.post(CMS, &cm("x", "w")).await;
    let mut w = open(
        &api,
        "sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1",
    )
    .await;
    assert_eq!(
        summary(&w.next().await.unwrap()),
        ("ADDED".into(), "x".into())
    );
    let bm = w.next().await.unwrap();
    assert_eq!(bm["type"], "BOOKMARK");
    assert_eq!(
        bm["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    // timeoutSeconds=1: the server closes the stream by itself.
    while let Some(ev) = w.next().await {
        assert_eq!(ev["type"], "BOOKMARK", "{ev}");
    }
}

#[tokio::test]
async fn a_resource_version_from_the_future_is_gone() {
    let api = support::server().await;
    let (code, err) = api
        .get(&format!("{CMS}?watch=true&resourceVersion=999999"))
        .await;
    // As kube-apiserver: 200, then one ERROR event with a 410 Status.
    assert_eq!(code, 200, "{err}");
    assert_eq!(err["type"], "ERROR", "{err}");
    assert_eq!(err["object"]["code"], 410, "{err}");
    assert_eq!(err["object"]["reason"], "Expired", "{err}");
}
