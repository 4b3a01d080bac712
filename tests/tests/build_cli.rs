//! `air build -o DIR`: the folder is replaced as a whole, a folder air did
//! not write is refused unless `--force`, and a broken app writes nothing.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_cli::cmd::build::{Args, run, write_folder};
use air_compiler::emit::BuildOutput;
use air_tests::repo_root;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-scratch/build-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn args(path: PathBuf, out: PathBuf, force: bool) -> Args {
    Args {
        app: air_cli::cmd::AppArgs {
            root: Some(repo_root()),
            ..air_cli::cmd::AppArgs::at(path)
        },
        out: Some(out),
        stdout: false,
        force,
    }
}

fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(
                tree(&p)
                    .into_iter()
                    .map(|f| format!("{}/{f}", e.file_name().to_string_lossy())),
            );
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn output_folder_is_replaced_as_a_whole() {
    let dir = scratch("replace");
    let out = dir.join("out");
    let app = repo_root().join("examples/image-resize");
    assert_eq!(run(args(app.clone(), out.clone(), false)), 0);
    let first = tree(&out);
    assert!(
        first.contains(&"kustomization.yaml".to_string()),
        "{first:?}"
    );
    assert!(first.contains(&"catalog.json".to_string()), "{first:?}");
    assert!(first.iter().any(|f| f.starts_with("service/")), "{first:?}");
    assert!(
        first
            .iter()
            .any(|f| f.starts_with("workflows/") && f.ends_with(".sw.yaml")),
        "{first:?}"
    );
    // A stray file disappears on the next build; the rest is identical.
    std::fs::write(out.join("service/stray.yaml"), "x").unwrap();
    assert_eq!(run(args(app, out.clone(), false)), 0);
    assert_eq!(tree(&out), first);
    // No temporary folders are left beside it.
    let siblings: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(siblings, vec!["out".to_string()]);
}

#[test]
fn a_foreign_folder_is_refused_unless_forced() {
    let dir = scratch("foreign");
    let out = dir.join("manifests");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("precious.yaml"), "keep: me\n").unwrap();
    let app = repo_root().join("examples/image-resize");
    assert_eq!(run(args(app.clone(), out.clone(), false)), 2);
    assert!(out.join("precious.yaml").exists());
    assert_eq!(run(args(app, out.clone(), true)), 0);
    assert!(!out.join("precious.yaml").exists());
    assert!(out.join("kustomization.yaml").exists());
}

#[test]
fn an_app_with_errors_writes_nothing() {
    let dir = scratch("broken");
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("air.toml"),
        "[app]\nname = \"broken\"\nnamespace = \"x\"\n",
    )
    .unwrap();
    std::fs::write(app.join("main.air"), "workflow w { call nowhere }\n").unwrap();
    let out = dir.join("out");
    let mut a = args(app, out.clone(), false);
    a.app.root = Some(dir.clone());
    assert_eq!(run(a), 1);
    assert!(!out.exists());
}

#[test]
fn writing_an_empty_output_still_makes_the_folder() {
    let dir = scratch("empty");
    let out = dir.join("o");
    write_folder(&out, &BuildOutput::default(), false).unwrap();
    assert!(out.is_dir());
}
