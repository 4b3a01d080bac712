//! The controller's HTTP surface: `/healthz` (the process runs), `/readyz`
//! (every app finished its first cycle), `/metrics` (Prometheus text),
//! `/api/apps` and `/api/apps/<name>` (JSON status), and
//! `POST /api/apps/<name>/reconcile` (run a cycle now).

use crate::controller::Shared;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/apps", get(apps))
        .route("/api/apps/{name}", get(app))
        .route("/api/apps/{name}/reconcile", post(reconcile))
        .with_state(shared)
}

async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    if s.ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "first reconcile not finished\n",
        )
            .into_response()
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::encode(&s.registry),
    )
        .into_response()
}

async fn apps(State(s): State<Arc<Shared>>) -> Response {
    Json(s.statuses()).into_response()
}

async fn app(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match s.status(&name) {
        Some(st) => Json(st).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no app named `{name}`\n")).into_response(),
    }
}

async fn reconcile(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    if s.trigger(&name) {
        (StatusCode::ACCEPTED, "reconcile requested\n").into_response()
    } else {
        (StatusCode::NOT_FOUND, format!("no app named `{name}`\n")).into_response()
    }
}

/// Bind `addr`; the returned future serves until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, impl Future<Output = std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let server = axum::serve(listener, router(shared)).with_graceful_shutdown(shutdown);
    Ok((bound, async move { server.await }))
}
