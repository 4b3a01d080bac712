//! Stage 3: types, jq, values, Knative limits and graphs.

use crate::codes::CodeInfo;
use crate::diagnostic::Diagnostics;
use crate::model::Program;
use crate::source::SourceMap;

pub const CODES: &[CodeInfo] = &[];

/// Run every check over a resolved program.
pub fn check(program: &Program, sources: &SourceMap, diags: &mut Diagnostics) {
    let _ = sources;
    crate::graph::check_graphs(program, diags);
}
