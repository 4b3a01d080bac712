//! Knative kinds and their status subresource over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::support;

use serde_json::json;

const KSVCS: &str = "/apis/serving.knative.dev/v1/namespaces/default/services";

fn ksvc_yaml(image: &str) -> String {
    format!(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - image: {image}\n"
    )
}

#[tokio::test]
async fn status_is_written_separately_from_spec() {
    let api = support::server().await;
    let (code, created) = api
        .patch(
            &format!("{KSVCS}/web?fieldManager=air"),
            support::APPLY,
            ksvc_yaml("a:1"),
        )
        .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["metadata"]["generation"], 1);

    // What a test does in place of Knative's controller: mark it Ready.
    let status = json!({"status": {
        "observedGeneration": 1,
        "url": "http://web.default.example.com",
        "conditions": [{"type": "Ready", "status": "True"}]
    }});
    let (code, ready) = api
        .patch(
            &format!("{KSVCS}/web/status"),
            support::MERGE,
            status.to_string(),
        )
        .await;
    assert_eq!(code, 200, "{ready}");
    assert_eq!(ready["status"]["conditions"][0]["status"], "True");
    assert_eq!(
        ready["metadata"]["generation"], 1,
        "status writes keep generation"
    );
    assert_eq!(ready["spec"], created["spec"]);

    let (code, got) = api.get(&format!("{KSVCS}/web/status")).await;
    assert_eq!(code, 200);
    assert_eq!(got["status"]["url"], "http://web.default.example.com");

    // A spec change keeps the status and moves generation on.
    let (code, changed) = api
        .patch(
            &format!("{KSVCS}/web?fieldManager=air"),
            support::APPLY,
            ksvc_yaml("a:2"),
        )
        .await;
    assert_eq!(code, 200, "{changed}");
    assert_eq!(changed["metadata"]["generation"], 2);
    assert_eq!(changed["status"]["conditions"][0]["type"], "Ready");
    assert_eq!(
        changed["spec"]["template"]["spec"]["containers"][0]["image"],
        "a:2"
    );

    // A spec write through the main resource cannot set status.
    let mut put = changed.clone();
    put["status"] = json!({"conditions": [{"type": "Ready", "status": "False"}]});
    let (code, after_put) = api.put(&format!("{KSVCS}/web"), &put).await;
    assert_eq!(code, 200, "{after_put}");
    assert_eq!(after_put["status"]["conditions"][0]["status"], "True");

    // PUT on /status with the whole object.
    let mut st = after_put.clone();
    st["status"]["conditions"][0]["status"] = json!("False");
    let (code, after) = api.put(&format!("{KSVCS}/web/status"), &st).await;
    assert_eq!(code, 200, "{after}");
    assert_eq!(after["status"]["conditions"][0]["status"], "False");
}

#[tokio::test]
async fn every_registered_knative_kind_round_trips() {
    let api = support::server().await;
    let cases = [
        (
            "/apis/eventing.knative.dev/v1/namespaces/default/brokers",
            "eventing.knative.dev/v1",
            "Broker",
        ),
        (
            "/apis/eventing.knative.dev/v1/namespaces/default/triggers",
            "eventing.knative.dev/v1",
            "Trigger",
        ),
        (
            "/apis/sources.knative.dev/v1/namespaces/default/pingsources",
            "sources.knative.dev/v1",
            "PingSource",
        ),
        (
            "/apis/eventing.knative.dev/v1beta2/namespaces/default/eventtypes",
            "eventing.knative.dev/v1beta2",
            "EventType",
        ),
        (
            "/apis/eventing.knative.dev/v1beta3/namespaces/default/eventtypes",
            "eventing.knative.dev/v1beta3",
            "EventType",
        ),
        (
            "/apis/air.dev/v1alpha1/namespaces/default/airapps",
            "air.dev/v1alpha1",
            "AirApp",
        ),
    ];
    for (path, av, kind) in cases {
        let body = json!({"apiVersion": av, "kind": kind,
            "metadata": {"name": "x", "labels": {"app.kubernetes.io/managed-by": "air"}},
            "spec": {}});
        let (code, obj) = api.post(path, &body).await;
        assert_eq!(code, 201, "{path}: {obj}");
        assert_eq!(obj["kind"], kind);
        let (code, list) = api
            .get(&format!(
                "{path}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dair"
            ))
            .await;
        assert_eq!(code, 200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{path}");
        let (code, _) = api
            .patch(
                &format!("{path}/x/status"),
                support::MERGE,
                json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
                    .to_string(),
            )
            .await;
        assert_eq!(code, 200, "{path}");
    }
    // The wrong kind for a URL is refused.
    let wrong = json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger", "metadata": {"name": "y"}});
    let (code, _) = api
        .post(
            "/apis/eventing.knative.dev/v1/namespaces/default/brokers",
            &wrong,
        )
        .await;
    assert_eq!(code, 400);
}
