//! `air check`: parse, resolve and check an app; print diagnostics.

use crate::cmd::{fail, local_app};
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::{CompileOptions, Severity};
use std::path::PathBuf;

/// Check an app for mistakes without writing anything.
///
/// Example: `air check examples/shop --env prod`
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air check\n  air check examples/shop --env prod --deny-warnings\n  air check . --format json"
)]
pub struct Args {
    /// The app folder (holding air.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Environment overlay from air.toml (`[env.NAME]`).
    #[arg(long)]
    pub env: Option<String>,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Repository root (default: nearest folder with .git, else the app's parent).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let app = match local_app(&args.path, args.root.as_ref()) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let opts = CompileOptions {
        app_dir: app.dir,
        env: args.env,
    };
    let c = air_compiler::compile::check(&app.provider, &opts);
    print_all(c.diagnostics.iter(), &c.sources, args.format);
    let errors = c.diagnostics.count(Severity::Error);
    let warnings = c.diagnostics.count(Severity::Warning);
    if c.program.is_none() && errors == 0 {
        return fail("nothing to check");
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
