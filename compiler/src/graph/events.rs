//! The app's event graph: events → the workflows and functions they start
//! (or that wait for them) → the events those emit; plus `run` edges
//! between workflows. Checks over it: `run` cycles, event loops, events
//! consumed but never produced, events produced but never consumed.

use super::analysis::shortest_cycle;
use crate::ast::{self, Block, Step, StepKind, TriggerKind};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::model::{DeclKind, Program};
use crate::naming::child_blocks;
use crate::span::Span;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventNodeKind {
    Event {
        is_extern: bool,
        local: bool,
    },
    Workflow,
    Function,
    /// `on schedule "cron"` (the node's name is the cron text).
    Schedule,
    /// `on http` (one node for the app).
    Http,
}

#[derive(Clone, Debug)]
pub struct EventNode {
    pub kind: EventNodeKind,
    /// The name as written in this app (`OrderCreated`, `common.Paid`).
    pub name: String,
    /// The declaration (for events declared elsewhere or not at all: the
    /// first reference).
    pub span: Span,
}

impl EventNode {
    /// `event · OrderCreated`, `workflow · fulfil_order`, …
    pub fn label(&self) -> String {
        let kind = match self.kind {
            EventNodeKind::Event {
                is_extern: true, ..
            } => "extern event",
            EventNodeKind::Event { .. } => "event",
            EventNodeKind::Workflow => "workflow",
            EventNodeKind::Function => "function",
            EventNodeKind::Schedule => "schedule",
            EventNodeKind::Http => "http",
        };
        format!("{kind} · {}", self.name)
    }

    fn is_handler(&self) -> bool {
        matches!(self.kind, EventNodeKind::Workflow | EventNodeKind::Function)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventEdgeKind {
    /// Event (or schedule, http) → the workflow/function it starts.
    Starts,
    /// Workflow → an event it emits.
    Emits,
    /// Event → a workflow that waits for it (`wait for`).
    WaitsFor,
    /// Workflow → a workflow it runs.
    Runs,
}

#[derive(Clone, Debug)]
pub struct EventEdge {
    pub kind: EventEdgeKind,
    /// The `on`, `emit`, `wait for` or `run` that makes the edge.
    pub span: Span,
    /// It may not happen: a trigger with `where`, or a step with `when`,
    /// inside an `if`, a `for` body or a `catch`.
    pub conditional: bool,
}

#[derive(Clone, Debug, Default)]
pub struct EventGraph {
    pub app: String,
    pub graph: DiGraph<EventNode, EventEdge>,
}

/// Identity of a node: events by declaring app and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Event(usize, String),
    Unresolved(String),
    Workflow(String),
    Function(String),
    Schedule(String),
    Http,
}

struct Builder<'a> {
    program: &'a Program,
    app: usize,
    graph: DiGraph<EventNode, EventEdge>,
    nodes: BTreeMap<Key, NodeIndex>,
}

/// The event graph of app `app` of the program (0 = the root app).
pub fn event_graph(program: &Program, app: usize) -> EventGraph {
    let Some(unit) = program.apps.get(app) else {
        return EventGraph::default();
    };
    let mut b = Builder {
        program,
        app,
        graph: DiGraph::new(),
        nodes: BTreeMap::new(),
    };
    // Handlers first, in source order, so node order follows the files.
    for item in unit.items() {
        match item {
            ast::Item::Workflow(w) => {
                b.node(
                    Key::Workflow(w.name.name.clone()),
                    EventNodeKind::Workflow,
                    &w.name.name,
                    w.name.span,
                );
            }
            // Functions only appear when an event starts them; a function
            // that is only called is part of a workflow, not of this graph.
            ast::Item::Function(f) if f.members.iter().any(|m| matches!(m, ast::Member::On(_))) => {
                b.node(
                    Key::Function(f.name.name.clone()),
                    EventNodeKind::Function,
                    &f.name.name,
                    f.name.span,
                );
            }
            _ => {}
        }
    }
    for item in unit.items() {
        match item {
            ast::Item::Workflow(w) => {
                let Some(&me) = b.nodes.get(&Key::Workflow(w.name.name.clone())) else {
                    continue;
                };
                b.triggers(&w.members, me);
                b.steps(&w.body, me, false);
            }
            ast::Item::Function(f) => {
                let Some(&me) = b.nodes.get(&Key::Function(f.name.name.clone())) else {
                    continue;
                };
                b.triggers(&f.members, me);
            }
            _ => {}
        }
    }
    EventGraph {
        app: unit.manifest.name.clone(),
        graph: b.graph,
    }
}

impl Builder<'_> {
    fn node(&mut self, key: Key, kind: EventNodeKind, name: &str, span: Span) -> NodeIndex {
        if let Some(&n) = self.nodes.get(&key) {
            return n;
        }
        let n = self.graph.add_node(EventNode {
            kind,
            name: name.to_string(),
            span,
        });
        self.nodes.insert(key, n);
        n
    }

    fn event(&mut self, path: &ast::Path) -> NodeIndex {
        match self.program.lookup_path(self.app, DeclKind::Event, path) {
            Some((app, ast::Item::Event(e))) => {
                let kind = EventNodeKind::Event {
                    is_extern: e.is_extern,
                    local: app == self.app,
                };
                self.node(
                    Key::Event(app, e.name.name.clone()),
                    kind,
                    &path.display(),
                    e.name.span,
                )
            }
            _ => {
                let kind = EventNodeKind::Event {
                    is_extern: false,
                    local: false,
                };
                self.node(
                    Key::Unresolved(path.display()),
                    kind,
                    &path.display(),
                    path.span,
                )
            }
        }
    }

    fn edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EventEdgeKind,
        span: Span,
        conditional: bool,
    ) {
        self.graph.add_edge(
            from,
            to,
            EventEdge {
                kind,
                span,
                conditional,
            },
        );
    }

    fn triggers(&mut self, members: &[ast::Member], me: NodeIndex) {
        for m in members {
            let ast::Member::On(t) = m else { continue };
            let filtered = matches!(
                &t.kind,
                TriggerKind::Event {
                    filter: Some(_),
                    ..
                }
            );
            let from = match &t.kind {
                TriggerKind::Event { event, .. } => self.event(event),
                TriggerKind::Schedule { cron, .. } => self.node(
                    Key::Schedule(cron.value.clone()),
                    EventNodeKind::Schedule,
                    &cron.value,
                    cron.span,
                ),
                TriggerKind::Http => self.node(Key::Http, EventNodeKind::Http, "request", t.span),
            };
            self.edge(from, me, EventEdgeKind::Starts, t.span, filtered);
        }
    }

    fn steps(&mut self, block: &Block, me: NodeIndex, conditional: bool) {
        for step in &block.steps {
            let cond = conditional
                || step
                    .modifiers
                    .iter()
                    .any(|m| matches!(m, ast::Modifier::When(_)));
            self.step(step, me, cond);
            // Blocks that may not run: `if` branches, `for` bodies, a
            // `catch`. A `try` body and `parallel` branches always start.
            let nested: Vec<(&Block, bool)> = match &step.kind {
                StepKind::Try { body, catch } => vec![(body, cond), (&catch.body, true)],
                StepKind::Parallel { branches, .. } => {
                    branches.iter().map(|b| (&b.body, cond)).collect()
                }
                kind => child_blocks(kind).into_iter().map(|b| (b, true)).collect(),
            };
            for (child, c) in nested {
                self.steps(child, me, c);
            }
        }
    }

    fn step(&mut self, step: &Step, me: NodeIndex, conditional: bool) {
        match &step.kind {
            StepKind::Emit { event, .. } => {
                let e = self.event(event);
                self.edge(me, e, EventEdgeKind::Emits, step.span, conditional);
            }
            StepKind::WaitFor { events, .. } => {
                for event in events {
                    let e = self.event(event);
                    self.edge(e, me, EventEdgeKind::WaitsFor, step.span, conditional);
                }
            }
            StepKind::Run { workflow, .. } => {
                if let Some(&w) = self.nodes.get(&Key::Workflow(workflow.name.clone())) {
                    self.edge(me, w, EventEdgeKind::Runs, step.span, conditional);
                }
            }
            _ => {}
        }
    }
}

/// Every app-level finding for app `app`, sorted by position.
pub fn check_events(graph: &EventGraph) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    run_cycles(graph, &mut out);
    event_loops(graph, &mut out);
    unmatched_events(graph, &mut out);
    out.sort_by_key(|d| (d.primary_span(), d.code));
    out
}

/// Closed walks of the non-trivial strongly connected components of the
/// subgraph `keep` selects, each starting at the component's first handler
/// in source order.
fn cycles(graph: &EventGraph, keep: impl Fn(&EventEdge) -> bool + Copy) -> Vec<Vec<NodeIndex>> {
    let g = graph
        .graph
        .filter_map(|_, n| Some(n.clone()), |_, e| keep(e).then(|| e.clone()));
    let mut out = Vec::new();
    for scc in petgraph::algo::tarjan_scc(&g) {
        let set: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let Some(&first) = scc
            .iter()
            .filter(|&&n| g[n].is_handler())
            .min_by_key(|&&n| (g[n].span, n))
        else {
            continue;
        };
        if let Some(walk) = shortest_cycle(&g, first, &set, |_| true) {
            out.push(walk);
        }
    }
    out.sort_by_key(|w| w.first().map(|&n| (graph.graph[n].span, n)));
    out
}

/// The edge `kind` from `a` to `b` with the smallest span (among the
/// unconditional ones when `firm`).
fn edge_span(
    graph: &EventGraph,
    a: NodeIndex,
    b: NodeIndex,
    kind: EventEdgeKind,
    firm: bool,
) -> Option<Span> {
    graph
        .graph
        .edges_connecting(a, b)
        .filter(|e| e.weight().kind == kind && !(firm && e.weight().conditional))
        .map(|e| e.weight().span)
        .min()
}

/// Hops of a long cycle named in a message; the rest is elided.
const NAMED_HOPS: usize = 12;
/// Labels of a long event loop shown in its report; the rest are counted
/// in a note (a loop through 400 workflows once printed 1,300 lines).
const LOOP_LABELS: usize = 8;

/// `a → b → … → a`; a walk longer than [`NAMED_HOPS`] keeps its first
/// hops and its last two, with the number of steps.
fn names(graph: &EventGraph, walk: &[NodeIndex]) -> String {
    let name = |n: &NodeIndex| graph.graph[*n].name.as_str();
    if walk.len() <= NAMED_HOPS + 1 {
        return walk.iter().map(name).collect::<Vec<_>>().join(" → ");
    }
    let head: Vec<&str> = walk.iter().take(NAMED_HOPS - 2).map(name).collect();
    let tail: Vec<&str> = walk.iter().skip(walk.len() - 2).map(name).collect();
    format!(
        "{} → … → {} ({} steps)",
        head.join(" → "),
        tail.join(" → "),
        walk.len() - 1
    )
}

fn run_cycles(graph: &EventGraph, out: &mut Vec<Diagnostic>) {
    for walk in cycles(graph, |e| e.kind == EventEdgeKind::Runs) {
        let mut spans = walk.windows(2).filter_map(|p| {
            edge_span(graph, p[0], p[1], EventEdgeKind::Runs, false).map(|s| (s, p[1]))
        });
        let Some((first, to)) = spans.next() else {
            continue;
        };
        let mut d = Diagnostic::error(
            Code::E0404,
            format!(
                "workflows run each other in a cycle: {}",
                names(graph, &walk)
            ),
        )
        .with_primary(first, format!("runs `{}`", graph.graph[to].name));
        for (span, to) in spans {
            d = d.with_secondary(span, format!("runs `{}`", graph.graph[to].name));
        }
        out.push(d.with_help(
            "a `run` waits for the workflow it starts, so this never finishes; break the cycle (emit an event instead, or move the shared steps into one workflow)",
        ));
    }
}

fn event_loops(graph: &EventGraph, out: &mut Vec<Diagnostic>) {
    // Only edges that always happen: a `where` filter or a conditional
    // emit may be what ends the loop.
    let keep = |e: &EventEdge| {
        matches!(e.kind, EventEdgeKind::Starts | EventEdgeKind::Emits) && !e.conditional
    };
    for walk in cycles(graph, keep) {
        let emits: Vec<(Span, NodeIndex)> = walk
            .windows(2)
            .filter_map(|p| {
                edge_span(graph, p[0], p[1], EventEdgeKind::Emits, true).map(|s| (s, p[1]))
            })
            .collect();
        let Some(&(first, event)) = emits.first() else {
            continue;
        };
        let mut d =
            Diagnostic::warning(Code::W0403, format!("event loop: {}", names(graph, &walk)))
                .with_primary(first, format!("emits `{}`", graph.graph[event].name));
        let starts: Vec<(Span, String)> = walk
            .windows(2)
            .filter_map(|p| {
                edge_span(graph, p[0], p[1], EventEdgeKind::Starts, true)
                    .map(|span| (span, format!("started by `{}`", graph.graph[p[0]].name)))
            })
            .collect();
        let emitted = |&(span, event): &(Span, NodeIndex)| {
            (span, format!("emits `{}`", graph.graph[event].name))
        };
        let mut labels: Vec<(Span, String)> = emits[1..].iter().map(emitted).collect();
        let total = labels.len() + starts.len();
        if total < LOOP_LABELS {
            labels.extend(starts);
        } else {
            // A long loop: its first hops, in the order the loop takes
            // them (trigger, emit, trigger, …), so the excerpt stays short.
            labels = starts
                .into_iter()
                .zip(emits[1..].iter().map(emitted))
                .flat_map(|(s, e)| [s, e])
                .collect();
        }
        let hidden = total.saturating_sub(LOOP_LABELS - 1);
        for (span, label) in labels.into_iter().take(LOOP_LABELS - 1) {
            d = d.with_secondary(span, label);
        }
        if hidden > 0 {
            d = d.with_note(format!(
                "{hidden} more emits and triggers of this loop are not shown"
            ));
        }
        out.push(d.with_help(
            "each event starts work that emits the next one, forever; add a `where` filter to a trigger or a `when` to an emit to end the loop",
        ));
    }
}

fn unmatched_events(graph: &EventGraph, out: &mut Vec<Diagnostic>) {
    let g = &graph.graph;
    for n in g.node_indices() {
        let node = &g[n];
        let EventNodeKind::Event {
            is_extern: false,
            local: true,
        } = node.kind
        else {
            continue;
        };
        let produced: Vec<Span> = g
            .edges_directed(n, petgraph::Direction::Incoming)
            .filter(|e| e.weight().kind == EventEdgeKind::Emits)
            .map(|e| e.weight().span)
            .collect();
        let consumed: Vec<Span> = g
            .edges(n)
            .filter(|e| {
                matches!(
                    e.weight().kind,
                    EventEdgeKind::Starts | EventEdgeKind::WaitsFor
                )
            })
            .map(|e| e.weight().span)
            .collect();
        if let (true, Some(&at)) = (produced.is_empty(), consumed.iter().min()) {
            out.push(
                Diagnostic::warning(
                    Code::W0404,
                    format!("event `{}` is consumed but never produced in this app", node.name),
                )
                .with_primary(at, "waits for an event nothing here emits")
                .with_secondary(node.span, "declared here")
                .with_help(format!(
                    "emit it from a workflow of this app, or declare it `extern event {}` if another app produces it",
                    node.name
                )),
            );
        }
        if let (true, Some(&at)) = (consumed.is_empty(), produced.iter().min()) {
            out.push(
                Diagnostic::note_level(
                    Code::W0405,
                    format!(
                        "event `{}` is produced but never consumed in this app",
                        node.name
                    ),
                )
                .with_primary(at, "nothing in this app listens for this event")
                .with_secondary(node.span, "declared here")
                .with_help("fine if another app consumes it; otherwise the emit can go"),
            );
        }
    }
}
