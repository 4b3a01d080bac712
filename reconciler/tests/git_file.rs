//! Fetching over file:// from a real repository made with the git CLI:
//! every kind of ref, new commits, and the cache fast path.

#![allow(clippy::unwrap_used)]

use air_tests::git as git_support;

use air_compiler::source::SourceProvider;
use air_reconciler::git::{GitCache, GitError, GitRef, GitSource, SecretMaterial};
use git_support::Upstream;

fn setup() -> (tempfile::TempDir, Upstream, GitCache) {
    let tmp = tempfile::tempdir().unwrap();
    let up = Upstream::new(tmp.path(), "app.git");
    let cache = GitCache::new(tmp.path().join("cache")).with_env(|_| None);
    (tmp, up, cache)
}

#[test]
fn branch_is_fetched_and_new_commits_are_picked_up() {
    let (_tmp, up, cache) = setup();
    up.write("air.toml", "[app]\nname = \"a\"\n");
    up.write("wf.air", "one");
    let c1 = up.commit("one");
    up.push();
    let src = GitSource::new(up.file_url(), GitRef::Branch("main".into()));

    let first = cache.fetch_detailed(&src).unwrap();
    assert_eq!(first.revision.commit, c1);
    assert_eq!(first.revision.ref_name, "refs/heads/main");
    assert!(first.revision.time.is_some());
    assert!(first.downloaded);

    // Same tip again: the cache is reused, nothing is downloaded.
    let again = cache.fetch_detailed(&src).unwrap();
    assert_eq!(again.revision.commit, c1);
    assert!(!again.downloaded);

    up.write("wf.air", "two");
    let c2 = up.commit("two");
    up.push();
    let next = cache.fetch_detailed(&src).unwrap();
    assert_eq!(next.revision.commit, c2);
    assert!(next.downloaded);

    let files = cache
        .tree_provider(&src, &next.revision)
        .unwrap()
        .load_app("")
        .unwrap();
    assert_eq!(
        files.sources,
        vec![("wf.air".to_string(), "two".to_string())]
    );
    // Only one cache folder for the remote.
    assert_eq!(std::fs::read_dir(cache.root()).unwrap().count(), 1);
}

#[test]
fn tags_lightweight_and_annotated() {
    let (_tmp, up, cache) = setup();
    up.write("a.air", "1");
    let c1 = up.commit("one");
    up.tag("v1.0.0");
    up.write("a.air", "2");
    let c2 = up.commit("two");
    up.annotated_tag("v1.1.0");
    up.push();
    for (tag, want) in [("v1.0.0", &c1), ("v1.1.0", &c2)] {
        let src = GitSource::new(up.file_url(), GitRef::Tag(tag.into()));
        let rev = cache.fetch(&src).unwrap();
        assert_eq!(&rev.commit, want, "{tag}");
        assert_eq!(rev.ref_name, format!("refs/tags/{tag}"));
    }
}

#[test]
fn semver_range_picks_highest_matching_tag() {
    let (_tmp, up, cache) = setup();
    let mut ids = std::collections::HashMap::new();
    for tag in [
        "v1.0.0",
        "1.2.0",
        "v1.10.1",
        "v2.0.0",
        "v1.11.0-rc.1",
        "nightly",
    ] {
        up.write("a.air", tag);
        ids.insert(tag, up.commit(tag));
        if tag == "v1.10.1" {
            up.annotated_tag(tag);
        } else {
            up.tag(tag);
        }
    }
    up.push();
    let fetch =
        |range: &str| cache.fetch(&GitSource::new(up.file_url(), GitRef::Semver(range.into())));
    let rev = fetch("^1").unwrap();
    assert_eq!(rev.ref_name, "refs/tags/v1.10.1");
    assert_eq!(rev.commit, ids["v1.10.1"]);
    assert_eq!(fetch("~1.2").unwrap().commit, ids["1.2.0"]);
    assert_eq!(fetch(">=2").unwrap().commit, ids["v2.0.0"]);

    let err = fetch("^3").unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::NoMatchingTag { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("`^3`") && msg.contains("v2.0.0"), "{msg}");

    // A new matching tag is picked up by the next fetch.
    up.write("a.air", "new");
    let c = up.commit("1.12");
    up.tag("v1.12.0");
    up.push();
    assert_eq!(fetch("^1").unwrap().commit, c);
}

#[test]
fn commit_full_and_abbreviated() {
    let (_tmp, up, cache) = setup();
    up.write("a.air", "1");
    let c1 = up.commit("one");
    up.write("a.air", "2");
    let _c2 = up.commit("two");
    up.push();
    let src = GitSource::new(up.file_url(), GitRef::Commit(c1[..10].to_string()));
    let out = cache.fetch_detailed(&src).unwrap();
    assert_eq!(out.revision.commit, c1);
    assert_eq!(out.revision.ref_name, c1);

    // A commit the cache holds needs no network at all: the remote may go.
    let full = GitSource::new(up.file_url(), GitRef::Commit(c1.clone()));
    std::fs::rename(&up.bare, up.bare.with_extension("moved")).unwrap();
    let cached = cache.fetch_detailed(&full).unwrap();
    assert_eq!(cached.revision.commit, c1);
    assert!(!cached.downloaded);
    let files = cache
        .tree_provider(&full, &cached.revision)
        .unwrap()
        .load_app(".")
        .unwrap();
    assert_eq!(files.sources[0].1, "1");
}

#[test]
fn missing_refs_name_what_exists() {
    let (_tmp, up, cache) = setup();
    up.write("a.air", "1");
    up.commit("one");
    up.branch("develop");
    up.tag("v1.0.0");
    up.push();
    let err = cache
        .fetch(&GitSource::new(
            up.file_url(),
            GitRef::Branch("mian".into()),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "branch `mian` not found in {} (available: develop, main)",
            up.file_url()
        )
    );
    let err = cache
        .fetch(&GitSource::new(up.file_url(), GitRef::Tag("v9".into())))
        .unwrap_err();
    assert!(err.to_string().contains("available: v1.0.0"), "{err}");
    let err = cache
        .fetch(&GitSource::new(
            up.file_url(),
            GitRef::Commit("0123456789abcdef0123456789abcdef01234567".into()),
        ))
        .unwrap_err();
    assert!(
        matches!(err, GitError::RefNotFound { kind: "commit", .. }),
        "{err:?}"
    );
}

#[test]
fn missing_repository_is_unreachable() {
    let (tmp, _up, cache) = setup();
    let url = format!("file://{}/nope.git", tmp.path().display());
    let err = cache
        .fetch(&GitSource::new(url.clone(), GitRef::Branch("main".into())))
        .unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, GitError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
}

#[test]
fn cache_with_too_many_packs_is_rebuilt() {
    let (_tmp, up, cache) = setup();
    let cache = cache.with_max_packs(2);
    let src = GitSource::new(up.file_url(), GitRef::Branch("main".into()));
    let packs = |dir: &std::path::Path| {
        std::fs::read_dir(dir.join("objects/pack"))
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .extension()
                        .is_some_and(|x| x == "pack")
                })
                .count()
            })
            .unwrap_or(0)
    };
    let dir = cache.repo_dir(&up.file_url()).unwrap();
    let mut most = 0;
    for i in 0..6 {
        up.write("a.air", &i.to_string());
        let c = up.commit(&format!("c{i}"));
        up.push();
        let out = cache.fetch_detailed(&src).unwrap();
        assert_eq!(out.revision.commit, c);
        most = most.max(packs(&dir));
    }
    // Each fetch adds a pack; the cache is rebuilt before it exceeds 3.
    assert!(most >= 2, "fetches should add packs ({most})");
    assert!(most <= 3, "cache was not rebuilt ({most} packs)");
    let files = cache
        .tree_provider(&src, &cache.fetch(&src).unwrap())
        .unwrap()
        .load_app("")
        .unwrap();
    assert_eq!(files.sources[0].1, "5");
}

/// Apps on one repository share fetches: ten callers that asked before any
/// fetch began cost one fetch between them, all see the same commit; a
/// push then costs one more. Counts, never times.
#[test]
fn callers_on_one_repository_share_one_fetch_per_revision() {
    let (_tmp, up, cache) = setup();
    up.write("air.toml", "[app]\nname = \"a\"\n");
    let c1 = up.commit("one");
    up.push();
    let src = GitSource::new(up.file_url(), GitRef::Branch("main".into()));
    let round = |want: &str| {
        let asked = std::time::Instant::now();
        let commits: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    let (cache, src) = (cache.clone(), src.clone());
                    s.spawn(move || {
                        let cancel = std::sync::atomic::AtomicBool::new(false);
                        cache
                            .fetch_shared(&src, &SecretMaterial::default(), &cancel, asked)
                            .unwrap()
                            .commit
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(commits.iter().all(|c| c == want), "{commits:?}");
    };
    round(&c1);
    assert_eq!(cache.remote_fetches(), 1);
    let c2 = up.commit("two");
    up.push();
    round(&c2);
    assert_eq!(cache.remote_fetches(), 2);
    // Plain fetches never share.
    cache.fetch(&src).unwrap();
    assert_eq!(cache.remote_fetches(), 3);
}
