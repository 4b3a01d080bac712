//! Starting, restarting and stopping the server.

use crate::counter::{self, Counter};
use crate::gate::{self, Gate};
use crate::mutate::{self, Write};
use crate::path::ResourcePath;
use crate::status::ApiError;
use crate::store::Store;
use crate::{discovery, handlers, kubeconfig, openapi};
use axum::Router;
use axum::http::Method;
use axum::routing::get;
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{RwLock, oneshot};
use tokio::task::JoinHandle;

/// Namespaces every fresh cluster has.
pub const INITIAL_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// How to start the server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

/// Why the server could not start or restart.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot set up the in-memory store: {0}")]
    Store(ApiError),
}

/// Shared by all handlers: the current store, replaceable as a whole.
#[derive(Clone)]
pub struct AppState {
    current: Arc<RwLock<Arc<Store>>>,
}

impl AppState {
    pub async fn store(&self) -> Arc<Store> {
        Arc::clone(&*self.current.read().await)
    }
}

/// A running test API server. Dropping it stops accepting connections.
pub struct Server {
    addr: SocketAddr,
    state: AppState,
    requests: Counter,
    gate: Gate,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Start a server on 127.0.0.1 with an empty cluster (plus the usual
/// namespaces: default, kube-system, kube-public, kube-node-lease).
pub async fn start(opts: Options) -> Result<Server, Error> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))
        .await
        .map_err(|source| Error::Bind {
            port: opts.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        port: opts.port,
        source,
    })?;
    let state = AppState {
        current: Arc::new(RwLock::new(Arc::new(new_store().await?))),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let requests = Counter::default();
    let gate = Gate::default();
    let app = router(state.clone(), requests.clone(), gate.clone());
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("test API server stopped: {e}");
        }
    });
    Ok(Server {
        addr,
        state,
        requests,
        gate,
        stop: Some(stop),
        task,
    })
}

fn router(state: AppState, requests: Counter, gate: Gate) -> Router {
    let counted = requests.clone();
    Router::new()
        .route(
            "/debug/air/requests",
            get(move || async move { axum::Json(counted.snapshot()) }),
        )
        .route("/version", get(discovery::version))
        .route("/api", get(discovery::core_versions))
        .route("/api/v1", get(discovery::core_resources))
        .route("/apis", get(discovery::group_list))
        .route("/apis/{group}", get(discovery::group))
        .route("/apis/{group}/{version}", get(discovery::group_version))
        .route("/openapi/v2", get(openapi::v2))
        .route("/openapi/v3", get(openapi::v3_index))
        .route("/openapi/v3/api/{version}", get(openapi::v3_core))
        .route("/openapi/v3/apis/{group}/{version}", get(openapi::v3_group))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .fallback(handlers::resource)
        .with_state(state)
        // Inside the counter: a held request is counted when it arrives.
        .layer(axum::middleware::from_fn_with_state(gate, gate::pass))
        .layer(axum::middleware::from_fn_with_state(
            requests,
            counter::count,
        ))
}

/// A new empty store holding only the initial namespaces.
async fn new_store() -> Result<Store, Error> {
    let store = Store::new().await.map_err(Error::Store)?;
    for ns in INITIAL_NAMESPACES {
        let path = ResourcePath::parse("/api/v1/namespaces")
            .map_err(|_| Error::Store(ApiError::internal("namespaces are not registered")))?;
        let write = Write {
            method: Method::POST,
            path,
            patch_type: None,
            body: json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns},
                "status": {"phase": "Active"},
            }),
            field_manager: Some("air-test-apiserver".into()),
            force: false,
            dry_run: false,
            user_agent: None,
        };
        mutate::write(&store, write).await.map_err(Error::Store)?;
    }
    Ok(store)
}

impl Server {
    /// The address it listens on (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The kubeconfig YAML for this server (context `air-test`, namespace
    /// `default`, a dummy bearer token).
    pub fn kubeconfig(&self) -> String {
        kubeconfig::render(&self.url(), "default")
    }

    /// Write [`Server::kubeconfig`] to `path`.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        kubeconfig::write(path.as_ref(), &self.url())
    }

    /// Requests served since the start, by verb (`watch`, `list`, `get`,
    /// `patch`, `patch (dry run)`, `create`, `delete`, `discovery`, …); a
    /// watch counts once, when it opens. Also served as JSON at
    /// `GET /debug/air/requests` (itself counted as `discovery`).
    pub fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.requests.snapshot()
    }

    /// Hold every request of `verb` (as [`Server::requests`] names verbs:
    /// `patch` is a server-side apply, not its dry run) before it is
    /// served, until [`Server::release`]: a client's writes can be caught
    /// half-way through, deterministically.
    pub fn hold(&self, verb: &str) {
        self.gate.hold(verb);
    }

    /// Serve the held requests of `verb`, and the next ones at once.
    pub fn release(&self, verb: &str) {
        self.gate.release(verb);
    }

    /// How many requests of `verb` are held now.
    pub fn held(&self, verb: &str) -> usize {
        self.gate.waiting(verb)
    }

    /// Simulate "the API server restarted with an empty store": every open
    /// watch ends, all objects are gone (except the initial namespaces), and
    /// resourceVersions start over, so a client re-watching from an old
    /// resourceVersion gets 410 Gone and must relist. Same address.
    pub async fn restart_empty(&self) -> Result<(), Error> {
        let fresh = Arc::new(new_store().await?);
        let old = {
            let mut current = self.state.current.write().await;
            std::mem::replace(&mut *current, fresh)
        };
        old.hub.close();
        Ok(())
    }

    /// Stop: end watches, stop accepting, let in-flight requests finish
    /// (at most a few seconds).
    pub async fn shutdown(mut self) {
        self.state.store().await.hub.close();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = &mut self.task;
        if tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }

    /// Stop at once, dropping open connections' listener.
    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
