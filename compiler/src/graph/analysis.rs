//! Reachability questions over a [`Cfg`], shared by the checks, the
//! renderings and the property tests.

use super::cfg::{Cfg, EdgeKind, NodeKind};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Nodes reachable from `start` (including `start`).
pub fn reachable(cfg: &Cfg) -> BTreeSet<NodeIndex> {
    bfs(cfg, &[cfg.start], Direction::Outgoing)
}

/// Nodes from which `end` or `fail` can be reached (the workflow can
/// finish, normally or with an error).
pub fn can_finish(cfg: &Cfg) -> BTreeSet<NodeIndex> {
    bfs(cfg, &[cfg.end, cfg.fail], Direction::Incoming)
}

fn bfs(cfg: &Cfg, roots: &[NodeIndex], dir: Direction) -> BTreeSet<NodeIndex> {
    let mut seen: BTreeSet<NodeIndex> = roots.iter().copied().collect();
    let mut queue: VecDeque<NodeIndex> = roots.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for m in cfg.graph.neighbors_directed(n, dir) {
            if seen.insert(m) {
                queue.push_back(m);
            }
        }
    }
    seen
}

/// Steps no path from `start` reaches.
pub fn unreachable_steps(cfg: &Cfg) -> BTreeSet<NodeIndex> {
    let seen = reachable(cfg);
    steps(cfg).filter(|n| !seen.contains(n)).collect()
}

/// Steps from which the workflow can never finish.
pub fn stuck_steps(cfg: &Cfg) -> BTreeSet<NodeIndex> {
    let ok = can_finish(cfg);
    steps(cfg).filter(|n| !ok.contains(n)).collect()
}

fn steps(cfg: &Cfg) -> impl Iterator<Item = NodeIndex> + '_ {
    cfg.graph
        .node_indices()
        .filter(|&n| cfg.graph[n].kind == NodeKind::Step)
}

/// Cycles of steps from which the workflow can never finish: one entry per
/// strongly connected component, each a closed walk `a, b, …, a` that
/// starts at the component's first step in source order. Sorted by that
/// step's position.
pub fn stuck_cycles(cfg: &Cfg) -> Vec<Vec<NodeIndex>> {
    let stuck = stuck_steps(cfg);
    let mut out = Vec::new();
    for scc in petgraph::algo::tarjan_scc(&cfg.graph) {
        if !scc.iter().all(|n| stuck.contains(n)) {
            continue;
        }
        let set: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let Some(&first) = scc.iter().min_by_key(|&&n| (cfg.graph[n].span, n)) else {
            continue;
        };
        // A retry alone never traps a workflow.
        let walk = shortest_cycle(&cfg.graph, first, &set, |e| e.kind != EdgeKind::Retry);
        if let Some(cycle) = walk {
            out.push(cycle);
        }
    }
    out.sort_by_key(|c| c.first().map(|&n| (cfg.graph[n].span, n)));
    out
}

/// The shortest closed walk from `first` back to itself through nodes of
/// `set`, over edges `keep` accepts, in edge order (deterministic).
pub fn shortest_cycle<N, E>(
    graph: &DiGraph<N, E>,
    first: NodeIndex,
    set: &BTreeSet<NodeIndex>,
    keep: impl Fn(&E) -> bool,
) -> Option<Vec<NodeIndex>> {
    let mut prev: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = VecDeque::from([first]);
    let mut visited = BTreeSet::new();
    while let Some(n) = queue.pop_front() {
        let mut edges: Vec<_> = graph.edges(n).collect();
        edges.sort_by_key(|e| e.id());
        for e in edges {
            if !keep(e.weight()) {
                continue;
            }
            let m = e.target();
            if !set.contains(&m) {
                continue;
            }
            if m == first {
                let mut walk = vec![n];
                let mut cur = n;
                while cur != first {
                    cur = *prev.get(&cur)?;
                    walk.push(cur);
                }
                walk.reverse();
                walk.push(first);
                return Some(walk);
            }
            if visited.insert(m) {
                prev.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    None
}
