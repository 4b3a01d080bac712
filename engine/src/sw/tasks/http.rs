//! `call: http`: build the request, hand it to the host, await the answer
//! (after its virtual delay), map it to the task's output.

use crate::sw::error::WfError;
use crate::sw::expr::Args;
use crate::sw::flow::escape_pointer;
use crate::sw::run::{RunCtx, strip_expr};
use crate::sw::trace::{TaskInfo, TraceEvent};
use crate::sw::uri;
use crate::sw::world::{WaitFor, Woken};
use crate::sw::{HttpRequest, HttpResponse};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

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
    let method = with
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| WfError::configuration(at, "`call: http` needs `with.method`"))?;
    let endpoint = with
        .get("endpoint")
        .ok_or_else(|| WfError::configuration(at, "`call: http` needs `with.endpoint`"))?;
    let mut url = endpoint_url(rc, endpoint, input, args, at)?;
    if let Some(query) = with.get("query") {
        let query = rc.eval_value(query, input, args, at)?;
        let pairs: Vec<(String, Value)> = query
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        url = uri::with_query(&url, &pairs);
    }
    let mut headers = BTreeMap::new();
    if let Some(h) = with.get("headers") {
        let h = rc.eval_value(h, input, args, at)?;
        for (k, v) in h.as_object().into_iter().flatten() {
            headers.insert(k.clone(), uri::text_of(v));
        }
    }
    if let Some(auth) = endpoint.get("authentication") {
        let (name, value) = authorization(rc, auth, input, args, at)?;
        headers.insert(name, value);
    }
    let body = match with.get("body") {
        Some(b) => Some(rc.eval_value(b, input, args, at)?),
        None => None,
    };
    let request = HttpRequest {
        method: method.to_ascii_uppercase(),
        url,
        headers,
        body,
    };
    let output = with
        .get("output")
        .and_then(Value::as_str)
        .unwrap_or("content");
    let redirect = with.get("redirect") == Some(&Value::Bool(true));
    send(rc, info, request, output, redirect).await
}

/// The endpoint's URL: a `${ }` expression, else an RFC 6570 template over
/// the transformed input.
pub fn endpoint_url(
    rc: &RunCtx,
    endpoint: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<String, WfError> {
    let raw = match endpoint {
        Value::String(s) => s,
        other => other
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| WfError::configuration(at, "an endpoint needs `uri`"))?,
    };
    if let Some(program) = strip_expr(raw) {
        let v = rc.eval_program(program, input, args, at)?;
        return v
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| WfError::expression(at, "the endpoint expression gave no string"));
    }
    uri::expand(raw, input).map_err(|m| WfError::expression(at, m))
}

/// `basic` and `bearer` authentication (inline or from
/// `use.authentications`) as an `Authorization` header.
fn authorization(
    rc: &RunCtx,
    auth: &Value,
    input: &Value,
    args: &Args,
    at: &str,
) -> Result<(String, String), WfError> {
    let auth = match auth.get("use").and_then(Value::as_str) {
        Some(name) => rc
            .doc
            .pointer(&format!("/use/authentications/{}", escape_pointer(name)))
            .ok_or_else(|| {
                WfError::configuration(at, format!("no authentication `{name}` in use"))
            })?,
        None => auth,
    };
    let auth = rc.eval_value(auth, input, args, at)?;
    if let Some(basic) = auth.get("basic") {
        let part = |k: &str| basic.get(k).map(uri::text_of).unwrap_or_default();
        let token = STANDARD.encode(format!("{}:{}", part("username"), part("password")));
        return Ok(("Authorization".into(), format!("Basic {token}")));
    }
    if let Some(bearer) = auth.get("bearer") {
        let token = bearer.get("token").unwrap_or(bearer);
        return Ok((
            "Authorization".into(),
            format!("Bearer {}", uri::text_of(token)),
        ));
    }
    Err(WfError::configuration(
        at,
        "only `basic` and `bearer` authentication can be used here",
    ))
}

/// Hand `request` to the host, await the answer, map it per `output`
/// (`content`, `response`, `raw`). A status outside 2xx (3xx allowed with
/// `redirect: true`) raises the standard `communication` error.
pub async fn send(
    rc: &RunCtx,
    info: &TaskInfo,
    request: HttpRequest,
    output: &str,
    redirect: bool,
) -> Result<Value, WfError> {
    let at = info.reference.as_str();
    let id = {
        let mut w = rc.env.world.borrow_mut();
        let id = w.next_id();
        w.record(
            rc.id,
            TraceEvent::HttpRequested {
                task: info.clone(),
                request: request.clone(),
            },
        );
        w.http_queue.push_back((id, request.clone(), info.clone()));
        id
    };
    let answer = match rc.wait(id, WaitFor::Http, info, "http").await {
        Woken::Http(answer) => answer,
        _ => return Err(WfError::runtime(at, "the call was woken without an answer")),
    };
    let response = answer.map_err(|message| WfError::communication(at, 500, message))?;
    let ok = if redirect { 200..400 } else { 200..300 };
    if !ok.contains(&response.status) {
        return Err(WfError {
            title: Some(format!("HTTP {}", response.status)),
            ..WfError::communication(
                at,
                i64::from(response.status),
                format!(
                    "{} {} answered {}",
                    request.method, request.url, response.status
                ),
            )
        });
    }
    Ok(match output {
        "response" => response_json(&request, &response),
        "raw" => Value::String(STANDARD.encode(raw_text(&response.body))),
        _ => response.body,
    })
}

fn raw_text(body: &Value) -> String {
    match body {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn response_json(request: &HttpRequest, response: &HttpResponse) -> Value {
    let headers = |h: &BTreeMap<String, String>| {
        Value::Object(
            h.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<_, _>>(),
        )
    };
    json!({
        "request": {
            "method": request.method,
            "uri": request.url,
            "headers": headers(&request.headers),
        },
        "statusCode": response.status,
        "headers": headers(&response.headers),
        "content": response.body,
    })
}
