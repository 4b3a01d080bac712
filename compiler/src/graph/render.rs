//! Renderings of a workflow graph or the event graph: each turned into a
//! [`Drawing`] (see [`super::drawing`]), and its text forms —
//! Graphviz dot, Mermaid and SVG (the latter laid out by air itself, see
//! [`super::svg`]). All pure and deterministic: same graph, same bytes.

use super::cfg::{Cfg, EdgeKind, NodeKind};
use super::drawing::{DrawEdge, DrawNode, Drawing, Line, Shape, Tone};
use super::events::{EventEdgeKind, EventGraph, EventNodeKind};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Output formats of `air graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
    Svg,
}

/// The drawing of a workflow's control-flow graph. The `fail` sink appears
/// only when something can fail.
pub fn cfg_drawing(cfg: &Cfg) -> Drawing {
    let g = &cfg.graph;
    let mut order: Vec<NodeIndex> = vec![cfg.start];
    order.extend(cfg.steps());
    order.push(cfg.end);
    if g.edges_directed(cfg.fail, petgraph::Direction::Incoming)
        .next()
        .is_some()
    {
        order.push(cfg.fail);
    }
    let pos: BTreeMap<NodeIndex, usize> = order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let dead = super::analysis::unreachable_steps(cfg);
    let nodes = order
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let node = &g[n];
            let (shape, tone) = match node.kind {
                NodeKind::Start | NodeKind::End => (Shape::Round, Tone::Terminal),
                NodeKind::Fail => (Shape::Round, Tone::Error),
                NodeKind::Step if dead.contains(&n) => (Shape::Box, Tone::Unreachable),
                NodeKind::Step => match node.keyword {
                    "if" | "switch" => (Shape::Diamond, Tone::Control),
                    "for" | "parallel" | "race" | "try" => (Shape::Box, Tone::Control),
                    "return" => (Shape::Box, Tone::Terminal),
                    "fail" => (Shape::Box, Tone::Error),
                    "emit" | "wait" => (Shape::Box, Tone::Event),
                    _ => (Shape::Box, Tone::Plain),
                },
            };
            DrawNode {
                id: format!("n{i}"),
                label: node.label(),
                shape,
                tone,
            }
        })
        .collect();
    let mut edges = Vec::new();
    for &n in &order {
        let mut out: Vec<_> = g.edges(n).collect();
        out.sort_by_key(|e| e.id());
        for e in out {
            let (Some(&from), Some(&to)) = (pos.get(&e.source()), pos.get(&e.target())) else {
                continue;
            };
            let w = e.weight();
            let (line, red) = match w.kind {
                EdgeKind::Next | EdgeKind::Branch | EdgeKind::LoopExit | EdgeKind::Return => {
                    (Line::Solid, false)
                }
                EdgeKind::Jump => (Line::Dashed, false),
                EdgeKind::LoopBack => (Line::Dotted, false),
                EdgeKind::ErrorEdge | EdgeKind::Fail => (Line::Solid, true),
                EdgeKind::Retry => (Line::Dotted, true),
            };
            edges.push(DrawEdge {
                from,
                to,
                label: w.label.clone(),
                line,
                red,
                back: w.kind == EdgeKind::LoopBack,
            });
        }
    }
    Drawing {
        title: format!("workflow {}", cfg.workflow),
        nodes,
        edges,
    }
}

/// The drawing of the app's event graph.
pub fn event_drawing(graph: &EventGraph) -> Drawing {
    let g = &graph.graph;
    let nodes = g
        .node_indices()
        .map(|n| {
            let node = &g[n];
            let (shape, tone) = match node.kind {
                EventNodeKind::Event {
                    is_extern: true, ..
                } => (Shape::Ellipse, Tone::Extern),
                EventNodeKind::Event { local: false, .. } => (Shape::Ellipse, Tone::Extern),
                EventNodeKind::Event { .. } => (Shape::Ellipse, Tone::Event),
                EventNodeKind::Workflow => (Shape::Box, Tone::Plain),
                EventNodeKind::Function => (Shape::Box, Tone::Function),
                EventNodeKind::Schedule | EventNodeKind::Http => (Shape::Round, Tone::Terminal),
            };
            DrawNode {
                id: format!("n{}", n.index()),
                label: node.label(),
                shape,
                tone,
            }
        })
        .collect();
    // One edge per (from, to, kind): three `wait for E` in a workflow are
    // one arrow in the picture.
    let mut seen = std::collections::BTreeSet::new();
    let edges = g
        .edge_references()
        .filter(|e| seen.insert((e.source(), e.target(), e.weight().kind as u8)))
        .map(|e| {
            let (label, line) = match e.weight().kind {
                EventEdgeKind::Starts => (None, Line::Solid),
                EventEdgeKind::Emits => (Some("emit"), Line::Solid),
                EventEdgeKind::WaitsFor => (Some("wait for"), Line::Dashed),
                EventEdgeKind::Runs => (Some("run"), Line::Dotted),
            };
            DrawEdge {
                from: e.source().index(),
                to: e.target().index(),
                label: label.map(String::from),
                line,
                red: false,
                back: false,
            }
        })
        .collect();
    Drawing {
        title: format!("events of app {}", graph.app),
        nodes,
        edges,
    }
}

/// Render drawings in a format: dot and mermaid give one document per
/// drawing, separated by a blank line; svg stacks them in one image.
pub fn render(drawings: &[Drawing], format: Format) -> String {
    match format {
        Format::Dot => join(drawings.iter().map(dot)),
        Format::Mermaid => join(drawings.iter().map(mermaid)),
        Format::Svg => super::svg::svg(drawings),
    }
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join("\n")
}

/// A string literal in dot: quotes and backslashes escaped.
fn dot_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz dot text of a drawing.
pub fn dot(d: &Drawing) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph {} {{", dot_str(&d.title));
    let _ = writeln!(s, "  label={};", dot_str(&d.title));
    s.push_str("  labelloc=t;\n  rankdir=TB;\n");
    s.push_str("  node [fontname=\"Helvetica\", fontsize=11, style=\"rounded,filled\"];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for n in &d.nodes {
        let shape = match n.shape {
            Shape::Box => "box",
            Shape::Diamond => "diamond",
            Shape::Round => "oval",
            Shape::Ellipse => "ellipse",
        };
        let (fill, stroke) = n.tone.colors();
        let _ = writeln!(
            s,
            "  {} [label={}, shape={shape}, fillcolor=\"{fill}\", color=\"{stroke}\"];",
            n.id,
            dot_str(&n.label)
        );
    }
    for e in &d.edges {
        let (Some(a), Some(b)) = (d.nodes.get(e.from), d.nodes.get(e.to)) else {
            continue;
        };
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label={}", dot_str(l)));
        }
        match e.line {
            Line::Solid => {}
            Line::Dashed => attrs.push("style=dashed".into()),
            Line::Dotted => attrs.push("style=dotted".into()),
        }
        if e.red {
            attrs.push("color=\"#c62828\"".into());
            attrs.push("fontcolor=\"#c62828\"".into());
        }
        if e.back {
            attrs.push("constraint=false".into());
        }
        if attrs.is_empty() {
            let _ = writeln!(s, "  {} -> {};", a.id, b.id);
        } else {
            let _ = writeln!(s, "  {} -> {} [{}];", a.id, b.id, attrs.join(", "));
        }
    }
    s.push_str("}\n");
    s
}

/// Text inside a quoted Mermaid label: quotes and markup characters as
/// Mermaid entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid `flowchart TD` text of a drawing.
pub fn mermaid(d: &Drawing) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "---\ntitle: {}\n---", mermaid_text(&d.title));
    s.push_str("flowchart TD\n");
    for n in &d.nodes {
        let label = mermaid_text(&n.label);
        let _ = match n.shape {
            Shape::Box => writeln!(s, "  {}[\"{label}\"]", n.id),
            Shape::Diamond => writeln!(s, "  {}{{\"{label}\"}}", n.id),
            Shape::Round => writeln!(s, "  {}([\"{label}\"])", n.id),
            Shape::Ellipse => writeln!(s, "  {}((\"{label}\"))", n.id),
        };
    }
    let mut styles = Vec::new();
    for (i, e) in d.edges.iter().enumerate() {
        let (Some(a), Some(b)) = (d.nodes.get(e.from), d.nodes.get(e.to)) else {
            continue;
        };
        let arrow = match e.line {
            Line::Solid => "-->",
            Line::Dashed | Line::Dotted => "-.->",
        };
        let _ = match &e.label {
            Some(l) => writeln!(s, "  {} {arrow}|\"{}\"| {}", a.id, mermaid_text(l), b.id),
            None => writeln!(s, "  {} {arrow} {}", a.id, b.id),
        };
        let mut style = Vec::new();
        if e.red {
            style.push("stroke:#c62828,color:#c62828");
        }
        if e.line == Line::Dotted {
            style.push("stroke-dasharray:2 3");
        }
        if !style.is_empty() {
            styles.push(format!("  linkStyle {i} {}\n", style.join(",")));
        }
    }
    let mut tones: Vec<Tone> = d.nodes.iter().map(|n| n.tone).collect();
    tones.sort();
    tones.dedup();
    for t in tones {
        let (fill, stroke) = t.colors();
        let _ = writeln!(
            s,
            "  classDef tone_{} fill:{fill},stroke:{stroke}",
            t.name()
        );
        let ids: Vec<&str> = d
            .nodes
            .iter()
            .filter(|n| n.tone == t)
            .map(|n| n.id.as_str())
            .collect();
        let _ = writeln!(s, "  class {} tone_{}", ids.join(","), t.name());
    }
    for l in styles {
        s.push_str(&l);
    }
    s
}
