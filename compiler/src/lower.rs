//! Stage 4: resolved program → target objects (Serverless Workflow
//! documents, Knative manifests, catalog), still as JSON values.

use crate::codes::CodeInfo;
use crate::diagnostic::Diagnostics;
use crate::model::Program;
use crate::source::SourceMap;

pub mod sw;

pub const CODES: &[CodeInfo] = &[];

/// The lowered app: every object air emits, as data.
#[derive(Clone, Debug, Default)]
pub struct Lowered {
    pub objects: Vec<serde_json::Value>,
}

pub fn lower(program: &Program, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Lowered> {
    let _ = (program, sources, diags);
    Some(Lowered::default())
}
