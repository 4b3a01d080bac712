//! Discovery documents: /version, /api, /api/v1, /apis, `/apis/<g>`,
//! `/apis/<g>/<v>` (the /openapi documents are in openapi.rs).
//!
//! All are generated from the registry table, so a kind is discoverable
//! exactly when it is served.

use crate::registry::{self, KindInfo};
use crate::status::{ApiError, json_response};
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Kubernetes version this server claims to be.
pub const MAJOR: &str = "1";
pub const MINOR: &str = "32";

pub async fn version() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "major": MAJOR,
            "minor": MINOR,
            "gitVersion": format!("v{MAJOR}.{MINOR}.0+air-test"),
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "none",
            "compiler": "rust",
            "platform": "linux/amd64",
        }),
    )
}

pub async fn core_versions(headers: HeaderMap) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": host}
            ],
        }),
    )
}

pub async fn core_resources() -> Response {
    json_response(StatusCode::OK, &resource_list("", "v1"))
}

pub async fn group_list() -> Response {
    let groups: Vec<Value> = registry::groups()
        .into_iter()
        .map(|(g, versions)| group_doc(g, &versions))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

pub async fn group(Path(group): Path<String>) -> Response {
    match registry::groups().into_iter().find(|(g, _)| *g == group) {
        Some((g, versions)) => {
            let mut doc = group_doc(g, &versions);
            doc["kind"] = json!("APIGroup");
            doc["apiVersion"] = json!("v1");
            json_response(StatusCode::OK, &doc)
        }
        None => ApiError::no_such_resource().into_response(),
    }
}

pub async fn group_version(Path((group, version)): Path<(String, String)>) -> Response {
    if registry::resources_of(&group, &version).is_empty() {
        return ApiError::no_such_resource().into_response();
    }
    json_response(StatusCode::OK, &resource_list(&group, &version))
}

fn group_doc(group: &str, versions: &[&str]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = vs.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": vs, "preferredVersion": preferred})
}

fn resource_list(group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut resources = Vec::new();
    for k in registry::resources_of(group, version) {
        resources.push(resource_doc(k));
        if k.status {
            resources.push(json!({
                "name": format!("{}/status", k.plural),
                "singularName": "",
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    })
}

fn resource_doc(k: &KindInfo) -> Value {
    let mut doc = json!({
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": k.namespaced,
        "kind": k.kind,
        "verbs": k.verbs(),
    });
    if !k.short_names.is_empty() {
        doc["shortNames"] = json!(k.short_names);
    }
    if !k.categories.is_empty() {
        doc["categories"] = json!(k.categories);
    }
    doc
}
