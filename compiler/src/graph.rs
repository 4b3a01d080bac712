//! Workflow control-flow graphs and the app's event graph (petgraph), the
//! checks over them (E04xx, W04xx) and their renderings (dot, mermaid,
//! svg). See docs/graphs.md.
//!
//! - [`cfg::build`] turns a workflow into a [`Cfg`]; [`flow::check_cfg`]
//!   checks it (jumps, unreachable steps, dead code, cycles that never
//!   finish).
//! - [`events::event_graph`] builds the app's [`EventGraph`];
//!   [`events::check_events`] checks it (`run` cycles, event loops,
//!   unmatched events).
//! - [`render`](mod@render) draws either as Graphviz dot, Mermaid or SVG (laid out by
//!   [`layout`], no Graphviz needed).

pub(crate) mod analysis;
pub(crate) mod cfg;
pub(crate) mod drawing;
pub(crate) mod events;
pub(crate) mod flow;
pub(crate) mod layout;
pub mod render;
pub mod svg;

pub use cfg::{Cfg, EdgeKind, NodeKind};
pub use drawing::Drawing;
pub use events::{EventGraph, event_graph};
pub use render::{Format, cfg_drawing, event_drawing, render};

use crate::diagnostic::Diagnostics;
use crate::memo::{WorkflowKey, WorkflowMemo};
use crate::model::Program;
use crate::source::SourceMap;

/// The control-flow graph of a workflow.
pub fn workflow_graph(workflow: &crate::ast::WorkflowDecl) -> Cfg {
    cfg::build(workflow)
}

/// Every graph check over the root app of a resolved program: per
/// workflow (jumps, reachability, cycles) and across the app (`run`
/// cycles, event loops, unmatched events). Findings are pushed sorted by
/// position.
pub(crate) fn check_graphs(
    program: &Program,
    sources: &SourceMap,
    memo: Option<&WorkflowMemo>,
    diags: &mut Diagnostics,
) {
    let Some(app) = program.root() else {
        return;
    };
    // Each workflow's graph is its own: checked in parallel; the findings
    // are sorted below, so their order does not depend on scheduling.
    let workflows: Vec<_> = app.workflows().collect();
    let work = app.workflow_bytes();
    let mut found: Vec<_> = crate::par::map(&workflows, work, |wf| {
        let compute = || flow::check_cfg(&cfg::build(wf));
        match memo {
            Some(m) => m.graph(WorkflowKey::of(wf, sources), compute),
            None => compute(),
        }
    })
    .into_iter()
    .flatten()
    .collect();
    found.extend(events::check_events(&event_graph(program, 0)));
    found.sort_by_key(|d| (d.primary_span(), d.code));
    diags.extend(found);
}

#[cfg(test)]
mod tests;
