//! `air diff --post`: a real HTTP server on 127.0.0.1 playing GitHub and
//! GitLab; the exact requests are asserted.

use air_reconciler::post::{
    PostError, PostOptions, PostOutcome, Token, parse_target, post_comment,
};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    auth: String,
    body: String,
}

#[derive(Default)]
struct State {
    seen: Vec<Seen>,
    /// (id, body)
    comments: Vec<(u64, String)>,
    /// Answer every request with this (status, extra headers).
    fail: Option<(u16, Vec<(&'static str, String)>)>,
    port: u16,
}

type Shared = Arc<Mutex<State>>;

const TOKEN: &str = "tok-s3cret-123";

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
        let mut r = (
            StatusCode::from_u16(code).unwrap(),
            "{\"message\":\"nope\"}",
        )
            .into_response();
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

async fn server() -> (Shared, String) {
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

fn opts(api: String) -> PostOptions {
    PostOptions {
        api_url: Some(api),
        token: Token::new(TOKEN),
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn github_creates_then_updates_one_comment() {
    let (st, base) = server().await;
    let target = parse_target("https://github.com/acme/shop/pull/7").unwrap();
    let o = opts(base);
    let first = post_comment(&target, "<!-- air-diff -->\nfirst", &o)
        .await
        .unwrap();
    assert_eq!(first, PostOutcome::Created { id: 1003 });
    let second = post_comment(&target, "<!-- air-diff -->\nsecond", &o)
        .await
        .unwrap();
    assert_eq!(second, PostOutcome::Updated { id: 1003 });
    let s = st.lock().unwrap();
    let calls: Vec<(String, String)> = s
        .seen
        .iter()
        .map(|x| (x.method.clone(), x.path.clone()))
        .collect();
    assert_eq!(
        calls,
        vec![
            (
                "GET".into(),
                "/repos/acme/shop/issues/7/comments?per_page=100".into()
            ),
            (
                "GET".into(),
                "/repos/acme/shop/issues/7/comments?per_page=100&page=2".into()
            ),
            ("POST".into(), "/repos/acme/shop/issues/7/comments".into()),
            (
                "GET".into(),
                "/repos/acme/shop/issues/7/comments?per_page=100".into()
            ),
            (
                "GET".into(),
                "/repos/acme/shop/issues/7/comments?per_page=100&page=2".into()
            ),
            (
                "PATCH".into(),
                "/repos/acme/shop/issues/comments/1003".into()
            ),
        ]
    );
    assert!(s.seen.iter().all(|x| x.auth == format!("Bearer {TOKEN}")));
    assert!(s.seen[2].body.contains("<!-- air-diff -->"));
    assert!(s.seen[5].body.contains("second"));
    assert_eq!(s.comments.len(), 4, "one comment, updated in place");
}

#[tokio::test]
async fn gitlab_creates_then_updates_one_note() {
    let (st, base) = server().await;
    let target = parse_target("https://gitlab.example.com/group/shop/-/merge_requests/9").unwrap();
    let o = opts(format!("{base}/api/v4"));
    assert_eq!(
        post_comment(&target, "first", &o).await.unwrap(),
        PostOutcome::Created { id: 1003 }
    );
    assert_eq!(
        post_comment(&target, "second", &o).await.unwrap(),
        PostOutcome::Updated { id: 1003 }
    );
    let s = st.lock().unwrap();
    let calls: Vec<(String, String)> = s
        .seen
        .iter()
        .map(|x| (x.method.clone(), x.path.clone()))
        .collect();
    let notes = "/api/v4/projects/group%2Fshop/merge_requests/9/notes";
    assert_eq!(
        calls,
        vec![
            ("GET".into(), format!("{notes}?per_page=100&page=1")),
            ("GET".into(), format!("{notes}?per_page=100&page=2")),
            ("POST".into(), notes.to_string()),
            ("GET".into(), format!("{notes}?per_page=100&page=1")),
            ("GET".into(), format!("{notes}?per_page=100&page=2")),
            ("PUT".into(), format!("{notes}/1003")),
        ]
    );
    assert!(s.seen.iter().all(|x| x.auth == TOKEN));
    // The marker is added when the body lacks it.
    assert!(s.seen[2].body.contains("<!-- air-diff -->"));
}

async fn failing(code: u16, headers: Vec<(&'static str, String)>) -> PostError {
    let (st, base) = server().await;
    st.lock().unwrap().fail = Some((code, headers));
    let target = parse_target("https://github.com/acme/shop/pull/7").unwrap();
    let e = post_comment(&target, "x", &opts(base)).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    e
}

#[tokio::test]
async fn error_401() {
    let e = failing(401, vec![]).await;
    assert!(matches!(e, PostError::Unauthorized { .. }));
    assert!(e.to_string().contains("GITHUB_TOKEN"));
}

#[tokio::test]
async fn error_403_forbidden() {
    let e = failing(403, vec![]).await;
    assert!(matches!(e, PostError::Forbidden { .. }), "{e:?}");
}

#[tokio::test]
async fn error_404() {
    let e = failing(404, vec![]).await;
    assert!(matches!(e, PostError::NotFound { .. }), "{e:?}");
}

#[tokio::test]
async fn error_403_rate_limited_says_when() {
    let e = failing(
        403,
        vec![
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", "4102444800".into()),
        ],
    )
    .await;
    assert!(
        matches!(e, PostError::RateLimited { status: 403, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("2100-01-01 00:00:00 UTC"), "{e}");
}

#[tokio::test]
async fn error_429_retry_after() {
    let e = failing(429, vec![("retry-after", "30".into())]).await;
    assert!(e.to_string().contains("retry after 30 seconds"), "{e}");
}
