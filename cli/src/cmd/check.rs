//! `air check`: parse, resolve and check an app; print diagnostics.

use crate::cmd::fail;
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::Severity;

/// Check an app for mistakes without writing anything.
///
/// Example: `air check examples/shop --env prod`
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air check\n  air check examples/shop --env prod --deny-warnings\n  air check . --format json"
)]
pub struct Args {
    #[command(flatten)]
    pub app: crate::cmd::AppArgs,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> u8 {
    let (provider, opts) = match args.app.options() {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let c = air_compiler::compile::check(&provider, &opts);
    print_all(c.diagnostics.iter(), &c.sources, args.format);
    let errors = c.diagnostics.count(Severity::Error);
    let warnings = c.diagnostics.count(Severity::Warning);
    if c.program.is_none() && errors == 0 {
        return fail("nothing to check");
    }
    if errors + warnings == 0 && args.format == Format::Human {
        eprintln!("{}", clean_summary(&c));
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// The closing line of a check without errors, so a clean run says what it
/// looked at: `checked app `shop` (env prod): 3 files, no problems`.
/// (With warnings, the renderer's "N warnings emitted" closes the output.)
fn clean_summary(c: &air_compiler::Compilation) -> String {
    let Some(root) = c.program.as_ref().and_then(|p| p.root()) else {
        return String::new();
    };
    let files = root.files.len();
    let env = match &root.manifest.env {
        Some(e) => format!(" (env {e})"),
        None => String::new(),
    };
    let files = if files == 1 {
        "1 file".to_string()
    } else {
        format!("{files} files")
    };
    format!(
        "checked app `{}`{env}: {files}, no problems",
        root.manifest.name
    )
}
