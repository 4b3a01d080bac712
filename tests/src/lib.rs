//! Shared helpers for the end-to-end tests: locating the repository, and
//! the fixture format.
//!
//! Fixtures (see docs/testing.md):
//! - `tests/fixtures/err/<group>/<name>.air`: a one-file app (air.toml is
//!   `<name>.toml` beside it if present, else [`DEFAULT_MANIFEST`]); or
//!   `tests/fixtures/err/<group>/<name>/` with `app/` (the app) and any
//!   sibling apps it imports. Lines `// expect: E0402 @ 7` state the
//!   diagnostics that must appear (code and line in that file).
//! - `tests/fixtures/ok/...`: same shapes; must compile with no error and
//!   no warning except codes listed in `// allow: W0401, W0402`.

pub mod browser;
pub mod diff;
pub mod fixtures;
// Test support below: a failed unwrap is a failed test.
#[allow(clippy::unwrap_used)]
pub mod git;
pub mod k8s;
#[allow(clippy::unwrap_used)]
pub mod lsp_client;
pub mod proxy;
#[allow(clippy::unwrap_used)]
pub mod reconcile;
pub mod tools;

use std::path::PathBuf;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The official schemas and conformance kit the tests read, vendored in
/// tests/specs (Serverless Workflow 1.0.3, Knative CRDs; see each SOURCE.md).
pub fn specs_dir() -> PathBuf {
    repo_root().join("tests/specs")
}

/// The air.toml a one-file fixture gets unless it brings its own.
pub const DEFAULT_MANIFEST: &str = "[app]\nname = \"fixture\"\nnamespace = \"fixtures\"\n";

/// Every `.air` file below `dir`, recursively, sorted.
pub fn air_files(dir: &std::path::Path) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "air") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}
