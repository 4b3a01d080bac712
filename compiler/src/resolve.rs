//! Stage 2: load the app (and its imports) through the provider, read
//! air.toml, parse every file, resolve names, params and the environment.

use crate::codes::CodeInfo;
use crate::compile::CompileOptions;
use crate::diagnostic::Diagnostics;
use crate::model::Program;
use crate::source::{SourceMap, SourceProvider};

pub const CODES: &[CodeInfo] = &[];

/// Load, parse and resolve the app `opts.app_dir` and everything it
/// imports. `None` when nothing could be loaded at all.
pub fn resolve(
    provider: &dyn SourceProvider,
    opts: &CompileOptions,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Program> {
    let _ = (provider, opts, sources, diags);
    None
}
