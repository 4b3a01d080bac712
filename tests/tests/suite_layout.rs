//! The layout of the integration tests: one test binary per crate
//! (`tests/main.rs`, cargo's testsuite pattern, with `autotests = false`),
//! so a test file that is not declared in its `main.rs` would silently
//! never run; and no test reaches into another folder with `#[path]` (the
//! shared harnesses are modules of the air-tests library).

use air_tests::repo_root;
use std::fs;
use std::path::Path;

const CRATES: [&str; 5] = ["cli", "engine", "reconciler", "tests", "tests/apiserver"];

#[test]
fn every_test_file_is_a_module_of_its_crates_suite() {
    let root = repo_root();
    let mut missing = Vec::new();
    for krate in CRATES {
        let dir = root.join(krate).join("tests");
        let main = fs::read_to_string(dir.join("main.rs")).unwrap_or_default();
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let is_rs = path.extension().is_some_and(|e| e == "rs");
            if is_rs && stem != "main" && !main.contains(&format!("mod {stem};")) {
                missing.push(format!("{krate}/tests/{stem}.rs"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "test files not declared in their crate's tests/main.rs (they would never run): {missing:?}"
    );
}

#[test]
fn no_test_includes_a_file_from_another_folder() {
    let root = repo_root();
    let mut offenders = Vec::new();
    for krate in [
        "cli",
        "compiler",
        "engine",
        "reconciler",
        "tests",
        "tests/apiserver",
    ] {
        for sub in ["tests", "benches", "examples", "src"] {
            scan(&root.join(krate).join(sub), &mut offenders);
        }
    }
    assert!(
        offenders.is_empty(),
        "`#[path]` reaching out of its folder (move the helper into the air-tests library): {offenders:?}"
    );
}

fn scan(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            scan(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            if text.contains("#[path = \"../") {
                out.push(path.display().to_string());
            }
        }
    }
}
