//! The Kubernetes API the apply tests run against: `air-test-apiserver`
//! started on 127.0.0.1 by default, or a real cluster when
//! `AIR_E2E_KUBECONFIG` names a kubeconfig (opt-in e2e, docs/testing.md).
//! The scenarios are the same for both; each test works in its own
//! namespace so that runs on a real cluster do not interfere.

use crate::proxy::Proxy;
use air_reconciler::cluster::{Cluster, install_crypto_provider};
use air_reconciler::object::{LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY_AIR, ObjectRef};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::{Value, json};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

/// The environment variable that switches the tests to a real cluster.
pub const E2E_ENV: &str = "AIR_E2E_KUBECONFIG";

/// A token no log line, status or error may ever show. On the test API
/// server every client of the harness sends it.
pub const SECRET_TOKEN: &str = "air-secret-token-8d1f0c7e";

/// Where the tests run.
pub enum Target {
    TestApiserver(air_test_apiserver::Server),
    Kubeconfig(PathBuf),
}

/// A target, a kubeconfig for it, and a proxy in front of it.
pub struct Harness {
    pub target: Target,
    pub namespace: String,
    kubeconfig: Kubeconfig,
    upstream: SocketAddr,
    pub proxy: Proxy,
    _dir: tempfile::TempDir,
    /// A kubeconfig file pointing through the proxy (for the `air` binary).
    pub kubeconfig_path: PathBuf,
}

impl Harness {
    /// Start (or connect to) the target; `test` names the namespace.
    pub async fn start(test: &str) -> Harness {
        install_crypto_provider();
        let (target, mut kubeconfig) = match std::env::var_os(E2E_ENV) {
            Some(path) => {
                let path = PathBuf::from(path);
                eprintln!("apply tests: against the cluster of {}", path.display());
                let kc = Kubeconfig::read_from(&path).expect("read AIR_E2E_KUBECONFIG");
                (Target::Kubeconfig(path), kc)
            }
            None => {
                eprintln!("apply tests: against air-test-apiserver ({E2E_ENV} unset)");
                let server = air_test_apiserver::start(Default::default())
                    .await
                    .expect("start air-test-apiserver");
                let kc = Kubeconfig::from_yaml(&server.kubeconfig()).expect("kubeconfig");
                (Target::TestApiserver(server), kc)
            }
        };
        // On the test server, send the secret token (any token is accepted).
        if matches!(target, Target::TestApiserver(_)) {
            for user in &mut kubeconfig.auth_infos {
                if let Some(auth) = user.auth_info.as_mut() {
                    auth.token = Some(SECRET_TOKEN.to_string().into());
                }
            }
        }
        let upstream = upstream_addr(&kubeconfig);
        let proxy = Proxy::start(upstream).await.expect("start proxy");
        // Every client goes through the proxy.
        let proxied = format!("127.0.0.1:{}", proxy.addr().port());
        for c in &mut kubeconfig.clusters {
            if let Some(cluster) = c.cluster.as_mut()
                && let Some(server) = cluster.server.as_mut()
            {
                *server = replace_authority(server, &proxied);
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig_path = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig_path,
            serde_json::to_string(&kubeconfig).expect("kubeconfig json"),
        )
        .expect("write kubeconfig");
        let namespace = format!("air-t-{test}");
        let h = Harness {
            target,
            namespace,
            kubeconfig,
            upstream,
            proxy,
            _dir: dir,
            kubeconfig_path,
        };
        if matches!(h.target, Target::Kubeconfig(_)) {
            // Start from a clean namespace on a real cluster.
            h.wipe().await;
        }
        h
    }

    /// A fresh client through the proxy (each call: new connections).
    pub async fn cluster(&self) -> Cluster {
        let config = kube::Config::from_custom_kubeconfig(
            self.kubeconfig.clone(),
            &KubeConfigOptions::default(),
        )
        .await
        .expect("kube config");
        Cluster::new(kube::Client::try_from(config).expect("kube client"))
    }

    /// Forget everything: the test API server restarts empty; on a real
    /// cluster every air-managed object of the test namespace (and the
    /// inventory) is deleted, which is what an empty server looks like to
    /// air.
    pub async fn wipe(&self) {
        match &self.target {
            Target::TestApiserver(server) => server.restart_empty().await.expect("restart"),
            Target::Kubeconfig(_) => {
                let c = self.cluster().await;
                for kind in KINDS {
                    let api = c.api_for(&self.r(kind.0, kind.1, "x")).await.expect("api");
                    let lp = ListParams::default()
                        .labels(&format!("{LABEL_MANAGED_BY}={MANAGED_BY_AIR}"));
                    if let Ok(list) = api.list(&lp).await {
                        for o in list.items {
                            if let Some(name) = o.metadata.name {
                                let _ = api.delete(&name, &DeleteParams::default()).await;
                            }
                        }
                    }
                }
            }
        }
    }

    /// A reference in the test namespace.
    pub fn r(&self, api_version: &str, kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: self.namespace.clone(),
            name: name.into(),
        }
    }

    /// The live object (read through the proxy, like every client).
    pub async fn get(&self, r: &ObjectRef) -> Option<Value> {
        self.cluster().await.get(r).await.expect("get")
    }

    /// Names of the objects of a kind in the namespace, labelled for `app`.
    pub async fn names(&self, api_version: &str, kind: &str, app: &str) -> Vec<String> {
        let c = self.cluster().await;
        let api = c
            .api_for(&self.r(api_version, kind, "x"))
            .await
            .expect("api");
        let lp = ListParams::default().labels(&format!("{LABEL_PART_OF}={app}"));
        let mut names: Vec<String> = api
            .list(&lp)
            .await
            .expect("list")
            .items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect();
        names.sort();
        names
    }

    /// Create an object as another client would (not as air).
    pub async fn create_foreign(&self, obj: Value) -> Value {
        let r = ObjectRef::of(&obj).expect("ref");
        let api = self.cluster().await.api_for(&r).await.expect("api");
        let o: DynamicObject = serde_json::from_value(obj).expect("object");
        let made = api
            .create(&PostParams::default(), &o)
            .await
            .expect("create");
        serde_json::to_value(made).expect("json")
    }

    /// A merge patch as `kubectl edit` would send (field manager `kubectl-edit`).
    pub async fn edit(&self, r: &ObjectRef, patch: Value) -> Value {
        let api = self.cluster().await.api_for(r).await.expect("api");
        let pp = PatchParams {
            field_manager: Some("kubectl-edit".into()),
            ..PatchParams::default()
        };
        let o = api
            .patch(&r.name, &pp, &Patch::Merge(patch))
            .await
            .expect("patch");
        serde_json::to_value(o).expect("json")
    }

    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }
}

/// Kinds the tests use (for wiping a real cluster's test namespace): every
/// kind `air build` emits.
const KINDS: &[(&str, &str)] = &[
    ("v1", "ConfigMap"),
    ("serving.knative.dev/v1", "Service"),
    ("eventing.knative.dev/v1", "Trigger"),
    ("eventing.knative.dev/v1", "Broker"),
    ("eventing.knative.dev/v1beta2", "EventType"),
    ("sources.knative.dev/v1", "PingSource"),
];

fn upstream_addr(kc: &Kubeconfig) -> SocketAddr {
    let current = kc.current_context.clone().unwrap_or_default();
    let cluster_name = kc
        .contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone())
        .expect("current context");
    let server = kc
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .expect("cluster server");
    let authority = server
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("server URL");
    let with_port = if authority.contains(':') {
        authority.to_string()
    } else if server.starts_with("https") {
        format!("{authority}:443")
    } else {
        format!("{authority}:80")
    };
    with_port
        .to_socket_addrs()
        .expect("resolve API server")
        .next()
        .expect("an address")
}

fn replace_authority(url: &str, authority: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            format!("{scheme}://{authority}{path}")
        }
        None => url.to_string(),
    }
}

/// air's labels for `app`.
pub fn labels(app: &str) -> Value {
    json!({ LABEL_MANAGED_BY: MANAGED_BY_AIR, LABEL_PART_OF: app })
}

/// A ConfigMap as air emits one for a workflow.
pub fn configmap(ns: &str, app: &str, name: &str, data: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels(app)},
        "data": {"workflow.yaml": data},
    })
}

/// A Knative Service.
pub fn service(ns: &str, app: &str, name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels(app)},
        "spec": {"template": {"spec": {"containers": [{"image": image}]}}},
    })
}

/// A Trigger delivering to the Service `to`.
pub fn trigger(ns: &str, app: &str, name: &str, to: &str) -> Value {
    json!({
        "apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
        "metadata": {"name": name, "namespace": ns, "labels": labels(app)},
        "spec": {
            "broker": "default",
            "filter": {"attributes": {"type": format!("dev.air.{name}")}},
            "subscriber": {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": to}},
        },
    })
}
