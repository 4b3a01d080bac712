//! Names of steps. A labelled step is named by its label, verbatim. An
//! unlabelled step gets `<keyword>_<target>_<n>` (`call_inventory_1`,
//! `emit_order_confirmed_2`, `if_1`): the n-th step of that keyword and
//! target in the workflow, counted in source order. Editing an unrelated
//! step elsewhere in the file does not change the name; only adding or
//! removing a step of the same keyword and target before it does.
//!
//! The graph renderings, the lowering and `air diff` all use this module,
//! so a step has one name everywhere.

use crate::ast::{Block, Step, StepKind, WorkflowDecl};
use crate::model::snake_case;
use crate::span::Span;
use std::collections::HashMap;

/// Step names of one workflow, keyed by the step's span.
#[derive(Clone, Debug, Default)]
pub struct StepNames {
    names: HashMap<Span, String>,
}

impl StepNames {
    pub fn of(workflow: &WorkflowDecl) -> StepNames {
        let mut counters: HashMap<String, usize> = HashMap::new();
        let mut names = HashMap::new();
        walk(&workflow.body, &mut counters, &mut names);
        StepNames { names }
    }

    /// The name of a step of this workflow (its label, or the generated one).
    pub fn get(&self, step: &Step) -> String {
        match &step.label {
            Some(l) => l.name.clone(),
            None => self
                .names
                .get(&step.span)
                .cloned()
                .unwrap_or_else(|| base_name(step)),
        }
    }
}

fn walk(block: &Block, counters: &mut HashMap<String, usize>, names: &mut HashMap<Span, String>) {
    for step in &block.steps {
        if step.label.is_none() {
            let base = base_name(step);
            // Only counts are kept, so the map's order does not matter.
            let n = match counters.get_mut(&base) {
                Some(n) => {
                    *n += 1;
                    *n
                }
                None => {
                    counters.insert(base.clone(), 1);
                    1
                }
            };
            names.insert(step.span, format!("{base}_{n}"));
        }
        for child in child_blocks(&step.kind) {
            walk(child, counters, names);
        }
    }
}

/// `call_inventory`, `emit_order_confirmed`, `wait_for_payment_settled`,
/// `if`, `parallel`, …
pub fn base_name(step: &Step) -> String {
    let kw = step.kind.keyword();
    match &step.kind {
        StepKind::Call { target, .. } => format!("{kw}_{}", snake_case(&target.name.name)),
        StepKind::Run { workflow, .. } => format!("{kw}_{}", snake_case(&workflow.name)),
        StepKind::Emit { event, .. } => format!("{kw}_{}", snake_case(&event.name.name)),
        StepKind::WaitFor { events, .. } => match events.first() {
            Some(e) => format!("wait_for_{}", snake_case(&e.name.name)),
            None => "wait_for".to_string(),
        },
        StepKind::Fail { error, .. } => format!("{kw}_{}", snake_case(&error.name.name)),
        StepKind::For { item, .. } => format!("for_{}", snake_case(&item.name)),
        _ => kw.to_string(),
    }
}

/// The nested blocks of a step, in source order.
pub fn child_blocks(kind: &StepKind) -> Vec<&Block> {
    match kind {
        StepKind::If {
            branches,
            otherwise,
        } => {
            let mut v: Vec<&Block> = branches.iter().map(|(_, b)| b).collect();
            v.extend(otherwise.iter());
            v
        }
        StepKind::Parallel { branches, .. } => branches.iter().map(|b| &b.body).collect(),
        StepKind::For { body, .. } => vec![body],
        StepKind::Try { body, catch } => vec![body, &catch.body],
        _ => Vec::new(),
    }
}
