//! The Kubernetes side: a thin layer over `kube` that speaks in JSON values
//! and [`ObjectRef`]s, so the rest of the reconciler (plan, status) stays
//! free of client types.

use crate::clip::{MAX_MESSAGE, clip};
use crate::object::{FIELD_MANAGER, ObjectRef};
use kube::Client;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use serde_json::Value;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// Errors from the API server, with the object they concern.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot reach the Kubernetes API: {0}")]
    Unreachable(String),
    #[error("{object}: {message}")]
    Api {
        object: String,
        code: u16,
        message: String,
    },
    /// No answer within the request timeout (`air apply` sets one).
    #[error("{object}: the Kubernetes API did not answer within {}s", .after.as_secs())]
    TimedOut { object: String, after: Duration },
    #[error("{0}")]
    Other(String),
}

impl ClusterError {
    /// Messages are clipped: an error body may be a proxy's whole HTML page.
    fn from_kube(object: &str, e: kube::Error) -> Self {
        let clipped = |m: &str| clip(m, MAX_MESSAGE).into_owned();
        match e {
            kube::Error::Api(s) => ClusterError::Api {
                object: object.to_string(),
                code: s.code,
                message: clipped(&s.message),
            },
            kube::Error::HyperError(e) => ClusterError::Unreachable(clipped(&e.to_string())),
            kube::Error::Service(e) => ClusterError::Unreachable(clipped(&e.to_string())),
            other => ClusterError::Other(clipped(&format!("{object}: {other}"))),
        }
    }

    /// Did the API server refuse the credentials (401)? Nothing could be
    /// done: like an unreachable server, the command could not run.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ClusterError::Api { code: 401, .. })
    }

    /// Is this a transport failure (retry later) rather than a refusal?
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClusterError::Unreachable(_) | ClusterError::TimedOut { .. }
        ) || matches!(self, ClusterError::Other(m) if m.contains("connect") || m.contains("timed out"))
            || matches!(self, ClusterError::Api { code, .. } if *code >= 500 || *code == 429)
    }
}

/// Choose rustls' process-wide crypto provider (ring) unless one is set.
/// kube's TLS setup relies on the process default, and when a build enables
/// both of rustls' providers (a workspace-wide build does) rustls will not
/// choose, and panics. Call before building a `kube::Client` yourself.
pub fn install_crypto_provider() {
    // An error only means a provider is already installed: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A connection to one cluster.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    /// Bound on each request (none: the controller's watches are long
    /// polls; `air apply` sets one so a server that never answers cannot
    /// hang it).
    timeout: Option<Duration>,
}

/// The resource (plural) name of the kinds air emits; anything else is
/// looked up through discovery.
fn known_plural(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Namespace" => "namespaces",
        "ConfigMap" => "configmaps",
        "Secret" => "secrets",
        "Service" => "services",
        "Broker" => "brokers",
        "Trigger" => "triggers",
        "PingSource" => "pingsources",
        "EventType" => "eventtypes",
        "Lease" => "leases",
        "Event" => "events",
        "AirApp" => "airapps",
        _ => return None,
    })
}

impl Cluster {
    pub fn new(client: Client) -> Self {
        Cluster {
            client,
            timeout: None,
        }
    }

    /// Bound every request (and discovery) to `timeout`.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Run one request under the request timeout, if any.
    async fn bounded<T>(
        &self,
        object: &str,
        request: impl Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        let Some(after) = self.timeout else {
            return request.await;
        };
        tokio::time::timeout(after, request)
            .await
            .unwrap_or_else(|_| {
                Err(ClusterError::TimedOut {
                    object: object.to_string(),
                    after,
                })
            })
    }

    /// Connect with a kubeconfig file (or the default resolution when `None`:
    /// KUBECONFIG, ~/.kube/config, in-cluster).
    pub async fn connect(kubeconfig: Option<&Path>) -> Result<Self, ClusterError> {
        Self::connect_to(kubeconfig, None).await
    }

    /// As [`Cluster::connect`], with a kubeconfig context other than the
    /// current one (like kubectl's `--context`).
    pub async fn connect_to(
        kubeconfig: Option<&Path>,
        context: Option<&str>,
    ) -> Result<Self, ClusterError> {
        install_crypto_provider();
        let options = kube::config::KubeConfigOptions {
            context: context.map(str::to_string),
            ..Default::default()
        };
        let config = match (kubeconfig, context) {
            (Some(path), _) => {
                let kc = kube::config::Kubeconfig::read_from(path).map_err(|e| {
                    ClusterError::Other(format!("kubeconfig {}: {e}", path.display()))
                })?;
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| {
                        ClusterError::Other(format!("kubeconfig {}: {e}", path.display()))
                    })?
            }
            (None, Some(_)) => kube::Config::from_kubeconfig(&options)
                .await
                .map_err(|e| ClusterError::Other(format!("kubeconfig: {e}")))?,
            (None, None) => kube::Config::infer()
                .await
                .map_err(|e| ClusterError::Other(format!("no Kubernetes configuration: {e}")))?,
        };
        let client = Client::try_from(config).map_err(|e| ClusterError::Other(e.to_string()))?;
        Ok(Cluster::new(client))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn resource(&self, r: &ObjectRef) -> Result<(ApiResource, bool), ClusterError> {
        let (group, version) = match r.api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", r.api_version.as_str()),
        };
        let gvk = GroupVersionKind::gvk(group, version, &r.kind);
        if let Some(plural) = known_plural(&r.kind) {
            // Core "Service" is not Knative's; both plurals are "services".
            let namespaced = r.kind != "Namespace";
            return Ok((ApiResource::from_gvk_with_plural(&gvk, plural), namespaced));
        }
        let shown = r.to_string();
        let (ar, caps) = self
            .bounded(&shown, async {
                kube::discovery::pinned_kind(&self.client, &gvk)
                    .await
                    .map_err(|e| ClusterError::from_kube(&shown, e))
            })
            .await?;
        Ok((ar, caps.scope == kube::discovery::Scope::Namespaced))
    }

    async fn api(&self, r: &ObjectRef) -> Result<Api<DynamicObject>, ClusterError> {
        let (ar, namespaced) = self.resource(r).await?;
        Ok(if namespaced && !r.namespace.is_empty() {
            Api::namespaced_with(self.client.clone(), &r.namespace, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        })
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(&self, r: &ObjectRef) -> Result<Option<Value>, ClusterError> {
        let api = self.api(r).await?;
        let shown = r.to_string();
        let obj = self
            .bounded(&shown, async {
                api.get_opt(&r.name)
                    .await
                    .map_err(|e| ClusterError::from_kube(&shown, e))
            })
            .await?;
        obj.map(|o| serde_json::to_value(o).map_err(|e| ClusterError::Other(e.to_string())))
            .transpose()
    }

    /// Server-side apply as field manager `air`. `dry_run` asks the server
    /// to validate without persisting.
    pub async fn apply(
        &self,
        obj: &Value,
        dry_run: bool,
        force: bool,
    ) -> Result<Value, ClusterError> {
        let r = ObjectRef::of(obj)
            .ok_or_else(|| ClusterError::Other("object without apiVersion, kind or name".into()))?;
        let api = self.api(&r).await?;
        let mut pp = PatchParams::apply(FIELD_MANAGER);
        pp.dry_run = dry_run;
        pp.force = force;
        let shown = r.to_string();
        let out = self
            .bounded(&shown, async {
                api.patch(&r.name, &pp, &Patch::Apply(obj))
                    .await
                    .map_err(|e| ClusterError::from_kube(&shown, e))
            })
            .await?;
        serde_json::to_value(out).map_err(|e| ClusterError::Other(e.to_string()))
    }

    /// Delete; an object already gone is not an error.
    pub async fn delete(&self, r: &ObjectRef) -> Result<(), ClusterError> {
        let api = self.api(r).await?;
        let shown = r.to_string();
        self.bounded(&shown, async {
            match api.delete(&r.name, &DeleteParams::default()).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
                Err(e) => Err(ClusterError::from_kube(&shown, e)),
            }
        })
        .await
    }

    /// Objects of one kind in a namespace matching a label selector.
    pub async fn list(
        &self,
        template: &ObjectRef,
        selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        let api = self.api(template).await?;
        let shown = template.to_string();
        let list = self
            .bounded(&shown, async {
                api.list(&ListParams::default().labels(selector))
                    .await
                    .map_err(|e| ClusterError::from_kube(&shown, e))
            })
            .await?;
        list.items
            .into_iter()
            .map(|o| serde_json::to_value(o).map_err(|e| ClusterError::Other(e.to_string())))
            .collect()
    }

    /// The dynamic API for a kind (for watchers).
    pub async fn api_for(&self, r: &ObjectRef) -> Result<Api<DynamicObject>, ClusterError> {
        self.api(r).await
    }
}
