//! The controller's HTTP surface: `/healthz` (the process runs), `/readyz`
//! (every app finished its first cycle), `/metrics` (Prometheus text),
//! `/api/apps` and `/api/apps/<name>` (JSON status), and
//! `POST /api/apps/<name>/reconcile` (run a cycle now), and
//! the dashboard (`/`, `/apps/<name>`: [`crate::controller::dashboard`]), and
//! `POST /hooks/git` (a signed push notification from GitHub or GitLab:
//! fetch the apps of that repository now; see [`crate::controller::push_hooks`]).
//!
//! Every request passes [`guard`](mod@guard) (Host allow-list, cross-site refusal,
//! optional bearer token; security headers on every response) and runs
//! under [`server`]'s timeouts.

mod guard;
mod server;

pub use guard::{CONTENT_SECURITY_POLICY, HttpPolicy};
pub use server::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS, REQUEST_TIMEOUT};

use crate::controller::Shared;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
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
        .route("/hooks/git", post(git_hook))
        .route("/", get(dashboard_index))
        .route("/apps/{name}", get(dashboard_app))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// The policy's checks, the request timeout, the security headers.
async fn guard(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let policy = s.http_policy();
    let mut resp = match policy.check(req.method(), req.uri().path(), req.headers()) {
        Err(r) => {
            let mut resp = (r.status, format!("{}\n", r.reason)).into_response();
            if r.status == StatusCode::UNAUTHORIZED {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            resp
        }
        Ok(()) => match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
            Ok(r) => r,
            Err(_) => (StatusCode::REQUEST_TIMEOUT, "request timed out\n").into_response(),
        },
    };
    guard::secure_headers(resp.headers_mut());
    resp
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
    let statuses = s.shared_statuses();
    let list: Vec<&crate::status::AppStatus> = statuses.iter().map(AsRef::as_ref).collect();
    Json(list).into_response()
}

async fn app(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match s.status(&name) {
        Some(st) => Json(st).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no app named `{name}`\n")).into_response(),
    }
}

async fn reconcile(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    if let Some(id) = s.request_cycle(&name) {
        // The id lets the caller wait for the outcome: the app's status
        // shows `handled_trigger` >= id once the cycle is over.
        let body = serde_json::json!({ "app": name, "trigger": id });
        (StatusCode::ACCEPTED, Json(body)).into_response()
    } else {
        (StatusCode::NOT_FOUND, format!("no app named `{name}`\n")).into_response()
    }
}

async fn dashboard_index(State(s): State<Arc<Shared>>) -> Response {
    Html(crate::dashboard::index(&s.shared_statuses())).into_response()
}

async fn dashboard_app(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match s.status(&name) {
        Some(st) => Html(crate::dashboard::app(&st, s.views(&name).as_deref())).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no app named `{name}`\n")).into_response(),
    }
}

async fn git_hook(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    use crate::push_hooks::{Verdict, repository_urls, verify};
    let Some(secret) = s.webhook_secret() else {
        return (
            StatusCode::NOT_FOUND,
            "the Git webhook is off: set `webhook_secret_env` in the configuration\n",
        )
            .into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match verify(
        secret.expose(),
        &body,
        header("x-hub-signature-256"),
        header("x-gitlab-token"),
    ) {
        Verdict::Valid => {}
        Verdict::Invalid => {
            tracing::warn!("git webhook: signature does not match; ignored");
            return (StatusCode::UNAUTHORIZED, "signature does not match\n").into_response();
        }
        Verdict::Unsigned => {
            return (
                StatusCode::UNAUTHORIZED,
                "unsigned: send X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab)\n",
            )
                .into_response();
        }
    }
    // The signature covers the body only: a captured request can be sent
    // again. Each delivery (and each signed body) is accepted once.
    let delivery = header("x-github-delivery")
        .or_else(|| header("x-gitlab-event-uuid"))
        .or_else(|| header("idempotency-key"));
    if !s.first_delivery(delivery, &body) {
        tracing::warn!("git webhook: a delivery already received; ignored");
        return (StatusCode::CONFLICT, "this delivery was already received\n").into_response();
    }
    if header("x-github-event") == Some("ping") {
        return (StatusCode::OK, "pong\n").into_response();
    }
    let payload: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("the payload is not JSON: {e}\n"),
            )
                .into_response();
        }
    };
    let triggered = s.trigger_repositories(&repository_urls(&payload));
    tracing::info!(apps = ?triggered, "git webhook");
    let code = if triggered.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    (code, Json(serde_json::json!({ "triggered": triggered }))).into_response()
}

/// Bind `addr`; the returned future serves until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, impl Future<Output = std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    Ok((bound, server::run(listener, router(shared), shutdown)))
}
