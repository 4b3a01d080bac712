//! `air explain CODE`: the long explanation of a diagnostic code, from
//! docs/diagnostics/CODE.md (embedded at build time).

use crate::exit;

include!(concat!(env!("OUT_DIR"), "/explain_pages.rs"));

/// Explain a diagnostic code, with an example and the fix.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  air explain E0402\n  air explain --list")]
pub struct Args {
    /// The code, e.g. E0402 (case-insensitive).
    pub code: Option<String>,
    /// List every code with its title.
    #[arg(long)]
    pub list: bool,
}

/// The page for a code, if one exists.
pub fn page(code: &str) -> Option<&'static str> {
    PAGES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, text)| *text)
}

pub fn run(args: Args) -> u8 {
    if args.list {
        for c in air_compiler::Code::ALL {
            println!("{c}  {}", c.title());
        }
        return exit::OK;
    }
    let Some(code) = args.code else {
        return crate::cmd::fail("name a code, e.g. `air explain E0402`, or use --list");
    };
    match page(&code) {
        Some(text) => {
            print!("{text}");
            exit::OK
        }
        None => {
            let codes: Vec<&str> = PAGES.iter().map(|(c, _)| *c).collect();
            let upper = code.to_uppercase();
            let hint = air_compiler::diagnostic::suggest(&upper, codes)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            crate::cmd::fail(&format!(
                "no diagnostic code `{code}`{hint}; `air explain --list` shows them all"
            ))
        }
    }
}
