//! SVG rendering of [`Drawing`]s, laid out by [`super::layout`]: no
//! Graphviz needed, readable in any browser. Several drawings are stacked
//! top to bottom, each under its title.

use super::drawing::{Drawing, Line, Shape, Tone};
use super::layout::{LayoutInput, MARGIN, layout};
use std::fmt::Write as _;

const FONT: f64 = 12.0;
/// Width of one character of the monospace font at [`FONT`] px.
const CHAR_W: f64 = 7.3;
const NODE_H: f64 = 34.0;
const TITLE_H: f64 = 30.0;
const EDGE: &str = "#555555";
const RED: &str = "#c62828";

fn text_w(s: &str, char_w: f64) -> f64 {
    s.chars().count() as f64 * char_w
}

fn node_size(label: &str, shape: Shape) -> (f64, f64) {
    let w = text_w(label, CHAR_W) + 28.0;
    match shape {
        Shape::Diamond => (w + 24.0, NODE_H),
        Shape::Ellipse => (w + 20.0, NODE_H + 4.0),
        _ => (w.max(64.0), NODE_H),
    }
}

/// XML text / attribute escaping.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One SVG image holding every drawing, stacked.
pub fn svg(drawings: &[Drawing]) -> String {
    let mut body = String::new();
    let mut y = 0.0;
    let mut width: f64 = 200.0;
    for d in drawings {
        let (part, w, h) = one(d);
        let _ = writeln!(body, "<g transform=\"translate(0,{y:.1})\">");
        let _ = writeln!(
            body,
            "<text class=\"title\" x=\"{MARGIN:.1}\" y=\"{:.1}\">{}</text>",
            TITLE_H - 8.0,
            xml(&d.title)
        );
        let _ = writeln!(body, "<g transform=\"translate(0,{TITLE_H:.1})\">");
        body.push_str(&part);
        body.push_str("</g>\n</g>\n");
        y += h + TITLE_H;
        width = width.max(w);
    }
    let height = y.max(40.0);
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.1} {height:.1}\">"
    );
    s.push_str("<style>\n");
    s.push_str("text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; fill: #222; }\n");
    s.push_str("text.title { font-size: 14px; font-weight: bold; }\n");
    s.push_str("text.edge { font-size: 10px; fill: #444; }\n");
    s.push_str("text.edge.red { fill: #c62828; }\n");
    s.push_str("rect.label { fill: #ffffff; opacity: 0.9; }\n");
    s.push_str("path.edge { fill: none; stroke-width: 1.4; }\n");
    s.push_str("path.dashed { stroke-dasharray: 6 4; }\n");
    s.push_str("path.dotted { stroke-dasharray: 2 3; }\n");
    s.push_str("</style>\n<defs>\n");
    for (id, color) in [("arrow", EDGE), ("arrow-red", RED)] {
        let _ = writeln!(
            s,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{width:.1}\" height=\"{height:.1}\" fill=\"#ffffff\"/>"
    );
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}

/// One drawing: its SVG elements, width and height.
fn one(d: &Drawing) -> (String, f64, f64) {
    let sizes: Vec<(f64, f64)> = d
        .nodes
        .iter()
        .map(|n| node_size(&n.label, n.shape))
        .collect();
    let input = LayoutInput {
        sizes: sizes.clone(),
        edges: d.edges.iter().map(|e| (e.from, e.to)).collect(),
    };
    let l = layout(&input);
    let mut edges = String::new();
    let mut labels = String::new();
    let mut width = l.width;
    let mut lane = 0.0;
    for (i, e) in d.edges.iter().enumerate() {
        let (Some(&(ax, ay)), Some(&(bx, by))) = (l.centers.get(e.from), l.centers.get(e.to))
        else {
            continue;
        };
        let (aw, ah) = sizes.get(e.from).copied().unwrap_or((0.0, 0.0));
        let (bw, bh) = sizes.get(e.to).copied().unwrap_or((0.0, 0.0));
        let (path, mid) = if e.from == e.to {
            let x = ax + aw / 2.0;
            let loop_x = x + 34.0;
            width = width.max(loop_x + 12.0);
            (
                format!(
                    "M{x:.1},{:.1} C{loop_x:.1},{:.1} {loop_x:.1},{:.1} {x:.1},{:.1}",
                    ay - 6.0,
                    ay - 24.0,
                    ay + 24.0,
                    ay + 6.0
                ),
                (
                    loop_x + 4.0 + text_w(e.label.as_deref().unwrap_or(""), 6.1) / 2.0,
                    ay,
                ),
            )
        } else if l.back.get(i).copied().unwrap_or(false) {
            // Route beside every node between the two ends, on the side
            // with the shorter detour.
            let (top, bottom) = (ay.min(by) - 1.0, ay.max(by) + 1.0);
            let between = l
                .centers
                .iter()
                .zip(&sizes)
                .filter(|((_, y), _)| *y >= top && *y <= bottom);
            let right = between
                .clone()
                .map(|((x, _), (w, _))| x + w / 2.0)
                .fold(f64::MIN, f64::max);
            let left = between
                .map(|((x, _), (w, _))| x - w / 2.0)
                .fold(f64::MAX, f64::min);
            // Leave the source at its bottom, run in the free gap below
            // it to a lane beside the nodes, climb, and come down into the
            // target's top slightly off-centre: nodes are never crossed.
            let go_left = left - 24.0 - lane > 8.0 && (ax.min(bx) - left) < (right - ax.max(bx));
            let sign = if go_left { -1.0 } else { 1.0 };
            let bulge = if go_left {
                left - 24.0 - lane
            } else {
                right + 24.0 + lane
            };
            let gap = 14.0 + (lane / 12.0 % 3.0) * 6.0;
            lane += 12.0;
            width = width.max(bulge + 20.0);
            let r = 8.0;
            let (sx, sb) = (ax + sign * aw / 6.0, ay + ah / 2.0);
            let (tx, tt) = (bx + sign * bw / 4.0, by - bh / 2.0);
            let (low, high) = (sb + gap, tt - gap);
            let path = format!(
                "M{sx:.1},{sb:.1} L{sx:.1},{:.1} Q{sx:.1},{low:.1} {:.1},{low:.1} L{:.1},{low:.1} Q{bulge:.1},{low:.1} {bulge:.1},{:.1} L{bulge:.1},{:.1} Q{bulge:.1},{high:.1} {:.1},{high:.1} L{:.1},{high:.1} Q{tx:.1},{high:.1} {tx:.1},{:.1} L{tx:.1},{tt:.1}",
                low - r,
                sx + sign * r,
                bulge - sign * r,
                low - r,
                high + r,
                bulge - sign * r,
                tx + sign * r,
                high + r,
            );
            let lw = text_w(e.label.as_deref().unwrap_or(""), 6.1) / 2.0 + 4.0;
            (path, (bulge + sign * lw, (ay + by) / 2.0))
        } else {
            let pts = l.paths.get(i).cloned().unwrap_or_default();
            let mut pts = if pts.len() >= 2 {
                pts
            } else {
                vec![(ax, ay), (bx, by)]
            };
            let last = pts.len() - 1;
            pts[0].1 += ah / 2.0;
            pts[last].1 -= bh / 2.0;
            let mut p = format!("M{:.1},{:.1}", pts[0].0, pts[0].1);
            for w in pts.windows(2) {
                let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                let my = (y1 + y2) / 2.0;
                let _ = write!(p, " C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{y2:.1}");
            }
            let k = (pts.len() - 1) / 2;
            let mid = (
                (pts[k].0 + pts[k + 1].0) / 2.0,
                (pts[k].1 + pts[k + 1].1) / 2.0,
            );
            (p, mid)
        };
        let color = if e.red { RED } else { EDGE };
        let marker = if e.red { "arrow-red" } else { "arrow" };
        let class = match e.line {
            Line::Solid => "edge",
            Line::Dashed => "edge dashed",
            Line::Dotted => "edge dotted",
        };
        let _ = writeln!(
            edges,
            "<path class=\"{class}\" d=\"{path}\" stroke=\"{color}\" marker-end=\"url(#{marker})\"/>"
        );
        if let Some(text) = &e.label {
            let w = text_w(text, 6.1) + 6.0;
            let red = if e.red { " red" } else { "" };
            let _ = writeln!(
                labels,
                "<rect class=\"label\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" rx=\"3\"/><text class=\"edge{red}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                mid.0 - w / 2.0,
                mid.1 - 8.0,
                mid.0,
                mid.1 + 3.0,
                xml(text)
            );
            width = width.max(mid.0 + w / 2.0 + 4.0);
        }
    }
    let mut nodes = String::new();
    for (i, n) in d.nodes.iter().enumerate() {
        let (Some(&(x, y)), Some(&(w, h))) = (l.centers.get(i), sizes.get(i)) else {
            continue;
        };
        let (fill, stroke) = n.tone.colors();
        let style = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.4\"");
        let _ = match n.shape {
            Shape::Box => writeln!(
                nodes,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"5\" {style}/>",
                x - w / 2.0,
                y - h / 2.0
            ),
            Shape::Round => writeln!(
                nodes,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{:.1}\" {style}/>",
                x - w / 2.0,
                y - h / 2.0,
                h / 2.0
            ),
            Shape::Ellipse => writeln!(
                nodes,
                "<ellipse cx=\"{x:.1}\" cy=\"{y:.1}\" rx=\"{:.1}\" ry=\"{:.1}\" {style}/>",
                w / 2.0,
                h / 2.0
            ),
            Shape::Diamond => {
                // A hexagon: a decision that still fits its label.
                let (l0, r0, t, b) = (x - w / 2.0, x + w / 2.0, y - h / 2.0, y + h / 2.0);
                writeln!(
                    nodes,
                    "<polygon points=\"{:.1},{y:.1} {:.1},{t:.1} {:.1},{t:.1} {r0:.1},{y:.1} {:.1},{b:.1} {:.1},{b:.1}\" {style}/>",
                    l0,
                    l0 + 12.0,
                    r0 - 12.0,
                    r0 - 12.0,
                    l0 + 12.0
                )
            }
        };
        let weight = if n.tone == Tone::Terminal || n.tone == Tone::Error {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = writeln!(
            nodes,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{weight}>{}</text>",
            y + FONT / 3.0,
            xml(&n.label)
        );
    }
    let mut out = String::new();
    out.push_str(&edges);
    out.push_str(&nodes);
    out.push_str(&labels);
    (out, width, l.height)
}
