//! The resource endpoints: routing a request to get, list, watch, write or
//! delete, and decoding query parameters and bodies.

use crate::mutate::{self, APPLY, JSON_PATCH, MERGE, STRATEGIC, Write};
use crate::path::ResourcePath;
use crate::registry::{KINDS, KindInfo};
use crate::select::Filter;
use crate::server::AppState;
use crate::status::{ApiError, json_response};
use crate::store::{Store, meta_str};
use crate::watch::{self, Selection, WatchOptions};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::Duration;

/// Decoded query string (`+` is a space, `%xx` escapes).
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Self {
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            urlencoding::decode(&s).map(|c| c.into_owned()).unwrap_or(s)
        };
        Self(
            query
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `?key`, `?key=true` and `?key=1` are true.
    pub fn flag(&self, key: &str) -> bool {
        self.0
            .iter()
            .any(|(k, v)| k == key && matches!(v.as_str(), "" | "true" | "1"))
    }

    /// `dryRun=All`; any other value is rejected like on a real server.
    fn dry_run(&self) -> Result<bool, ApiError> {
        match self.get("dryRun") {
            None => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: {other:?}: supported values: \"All\""
            ))),
        }
    }
}

/// Every URL that is not discovery ends up here.
pub async fn resource(
    State(app): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&app, method, &uri, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn handle(
    app: &AppState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let path = ResourcePath::parse(uri.path()).map_err(|_| ApiError::no_such_resource())?;
    let params = Params::parse(uri.query());
    let store = app.store().await;
    let store = store.as_ref();
    match method {
        Method::GET if params.flag("watch") => watch_request(store, path, &params).await,
        Method::GET if path.name.is_some() => {
            let _guard = store.lock.lock().await;
            let obj = store
                .get(&path)
                .await?
                .ok_or_else(|| mutate::not_found(&path))?;
            Ok(json_response(StatusCode::OK, &obj))
        }
        Method::GET => list(store, &path, &params).await,
        Method::POST | Method::PUT | Method::PATCH => {
            let valid = match method {
                Method::POST => path.name.is_none() && path.subresource.is_none(),
                _ => path.name.is_some(),
            };
            if !valid {
                return Err(ApiError::method_not_allowed(format!(
                    "{method} is not supported on this URL"
                )));
            }
            let patch_type = if method == Method::PATCH {
                Some(patch_type(headers)?)
            } else {
                reject_protobuf(headers)?;
                None
            };
            let write = Write {
                method,
                path,
                patch_type,
                body: parse_body(body)?,
                field_manager: params.get("fieldManager").map(str::to_string),
                force: params.flag("force"),
                dry_run: params.dry_run()?,
                user_agent: headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            };
            let (code, obj) = mutate::write(store, write).await?;
            Ok(json_response(code, &obj))
        }
        Method::DELETE => {
            let options = if body.is_empty() {
                json!({})
            } else {
                parse_body(body)?
            };
            let dry_run = params.dry_run()?
                || options
                    .get("dryRun")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|v| v == "All"));
            let _guard = store.lock.lock().await;
            if path.name.is_some() {
                let deleted = delete_one(store, &path, &options, dry_run).await?;
                Ok(json_response(StatusCode::OK, &deleted))
            } else {
                let filter =
                    Filter::parse(params.get("labelSelector"), params.get("fieldSelector"))?;
                let mut deleted = Vec::new();
                for obj in store.list(&path, &filter).await? {
                    let one = path.with_name(meta_str(&obj, "name"));
                    let mut one = one;
                    if one.namespace.is_none() && path.kind.namespaced {
                        one.namespace = Some(meta_str(&obj, "namespace").to_string());
                    }
                    deleted.push(delete_one(store, &one, &options, dry_run).await?);
                }
                Ok(json_response(
                    StatusCode::OK,
                    &list_doc(path.kind, deleted, store),
                ))
            }
        }
        _ => Err(ApiError::method_not_allowed(format!(
            "{method} is not supported"
        ))),
    }
}

/// Delete an object; deleting a Namespace deletes what is in it (a real
/// server does that asynchronously while the namespace is Terminating).
async fn delete_one(
    store: &Store,
    path: &ResourcePath,
    options: &Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let is_namespace = path.kind.group.is_empty() && path.kind.kind == "Namespace";
    if is_namespace
        && !dry_run
        && let Some(ns) = &path.name
    {
        for kind in KINDS.iter().filter(|k| k.namespaced) {
            let coll = ResourcePath {
                kind,
                namespace: Some(ns.clone()),
                name: None,
                subresource: None,
            };
            for obj in store.list(&coll, &Filter::default()).await? {
                let one = coll.with_name(meta_str(&obj, "name"));
                mutate::delete_locked(store, &one, &json!({}), false).await?;
            }
        }
    }
    mutate::delete_locked(store, path, options, dry_run).await
}

async fn list(store: &Store, path: &ResourcePath, params: &Params) -> Result<Response, ApiError> {
    let filter = Filter::parse(params.get("labelSelector"), params.get("fieldSelector"))?;
    let _guard = store.lock.lock().await;
    let items = store.list(path, &filter).await?;
    Ok(json_response(
        StatusCode::OK,
        &list_doc(path.kind, items, store),
    ))
}

fn list_doc(kind: &KindInfo, items: Vec<Value>, store: &Store) -> Value {
    json!({
        "apiVersion": kind.api_version(),
        "kind": format!("{}List", kind.kind),
        "metadata": {"resourceVersion": store.hub.current_rv().to_string()},
        "items": items,
    })
}

async fn watch_request(
    store: &Store,
    path: ResourcePath,
    params: &Params,
) -> Result<Response, ApiError> {
    if path.name.is_some() {
        // Old-style `/watch/...` per-object URLs are not served; per-object
        // watches use fieldSelector=metadata.name=X like kubectl does.
        return Err(ApiError::method_not_allowed(
            "watch of a single object URL is not supported; use fieldSelector=metadata.name=NAME",
        ));
    }
    let filter = Filter::parse(params.get("labelSelector"), params.get("fieldSelector"))?;
    let selection = Selection {
        kind: path.kind,
        namespace: path.namespace.clone(),
        filter: filter.clone(),
    };
    let opts = WatchOptions {
        bookmarks: params.flag("allowWatchBookmarks"),
        timeout: params
            .get("timeoutSeconds")
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs),
    };
    let send_initial = params.flag("sendInitialEvents");
    let _guard = store.lock.lock().await;
    let rx = store
        .hub
        .subscribe()
        .ok_or_else(|| ApiError::new(503, "ServiceUnavailable", "the server is shutting down"))?;
    let current = store.hub.current_rv();
    let mut initial: Vec<Value> = Vec::new();
    let rv_param = params.get("resourceVersion").unwrap_or("");
    if send_initial || rv_param.is_empty() || rv_param == "0" {
        // "Start from now, with the current state as ADDED events."
        for obj in store.list(&path, &filter).await? {
            initial.push(json!({"type": "ADDED", "object": obj}));
        }
        if send_initial {
            initial.push(watch::bookmark(path.kind, current, true));
        }
    } else {
        let rv: u64 = rv_param.parse().map_err(|_| {
            ApiError::bad_request(format!("invalid resource version: {rv_param:?}"))
        })?;
        // Newer than anything here (the store was replaced by restart_empty,
        // or the client talks to another server), or older than the log:
        // like kube-apiserver, answer 200 with one ERROR event carrying a
        // 410 Status, which is what makes clients (client-go reflectors,
        // kube-runtime watchers) relist rather than retry the same watch.
        let events = (rv <= current).then(|| store.hub.since(rv)).flatten();
        let Some(events) = events else {
            let gone = ApiError::gone(format!("too old resource version: {rv} ({current})"));
            return Ok(watch_error(&gone));
        };
        for ev in events {
            if let Some((t, obj)) = selection.translate(&ev) {
                initial.push(json!({"type": t, "object": obj}));
            }
        }
    }
    let body: Body = watch::stream(selection, initial, current, rx, opts);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache, private"),
        ],
        body,
    )
        .into_response())
}

/// A watch response holding a single ERROR event, then the end.
fn watch_error(err: &ApiError) -> Response {
    let mut line = json!({"type": "ERROR", "object": err.to_status()}).to_string();
    line.push('\n');
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        line,
    )
        .into_response()
}

fn patch_type(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let base = ct.split(';').next().unwrap_or("").trim();
    match base {
        APPLY => Ok(APPLY),
        MERGE => Ok(MERGE),
        JSON_PATCH => Ok(JSON_PATCH),
        STRATEGIC => Ok(STRATEGIC),
        _ => Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {JSON_PATCH}, {MERGE}, {APPLY}, {STRATEGIC}"
            ),
        )),
    }
}

/// Create and update bodies must be JSON (or YAML). kubectl sends built-in
/// types as protobuf when it may (`kubectl create namespace`); decoding
/// that is not implemented, and saying so beats misreading the bytes.
fn reject_protobuf(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.contains("protobuf") {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            "air-test-apiserver does not decode protobuf bodies - accepted media types include: application/json, application/yaml (use `kubectl apply -f`)".to_string(),
        ));
    }
    Ok(())
}

/// JSON, or YAML (server-side apply bodies may be either).
fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding the request body: {e}")))
}
