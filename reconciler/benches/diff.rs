//! `air diff` between two commits of a 500-workflow app (generated here):
//! read both trees from Git objects, compile both, compare objects,
//! workflow graphs and diagnostics. Target: well under 500 ms.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_reconciler::diff::{DiffRequest, diff_repository, markdown};
use air_reconciler::git::git2::{Repository, Signature};
use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::path::Path;

/// The allocator of the `air` binary, so the numbers are the command's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WORKFLOWS: usize = 500;
const PER_FILE: usize = 10;

/// One `.air` file with workflows `first..first+PER_FILE`; `edited`
/// workflows get an extra step and swap two steps.
fn file(first: usize, edited: &dyn Fn(usize) -> bool, skip: &dyn Fn(usize) -> bool) -> String {
    let mut s = String::new();
    for i in first..first + PER_FILE {
        if skip(i) {
            continue;
        }
        let _ = writeln!(s, "event Start{i} {{ data {{ id: string }} }}");
        let _ = writeln!(s, "workflow flow_{i} {{\n  on Start{i}\n  timeout = 1h");
        if edited(i) {
            let _ = writeln!(s, "  check: call worker {{ id: ${{ .data.id }}, n: {i} }}");
            let _ = writeln!(s, "  note: set {{ step: \"note\" }}");
            let _ = writeln!(s, "  work: call worker {{ id: ${{ .data.id }} }} retry 3");
        } else {
            let _ = writeln!(s, "  work: call worker {{ id: ${{ .data.id }} }} retry 3");
            let _ = writeln!(s, "  note: set {{ step: \"note\" }}");
        }
        let _ = writeln!(s, "  emit Done {{ id: ${{ .data.id }} }}\n}}\n");
    }
    s
}

fn write_app(root: &Path, edited: &dyn Fn(usize) -> bool, skip: &dyn Fn(usize) -> bool) {
    let app = root.join("apps/big");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("air.toml"),
        "[app]\nname = \"big\"\nnamespace = \"big\"\n",
    )
    .unwrap();
    std::fs::write(
        app.join("common.air"),
        "event Done { data { id: string } }\nfunction worker { image = \"registry.example.com/worker:1.0.0\" }\n",
    )
    .unwrap();
    for f in 0..WORKFLOWS / PER_FILE {
        std::fs::write(
            app.join(format!("flows_{f:03}.air")),
            file(f * PER_FILE, edited, skip),
        )
        .unwrap();
    }
}

fn commit(repo: &Repository, msg: &str) -> String {
    let mut index = repo.index().unwrap();
    index
        .add_all(
            ["*"],
            air_reconciler::git::git2::IndexAddOption::DEFAULT,
            None,
        )
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("bench", "bench@example.com").unwrap();
    let parents: Vec<_> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<_> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
        .unwrap()
        .to_string()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    write_app(dir.path(), &|_| false, &|_| false);
    let base = commit(&repo, "base");
    // 40 workflows edited (a step added, steps reordered), 5 removed.
    write_app(dir.path(), &|i| i % 25 == 0 || i % 25 == 1, &|i| {
        i % 100 == 7
    });
    let head = commit(&repo, "head");
    let req = DiffRequest {
        base: Some(base),
        head: Some(head),
        path: String::new(),
        env: None,
    };
    let report = diff_repository(dir.path(), &req).unwrap();
    assert_eq!(report.apps.len(), 1);
    assert!(
        report.apps[0].workflows.len() >= 25,
        "{}",
        report.apps[0].workflows.len()
    );
    c.bench_function("diff_500_workflows_two_commits", |b| {
        b.iter(|| diff_repository(dir.path(), &req).unwrap())
    });
    c.bench_function("diff_500_workflows_markdown", |b| {
        b.iter(|| markdown::render(&report))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
