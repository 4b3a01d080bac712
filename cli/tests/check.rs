//! `air check` as a user runs it: the real binary on fixture app folders,
//! exit codes and what it prints.

use air_compiler::Code;
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

fn air(args: &[&str], app: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_air"))
        .arg("check")
        .arg(fixture(app))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run air")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn clean_app_says_so() {
    let o = air(&[], "ok/resolve/imports/app");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("checked app `shop`: 1 file, no problems"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn errors_exit_1_with_code_and_location() {
    let o = air(&[], "err/imports/cycle3/app");
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains(Code::E0211.as_str()), "{e}");
    assert!(e.contains("import cycle:"), "{e}");
    assert!(e.contains("ledger/main.air:2:8"), "{e}");
    assert!(e.contains("could not compile: 1 error"), "{e}");
}

#[test]
fn unknown_env_is_an_error() {
    let o = air(&["--env", "prd"], "err/manifest/unknown_env/app");
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("unknown environment `prd`"), "{e}");
    assert!(e.contains("did you mean `prod`?"), "{e}");
    let o = air(&["--env", "prod"], "err/manifest/unknown_env/app");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn warnings_fail_only_when_denied() {
    let o = air(&[], "err/manifest/undeclared_param/app");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 warnings emitted"));
    let o = air(&["--deny-warnings"], "err/manifest/undeclared_param/app");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn json_output_lists_diagnostics() {
    let o = air(&["--format", "json"], "err/manifest/unknown_key/app");
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json on stdout");
    let codes: Vec<(&str, u64)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or(""),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![(Code::E0221.as_str(), 4), (Code::E0221.as_str(), 7)]
    );
}

#[test]
fn missing_folder_exits_2() {
    let o = air(&[], "no/such/app");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a folder"));
}
