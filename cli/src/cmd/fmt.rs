//! `air fmt`: rewrite `.air` files in the canonical layout.

use crate::cmd::fail;
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::SourceMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Format `.air` files in place (or check that they are formatted).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air fmt                 # every .air file below the current folder\n  air fmt --check apps/   # exit 1 and list files that would change\n  air fmt - < in.air      # stdin to stdout"
)]
pub struct Args {
    /// Files or folders (searched recursively for *.air); `-` reads stdin
    /// and writes the result to stdout.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; exit 1 and name the files that would change.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> u8 {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        return stdin_to_stdout();
    }
    let mut files = Vec::new();
    for p in &args.paths {
        if let Err(e) = collect(p, &mut files) {
            return fail(&e);
        }
    }
    files.sort();
    files.dedup();
    let mut status = exit::OK;
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => return fail(&format!("{}: {e}", file.display())),
        };
        let formatted = match format_or_report(&file.display().to_string(), &text) {
            Some(f) => f,
            None => {
                status = exit::FINDINGS;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            println!("would reformat {}", file.display());
            status = exit::FINDINGS;
        } else if let Err(e) = write_atomically(file, &formatted) {
            return fail(&format!("{}: {e}", file.display()));
        }
    }
    status
}

/// Format, or print the syntax errors and return `None`.
fn format_or_report(name: &str, text: &str) -> Option<String> {
    match air_compiler::fmt::format_source(text) {
        Ok(f) => Some(f),
        Err(diags) => {
            let mut map = SourceMap::new();
            map.add(name, text);
            print_all(diags.iter(), &map, Format::Human);
            None
        }
    }
}

fn stdin_to_stdout() -> u8 {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        return fail(&format!("stdin: {e}"));
    }
    match format_or_report("<stdin>", &text) {
        Some(f) => {
            print!("{f}");
            exit::OK
        }
        None => exit::FINDINGS,
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else if name.ends_with(".air") {
            out.push(p);
        }
    }
    Ok(())
}

/// Write beside the file then rename over it, so an interrupted run never
/// leaves a half-written source file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("air.fmt-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
