//! `air diff --post`: a real HTTP server on 127.0.0.1 playing GitHub and
//! GitLab; the exact requests are asserted.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::forge;

use air_reconciler::post::{
    PostError, PostOptions, PostOutcome, Token, parse_target, post_comment,
};
use forge::{TOKEN, server};
use std::time::Duration;

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
    let calls = s.calls();
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
    let calls = s.calls();
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

const GITHUB_PR: &str = "https://github.com/acme/shop/pull/7";
const GITLAB_MR: &str = "https://gitlab.example.com/group/shop/-/merge_requests/9";

/// Post against a server that answers every request with `code`; the
/// error must not carry the token (the server's message echoes it).
async fn failing_on(url: &str, code: u16, headers: Vec<(&'static str, String)>) -> PostError {
    let (st, base) = server().await;
    st.lock().unwrap().fail = Some((code, headers));
    let target = parse_target(url).unwrap();
    let api = match target {
        air_reconciler::post::Target::GitHub { .. } => base,
        air_reconciler::post::Target::GitLab { .. } => format!("{base}/api/v4"),
    };
    let e = post_comment(&target, "x", &opts(api)).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    assert_eq!(st.lock().unwrap().seen.len(), 1, "stops at the first error");
    e
}

async fn failing(code: u16, headers: Vec<(&'static str, String)>) -> PostError {
    failing_on(GITHUB_PR, code, headers).await
}

#[tokio::test]
async fn error_401() {
    let e = failing(401, vec![]).await;
    assert!(matches!(e, PostError::Unauthorized { .. }));
    assert!(e.to_string().contains("GITHUB_TOKEN"), "{e}");
    assert!(e.to_string().contains("401"), "{e}");
}

#[tokio::test]
async fn error_403_forbidden() {
    let e = failing(403, vec![]).await;
    assert!(matches!(e, PostError::Forbidden { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("pull-requests: write"), "{text}");
    // The server's own message is kept, minus the token.
    assert!(text.contains("nope (got Bearer <redacted>)"), "{text}");
}

#[tokio::test]
async fn error_404() {
    let e = failing(404, vec![]).await;
    assert!(matches!(e, PostError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("check the URL"), "{e}");
}

#[tokio::test]
async fn rate_limits_and_other_statuses() {
    let reset = ("x-ratelimit-reset", "4102444800".to_string());
    let cases: Vec<(u16, Vec<forge::Header>, &str)> = vec![
        // GitHub's primary limit: 403 with no requests left; says when.
        (
            403,
            vec![("x-ratelimit-remaining", "0".into()), reset],
            "rate limited (403): retry after 2100-01-01 00:00:00 UTC",
        ),
        (
            429,
            vec![("retry-after", "30".into())],
            "rate limited (429): retry after 30 seconds",
        ),
        (500, vec![], "unexpected HTTP 500"),
    ];
    for (code, headers, says) in cases {
        let e = failing(code, headers).await;
        assert!(e.to_string().contains(says), "{code}: {e}");
        let kind_ok = match code {
            500 => matches!(e, PostError::Http { status: 500, .. }),
            _ => matches!(e, PostError::RateLimited { status, .. } if status == code),
        };
        assert!(kind_ok, "{e:?}");
    }
}

#[tokio::test]
async fn gitlab_errors_name_gitlab_and_its_token() {
    let e = failing_on(GITLAB_MR, 401, vec![]).await;
    assert!(matches!(e, PostError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("GitLab API"), "{e}");
    assert!(e.to_string().contains("GITLAB_TOKEN"), "{e}");
    let e = failing_on(GITLAB_MR, 403, vec![]).await;
    assert!(e.to_string().contains("`api` scope"), "{e}");
    let e = failing_on(GITLAB_MR, 404, vec![]).await;
    assert!(matches!(e, PostError::NotFound { .. }), "{e:?}");
    let e = failing_on(
        GITLAB_MR,
        429,
        vec![("ratelimit-reset", "4102444800".into())],
    )
    .await;
    assert!(e.to_string().contains("2100-01-01"), "{e}");
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = parse_target(GITHUB_PR).unwrap();
    let e = post_comment(&target, "x", &opts(format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    assert!(matches!(e, PostError::Transport { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(TOKEN));
}

#[tokio::test]
async fn plain_http_is_refused_unless_loopback() {
    // Refused before any connection: these hosts are never contacted.
    for (pr, api) in [
        ("http://gitlab.example.com/g/p/-/merge_requests/1", None),
        (GITHUB_PR, Some("http://ghe.example.com/api/v3")),
        (GITHUB_PR, Some("http://10.0.0.1:8080")),
        (GITHUB_PR, Some("ftp://127.0.0.1/api")),
    ] {
        let target = parse_target(pr).unwrap();
        let o = PostOptions {
            api_url: api.map(str::to_string),
            ..opts(String::new())
        };
        let e = post_comment(&target, "x", &o).await.unwrap_err();
        assert!(
            matches!(e, PostError::PlainHttp { .. }),
            "{pr} {api:?}: {e:?}"
        );
        assert!(!format!("{e} {e:?}").contains(TOKEN));
    }
    // Loopback over plain HTTP is allowed (reaches the port: nobody there).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        let target = parse_target(GITHUB_PR).unwrap();
        let e = post_comment(&target, "x", &opts(format!("http://{host}:{port}")))
            .await
            .unwrap_err();
        assert!(matches!(e, PostError::Transport { .. }), "{host}: {e:?}");
    }
}
