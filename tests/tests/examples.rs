//! The examples: each compiles with no warning, its `air build --stdout`
//! output is snapshotted, builds are byte-for-byte deterministic (also
//! when the files lie on disk in another order or under other names), and
//! .ci/run also runs the independent checker validate-manifests over them.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::build_support;

use air_compiler::Severity;
use air_tests::repo_root;
use build_support::{build_example, build_in, example_apps, rendered};
use std::path::{Path, PathBuf};

#[test]
fn examples_compile_without_warnings() {
    let mut failures = Vec::new();
    for app in example_apps() {
        let c = build_example(&app);
        let bad = rendered(&c, Severity::Warning);
        if !bad.is_empty() || c.output.is_none() {
            failures.push(format!("{app}:\n{bad}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_outputs_match_snapshots() {
    for app in example_apps() {
        let c = build_example(&app);
        let out = c
            .output
            .clone()
            .unwrap_or_else(|| panic!("{app}: {}", rendered(&c, Severity::Error)));
        insta::assert_snapshot!(format!("build__{}", app.replace('/', "__")), out.stream);
    }
}

#[test]
fn builds_are_deterministic() {
    for app in example_apps() {
        let a = build_example(&app).output.expect("builds");
        let b = build_example(&app).output.expect("builds");
        assert_eq!(a.stream, b.stream, "{app}");
        assert_eq!(a.files, b.files, "{app}");
    }
}

/// A scratch folder under the target dir, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copy an app folder, creating its files in reverse order and, with
/// `rename`, under names that sort the other way round.
fn copy_shuffled(from: &Path, to: &Path, rename: bool) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    entries.reverse();
    let n = entries.len();
    for (i, p) in entries.iter().enumerate() {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            copy_shuffled(p, &to.join(&name), rename);
        } else {
            let target = if rename && name.ends_with(".air") {
                format!("{:02}_{name}", n - i)
            } else {
                name
            };
            std::fs::copy(p, to.join(target)).unwrap();
        }
    }
}

/// `air.dev/source` names the file, so renamed files change only that.
fn without_sources(s: &str) -> String {
    s.lines()
        .filter(|l| !l.trim_start().starts_with("air.dev/source:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn file_order_and_names_on_disk_do_not_change_the_output() {
    for (i, app) in example_apps().into_iter().enumerate() {
        let original = build_example(&app).output.expect("builds");
        for rename in [false, true] {
            let root = scratch(&format!("shuffle-{i}-{rename}"));
            // Copy the whole examples tree so imports keep working.
            copy_shuffled(
                &repo_root().join("examples"),
                &root.join("examples"),
                rename,
            );
            let c = build_in(&root, &app, None);
            let copy = c
                .output
                .clone()
                .unwrap_or_else(|| panic!("{app}: {}", rendered(&c, Severity::Error)));
            if rename {
                assert_eq!(
                    without_sources(&copy.stream),
                    without_sources(&original.stream),
                    "{app}"
                );
            } else {
                assert_eq!(copy.stream, original.stream, "{app}");
                assert_eq!(copy.files, original.files, "{app}");
            }
        }
    }
}
