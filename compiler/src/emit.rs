//! Stage 5: lowered objects → deterministic bytes (YAML files, a
//! kustomization, the YAML stream, catalog.json).

use crate::lower::Lowered;

/// The files of `air build -o DIR`, path → bytes, in a stable order.
#[derive(Clone, Debug, Default)]
pub struct BuildOutput {
    pub files: Vec<(String, String)>,
}

pub fn emit(lowered: &Lowered) -> BuildOutput {
    let _ = lowered;
    BuildOutput::default()
}
