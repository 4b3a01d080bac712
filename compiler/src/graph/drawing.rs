//! The small drawing model both graphs turn into ([`Drawing`]: nodes with
//! a shape and a tone, edges with a line), shared by [`super::render`](mod@super::render)
//! (dot, mermaid) and [`super::svg`]. A leaf: it imports nothing of the
//! graph.

/// How a node is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A step, workflow or function.
    Box,
    /// A decision (`if`, `switch`).
    Diamond,
    /// start / end / fail, schedules, http.
    Round,
    /// An event.
    Ellipse,
}

/// Colour family of a node (CSS class in SVG, fill in dot/mermaid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    Plain,
    Control,
    Terminal,
    Error,
    Event,
    Extern,
    Function,
    /// A step no path reaches.
    Unreachable,
}

impl Tone {
    pub fn name(self) -> &'static str {
        match self {
            Tone::Plain => "plain",
            Tone::Control => "control",
            Tone::Terminal => "terminal",
            Tone::Error => "error",
            Tone::Event => "event",
            Tone::Extern => "extern",
            Tone::Function => "function",
            Tone::Unreachable => "unreachable",
        }
    }

    /// (fill, stroke)
    pub fn colors(self) -> (&'static str, &'static str) {
        match self {
            Tone::Plain => ("#eef3fb", "#4a6fa5"),
            Tone::Control => ("#fff5dd", "#b08000"),
            Tone::Terminal => ("#e6f4ea", "#2e7d32"),
            Tone::Error => ("#fdecea", "#c62828"),
            Tone::Event => ("#f3e8fd", "#7b1fa2"),
            Tone::Extern => ("#f5f5f5", "#757575"),
            Tone::Function => ("#e0f7fa", "#00838f"),
            Tone::Unreachable => ("#eeeeee", "#9e9e9e"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Solid,
    Dashed,
    Dotted,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DrawNode {
    /// A safe identifier (`n0`, `n1`, …) for dot and mermaid.
    pub id: String,
    pub label: String,
    pub shape: Shape,
    pub tone: Tone,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DrawEdge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    pub line: Line,
    /// Drawn in red (errors).
    pub red: bool,
    /// Goes back up the graph (a loop): drawn curved, beside the nodes.
    pub back: bool,
}

/// A graph ready to be drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub title: String,
    pub nodes: Vec<DrawNode>,
    pub edges: Vec<DrawEdge>,
}
