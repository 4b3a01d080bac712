//! A workflow's steps and transitions, from the compiler's control-flow
//! graph ([`air_compiler::graph::workflow_graph`], step names from
//! [`air_compiler::naming::StepNames`]), so the diff speaks of the same
//! names and edges as the emitted document and `air graph`; plus its
//! triggers and the events it consumes and produces, from the syntax tree.

use air_compiler::ast::{Block, Member, StepKind, TriggerKind, WorkflowDecl};
use air_compiler::graph::EdgeKind;
use air_compiler::naming::child_blocks;
use petgraph::visit::EdgeRef as _;
use serde::Serialize;

pub const START: &str = "start";

/// One step of a workflow graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepNode {
    pub name: String,
    /// The step's keyword (`call`, `if`, …).
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    /// Why the edge is taken (`then`, a branch name, `catch`, `loop`…);
    /// empty for plain sequence.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
}

impl Transition {
    pub fn display(&self) -> String {
        if self.label.is_empty() {
            format!("{} → {}", self.from, self.to)
        } else {
            format!("{} → {} ({})", self.from, self.to, self.label)
        }
    }
}

/// The graph of one workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    pub steps: Vec<StepNode>,
    pub transitions: Vec<Transition>,
}

impl Flow {
    pub fn step_names(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.name.clone()).collect()
    }
}

/// What `air diff` compares of a workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkflowFacts {
    pub flow: Flow,
    /// `event OrderCreated`, `schedule "0 2 * * *" tz "Europe/Berlin"`, `http`.
    pub triggers: Vec<String>,
    /// Events that start the workflow or that it waits for.
    pub consumes: Vec<String>,
    /// Events it emits.
    pub produces: Vec<String>,
}

pub fn facts(w: &WorkflowDecl) -> WorkflowFacts {
    let mut consumes = Vec::new();
    let mut produces = Vec::new();
    let mut triggers = Vec::new();
    for m in &w.members {
        if let Member::On(t) = m {
            match &t.kind {
                TriggerKind::Event { event, filter } => {
                    let mut s = format!("event {}", event.display());
                    if let Some(f) = filter {
                        s.push_str(&format!(" where ${{{}}}", f.source));
                    }
                    triggers.push(s);
                    push_unique(&mut consumes, event.display());
                }
                TriggerKind::Schedule { cron, tz } => {
                    let mut s = format!("schedule \"{}\"", cron.value);
                    if let Some(tz) = tz {
                        s.push_str(&format!(" tz \"{}\"", tz.value));
                    }
                    triggers.push(s);
                }
                TriggerKind::Http => triggers.push("http".to_string()),
            }
        }
    }
    events(&w.body, &mut consumes, &mut produces);
    WorkflowFacts {
        flow: flow_of(w),
        triggers,
        consumes,
        produces,
    }
}

/// Steps and transitions from the compiler's control-flow graph, so the
/// diff and `air graph` draw the same edges.
fn flow_of(w: &WorkflowDecl) -> Flow {
    let cfg = air_compiler::graph::workflow_graph(w);
    let g = &cfg.graph;
    let steps = cfg
        .steps()
        .into_iter()
        .map(|n| StepNode {
            name: g[n].name.clone(),
            kind: g[n].keyword.to_string(),
        })
        .collect();
    let mut transitions = Vec::new();
    for e in g.edge_references() {
        let label = match (&e.weight().label, e.weight().kind) {
            (Some(l), _) => l.clone(),
            (None, EdgeKind::Next | EdgeKind::Return) => String::new(),
            (None, EdgeKind::Jump) => "then".to_string(),
            (None, EdgeKind::Branch) => "branch".to_string(),
            (None, EdgeKind::LoopBack) => "loop".to_string(),
            (None, EdgeKind::LoopExit) => "done".to_string(),
            (None, EdgeKind::ErrorEdge) => "error".to_string(),
            (None, EdgeKind::Retry) => "retry".to_string(),
            (None, EdgeKind::Fail) => "fail".to_string(),
        };
        let t = Transition {
            from: g[e.source()].name.clone(),
            to: g[e.target()].name.clone(),
            label,
        };
        if !transitions.contains(&t) {
            transitions.push(t);
        }
    }
    transitions.sort();
    Flow { steps, transitions }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Events waited for and emitted anywhere in a block, in source order.
fn events(block: &Block, consumes: &mut Vec<String>, produces: &mut Vec<String>) {
    for step in &block.steps {
        match &step.kind {
            StepKind::Emit { event, .. } => push_unique(produces, event.display()),
            StepKind::WaitFor { events, .. } => {
                for e in events {
                    push_unique(consumes, e.display());
                }
            }
            _ => {}
        }
        for child in child_blocks(&step.kind) {
            events(child, consumes, produces);
        }
    }
}
