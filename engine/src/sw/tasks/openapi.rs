//! `call: openapi`: fetch the OpenAPI (or Swagger 2) document through the
//! host, find `operationId`, and make the HTTP call it describes.

use super::http::{endpoint_url, send};
use crate::sw::HttpRequest;
use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::run::RunCtx;
use crate::sw::trace::TaskInfo;
use crate::sw::uri;
use serde_json::Value;
use std::collections::BTreeMap;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub async fn call(
    rc: &RunCtx,
    def: &Value,
    info: &TaskInfo,
    input: &Value,
    args: &Args,
) -> Result<Value, WfError> {
    let at = info.reference.as_str();
    let null = Value::Null;
    let with = def.get("with").unwrap_or(&null);
    let endpoint = with
        .pointer("/document/endpoint")
        .ok_or_else(|| WfError::configuration(at, "`call: openapi` needs `document.endpoint`"))?;
    let doc_url = endpoint_url(rc, endpoint, input, args, at)?;
    let operation_id = with
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| WfError::configuration(at, "`call: openapi` needs `operationId`"))?;
    let parameters = match with.get("parameters") {
        Some(p) => rc.eval_value(p, input, args, at)?,
        None => Value::Object(Default::default()),
    };
    let fetch = HttpRequest {
        method: "GET".into(),
        url: doc_url.clone(),
        headers: BTreeMap::new(),
        body: None,
    };
    let document = send(rc, info, fetch, "content", false).await?;
    let document = match document {
        Value::String(text) => serde_json::from_str(&text).map_err(|e| {
            WfError::configuration(at, format!("the OpenAPI document is not JSON: {e}"))
        })?,
        other => other,
    };
    let request = build(&document, &doc_url, operation_id, &parameters)
        .map_err(|m| WfError::configuration(at, m))?;
    let output = with
        .get("output")
        .and_then(Value::as_str)
        .unwrap_or("content");
    let redirect = with.get("redirect") == Some(&Value::Bool(true));
    send(rc, info, request, output, redirect).await
}

/// The request `operation_id` describes, with `parameters` placed where
/// the document declares them.
fn build(
    document: &Value,
    doc_url: &str,
    operation_id: &str,
    parameters: &Value,
) -> Result<HttpRequest, String> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI document has no `paths`")?;
    let (path, path_item, method, operation) = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter_map(move |m| item.get(*m).map(|op| (path, item, *m, op)))
        })
        .find(|(_, _, _, op)| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
        .ok_or_else(|| format!("no operation `{operation_id}`"))?;
    let declared = path_item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    let mut url_path = path.clone();
    let mut query = Vec::new();
    let mut headers = BTreeMap::new();
    let mut body = None;
    for p in declared {
        let (Some(name), Some(place)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some(value) = parameters.get(name) else {
            continue;
        };
        match place {
            "path" => {
                url_path =
                    url_path.replace(&format!("{{{name}}}"), &uri::encode(&uri::text_of(value)));
            }
            "query" => query.push((name.to_string(), value.clone())),
            "header" => {
                headers.insert(name.to_string(), uri::text_of(value));
            }
            "body" => body = Some(value.clone()),
            _ => {}
        }
    }
    if body.is_none() && operation.get("requestBody").is_some() {
        body = parameters.get("body").cloned();
    }
    let url = uri::with_query(
        &format!("{}{url_path}", base_url(document, doc_url)),
        &query,
    );
    Ok(HttpRequest {
        method: method.to_ascii_uppercase(),
        url,
        headers,
        body,
    })
}

/// OpenAPI 3 `servers[0].url` (relative ones against the document's
/// origin), or Swagger 2 `schemes`/`host`/`basePath` (defaults from the
/// document's own URL).
fn base_url(document: &Value, doc_url: &str) -> String {
    let (scheme, rest) = doc_url.split_once("://").unwrap_or(("https", doc_url));
    let host = rest.split('/').next().unwrap_or_default();
    let origin = format!("{scheme}://{host}");
    if let Some(server) = document.pointer("/servers/0/url").and_then(Value::as_str) {
        let server = server.trim_end_matches('/');
        return if server.contains("://") {
            server.to_string()
        } else {
            format!("{origin}{server}")
        };
    }
    let scheme = document
        .pointer("/schemes/0")
        .and_then(Value::as_str)
        .unwrap_or(scheme);
    let host = document.get("host").and_then(Value::as_str).unwrap_or(host);
    let base = document
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    format!("{scheme}://{host}{base}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn swagger2_operation_to_request() {
        let doc = json!({
            "swagger": "2.0", "host": "petstore.swagger.io", "basePath": "/v2", "schemes": ["https"],
            "paths": {
                "/pet/{petId}": {"get": {"operationId": "getPetById",
                    "parameters": [{"name": "petId", "in": "path"}]}},
                "/pet/findByStatus": {"get": {"operationId": "findPetsByStatus",
                    "parameters": [{"name": "status", "in": "query"}]}}
            }
        });
        let url = "https://petstore.swagger.io/v2/swagger.json";
        let r = build(&doc, url, "getPetById", &json!({"petId": 1})).ok();
        assert_eq!(
            r.map(|r| r.url),
            Some("https://petstore.swagger.io/v2/pet/1".to_string())
        );
        let r = build(&doc, url, "findPetsByStatus", &json!({"status": "sold"})).ok();
        assert_eq!(
            r.map(|r| r.url),
            Some("https://petstore.swagger.io/v2/pet/findByStatus?status=sold".to_string())
        );
        assert!(build(&doc, url, "nope", &json!({})).is_err());
    }

    #[test]
    fn openapi3_relative_server() {
        let doc = json!({"servers": [{"url": "/api/v3"}],
            "paths": {"/x": {"post": {"operationId": "x", "requestBody": {}}}}});
        let r = build(
            &doc,
            "http://h:8080/openapi.json",
            "x",
            &json!({"body": {"a": 1}}),
        )
        .ok();
        assert_eq!(
            r.as_ref().map(|r| r.url.as_str()),
            Some("http://h:8080/api/v3/x")
        );
        assert_eq!(r.and_then(|r| r.body), Some(json!({"a": 1})));
    }
}
