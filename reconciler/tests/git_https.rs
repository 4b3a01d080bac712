//! Fetching over HTTPS (real TLS: the smart HTTP server behind rustls with
//! the test-only certificates of tests/certs): `ca_file` makes a private CA
//! trusted; a certificate from another CA, or for another host, is refused
//! with a clear error, as is a private CA without `ca_file`.

use air_tests::git as git_support;

use air_reconciler::git::{Credentials, GitCache, GitError, GitRef, GitSource};
use git_support::http::{HttpGit, cert_dir};
use git_support::{Upstream, require_binary};

const TOKEN: &str = "tok-3b9d1e7a5c2f4e80";

/// A repository served over HTTPS with certificate `cert`.
fn serve(tmp: &std::path::Path, cert: &str) -> (HttpGit, String) {
    let srv = tmp.join("srv");
    std::fs::create_dir_all(&srv).unwrap();
    let up = Upstream::new(tmp, "srv/app.git");
    up.write("a.air", "a");
    let commit = up.commit("one");
    up.push();
    (HttpGit::start_tls(&srv, TOKEN, cert), commit)
}

fn fetch(tmp: &std::path::Path, url: &str, ca: Option<&str>) -> Result<String, GitError> {
    let cache = GitCache::new(tmp.join("cache"))
        .with_env(|k| (k == "GIT_TOKEN").then(|| TOKEN.to_string()));
    let source = GitSource::new(url, GitRef::Branch("main".into())).with_credentials(Credentials {
        token_env: Some("GIT_TOKEN".into()),
        ca_file: ca.map(|c| cert_dir().join(format!("{c}.pem"))),
        ..Credentials::default()
    });
    cache.fetch(&source).map(|r| r.commit)
}

#[test]
fn ca_file_trusts_a_private_ca() {
    if !require_binary("git", "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (server, commit) = serve(tmp.path(), "server-a");
    let url = server.url("app.git");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert_eq!(fetch(tmp.path(), &url, Some("ca-a")).unwrap(), commit);
}

#[test]
fn certificate_of_another_ca_is_refused() {
    if !require_binary("git", "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = serve(tmp.path(), "server-b");
    let err = fetch(tmp.path(), &server.url("app.git"), Some("ca-a")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GitError::Certificate { .. }), "{err:?}");
    assert!(text.contains("not signed by a CA of this file"), "{text}");
    assert!(text.contains("ca-a.pem"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn certificate_for_another_host_is_refused() {
    if !require_binary("git", "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = serve(tmp.path(), "wrong-host");
    let err = fetch(tmp.path(), &server.url("app.git"), Some("ca-a")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GitError::Certificate { .. }), "{err:?}");
    assert!(text.contains("not issued for `127.0.0.1`"), "{text}");
}

#[test]
fn private_ca_without_ca_file_is_refused() {
    if !require_binary("git", "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (server, _) = serve(tmp.path(), "server-a");
    let err = fetch(tmp.path(), &server.url("app.git"), None).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GitError::Certificate { .. }), "{err:?}");
    assert!(text.contains("the system's trust store"), "{text}");
    assert!(text.contains("ca_file"), "{text}");
}

#[test]
fn unusable_ca_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("ca.pem");
    std::fs::write(&bad, "not a certificate\n").unwrap();
    let cache = GitCache::new(tmp.path().join("cache"));
    let source = GitSource::new("https://127.0.0.1:1/app.git", GitRef::Branch("main".into()))
        .with_credentials(Credentials {
            ca_file: Some(bad),
            ..Credentials::default()
        });
    let err = cache.fetch(&source).unwrap_err();
    assert!(matches!(err, GitError::CaFile { .. }), "{err:?}");
    assert!(err.to_string().contains("holds no certificate"), "{err}");
}
