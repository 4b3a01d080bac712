//! A GitHub / GitLab stand-in on 127.0.0.1 (axum) for the `--post` tests:
//! comment listing with pagination (two per page, whatever `per_page`
//! says), create, update; every request recorded; optional forced failure.

#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub auth: String,
    pub body: String,
}

/// A response header the stand-in adds (name, value).
pub type Header = (&'static str, String);

#[derive(Default)]
pub struct State {
    pub seen: Vec<Seen>,
    /// (id, body)
    pub comments: Vec<(u64, String)>,
    /// Answer every request with this (status, extra headers).
    pub fail: Option<(u16, Vec<Header>)>,
    pub port: u16,
}

impl State {
    /// The requests seen, as (method, path with query).
    pub fn calls(&self) -> Vec<(String, String)> {
        self.seen
            .iter()
            .map(|x| (x.method.clone(), x.path.clone()))
            .collect()
    }
}

pub type Shared = Arc<Mutex<State>>;

pub const TOKEN: &str = "tok-s3cret-123";

async fn handle(
    axum::extract::State(st): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = st.lock().unwrap();
    let auth = headers
        .get("authorization")
        .or_else(|| headers.get("private-token"))
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body).to_string();
    s.seen.push(Seen {
        method: method.to_string(),
        path: uri.path_and_query().unwrap().to_string(),
        auth,
        body: body.clone(),
    });
    if let Some((code, hs)) = s.fail.clone() {
        // The message echoes the credentials, as a careless server might:
        // the client must not repeat them.
        let msg =
            serde_json::json!({ "message": format!("nope (got {})", s.seen.last().unwrap().auth) });
        let mut r = (StatusCode::from_u16(code).unwrap(), msg.to_string()).into_response();
        for (k, v) in hs {
            r.headers_mut().insert(k, v.parse().unwrap());
        }
        return r;
    }
    let path = uri.path().to_string();
    let page: usize = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let new_body = || {
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["body"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let list = |s: &State| {
        // Two per page, whatever per_page says: pagination is exercised.
        let items: Vec<serde_json::Value> = s
            .comments
            .iter()
            .skip((page - 1) * 2)
            .take(2)
            .map(|(id, b)| serde_json::json!({"id": id, "body": b}))
            .collect();
        let more = s.comments.len() > page * 2;
        (items, more)
    };
    let is_gitlab = path.starts_with("/api/v4/");
    match (method.as_str(), path.as_str()) {
        ("GET", p) if p.ends_with("/comments") || p.ends_with("/notes") => {
            let (items, more) = list(&s);
            let mut r = axum::Json(items).into_response();
            if more {
                if is_gitlab {
                    r.headers_mut()
                        .insert("x-next-page", (page + 1).to_string().parse().unwrap());
                } else {
                    let link = format!(
                        "<http://127.0.0.1:{}{}?per_page=100&page={}>; rel=\"next\"",
                        s.port,
                        path,
                        page + 1
                    );
                    r.headers_mut().insert("link", link.parse().unwrap());
                }
            }
            r
        }
        ("POST", p) if p.ends_with("/comments") || p.ends_with("/notes") => {
            let id = 1000 + s.comments.len() as u64;
            s.comments.push((id, new_body()));
            (
                StatusCode::CREATED,
                axum::Json(serde_json::json!({"id": id})),
            )
                .into_response()
        }
        ("PATCH", _) | ("PUT", _) => {
            let id: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
            let b = new_body();
            for c in s.comments.iter_mut().filter(|c| c.0 == id) {
                c.1 = b.clone();
            }
            axum::Json(serde_json::json!({"id": id})).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn server() -> (Shared, String) {
    let st: Shared = Arc::new(Mutex::new(State::default()));
    st.lock().unwrap().comments = vec![
        (1, "LGTM".into()),
        (2, "another".into()),
        (3, "third".into()),
    ];
    let app = axum::Router::new().fallback(handle).with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    st.lock().unwrap().port = port;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (st, format!("http://127.0.0.1:{port}"))
}
