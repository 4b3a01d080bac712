//! Fetching over git:// from a real `git daemon` on 127.0.0.1, including a
//! remote that goes down and comes back.

#![allow(clippy::unwrap_used)]

use air_tests::git as git_support;

use air_compiler::source::SourceProvider;
use air_reconciler::git::{FetchLimits, GitCache, GitError, GitRef, GitSource};
use git_support::{Upstream, free_port, git_daemon, require_binary};

#[test]
fn git_daemon_branch_tag_and_outage() {
    if !require_binary(&git_support::daemon_path(), "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let serve = tmp.path().join("srv");
    std::fs::create_dir_all(&serve).unwrap();
    let up = Upstream::new(tmp.path(), "srv/app.git");
    up.write("app/air.toml", "[app]\n");
    up.write("app/a.air", "a");
    let c1 = up.commit("one");
    up.annotated_tag("v1.0.0");
    up.push();

    let port = free_port();
    let mut daemon = git_daemon(&serve, port);
    let url = format!("git://127.0.0.1:{port}/app.git");
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    let branch = GitSource::new(url.clone(), GitRef::Branch("main".into()));

    let out = cache.fetch_detailed(&branch).unwrap();
    assert_eq!(out.revision.commit, c1);
    assert!(out.downloaded);
    // git:// supports depth 1: the cache holds only the tip.
    assert!(out.shallow);
    let tag = cache
        .fetch(&GitSource::new(url.clone(), GitRef::Semver("^1".into())))
        .unwrap();
    assert_eq!(tag.commit, c1);

    // New commit: picked up, shallow over the daemon.
    up.write("app/a.air", "b");
    let c2 = up.commit("two");
    up.push();
    let out = cache.fetch_detailed(&branch).unwrap();
    assert_eq!(out.revision.commit, c2);
    assert!(out.downloaded && out.shallow);
    let again = cache.fetch_detailed(&branch).unwrap();
    assert!(!again.downloaded);
    // The app reads from the shallow cache's objects.
    let files = cache
        .tree_provider(&branch, &again.revision)
        .unwrap()
        .load_app("app")
        .unwrap();
    assert_eq!(files.manifest.as_deref(), Some("[app]\n"));
    assert_eq!(
        files.sources,
        vec![("app/a.air".to_string(), "b".to_string())]
    );

    // Remote down: a clear "cannot reach" error naming the URL.
    daemon.kill();
    let err = cache.fetch(&branch).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot reach Git remote {url}")),
        "{msg}"
    );

    // Back again: fetching works and sees the newest commit.
    up.write("app/a.air", "c");
    let c3 = up.commit("three");
    up.push();
    let _daemon = git_daemon(&serve, port);
    assert_eq!(cache.fetch(&branch).unwrap().commit, c3);
}

#[test]
fn git_daemon_fetches_old_commit_by_id() {
    if !require_binary(&git_support::daemon_path(), "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let serve = tmp.path().join("srv");
    std::fs::create_dir_all(&serve).unwrap();
    let up = Upstream::new(tmp.path(), "srv/app.git");
    up.write("a.air", "1");
    let c1 = up.commit("one");
    up.write("a.air", "2");
    let c2 = up.commit("two");
    up.push();
    let port = free_port();
    let _daemon = git_daemon(&serve, port);
    let url = format!("git://127.0.0.1:{port}/app.git");
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    // Shallow fetch of the branch first, then an older commit that the
    // shallow cache does not hold.
    let tip = cache
        .fetch(&GitSource::new(url.clone(), GitRef::Branch("main".into())))
        .unwrap();
    assert_eq!(tip.commit, c2);
    let old = cache
        .fetch(&GitSource::new(url.clone(), GitRef::Commit(c1.clone())))
        .unwrap();
    assert_eq!(old.commit, c1);
    // Both commits are readable from the cache afterwards.
    let repo = cache
        .open(&GitSource::new(url, GitRef::Commit(c1.clone())))
        .unwrap();
    for c in [&c1, &c2] {
        assert!(repo.find_commit(git2::Oid::from_str(c).unwrap()).is_ok());
    }
}

#[test]
fn fetch_size_is_bounded() {
    if !require_binary(&git_support::daemon_path(), "git") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let serve = tmp.path().join("srv");
    std::fs::create_dir_all(&serve).unwrap();
    let up = Upstream::new(tmp.path(), "srv/app.git");
    // Incompressible content, so the pack really is large.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let noise: String = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect();
    up.write("big.txt", &noise);
    up.commit("big");
    up.push();
    let port = free_port();
    let _daemon = git_daemon(&serve, port);
    let url = format!("git://127.0.0.1:{port}/app.git");
    let src = GitSource::new(url.clone(), GitRef::Branch("main".into()));
    let small = GitCache::new(tmp.path().join("cache"))
        .with_env(|_| None)
        .with_fetch_limits(FetchLimits {
            max_bytes: 16 * 1024,
            ..FetchLimits::default()
        });
    let err = small.fetch(&src).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
    // The default limit lets it through.
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    assert!(cache.fetch(&src).is_ok());
}
