//! Reading app folders from Git objects (TreeProvider) and from the working
//! tree (WorkdirProvider): symlinks, escapes, limits, order; and the merge
//! base `air diff` uses by default.

#![allow(clippy::unwrap_used)]

use air_tests::git as git_support;

use air_compiler::source::{LoadError, SourceProvider};
use air_reconciler::git::{
    Limits, TreeProvider, WorkdirProvider, default_branch, merge_base_with_default,
};
use git_support::{Upstream, git};
use git2::Repository;

fn repo_with(
    files: &[(&str, &str)],
    links: &[(&str, &str)],
) -> (tempfile::TempDir, Upstream, String) {
    let tmp = tempfile::tempdir().unwrap();
    let up = Upstream::new(tmp.path(), "app.git");
    for (p, t) in files {
        up.write(p, t);
    }
    for (p, target) in links {
        up.symlink(p, target);
    }
    let c = up.commit("files");
    (tmp, up, c)
}

fn provider(up: &Upstream, rev: &str) -> TreeProvider {
    TreeProvider::for_revision(Repository::open(&up.work).unwrap(), rev).unwrap()
}

fn paths(files: &air_compiler::source::AppFiles) -> Vec<&str> {
    files.sources.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn sorted_recursive_with_manifest() {
    let (_tmp, up, c) = repo_with(
        &[
            ("apps/m/air.toml", "[app]"),
            ("apps/m/z.air", "z"),
            ("apps/m/a.air", "a"),
            ("apps/m/sub/deep/b.air", "b"),
            ("apps/m/sub/air.toml", "nested manifest is not the app's"),
            ("apps/m/README.md", "ignored"),
            ("apps/m/.hidden/h.air", "hidden folders are skipped"),
            ("apps/m/target/t.air", "build output is skipped"),
            ("apps/other/x.air", "x"),
        ],
        &[],
    );
    let files = provider(&up, &c).load_app("apps/m").unwrap();
    assert_eq!(files.dir, "apps/m");
    assert_eq!(files.manifest.as_deref(), Some("[app]"));
    assert_eq!(
        paths(&files),
        ["apps/m/a.air", "apps/m/sub/deep/b.air", "apps/m/z.air"]
    );
    // "./apps/m/" is the same folder.
    assert_eq!(
        provider(&up, &c).load_app("./apps/m/").unwrap().sources,
        files.sources
    );
    let root = provider(&up, "HEAD").load_app("").unwrap();
    assert_eq!(root.sources.len(), 4);
    assert_eq!(root.manifest, None);
}

#[test]
fn symlinks_inside_the_repository_are_followed() {
    let (_tmp, up, c) = repo_with(
        &[
            ("common/lib/shared.air", "shared"),
            ("apps/m/main.air", "main"),
            ("real/one.air", "1"),
        ],
        &[
            ("apps/m/dangling.air", "nowhere.air"),
            ("apps/m/lib", "../../common/lib"),
            ("apps/m/alias.air", "../../common/lib/shared.air"),
            ("apps/m/loop", ".."),
            ("apps/linked", "../real"),
        ],
    );
    let p = provider(&up, &c);
    let files = p.load_app("apps/m").unwrap();
    // `loop` -> `..` (= apps/) is walked once: apps/m itself is skipped as
    // an enclosing folder (cycle), apps/linked is followed.
    assert_eq!(
        paths(&files),
        [
            "apps/m/alias.air",
            "apps/m/lib/shared.air",
            "apps/m/loop/linked/one.air",
            "apps/m/main.air"
        ]
    );
    // The app folder itself may be a symlink; it is named by its real path.
    let linked = p.load_app("apps/linked").unwrap();
    assert_eq!(linked.dir, "real");
    assert_eq!(
        linked.sources,
        vec![("real/one.air".to_string(), "1".to_string())]
    );
}

#[test]
fn escaping_symlinks_are_refused() {
    let (_tmp, up, c) = repo_with(
        &[("apps/a/ok.air", "ok"), ("apps/b/ok.air", "ok")],
        &[
            ("apps/a/evil.air", "../../../etc/passwd"),
            ("apps/b/abs", "/etc"),
        ],
    );
    let p = provider(&up, &c);
    match p.load_app("apps/a") {
        Err(LoadError::OutsideRoot(msg)) => assert!(msg.contains("apps/a/evil.air"), "{msg}"),
        other => panic!("expected OutsideRoot, got {other:?}"),
    }
    match p.load_app("apps/b") {
        Err(LoadError::OutsideRoot(msg)) => assert!(msg.contains("/etc"), "{msg}"),
        other => panic!("expected OutsideRoot, got {other:?}"),
    }
    assert!(matches!(p.load_app("../x"), Err(LoadError::OutsideRoot(_))));
}

#[test]
fn missing_folder_is_not_found() {
    let (_tmp, up, c) = repo_with(&[("apps/a/x.air", "x")], &[]);
    let p = provider(&up, &c);
    assert_eq!(
        p.load_app("apps/nope").err(),
        Some(LoadError::NotFound("apps/nope".into()))
    );
    // A file is not a folder.
    assert_eq!(
        p.load_app("apps/a/x.air").err(),
        Some(LoadError::NotFound("apps/a/x.air".into()))
    );
}

#[test]
fn size_limits_bound_memory() {
    let big = "x".repeat(2048);
    let (_tmp, up, c) = repo_with(&[("a/big.air", big.as_str()), ("a/small.air", "s")], &[]);
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let p = provider(&up, &c).with_limits(limits);
    match p.load_app("a") {
        Err(LoadError::Io(msg)) => {
            assert!(msg.contains("a/big.air") && msg.contains("1024"), "{msg}")
        }
        other => panic!("expected Io, got {other:?}"),
    }
    let total = Limits {
        max_total_bytes: 2000,
        ..Limits::default()
    };
    assert!(matches!(
        provider(&up, &c).with_limits(total).load_app("a"),
        Err(LoadError::Io(_))
    ));
    assert!(provider(&up, &c).load_app("a").is_ok());
}

#[test]
fn workdir_sees_uncommitted_and_untracked_not_ignored() {
    let (_tmp, up, _c) = repo_with(
        &[
            ("apps/m/air.toml", "[app]"),
            ("apps/m/a.air", "committed"),
            ("apps/m/gone.air", "deleted later"),
            (".gitignore", "*.tmp.air\n"),
        ],
        &[],
    );
    up.write("apps/m/a.air", "edited");
    up.write("apps/m/new/n.air", "untracked");
    up.write("apps/m/.cache/c.air", "hidden");
    up.write("apps/m/scratch.tmp.air", "ignored");
    std::fs::remove_file(up.work.join("apps/m/gone.air")).unwrap();
    up.symlink("apps/m/evil.air", "/etc/passwd");
    let w = WorkdirProvider::discover(&up.work.join("apps")).unwrap();
    match w.load_app("apps/m") {
        Err(LoadError::OutsideRoot(p)) => assert_eq!(p, "apps/m/evil.air"),
        other => panic!("expected OutsideRoot, got {other:?}"),
    }
    std::fs::remove_file(up.work.join("apps/m/evil.air")).unwrap();
    let files = w.load_app("apps/m").unwrap();
    assert_eq!(files.manifest.as_deref(), Some("[app]"));
    assert_eq!(
        files.sources,
        vec![
            ("apps/m/a.air".to_string(), "edited".to_string()),
            ("apps/m/new/n.air".to_string(), "untracked".to_string()),
        ]
    );
    assert_eq!(
        w.load_app("apps/x").err(),
        Some(LoadError::NotFound("apps/x".into()))
    );
}

#[test]
fn merge_base_with_the_default_branch() {
    let (_tmp, up, c1) = repo_with(&[("a.air", "1")], &[]);
    let repo = Repository::open(&up.work).unwrap();
    git(&up.work, &["checkout", "-q", "-b", "feature"]);
    up.write("a.air", "feature");
    up.commit("feature work");
    git(&up.work, &["checkout", "-q", "main"]);
    up.write("b.air", "main moves on");
    up.commit("main work");
    git(&up.work, &["checkout", "-q", "feature"]);
    assert_eq!(default_branch(&repo).unwrap().0, "refs/heads/main");
    assert_eq!(merge_base_with_default(&repo).unwrap().to_string(), c1);

    // origin/HEAD wins over a local main.
    up.push();
    git(
        &up.work,
        &["remote", "add", "origin", up.bare.to_str().unwrap()],
    );
    git(&up.work, &["fetch", "-q", "origin"]);
    git(&up.work, &["remote", "set-head", "origin", "main"]);
    let repo = Repository::open(&up.work).unwrap();
    assert_eq!(default_branch(&repo).unwrap().0, "refs/remotes/origin/main");
    assert_eq!(merge_base_with_default(&repo).unwrap().to_string(), c1);
}
