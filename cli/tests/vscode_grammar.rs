//! The VS Code TextMate grammar (editors/vscode/syntaxes) on every example,
//! the `air init` templates and a sample, through the engine VS Code uses
//! (vscode-textmate + vscode-oniguruma, installed by `npm ci` in
//! editors/vscode; .ci/run does it): every character gets a token class
//! and every token class of the grammar appears.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn grammar_colours_every_example() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let dir = root.join("editors/vscode");
    if !air_tests::tools::require("node", "nodejs") {
        return;
    }
    if !dir.join("node_modules/vscode-textmate").is_dir() {
        air_tests::tools::missing(
            "editors/vscode/node_modules is missing (run `npm ci` in editors/vscode)",
        );
        return;
    }
    let out = Command::new("node")
        .arg(dir.join("test/grammar.js"))
        .arg(&root)
        .output()
        .expect("run node");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    assert!(report.contains("2 passed, 0 failed"), "{report}");
}
