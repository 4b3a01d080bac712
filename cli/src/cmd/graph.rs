//! `air graph`: draw a workflow's state machine or the app's event graph
//! as Graphviz dot, Mermaid or SVG (laid out by air itself).

use crate::cmd::{app_options, fail};
use crate::exit;
use crate::render::{Format as DiagFormat, print_all};
use air_compiler::diagnostic::suggest;
use air_compiler::graph::{
    Drawing, Format, cfg_drawing, event_drawing, event_graph, render, workflow_graph,
};
use air_compiler::{Compilation, Severity};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum GraphFormat {
    /// Graphviz dot text (`dot -Tpng`).
    #[default]
    Dot,
    /// A Mermaid `flowchart TD` (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// A self-contained SVG image, laid out by air (no Graphviz needed).
    Svg,
}

impl From<GraphFormat> for Format {
    fn from(f: GraphFormat) -> Format {
        match f {
            GraphFormat::Dot => Format::Dot,
            GraphFormat::Mermaid => Format::Mermaid,
            GraphFormat::Svg => Format::Svg,
        }
    }
}

/// Draw the control-flow graph of workflows (steps, transitions, branches,
/// loops, error edges) or the app's event graph (events → workflows and
/// functions → emitted events).
///
/// Without `--workflow` or `--events`, every workflow of the app is drawn:
/// one document per workflow for dot and mermaid, one SVG image with the
/// workflows stacked top to bottom for svg. The app is checked first, like
/// `air check`; with errors, nothing is drawn.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air graph examples/shop --workflow fulfil_order --format svg -o fulfil.svg\n  air graph examples/shop --events --format mermaid\n  air graph . | dot -Tpng > workflows.png\n\nExit codes: 0 drawn, 1 the app has errors, 2 could not run."
)]
pub struct Args {
    /// The app folder (holding air.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Draw only this workflow.
    #[arg(long, short = 'w', value_name = "NAME")]
    pub workflow: Option<String>,
    /// Draw the app's event graph (with --workflow: both).
    #[arg(long)]
    pub events: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
    /// Environment overlay from air.toml (`[env.NAME]`).
    #[arg(long)]
    pub env: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Repository root (default: nearest folder with .git, else the app's parent).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

/// What drawing an app gave.
pub enum Drawn {
    /// The rendered text.
    Text(String),
    /// The app has errors: nothing drawn.
    Findings,
    /// Could not run (message for the user).
    Error(String),
}

/// What to draw.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub workflow: Option<String>,
    pub events: bool,
}

/// Compile the app at `path` and render what `select` asks for. The
/// compilation is returned too, so the caller can print its diagnostics.
pub fn draw(
    path: &Path,
    root: Option<&PathBuf>,
    env: Option<String>,
    select: &Selection,
    format: Format,
) -> (Drawn, Option<Compilation>) {
    let (provider, opts) = match app_options(path, root, env) {
        Ok(a) => a,
        Err(e) => return (Drawn::Error(e), None),
    };
    let c = air_compiler::compile::check(&provider, &opts);
    if c.diagnostics.has_errors() {
        return (Drawn::Findings, Some(c));
    }
    let drawn = match drawings(&c, select) {
        Ok(d) => Drawn::Text(render(&d, format)),
        Err(e) => Drawn::Error(e),
    };
    (drawn, Some(c))
}

/// The drawings `select` asks for, from a checked compilation.
fn drawings(c: &Compilation, select: &Selection) -> Result<Vec<Drawing>, String> {
    let Some(program) = &c.program else {
        return Err("nothing to draw: the app did not load".into());
    };
    let Some(unit) = program.root() else {
        return Err("nothing to draw: the app did not load".into());
    };
    let mut drawings: Vec<Drawing> = Vec::new();
    match &select.workflow {
        Some(name) => match unit.workflows().find(|w| &w.name.name == name) {
            Some(w) => drawings.push(cfg_drawing(&workflow_graph(w))),
            None => {
                let known: Vec<&str> = unit.workflows().map(|w| w.name.name.as_str()).collect();
                let hint = match suggest(name, known.iter().copied()) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None if known.is_empty() => " (the app has no workflows)".to_string(),
                    None => format!(" (workflows: {})", known.join(", ")),
                };
                return Err(format!("no workflow `{name}` in the app{hint}"));
            }
        },
        None if !select.events => {
            drawings.extend(unit.workflows().map(|w| cfg_drawing(&workflow_graph(w))));
            if drawings.is_empty() {
                return Err("the app has no workflows (try --events)".into());
            }
        }
        None => {}
    }
    if select.events {
        drawings.push(event_drawing(&event_graph(program, 0)));
    }
    Ok(drawings)
}

pub fn run(args: Args) -> u8 {
    let select = Selection {
        workflow: args.workflow.clone(),
        events: args.events,
    };
    let (drawn, c) = draw(
        &args.path,
        args.root.as_ref(),
        args.env.clone(),
        &select,
        args.format.into(),
    );
    // Errors and warnings go to stderr (the drawing may be on stdout);
    // notes are left to `air check`.
    if let Some(c) = &c {
        let shown = c
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Note);
        print_all(shown, &c.sources, DiagFormat::Human);
    }
    match drawn {
        Drawn::Findings => exit::FINDINGS,
        Drawn::Error(e) => fail(&e),
        Drawn::Text(text) => match &args.output {
            Some(file) => match std::fs::write(file, text) {
                Ok(()) => exit::OK,
                Err(e) => fail(&format!("cannot write `{}`: {e}", file.display())),
            },
            None => {
                print!("{text}");
                exit::OK
            }
        },
    }
}
