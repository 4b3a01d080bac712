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

use crate::codes::CodeInfo;
use crate::compile::CompileOptions;
use crate::diagnostic::Diagnostics;
use crate::model::Program;
use crate::source::{SourceMap, SourceProvider};

pub const E_NO_MANIFEST: &str = "E0200";
pub const E_UNKNOWN_NAME: &str = "E0201";
pub const E_DUPLICATE: &str = "E0202";
pub const E_KEBAB_COLLISION: &str = "E0203";
pub const E_NAME_TOO_LONG: &str = "E0204";
pub const E_KEYWORD: &str = "E0205";
pub const E_UNKNOWN_ALIAS: &str = "E0206";
pub const E_NOT_IN_IMPORT: &str = "E0207";
pub const E_NOT_IMPORTABLE: &str = "E0208";
pub const E_IMPORT_ESCAPES: &str = "E0209";
pub const E_IMPORT_MISSING: &str = "E0210";
pub const E_IMPORT_CYCLE: &str = "E0211";
pub const E_DUPLICATE_LABEL: &str = "E0212";
pub const E_UNKNOWN_SETTING: &str = "E0213";
pub const E_MISSING_SETTING: &str = "E0214";
pub const E_SECRET_OUTSIDE: &str = "E0215";
pub const E_DUPLICATE_SETTING: &str = "E0216";
pub const E_FUNCTION_TRIGGER: &str = "E0217";
pub const E_SETTING_FORM: &str = "E0218";
pub const E_LOAD: &str = "E0219";
pub const E_PARAM_NO_VALUE: &str = "E0226";
pub const E_PARAM_TYPE: &str = "E0227";
pub const E_PARAM_NOT_CONST: &str = "E0228";
pub const E_DUPLICATE_TEST: &str = "E0229";
pub const E_TEST_CALL_FORM: &str = "E0230";
pub const E_TICK_UNSCHEDULED: &str = "E0231";
pub const W_UNUSED: &str = "W0201";
pub const W_UNDECLARED_PARAM: &str = "W0202";

pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: E_NO_MANIFEST,
        title: "app folder without air.toml",
    },
    CodeInfo {
        code: E_UNKNOWN_NAME,
        title: "unknown name",
    },
    CodeInfo {
        code: E_DUPLICATE,
        title: "duplicate declaration",
    },
    CodeInfo {
        code: E_KEBAB_COLLISION,
        title: "two declarations derive the same Kubernetes name",
    },
    CodeInfo {
        code: E_NAME_TOO_LONG,
        title: "derived Kubernetes name too long",
    },
    CodeInfo {
        code: E_KEYWORD,
        title: "keyword used as a name",
    },
    CodeInfo {
        code: E_UNKNOWN_ALIAS,
        title: "unknown import alias",
    },
    CodeInfo {
        code: E_NOT_IN_IMPORT,
        title: "name not found in the imported app",
    },
    CodeInfo {
        code: E_NOT_IMPORTABLE,
        title: "declaration kind cannot be imported",
    },
    CodeInfo {
        code: E_IMPORT_ESCAPES,
        title: "import path leaves the repository",
    },
    CodeInfo {
        code: E_IMPORT_MISSING,
        title: "imported app folder not found",
    },
    CodeInfo {
        code: E_IMPORT_CYCLE,
        title: "import cycle",
    },
    CodeInfo {
        code: E_DUPLICATE_LABEL,
        title: "duplicate step label or branch name",
    },
    CodeInfo {
        code: E_UNKNOWN_SETTING,
        title: "unknown setting",
    },
    CodeInfo {
        code: E_MISSING_SETTING,
        title: "required setting missing",
    },
    CodeInfo {
        code: E_SECRET_OUTSIDE,
        title: "secret(..) outside secret_env",
    },
    CodeInfo {
        code: E_DUPLICATE_SETTING,
        title: "setting given twice",
    },
    CodeInfo {
        code: E_FUNCTION_TRIGGER,
        title: "function triggered by something other than an event",
    },
    CodeInfo {
        code: E_SETTING_FORM,
        title: "setting written in the wrong form",
    },
    CodeInfo {
        code: E_LOAD,
        title: "app folder could not be read",
    },
    CodeInfo {
        code: crate::manifest::E_SYNTAX,
        title: "air.toml is not valid TOML",
    },
    CodeInfo {
        code: crate::manifest::E_UNKNOWN_KEY,
        title: "unknown key in air.toml",
    },
    CodeInfo {
        code: crate::manifest::E_WRONG_TYPE,
        title: "air.toml value of the wrong type",
    },
    CodeInfo {
        code: crate::manifest::E_MISSING_KEY,
        title: "required air.toml key missing",
    },
    CodeInfo {
        code: crate::manifest::E_BAD_VALUE,
        title: "invalid air.toml value",
    },
    CodeInfo {
        code: crate::manifest::E_UNKNOWN_ENV,
        title: "unknown environment",
    },
    CodeInfo {
        code: E_PARAM_NO_VALUE,
        title: "param without a value",
    },
    CodeInfo {
        code: E_PARAM_TYPE,
        title: "param value of the wrong type",
    },
    CodeInfo {
        code: E_PARAM_NOT_CONST,
        title: "param default is not a compile-time value",
    },
    CodeInfo {
        code: E_DUPLICATE_TEST,
        title: "two tests of one app have the same name",
    },
    CodeInfo {
        code: E_TEST_CALL_FORM,
        title: "a test's `call` has the wrong form for its target (method and path on a function, or none on a service)",
    },
    CodeInfo {
        code: E_TICK_UNSCHEDULED,
        title: "`tick` of a workflow without a schedule",
    },
    CodeInfo {
        code: W_UNUSED,
        title: "unused declaration",
    },
    CodeInfo {
        code: W_UNDECLARED_PARAM,
        title: "air.toml sets a param no `param` declares",
    },
];

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
