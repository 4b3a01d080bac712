//! One in-memory cluster: a kube-fake-client instance plus its watch hub.
//!
//! The fake client is reached through `kube::Client::send`, i.e. through its
//! own HTTP router, so every request keeps the fake's semantics
//! (resourceVersion, uid, generation, managedFields, SSA conflicts).

use crate::path::ResourcePath;
use crate::registry;
use crate::select::Filter;
use crate::status::ApiError;
use crate::watch::Hub;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::Value;

/// A store and the lock that serialises every request against it, so that
/// resourceVersions, list snapshots and watch events stay in one order.
pub struct Store {
    client: kube::Client,
    pub hub: Hub,
    pub lock: tokio::sync::Mutex<()>,
}

impl Store {
    pub async fn new() -> Result<Self, ApiError> {
        Ok(Self {
            client: fresh_client().await?,
            hub: Hub::new(),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The object at `path` (which must name one), or `None`.
    pub async fn get(&self, path: &ResourcePath) -> Result<Option<Value>, ApiError> {
        let mut p = path.clone();
        p.subresource = None;
        match send(&self.client, Method::GET, &p.fake_path(), None, Vec::new()).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Objects under `path` (a collection) that pass `filter`, ordered by
    /// namespace and name like a real API server's lists.
    pub async fn list(&self, path: &ResourcePath, filter: &Filter) -> Result<Vec<Value>, ApiError> {
        let mut p = path.clone();
        p.name = None;
        p.subresource = None;
        let list = send(&self.client, Method::GET, &p.fake_path(), None, Vec::new()).await?;
        let mut items: Vec<Value> = list
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        items.retain(|o| filter.matches(o));
        items.sort_by_key(|o| {
            (
                meta_str(o, "namespace").to_string(),
                meta_str(o, "name").to_string(),
            )
        });
        Ok(items)
    }
}

/// An empty fake cluster with every served kind registered.
pub async fn fresh_client() -> Result<kube::Client, ApiError> {
    registry::builder()
        .build()
        .await
        .map_err(|e| ApiError::internal(format!("cannot build the fake client: {e}")))
}

/// Send one request to a fake client; a 2xx answer's JSON body, or the
/// `Status` it failed with.
pub async fn send(
    client: &kube::Client,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Result<Value, ApiError> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let req = req
        .body(kube::client::Body::from(body))
        .map_err(|e| ApiError::bad_request(format!("bad request: {e}")))?;
    // The fake's router answers malformed input with a transport-level
    // error instead of a Status; that is the client's fault here.
    let res = client
        .send(req)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let code = res.status().as_u16();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .to_bytes();
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::internal(format!("fake client answered non-JSON: {e}")))?;
    if (200..300).contains(&code) {
        Ok(value)
    } else {
        Err(ApiError::from_status(code, &value))
    }
}

/// `metadata.<key>` as a string, or "".
pub fn meta_str<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `metadata.resourceVersion` as a number (0 when missing or malformed).
pub fn resource_version(obj: &Value) -> u64 {
    meta_str(obj, "resourceVersion").parse().unwrap_or(0)
}
