//! Workflow control-flow graphs and the app's event graph (petgraph), and
//! their renderings (dot, mermaid, svg).
