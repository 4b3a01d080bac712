//! Stage 2: load the app (and its imports) through the provider, read
//! air.toml, parse every file, resolve names, params and the environment.
//!
//! Sub-modules, in the order they run:
//! - [`load`]: app folders, air.toml, parsing, imports (paths, cycles);
//! - [`symbols`]: the per-app symbol table (duplicates, kebab-case
//!   collisions, Kubernetes name lengths, keywords);
//! - [`refs`]: every name used (types, events, errors, calls, runs,
//!   params, `alias.Name`), settings of each declaration, step labels;
//!   the names in `test` blocks (which never count as uses);
//! - [`params`]: compile-time values of `param`s and their types;
//! - unused declarations (warnings), from what [`refs`] saw used.

mod load;
mod params;
mod refs;
mod settings;
mod symbols;

/// The built-in error types `catch` (and a test's `fails`) can name
/// without a declaration; the language server completes them.
pub use refs::BUILTIN_ERRORS;

use crate::diagnostic::Diagnostics;
use crate::model::Program;
use crate::source::{CompileOptions, SourceMap, SourceProvider};

/// The settings a `function`, `service` or `workflow` accepts (with `on`
/// and `input` where allowed), for editors' completion lists; empty for
/// any other word.
pub fn setting_names(decl: &str) -> Vec<&'static str> {
    match decl {
        "function" => settings::known(&settings::FUNCTION),
        "service" => settings::known(&settings::SERVICE),
        "workflow" => settings::known(&settings::WORKFLOW),
        _ => Vec::new(),
    }
}

/// Load, parse and resolve the app `opts.app_dir` and everything it
/// imports. `None` when nothing could be loaded at all.
pub fn resolve(
    provider: &dyn SourceProvider,
    opts: &CompileOptions,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Program> {
    let loaded = load::load_program(provider, opts, sources, diags)?;
    let mut program = loaded.program;
    if loaded.syntax_errors {
        // Names in a file that did not parse are half-read: checking them
        // would mostly report the syntax error again in other words. Fill
        // the symbol tables (for tools) and stop, as between stages.
        let mut ignored = Diagnostics::new();
        for app in &mut program.apps {
            symbols::build(app, &mut ignored);
        }
        return Some(program);
    }
    for app in &mut program.apps {
        symbols::build(app, diags);
    }
    let used = refs::check_program(&program, diags);
    for (i, toml_params) in loaded.toml_params.iter().enumerate() {
        let values = params::evaluate(&program, i, toml_params, i == 0, diags);
        if let Some(app) = program.apps.get_mut(i) {
            app.params = values;
        }
    }
    // With errors, "never used" is mostly noise (a misspelt `call` makes
    // its target look unused); report it once the app resolves.
    if !diags.has_errors()
        && let Some(root) = program.apps.first()
    {
        refs::report_unused(root, 0, &used, diags);
    }
    Some(program)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod load_tests;
