//! `air fmt`: rewrite `.air` files in the canonical layout.

use crate::cmd::fail;
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::SourceMap;
use std::io::Read;
use std::path::PathBuf;

mod walk;
mod write;

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
    let mut found = walk::Found::default();
    for p in &args.paths {
        if let Err(e) = walk::collect(p, &mut found) {
            return fail(&e);
        }
    }
    walk::dedup(&mut found.targets);
    for why in &found.skipped {
        eprintln!("note: skipped {why}");
    }
    let mut status = exit::OK;
    for target in &found.targets {
        let shown = target.shown.display();
        let (text, mode) = match write::read_regular(&target.real) {
            Ok(read) => read,
            Err(write::FileError::Skip(why)) => {
                eprintln!("note: skipped {shown}: {why}");
                continue;
            }
            Err(write::FileError::Io(e)) => return fail(&format!("{shown}: {e}")),
        };
        // A byte-order mark is not part of the text: the formatted file
        // has none (so a file with one is rewritten).
        let mut body = text.clone();
        air_compiler::source::strip_byte_order_mark(&mut body);
        let formatted = match format_or_report(&shown.to_string(), &body) {
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
            println!("would reformat {shown}");
            status = exit::FINDINGS;
        } else if let Err(e) = write::replace(&target.real, &formatted, mode) {
            return fail(&format!("{shown}: {e}"));
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
    air_compiler::source::strip_byte_order_mark(&mut text);
    match format_or_report("<stdin>", &text) {
        Some(f) => {
            print!("{f}");
            exit::OK
        }
        None => exit::FINDINGS,
    }
}
