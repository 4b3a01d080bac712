//! PLACEHOLDER until `lower::sw` (branch `sw`) lands: a minimal Serverless
//! Workflow 1.0.3 document for one workflow, so the orchestration, the
//! ConfigMap and the tests have a real, schema-valid document to carry.
//! When merging, replace the one call in `lower.rs`
//! (`sw_placeholder::workflow_document`) with `sw::workflow_document` and
//! delete this file.

use crate::ast::WorkflowDecl;
use crate::model::{Program, kebab_case};
use serde_json::{Value, json};

pub fn workflow_document(program: &Program, app: usize, wf: &WorkflowDecl) -> Value {
    let namespace = program
        .apps
        .get(app)
        .map(|a| a.manifest.namespace.clone())
        .unwrap_or_default();
    let mut document = json!({
        "dsl": "1.0.3",
        "namespace": namespace,
        "name": kebab_case(&wf.name.name),
        "version": "0.1.0",
    });
    if let (Some(d), Value::Object(m)) = (&wf.doc, &mut document) {
        m.insert("summary".into(), json!(d.text));
    }
    json!({
        "document": document,
        "do": [ { "placeholder": { "set": { "placeholder": true } } } ],
    })
}
