//! The control-flow graph of one workflow.
//!
//! Nodes are the steps (named by [`StepNames`]) plus three sinks: `start`,
//! `end` (the workflow finishes normally) and `fail` (an error leaves the
//! workflow). Edges are typed ([`EdgeKind`]) so the checks and the
//! renderings can tell a sequence from a jump, a branch, a loop or an
//! error path.
//!
//! Flow rules (Serverless Workflow 1.0 semantics, see docs/graphs.md):
//! - a step flows to the next step of its block; the last step of a nested
//!   block flows to whatever follows its parent step (for a `for` body: back
//!   to the `for` step, which then either iterates again or leaves);
//! - `then x` jumps to step `x` of the same block; `then end` ends the
//!   workflow; `then exit` leaves the enclosing block (at the top level:
//!   ends the workflow); `then continue` proceeds with the next step in line
//!   (SW's `continue`, the default directive);
//! - `return` goes to `end`; `fail E` goes to the innermost enclosing
//!   `catch` that catches `E`, else to `fail`;
//! - a step with `when` may be skipped: it also flows straight on;
//! - `retry` (a modifier, or on a `catch`) is a self edge.

use crate::ast::{Block, Ident, Modifier, Step, StepKind, Target, WorkflowDecl};
use crate::naming::{StepNames, child_blocks};
use crate::span::Span;
use petgraph::graph::{DiGraph, NodeIndex};

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Start,
    End,
    /// An error left the workflow (an uncaught `fail`).
    Fail,
    Step,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// The step's name ([`StepNames`]), or `start` / `end` / `fail`.
    pub name: String,
    /// The step's keyword (`call`, `if`, …); empty for the sinks.
    pub keyword: &'static str,
    /// The step (for sinks: the workflow's name).
    pub span: Span,
    /// The block the step belongs to (index into [`Cfg::blocks`]).
    pub block: usize,
    /// An unconditional `return` or `fail`: nothing after it in its block
    /// runs by falling through.
    pub stops: bool,
}

impl Node {
    /// `call · reserve`, or `start` / `end` / `fail`.
    pub fn label(&self) -> String {
        match self.kind {
            NodeKind::Step => format!("{} · {}", self.keyword, self.name),
            _ => self.name.clone(),
        }
    }
}

/// The kinds of transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// Falling through to the next step in line.
    Next,
    /// `then target`, a `switch` case or its `else`.
    Jump,
    /// Into a nested block: an `if` branch, a `parallel`/`race` branch, a
    /// `for` body, a `try` body.
    Branch,
    /// The end of a `for` body back to the `for` step.
    LoopBack,
    /// A `for` step once the loop is done.
    LoopExit,
    /// An error to the `catch` that handles it.
    ErrorEdge,
    /// A `retry` (self edge).
    Retry,
    /// `return` to `end`.
    Return,
    /// An uncaught `fail` to the `fail` sink.
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub kind: EdgeKind,
    /// A condition, branch name or directive shown on the edge.
    pub label: Option<String>,
}

/// A block of steps: the workflow body or a nested one.
#[derive(Clone, Debug)]
pub struct BlockInfo {
    /// The composite step that holds the block (`None`: the workflow body).
    pub parent: Option<NodeIndex>,
    /// Where the block is, in words: `the body of \`for_region_1\``.
    pub place: String,
    /// The block's steps, in source order.
    pub steps: Vec<NodeIndex>,
    /// For each step, the ids of its nested blocks (in [`child_blocks`] order).
    pub children: Vec<Vec<usize>>,
}

/// A `then`/`case` target that is not a step of the jumping step's block.
#[derive(Clone, Debug)]
pub struct BadJump {
    /// The step that jumps.
    pub from: NodeIndex,
    pub target: Ident,
    /// A step of that name elsewhere in the workflow (out of scope).
    pub found: Option<NodeIndex>,
    /// Names of the steps that may be targeted (same block).
    pub candidates: Vec<String>,
}

/// The control-flow graph of one workflow.
#[derive(Clone, Debug)]
pub struct Cfg {
    pub workflow: String,
    pub graph: DiGraph<Node, Edge>,
    pub start: NodeIndex,
    pub end: NodeIndex,
    pub fail: NodeIndex,
    pub blocks: Vec<BlockInfo>,
    pub bad_jumps: Vec<BadJump>,
}

impl Cfg {
    /// The step nodes, in source order.
    pub fn steps(&self) -> Vec<NodeIndex> {
        let mut v: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&n| self.graph[n].kind == NodeKind::Step)
            .collect();
        v.sort_by_key(|&n| (self.graph[n].span, n));
        v
    }

    /// The successors of a node, one per distinct target, in edge order.
    pub fn successors(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = Vec::new();
        let mut edges: Vec<_> = self.graph.edges(n).collect();
        edges.sort_by_key(petgraph::visit::EdgeRef::id);
        for e in edges {
            let t = petgraph::visit::EdgeRef::target(&e);
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }
}

/// Where control goes, and how it gets there.
#[derive(Clone, Copy, Debug)]
struct Flow {
    to: NodeIndex,
    kind: EdgeKind,
}

/// An enclosing `catch`: its entry and the error it catches (`None`: any).
#[derive(Clone, Debug)]
struct Handler {
    entry: Flow,
    error: Option<String>,
}

#[derive(Clone, Debug)]
struct Ctx {
    /// Where the block flows when it falls off its end.
    after: Flow,
    /// Where `exit` goes.
    exit: NodeIndex,
    /// Enclosing handlers, innermost last.
    handlers: Vec<Handler>,
}

/// Build the control-flow graph of a workflow.
pub fn build(workflow: &WorkflowDecl) -> Cfg {
    let names = StepNames::of(workflow);
    let mut graph = DiGraph::new();
    let sink = |kind, name: &str| Node {
        kind,
        name: name.to_string(),
        keyword: "",
        span: workflow.name.span,
        block: 0,
        stops: false,
    };
    let start = graph.add_node(sink(NodeKind::Start, "start"));
    let end = graph.add_node(sink(NodeKind::End, "end"));
    let fail = graph.add_node(sink(NodeKind::Fail, "fail"));
    let mut b = Builder {
        graph,
        names,
        blocks: Vec::new(),
        bad_jumps: Vec::new(),
        fail,
    };
    let top = b.alloc(
        &workflow.body,
        None,
        format!("the body of workflow `{}`", workflow.name.name),
    );
    let after = Flow {
        to: end,
        kind: EdgeKind::Next,
    };
    let entry = b.entry(top, after);
    b.add(start, entry, None);
    b.wire(
        &workflow.body,
        top,
        &Ctx {
            after,
            exit: end,
            handlers: Vec::new(),
        },
    );
    Cfg {
        workflow: workflow.name.name.clone(),
        graph: b.graph,
        start,
        end,
        fail,
        blocks: b.blocks,
        bad_jumps: b.bad_jumps,
    }
}

struct Builder {
    graph: DiGraph<Node, Edge>,
    names: StepNames,
    blocks: Vec<BlockInfo>,
    bad_jumps: Vec<BadJump>,
    fail: NodeIndex,
}

impl Builder {
    /// First pass: a node for every step, blocks recorded as a tree.
    fn alloc(&mut self, block: &Block, parent: Option<NodeIndex>, place: String) -> usize {
        let id = self.blocks.len();
        self.blocks.push(BlockInfo {
            parent,
            place,
            steps: Vec::new(),
            children: Vec::new(),
        });
        for step in &block.steps {
            let name = self.names.get(step);
            let node = self.graph.add_node(Node {
                kind: NodeKind::Step,
                name: name.clone(),
                keyword: step.kind.keyword(),
                span: step.span,
                block: id,
                stops: matches!(step.kind, StepKind::Return { .. } | StepKind::Fail { .. })
                    && !step
                        .modifiers
                        .iter()
                        .any(|m| matches!(m, Modifier::When(_))),
            });
            let places = child_places(&step.kind, &name);
            let mut kids = Vec::new();
            for (child, place) in child_blocks(&step.kind).into_iter().zip(places) {
                kids.push(self.alloc(child, Some(node), place));
            }
            if let Some(b) = self.blocks.get_mut(id) {
                b.steps.push(node);
                b.children.push(kids);
            }
        }
        id
    }

    /// The first step of a block, or `after` when it is empty.
    fn entry(&self, block: usize, after: Flow) -> Flow {
        match self.blocks.get(block).and_then(|b| b.steps.first()) {
            Some(&n) => Flow {
                to: n,
                kind: EdgeKind::Next,
            },
            None => after,
        }
    }

    fn add(&mut self, from: NodeIndex, to: Flow, label: Option<String>) {
        self.add_kind(from, to.to, to.kind, label);
    }

    fn add_kind(&mut self, from: NodeIndex, to: NodeIndex, kind: EdgeKind, label: Option<String>) {
        self.graph.add_edge(from, to, Edge { kind, label });
    }

    /// Resolve a jump target written in block `block`.
    fn target(
        &mut self,
        from: NodeIndex,
        block: usize,
        target: &Target,
        ctx: &Ctx,
        next: Flow,
    ) -> Flow {
        let jump = |to| Flow {
            to,
            kind: EdgeKind::Jump,
        };
        match target {
            Target::End(_) => jump(self.end()),
            Target::Exit(_) => jump(ctx.exit),
            Target::Continue(_) => jump(next.to),
            Target::Step(ident) => {
                let siblings = self
                    .blocks
                    .get(block)
                    .map(|b| b.steps.clone())
                    .unwrap_or_default();
                if let Some(&n) = siblings.iter().find(|&&n| self.graph[n].name == ident.name) {
                    return jump(n);
                }
                let found = self.graph.node_indices().find(|&n| {
                    self.graph[n].kind == NodeKind::Step && self.graph[n].name == ident.name
                });
                self.bad_jumps.push(BadJump {
                    from,
                    target: ident.clone(),
                    found,
                    candidates: siblings
                        .iter()
                        .map(|&n| self.graph[n].name.clone())
                        .collect(),
                });
                // Fall through so one bad name does not also make the rest
                // of the workflow look unreachable or stuck.
                next
            }
        }
    }

    fn end(&self) -> NodeIndex {
        // The end sink is always the second node added.
        NodeIndex::new(1)
    }

    /// Where `fail E` goes: the innermost catch that catches it, else `fail`.
    fn fail_target(&self, error: &str, ctx: &Ctx) -> Flow {
        for h in ctx.handlers.iter().rev() {
            if h.error.as_deref().is_none_or(|e| e == error) {
                return Flow {
                    to: h.entry.to,
                    kind: EdgeKind::ErrorEdge,
                };
            }
        }
        Flow {
            to: self.fail,
            kind: EdgeKind::Fail,
        }
    }

    /// Second pass: the edges of one block.
    fn wire(&mut self, block: &Block, id: usize, ctx: &Ctx) {
        let Some(info) = self.blocks.get(id).cloned() else {
            return;
        };
        for (i, step) in block.steps.iter().enumerate() {
            let (Some(&node), Some(kids)) = (info.steps.get(i), info.children.get(i)) else {
                continue;
            };
            let next = match info.steps.get(i + 1) {
                Some(&n) => Flow {
                    to: n,
                    kind: EdgeKind::Next,
                },
                None => ctx.after,
            };
            self.wire_step(step, node, id, kids, next, ctx);
        }
    }

    fn wire_step(
        &mut self,
        step: &Step,
        node: NodeIndex,
        block: usize,
        kids: &[usize],
        next: Flow,
        ctx: &Ctx,
    ) {
        let then = step.modifiers.iter().rev().find_map(|m| match m {
            Modifier::Then(t) => Some(t),
            _ => None,
        });
        let (out, out_label) = match then {
            Some(t) => (self.target(node, block, t, ctx, next), target_label(t)),
            None => (next, None),
        };
        // The flow after a composite step's nested block: a jump keeps its
        // meaning only on the step's own edge.
        let after = Flow {
            to: out.to,
            kind: if out.kind == EdgeKind::LoopBack {
                EdgeKind::LoopBack
            } else {
                EdgeKind::Next
            },
        };
        let nested = |handlers: Vec<Handler>| Ctx {
            after,
            exit: out.to,
            handlers,
        };
        match &step.kind {
            StepKind::Return { .. } => {
                let end = self.end();
                self.add_kind(node, end, EdgeKind::Return, None);
            }
            StepKind::Fail { error, .. } => {
                let to = self.fail_target(&error.name.name, ctx);
                self.add(node, to, Some(error.display()));
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for ((cond, body), &kid) in branches.iter().zip(kids) {
                    let entry = self.entry(kid, after);
                    self.add_kind(
                        node,
                        entry.to,
                        EdgeKind::Branch,
                        Some(cond_label(&cond.source)),
                    );
                    self.wire(body, kid, &nested(ctx.handlers.clone()));
                }
                match (otherwise, kids.get(branches.len())) {
                    (Some(body), Some(&kid)) => {
                        let entry = self.entry(kid, after);
                        self.add_kind(node, entry.to, EdgeKind::Branch, Some("else".into()));
                        self.wire(body, kid, &nested(ctx.handlers.clone()));
                    }
                    _ => self.add_kind(node, out.to, EdgeKind::Branch, Some("else".into())),
                }
            }
            StepKind::Switch { cases, default } => {
                for case in cases {
                    let to = self.target(node, block, &case.target, ctx, next);
                    self.add_kind(
                        node,
                        to.to,
                        EdgeKind::Jump,
                        Some(cond_label(&case.cond.source)),
                    );
                }
                match default {
                    Some(t) => {
                        let to = self.target(node, block, t, ctx, next);
                        self.add_kind(node, to.to, EdgeKind::Jump, Some("else".into()));
                    }
                    None => self.add(node, out, Some("else".into())),
                }
            }
            StepKind::Parallel { branches, .. } => {
                for (branch, &kid) in branches.iter().zip(kids) {
                    let entry = self.entry(kid, after);
                    self.add_kind(
                        node,
                        entry.to,
                        EdgeKind::Branch,
                        Some(branch.name.name.clone()),
                    );
                    self.wire(&branch.body, kid, &nested(ctx.handlers.clone()));
                }
                if branches.is_empty() {
                    self.add(node, out, out_label);
                }
            }
            StepKind::For { item, body, .. } => {
                let back = Flow {
                    to: node,
                    kind: EdgeKind::LoopBack,
                };
                if let Some(&kid) = kids.first() {
                    let entry = self.entry(kid, back);
                    if entry.to != node {
                        self.add_kind(
                            node,
                            entry.to,
                            EdgeKind::Branch,
                            Some(format!("each {}", item.name)),
                        );
                    }
                    let inner = Ctx {
                        after: back,
                        exit: out.to,
                        handlers: ctx.handlers.clone(),
                    };
                    self.wire(body, kid, &inner);
                }
                self.add_kind(node, out.to, EdgeKind::LoopExit, Some("done".into()));
            }
            StepKind::Try { body, catch } => {
                let (Some(&body_id), Some(&catch_id)) = (kids.first(), kids.get(1)) else {
                    return;
                };
                let handler_entry = self.entry(catch_id, after);
                let caught = catch.error.as_ref().map(|e| e.name.name.clone());
                let mut handlers = ctx.handlers.clone();
                handlers.push(Handler {
                    entry: handler_entry,
                    error: caught.clone(),
                });
                let entry = self.entry(body_id, after);
                self.add_kind(node, entry.to, EdgeKind::Branch, Some("try".into()));
                self.wire(body, body_id, &nested(handlers));
                let label = match &catch.error {
                    Some(e) => format!("catch {}", e.display()),
                    None => "catch".into(),
                };
                self.add_kind(node, handler_entry.to, EdgeKind::ErrorEdge, Some(label));
                self.wire(&catch.body, catch_id, &nested(ctx.handlers.clone()));
                if let Some(r) = &catch.retry {
                    self.add_kind(
                        node,
                        node,
                        EdgeKind::Retry,
                        Some(format!("retry {}", r.attempts)),
                    );
                }
            }
            _ => self.add(node, out, out_label),
        }
        for m in &step.modifiers {
            match m {
                Modifier::Retry(r) => {
                    self.add_kind(
                        node,
                        node,
                        EdgeKind::Retry,
                        Some(format!("retry {}", r.attempts)),
                    );
                }
                Modifier::When(_) => {
                    let already = self
                        .graph
                        .edges_connecting(node, next.to)
                        .any(|e| e.weight().kind == next.kind);
                    if !already {
                        self.add(node, next, Some("skipped".into()));
                    }
                }
                _ => {}
            }
        }
    }
}

/// How each nested block of a step is described in messages.
fn child_places(kind: &StepKind, name: &str) -> Vec<String> {
    match kind {
        StepKind::If {
            branches,
            otherwise,
        } => {
            let mut v: Vec<String> = (0..branches.len())
                .map(|i| match i {
                    0 => format!("the first branch of `{name}`"),
                    _ => format!("branch {} of `{name}`", i + 1),
                })
                .collect();
            if otherwise.is_some() {
                v.push(format!("the `else` of `{name}`"));
            }
            v
        }
        StepKind::Parallel { branches, .. } => branches
            .iter()
            .map(|b| format!("branch `{}` of `{name}`", b.name.name))
            .collect(),
        StepKind::For { .. } => vec![format!("the body of `{name}`")],
        StepKind::Try { .. } => vec![
            format!("the body of `{name}`"),
            format!("the `catch` of `{name}`"),
        ],
        _ => Vec::new(),
    }
}

/// The label of a `then` edge: the directive (a step target needs none).
fn target_label(t: &Target) -> Option<String> {
    match t {
        Target::Step(_) => None,
        Target::End(_) => Some("end".into()),
        Target::Exit(_) => Some("exit".into()),
        Target::Continue(_) => Some("continue".into()),
    }
}

/// A condition shortened for an edge label.
pub fn cond_label(source: &str) -> String {
    let text: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    let max = 32;
    if text.chars().count() > max {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}
