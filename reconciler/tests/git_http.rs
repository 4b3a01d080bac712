//! Fetching over smart HTTP (`git http-backend` behind a small HTTP server
//! on 127.0.0.1) that requires a token; the token never leaks.

#![allow(clippy::unwrap_used)]

use air_tests::git as git_support;

use air_reconciler::git::{Credentials, GitCache, GitError, GitRef, GitSource};
use git_support::http::HttpGit;
use git_support::{Upstream, capture_logs, require_binary};

const TOKEN: &str = "tok-7f3a9c2e5b1d4f60";

fn setup() -> (tempfile::TempDir, Upstream, HttpGit, String) {
    let tmp = tempfile::tempdir().unwrap();
    let serve = tmp.path().join("srv");
    std::fs::create_dir_all(&serve).unwrap();
    let up = Upstream::new(tmp.path(), "srv/app.git");
    up.write("a.air", "a");
    let c = up.commit("one");
    up.push();
    let server = HttpGit::start(&serve, TOKEN);
    (tmp, up, server, c)
}

fn source(url: &str, env: Option<&str>) -> GitSource {
    GitSource::new(url, GitRef::Branch("main".into())).with_credentials(Credentials {
        token_env: env.map(str::to_string),
        ..Credentials::default()
    })
}

#[test]
fn right_token_fetches() {
    if !require_binary("git", "git") {
        return;
    }
    let (tmp, _up, server, c) = setup();
    let cache = GitCache::new(tmp.path().join("cache"))
        .with_env(|k| (k == "GIT_TOKEN").then(|| TOKEN.to_string()));
    let (rev, logs) =
        capture_logs(|| cache.fetch(&source(&server.url("app.git"), Some("GIT_TOKEN"))));
    assert_eq!(rev.unwrap().commit, c);
    assert!(logs.contains("git fetch done"), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
}

#[test]
fn wrong_token_is_an_auth_error_without_the_token() {
    if !require_binary("git", "git") {
        return;
    }
    let (tmp, _up, server, _c) = setup();
    let wrong = "wrong-c0ffee-9d8e7f";
    let cache = GitCache::new(tmp.path().join("cache"))
        .with_env(move |k| (k == "GIT_TOKEN").then(|| wrong.to_string()));
    let (res, logs) =
        capture_logs(|| cache.fetch(&source(&server.url("app.git"), Some("GIT_TOKEN"))));
    let err = res.unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::AuthFailed { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains(&server.url("app.git")), "{shown}");
    for secret in [wrong, TOKEN] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!logs.contains(secret), "{logs}");
    }
    assert!(logs.contains("git fetch failed"), "{logs}");
}

#[test]
fn missing_token_is_an_auth_error() {
    if !require_binary("git", "git") {
        return;
    }
    let (tmp, _up, server, _c) = setup();
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    let err = cache
        .fetch(&source(&server.url("app.git"), None))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::MissingCredential { .. }), "{err:?}");
    assert!(err.to_string().contains("token_env"), "{err}");
    // A configured but unset variable is named.
    let err = cache
        .fetch(&source(&server.url("app.git"), Some("UNSET_VAR")))
        .unwrap_err();
    assert!(err.to_string().contains("UNSET_VAR"), "{err}");
}

#[test]
fn password_in_url_is_used_but_never_shown() {
    if !require_binary("git", "git") {
        return;
    }
    let (tmp, _up, server, c) = setup();
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    let good = format!("http://user:{TOKEN}@127.0.0.1:{}/app.git", server.port);
    let (rev, logs) =
        capture_logs(|| cache.fetch(&GitSource::new(&good, GitRef::Branch("main".into()))));
    assert_eq!(rev.unwrap().commit, c);
    assert!(!logs.contains(TOKEN), "{logs}");
    let bad = format!(
        "http://user:hunter2-secret@127.0.0.1:{}/app.git",
        server.port
    );
    let (res, logs) =
        capture_logs(|| cache.fetch(&GitSource::new(&bad, GitRef::Branch("main".into()))));
    let err = res.unwrap_err();
    let shown = format!("{err} {err:?}");
    eprintln!("{err}");
    assert!(matches!(err, GitError::AuthFailed { .. }), "{err:?}");
    assert!(shown.contains("user:***@127.0.0.1"), "{shown}");
    assert!(
        !shown.contains("hunter2-secret") && !logs.contains("hunter2-secret"),
        "{shown} {logs}"
    );
}

#[test]
fn unknown_repository_is_unreachable() {
    if !require_binary("git", "git") {
        return;
    }
    let (tmp, _up, server, _c) = setup();
    let cache = GitCache::new(tmp.path().join("cache"))
        .with_env(|k| (k == "GIT_TOKEN").then(|| TOKEN.to_string()));
    let err = cache
        .fetch(&source(&server.url("nope.git"), Some("GIT_TOKEN")))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.git"), "{err}");
}
