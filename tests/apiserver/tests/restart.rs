//! "The API server restarted empty": watches end, objects are gone, old
//! resourceVersions are refused with 410 so that clients relist.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::json;

const CMS: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn restart_empty_drops_objects_and_ends_watches() {
    let api = support::server().await;
    let url_before = api.server.url();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    for i in 0..5 {
        let mut c = cm.clone();
        c["metadata"]["name"] = json!(format!("a{i}"));
        api.post(CMS, &c).await;
    }
    let (_, list) = api.get(CMS).await;
    let old_rv = support::rv(&list);
    let res = api
        .http
        .get(api.url(&format!("{CMS}?watch=true&resourceVersion={old_rv}")))
        .send()
        .await
        .unwrap();
    let mut w = support::Lines::new(res);

    api.server.restart_empty().await.expect("restart");

    assert!(w.next_change().await.is_none(), "the watch ends");
    assert_eq!(api.server.url(), url_before, "same address");
    let (code, _) = api.get(&format!("{CMS}/a0")).await;
    assert_eq!(code, 404);
    let (_, list) = api.get(CMS).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert!(support::rv(&list) < old_rv, "resourceVersions start over");
    let (code, _) = api.get("/api/v1/namespaces/default").await;
    assert_eq!(code, 200, "a fresh cluster still has its namespaces");

    let (code, err) = api
        .get(&format!("{CMS}?watch=true&resourceVersion={old_rv}"))
        .await;
    // As kube-apiserver: 200, then one ERROR event with a 410 Status.
    assert_eq!(code, 200, "{err}");
    assert_eq!(err["type"], "ERROR", "{err}");
    assert_eq!(err["object"]["code"], 410, "{err}");
    assert_eq!(err["object"]["reason"], "Expired", "{err}");

    // And it works as before.
    let (code, _) = api.post(CMS, &cm).await;
    assert_eq!(code, 201);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let api = support::server().await;
    let url = api.url("/version");
    let support::Api { server, http } = api;
    assert!(http.get(&url).send().await.is_ok());
    server.shutdown().await;
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        fresh.get(&url).send().await.is_err(),
        "still answering after shutdown"
    );
}
