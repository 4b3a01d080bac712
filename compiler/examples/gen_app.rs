//! Writes a generated app to disk, so that the `air` binary itself can be
//! measured on it (`/usr/bin/time -v air build DIR --stdout`,
//! docs/performance.md):
//!
//! ```sh
//! cargo run --release -p air-compiler --example gen_app -- files 1000 /tmp/app-1000
//! cargo run --release -p air-compiler --example gen_app -- single 1000 /tmp/one-1000
//! ```
//!
//! `files` is the build benchmark's app (`testgen::generate_files`: files of
//! 50 workflows beside `common.air`); `single` is one `app.air`
//! (`testgen::generate_app`). The folder must not exist yet, so nothing is
//! ever overwritten.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, n, dir] = args.as_slice() else {
        eprintln!("usage: gen_app (files|single) WORKFLOWS DIR");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("error: WORKFLOWS must be a number, not `{n}`");
        return ExitCode::from(2);
    };
    let files = match kind.as_str() {
        "files" => air_compiler::testgen::generate_files(n),
        "single" => vec![("app.air".to_owned(), air_compiler::testgen::generate_app(n))],
        other => {
            eprintln!("error: unknown kind `{other}` (expected `files` or `single`)");
            return ExitCode::from(2);
        }
    };
    match write_app(Path::new(dir), &files) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {dir}: {e}");
            ExitCode::from(2)
        }
    }
}

fn write_app(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    // `create_dir` (not `_all`) fails on an existing folder: never overwrite.
    std::fs::create_dir(dir)?;
    std::fs::write(dir.join("air.toml"), air_compiler::testgen::FILES_MANIFEST)?;
    for (path, text) in files {
        let path: PathBuf = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}
