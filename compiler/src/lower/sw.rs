//! One workflow → its Serverless Workflow 1.0.3 document (as JSON, keys in
//! the DSL's natural order: `document`, `use`, `do`, `timeout`, `output`).
//!
//! The encoding of every construct is described in
//! docs/serverless-workflow.md. The central choice is the data model: in
//! `.air`, `.` is always the workflow's input and labelled step results
//! live in `$context.<label>`; Serverless Workflow instead pipes each
//! task's output into the next task. So every task that evaluates
//! expressions reads `input.from: ${ $workflow.input }`, labelled tasks
//! merge their result into the context with `export.as`, and the
//! workflow's `output.as` yields the context (or the value of a `return`).

mod errors;
mod tasks;
pub(crate) mod values;

use crate::ast::{self, Member, ValueKind, WorkflowDecl};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::emit::tree::{Node, NodeMap};
use crate::model::{AppUnit, Program, kebab_case};
use crate::naming::StepNames;
use crate::node;
pub(crate) use values::Values;

pub use errors::{STANDARD_ERRORS, standard_error};
pub use tasks::{function_url, join_path};

/// The Serverless Workflow DSL version air emits.
pub(crate) const DSL_VERSION: &str = "1.0.3";
/// Version of a workflow without a `version` setting.
pub(crate) const DEFAULT_VERSION: &str = "0.1.0";
/// Key under which a `return` step hands its value to the workflow output.
pub(crate) const RETURN_KEY: &str = "air.dev/return";

/// The Serverless Workflow document of workflow `wf`, declared in app
/// `app` of `program`. Errors are constructs the document cannot carry
/// (the E055x codes of [`crate::codes::Code`]); on error nothing is returned.
pub fn workflow_document(
    program: &Program,
    app: usize,
    wf: &WorkflowDecl,
) -> Result<serde_json::Value, Vec<Diagnostic>> {
    workflow_tree(program, app, wf).map(|doc| doc.to_json())
}

/// [`workflow_document`] as a tree (what `air build` prints).
pub(crate) fn workflow_tree(
    program: &Program,
    app: usize,
    wf: &WorkflowDecl,
) -> Result<Node, Vec<Diagnostic>> {
    let Some(unit) = program.apps.get(app) else {
        return Err(vec![
            Diagnostic::error(
                Code::E0550,
                format!("app #{app} is not part of the program"),
            )
            .with_primary(wf.span, "workflow lowered against a missing app"),
        ]);
    };
    let mut lw = Lowerer {
        program,
        app,
        unit,
        wf,
        doc_name: kebab_case(&wf.name.name),
        names: StepNames::of(wf),
        values: Values { app: unit },
        errors: errors::UseErrors::default(),
        diags: Vec::new(),
        has_return: false,
        loop_exit: None,
        in_branch: false,
    };
    let doc = lw.document();
    if lw.diags.is_empty() {
        Ok(doc)
    } else {
        Err(lw.diags)
    }
}

/// The workflow's `version` setting (default [`DEFAULT_VERSION`]).
pub(crate) fn workflow_version(wf: &WorkflowDecl) -> Option<String> {
    wf.members.iter().find_map(|m| match m {
        Member::Assign(a) if a.key.name == "version" => match &a.value.kind {
            ValueKind::Str(s) => Some(s.value.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// State of one workflow's lowering.
pub(crate) struct Lowerer<'a> {
    pub program: &'a Program,
    pub app: usize,
    pub unit: &'a AppUnit,
    pub wf: &'a WorkflowDecl,
    /// `document.name`: the kebab-case workflow name.
    pub doc_name: String,
    pub names: StepNames,
    pub values: Values<'a>,
    pub errors: errors::UseErrors,
    pub diags: Vec<Diagnostic>,
    /// A `return` step exists: the workflow output unwraps its value.
    pub has_return: bool,
    /// Set for each step written directly in a `for` body that some step
    /// leaves with `then exit`: the `for` step's name (see tasks.rs).
    pub loop_exit: Option<String>,
    /// Set for each step written directly in a fork branch that adds to
    /// the context: the step is threaded (see tasks.rs, `branch_step`).
    pub in_branch: bool,
}

impl Lowerer<'_> {
    fn document(&mut self) -> Node {
        let mut root = NodeMap::new();
        root.insert("document", self.header());
        // A `where` that no Trigger can apply is applied here, first.
        let mut tasks: Vec<Node> =
            crate::lower::routes::guard_condition(self.program, self.app, self.wf)
                .map(|cond| self.guard(&cond))
                .into_iter()
                .collect();
        tasks.extend(self.block(&self.wf.body));
        if !self.errors.is_empty() {
            root.insert("use", node! { "errors" => self.errors.to_node() });
        }
        root.insert("do", Node::Seq(tasks));
        if let Some(d) = self.setting("timeout").and_then(|v| match &v.kind {
            ValueKind::Duration(d) => Some(d.iso8601()),
            _ => None,
        }) {
            root.insert("timeout", node! { "after" => d });
        }
        // Without `return`, the output is the context; a `return` step's
        // output carries its value under RETURN_KEY (see tasks.rs).
        let output = if self.has_return {
            format!(
                "${{ if (type == \"object\" and has(\"{RETURN_KEY}\")) then .[\"{RETURN_KEY}\"] else $context end }}"
            )
        } else {
            "${ $context }".to_string()
        };
        root.insert("output", node! { "as" => output });
        Node::Map(root)
    }

    fn header(&mut self) -> Node {
        let mut doc = NodeMap::new();
        doc.insert("dsl", Node::from(DSL_VERSION));
        doc.insert("namespace", self.unit.manifest.namespace.clone());
        doc.insert("name", self.doc_name.clone());
        let version = match self.setting("version") {
            Some(v) => match self.values.string(v) {
                Ok(s) if is_semver(&s) => s,
                Ok(s) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::E0555,
                            format!("workflow version `{s}` is not a semantic version"),
                        )
                        .with_primary(v.span, "Serverless Workflow requires MAJOR.MINOR.PATCH")
                        .with_help("write it like \"1.2.0\""),
                    );
                    s
                }
                Err(d) => {
                    self.diags.push(d);
                    String::new()
                }
            },
            None => DEFAULT_VERSION.to_string(),
        };
        doc.insert("version", Node::from(version));
        if let Some(d) = &self.wf.doc {
            doc.insert("summary", d.text.clone());
        }
        let mut tags = NodeMap::new();
        tags.insert("air.dev/app", self.unit.manifest.name.clone());
        for m in &self.wf.members {
            if let Member::Block(b) = m
                && b.key.name == "tags"
            {
                for e in &b.entries {
                    match self.values.json(&e.value) {
                        Ok(v) => {
                            tags.insert(e.key.name.clone(), v);
                        }
                        Err(d) => self.diags.push(d),
                    }
                }
            }
        }
        doc.insert("tags", Node::Map(tags));
        Node::Map(doc)
    }

    /// A `key = value` setting of the workflow.
    fn setting(&self, key: &str) -> Option<&ast::Value> {
        self.wf.members.iter().find_map(|m| match m {
            Member::Assign(a) if a.key.name == key => Some(&a.value),
            _ => None,
        })
    }
}

/// `MAJOR.MINOR.PATCH[-pre][+build]` as the schema's pattern wants it.
fn is_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}
