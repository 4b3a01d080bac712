//! OpenAPI documents: just enough for kubectl.
//!
//! kubectl (1.27+) validates manifests on the server when the OpenAPI v3
//! document of the object's group/version says its PATCH operation takes a
//! `fieldValidation` query parameter; otherwise it falls back to client-side
//! validation against the OpenAPI v2 schemas, served as protobuf, which this
//! server does not have. So the v3 index lists every served group/version and
//! each per-group/version document carries, for each kind, a PATCH operation
//! tagged with `x-kubernetes-group-version-kind` and that parameter. No
//! schemas are served.

use crate::discovery::{MAJOR, MINOR};
use crate::registry::{self, KindInfo};
use crate::status::{ApiError, json_response};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An OpenAPI v2 document with no paths: enough for clients that only
/// check that the endpoint exists.
pub async fn v2() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "swagger": "2.0",
            "info": {"title": "Kubernetes", "version": format!("v{MAJOR}.{MINOR}.0")},
            "paths": {},
            "definitions": {},
        }),
    )
}

/// `<prefix>` of a group/version in the v3 index: `api/v1` or `apis/g/v`.
fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The v3 index: one entry per served group/version.
pub async fn v3_index() -> Response {
    let mut paths = Map::new();
    let mut gvs: Vec<(&str, &str)> = registry::KINDS
        .iter()
        .map(|k| (k.group, k.version))
        .collect();
    gvs.sort_unstable();
    gvs.dedup();
    for (g, v) in gvs {
        let key = gv_key(g, v);
        // The hash only has to be stable for a given document.
        paths.insert(
            key.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash=air-test")}),
        );
    }
    json_response(StatusCode::OK, &json!({ "paths": paths }))
}

pub async fn v3_core(Path(version): Path<String>) -> Response {
    v3_doc("", &version)
}

pub async fn v3_group(Path((group, version)): Path<(String, String)>) -> Response {
    v3_doc(&group, &version)
}

fn v3_doc(group: &str, version: &str) -> Response {
    let kinds = registry::resources_of(group, version);
    if kinds.is_empty() {
        return ApiError::no_such_resource().into_response();
    }
    let mut paths = Map::new();
    for k in kinds {
        paths.insert(item_path(k), json!({ "patch": patch_operation(k) }));
    }
    json_response(
        StatusCode::OK,
        &json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": format!("v{MAJOR}.{MINOR}.0")},
            "paths": paths,
            "components": {"schemas": {}},
        }),
    )
}

fn item_path(k: &KindInfo) -> String {
    let prefix = format!("/{}", gv_key(k.group, k.version));
    if k.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", k.plural)
    } else {
        format!("{prefix}/{}/{{name}}", k.plural)
    }
}

fn patch_operation(k: &KindInfo) -> Value {
    let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
    json!({
        "operationId": format!("patch{}", k.kind),
        "parameters": [query("dryRun"), query("fieldManager"), query("fieldValidation"), query("force")],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": k.group, "version": k.version, "kind": k.kind},
    })
}
