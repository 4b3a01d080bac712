//! The `kube` crate's client, discovery and watcher against the server,
//! configured only through the kubeconfig the server writes.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_test_apiserver::{Options, Server, start};
use futures::{StreamExt, TryStreamExt};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

async fn client(server: &Server) -> (kube::Client, tempfile::TempDir) {
    // rustls is built with both the ring and the aws-lc-rs providers here
    // (kube wants ring, kube-fake-client's jsonschema aws-lc-rs), so it
    // cannot pick one by itself: choose before kube builds its connector.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path).unwrap();
    let kc = Kubeconfig::read_from(&path).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    assert_eq!(config.default_namespace, "default");
    (kube::Client::try_from(config).unwrap(), dir)
}

fn cm(name: &str, app: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": app}},
        "data": {"k": value}
    }))
    .unwrap()
}

#[tokio::test]
async fn typed_api_crud_and_selectors() {
    let server = start(Options::default()).await.unwrap();
    let (client, _dir) = client(&server).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client);
    cms.create(&PostParams::default(), &cm("a", "x", "1"))
        .await
        .unwrap();
    cms.create(&PostParams::default(), &cm("b", "y", "1"))
        .await
        .unwrap();
    let err = cms
        .create(&PostParams::default(), &cm("a", "x", "1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409),
        "{err}"
    );

    let got = cms.get("a").await.unwrap();
    assert_eq!(got.data.unwrap()["k"], "1");
    let list = cms
        .list(&ListParams::default().labels("app=x"))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1);
    let list = cms
        .list(&ListParams::default().fields("metadata.name=b"))
        .await
        .unwrap();
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("b"));

    assert!(cms.get_opt("missing").await.unwrap().is_none());
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    assert!(cms.get_opt("a").await.unwrap().is_none());
}

#[tokio::test]
async fn server_side_apply_conflict_force_and_dry_run() {
    let server = start(Options::default()).await.unwrap();
    let (client, _dir) = client(&server).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client);

    let applied = cms
        .patch(
            "s",
            &PatchParams::apply("air"),
            &Patch::Apply(cm("s", "x", "1")),
        )
        .await
        .unwrap();
    let fields = applied.metadata.managed_fields.unwrap();
    assert_eq!(fields[0].manager.as_deref(), Some("air"));
    assert_eq!(fields[0].operation.as_deref(), Some("Apply"));

    let err = cms
        .patch(
            "s",
            &PatchParams::apply("other"),
            &Patch::Apply(cm("s", "x", "2")),
        )
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            // "conflict with" for one field, "conflicts with" for several.
            assert!(s.message.contains(" with \"air\""), "{}", s.message);
            assert!(s.message.contains(".data.k"), "{}", s.message);
        }
        other => panic!("expected a conflict, got {other}"),
    }

    let mut dry = PatchParams::apply("other").force();
    dry.dry_run = true;
    let preview = cms
        .patch("s", &dry, &Patch::Apply(cm("s", "x", "2")))
        .await
        .unwrap();
    assert_eq!(preview.data.unwrap()["k"], "2");
    assert_eq!(cms.get("s").await.unwrap().data.unwrap()["k"], "1");

    let forced = cms
        .patch(
            "s",
            &PatchParams::apply("other").force(),
            &Patch::Apply(cm("s", "x", "2")),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["k"], "2");
}

#[tokio::test]
async fn discovery_finds_knative_kinds_for_dynamic_objects() {
    let server = start(Options::default()).await.unwrap();
    let (client, _dir) = client(&server).await;
    let discovery = kube::discovery::Discovery::new(client.clone())
        .run()
        .await
        .unwrap();
    let gvk = GroupVersionKind::gvk("serving.knative.dev", "v1", "Service");
    let (ar, caps) = discovery.resolve_gvk(&gvk).expect("ksvc discovered");
    assert_eq!(ar.plural, "services");
    assert!(caps.supports_operation("watch"));
    assert!(
        discovery
            .resolve_gvk(&GroupVersionKind::gvk(
                "eventing.knative.dev",
                "v1beta3",
                "EventType"
            ))
            .is_some()
    );

    let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &ar);
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}
    }))
    .unwrap();
    let made = api
        .patch("web", &PatchParams::apply("air"), &Patch::Apply(&obj))
        .await
        .unwrap();
    assert_eq!(
        made.data["spec"]["template"]["spec"]["containers"][0]["image"],
        "x"
    );
    let status = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let st = api
        .patch_status("web", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    assert_eq!(st.data["status"]["conditions"][0]["status"], "True");
}

type Events =
    futures::stream::BoxStream<'static, Result<watcher::Event<ConfigMap>, watcher::Error>>;

async fn next(events: &mut Events) -> watcher::Event<ConfigMap> {
    tokio::time::timeout(WAIT, events.try_next())
        .await
        .expect("watcher event within the bound")
        .expect("watcher ok")
        .expect("stream continues")
}

#[tokio::test]
async fn runtime_watcher_follows_changes_and_relists_after_restart_empty() {
    let server = start(Options::default()).await.unwrap();
    let (client, _dir) = client(&server).await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client);
    cms.create(&PostParams::default(), &cm("before", "w", "1"))
        .await
        .unwrap();

    let mut events: Events = watcher(cms.clone(), watcher::Config::default().labels("app=w"))
        .default_backoff()
        .boxed();

    assert!(matches!(next(&mut events).await, watcher::Event::Init));
    match next(&mut events).await {
        watcher::Event::InitApply(o) => assert_eq!(o.metadata.name.as_deref(), Some("before")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(next(&mut events).await, watcher::Event::InitDone));

    cms.create(&PostParams::default(), &cm("ignored", "other", "1"))
        .await
        .unwrap();
    cms.create(&PostParams::default(), &cm("new", "w", "1"))
        .await
        .unwrap();
    match next(&mut events).await {
        watcher::Event::Apply(o) => assert_eq!(o.metadata.name.as_deref(), Some("new")),
        other => panic!("unexpected {other:?}"),
    }
    cms.delete("new", &DeleteParams::default()).await.unwrap();
    match next(&mut events).await {
        watcher::Event::Delete(o) => assert_eq!(o.metadata.name.as_deref(), Some("new")),
        other => panic!("unexpected {other:?}"),
    }

    // The server comes back empty: the watcher must relist and see nothing.
    // On the way it reports the failed re-watch (410 Gone) as an error item,
    // as against a real server, and carries on.
    server.restart_empty().await.unwrap();
    let mut errors = 0;
    loop {
        let item = tokio::time::timeout(WAIT, events.try_next())
            .await
            .expect("watcher event within the bound");
        let event = match item {
            Ok(Some(event)) => event,
            Ok(None) => panic!("watch stream ended"),
            Err(e) => {
                errors += 1;
                assert!(errors < 20, "the watcher keeps failing: {e}");
                continue;
            }
        };
        match event {
            watcher::Event::Init => break,
            watcher::Event::Apply(o) | watcher::Event::Delete(o) => {
                panic!("stale event after restart: {:?}", o.metadata.name)
            }
            _ => {}
        }
    }
    match next(&mut events).await {
        watcher::Event::InitDone => {}
        other => panic!("expected an empty relist, got {other:?}"),
    }
    cms.create(&PostParams::default(), &cm("after", "w", "1"))
        .await
        .unwrap();
    match next(&mut events).await {
        watcher::Event::Apply(o) => assert_eq!(o.metadata.name.as_deref(), Some("after")),
        other => panic!("unexpected {other:?}"),
    }
}
