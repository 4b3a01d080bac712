//! The pull request comment: a hidden marker (so `--post` finds and edits
//! its own comment), a summary table, per app the workflow changes with a
//! Mermaid flowchart (added steps green, removed red), object details
//! folded in `<details>`, and diagnostics. Kept under a size limit
//! (GitHub: 65,536 characters per comment) by dropping whole sections
//! from the end and saying so.

use super::flow::{Flow, START};
use super::human::{change_lines, diagnostic_text, summary, value_text};
use super::{AppDiff, ChangedObject, Report, WorkflowChange, WorkflowStatus, display_dir};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Finds the comment `air diff --post` made before.
pub const MARKER: &str = "<!-- air-diff -->";
/// GitHub's limit on an issue comment body.
pub const GITHUB_LIMIT: usize = 65_536;

/// Render with GitHub's size limit.
pub fn render(report: &Report) -> String {
    render_limited(report, GITHUB_LIMIT)
}

/// Render, keeping the result at most `limit` bytes (so also at most
/// `limit` characters).
pub fn render_limited(report: &Report, limit: usize) -> String {
    let (head, pieces) = pieces(report);
    let mut out = head;
    let total = pieces.len();
    for (i, piece) in pieces.iter().enumerate() {
        let note = truncation_note(total - i);
        if out.len() + piece.len() + note.len() > limit {
            if out.len() + note.len() <= limit {
                out.push_str(&note);
            }
            return out;
        }
        out.push_str(piece);
    }
    out
}

fn truncation_note(left: usize) -> String {
    format!(
        "\n> [!NOTE]\n> Output truncated to fit the comment size limit: {left} more section{} not shown. Run `air diff` locally for the full report.\n",
        if left == 1 { "" } else { "s" }
    )
}

/// The always-present header (marker, title, summary table) and the
/// sections that follow, each self-contained (balanced `<details>` and
/// code fences) so truncation can stop between any two.
fn pieces(report: &Report) -> (String, Vec<String>) {
    let mut head = String::new();
    let _ = writeln!(head, "{MARKER}");
    let _ = writeln!(head, "## air diff\n");
    let _ = writeln!(
        head,
        "Base: {} → head: {}\n",
        report.base.describe("`"),
        report.head.describe("`")
    );
    let mut pieces = Vec::new();
    if report.apps.is_empty() {
        let _ = writeln!(
            head,
            "No changes in {} app{}.",
            report.apps_compared,
            if report.apps_compared == 1 { "" } else { "s" }
        );
        return (head, pieces);
    }
    let _ = writeln!(
        head,
        "| App | Status | Objects (+/−/~) | Workflows | Diagnostics (new/resolved) | Compiles (base → head) |"
    );
    let _ = writeln!(head, "|---|---|---|---|---|---|");
    for app in &report.apps {
        let row = format!(
            "| `{}` | {} | {} / {} / {} | {} | {} / {} | {} → {} |\n",
            display_dir(&app.path),
            app.status.as_str(),
            app.objects.added.len(),
            app.objects.removed.len(),
            app.objects.changed.len(),
            app.workflows.len(),
            app.diagnostics.new.len(),
            app.diagnostics.resolved.len(),
            yes_no(app.base_compiles),
            yes_no(app.head_compiles),
        );
        // Very many apps: the table rows are sections too.
        pieces.push(row);
    }
    pieces.push("\n".to_string());
    for app in &report.apps {
        app_pieces(app, &mut pieces);
    }
    (head, pieces)
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        None => "—",
        Some(true) => "✅",
        Some(false) => "❌",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

fn app_pieces(app: &AppDiff, pieces: &mut Vec<String>) {
    let mut s = String::new();
    let name = app
        .name
        .as_ref()
        .map(|n| format!(" — app `{n}`"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "### `{}`{name} ({})\n",
        display_dir(&app.path),
        app.status.as_str()
    );
    let _ = writeln!(s, "{}\n", summary(app));
    for n in &app.notes {
        let _ = writeln!(s, "> [!WARNING]\n> {}\n", escape(n));
    }
    pieces.push(s);
    for w in &app.workflows {
        pieces.push(workflow_piece(w));
    }
    if !app.objects.added.is_empty() || !app.objects.removed.is_empty() {
        let mut s = String::from("#### Objects\n\n");
        for o in &app.objects.added {
            let _ = writeln!(s, "- ➕ added `{}`", o.display());
        }
        for o in &app.objects.removed {
            let _ = writeln!(s, "- ➖ removed `{}`", o.display());
        }
        s.push('\n');
        pieces.push(s);
    }
    for c in &app.objects.changed {
        pieces.push(object_piece(c));
    }
    if !app.diagnostics.new.is_empty() || !app.diagnostics.resolved.is_empty() {
        let mut s = String::from("#### Diagnostics\n\n");
        for d in &app.diagnostics.new {
            let _ = writeln!(s, "- 🆕 {}", escape(&diagnostic_text(d)));
        }
        for d in &app.diagnostics.resolved {
            let _ = writeln!(s, "- ✔️ resolved: {}", escape(&diagnostic_text(d)));
        }
        s.push('\n');
        pieces.push(s);
    }
}

fn object_piece(c: &ChangedObject) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary>~ changed <code>{}</code> ({} field{})</summary>\n",
        escape(&c.object.display()),
        c.fields.len(),
        if c.fields.len() == 1 { "" } else { "s" }
    );
    s.push_str("```diff\n");
    for f in &c.fields {
        // Inside a fence nothing needs escaping but the fence itself.
        let clean = |t: String| t.replace("```", "'''");
        if f.base.is_some() {
            let _ = writeln!(s, "- {}: {}", f.path, clean(value_text(&f.base)));
        }
        if f.head.is_some() {
            let _ = writeln!(s, "+ {}: {}", f.path, clean(value_text(&f.head)));
        }
    }
    s.push_str("```\n\n</details>\n\n");
    s
}

fn workflow_piece(w: &WorkflowChange) -> String {
    let mut s = String::new();
    let status = match w.status {
        WorkflowStatus::Added => "added",
        WorkflowStatus::Removed => "removed",
        WorkflowStatus::Changed => "changed",
    };
    let _ = writeln!(s, "#### Workflow `{}` ({status})\n", w.name);
    for (marker, line) in change_lines(w) {
        let icon = if marker == '+' { "➕" } else { "➖" };
        let _ = writeln!(s, "- {icon} {}", escape(&line));
    }
    s.push('\n');
    s.push_str("```mermaid\n");
    s.push_str(&mermaid(w));
    s.push_str("```\n\n");
    s
}

/// A flowchart of the union of both graphs: added steps and transitions
/// in green (thick), removed ones in red (dotted), the rest plain.
pub fn mermaid(w: &WorkflowChange) -> String {
    let empty = Flow::default();
    let base = w.base_flow.as_ref().unwrap_or(&empty);
    let head = w.head_flow.as_ref().unwrap_or(&empty);
    let base_steps: BTreeSet<&str> = base.steps.iter().map(|s| s.name.as_str()).collect();
    let head_steps: BTreeSet<&str> = head.steps.iter().map(|s| s.name.as_str()).collect();
    // Node order: head's steps, then removed ones, so the picture follows
    // the new workflow.
    let mut nodes: Vec<(&str, &str)> = head
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.kind.as_str()))
        .collect();
    nodes.extend(
        base.steps
            .iter()
            .filter(|s| !head_steps.contains(s.name.as_str()))
            .map(|s| (s.name.as_str(), s.kind.as_str())),
    );
    let mut ids: Vec<String> = Vec::new();
    let id_of = |name: &str, ids: &mut Vec<String>| -> String {
        let pos = match ids.iter().position(|n| n == name) {
            Some(p) => p,
            None => {
                ids.push(name.to_string());
                ids.len() - 1
            }
        };
        format!("n{pos}")
    };
    let mut s = String::from("flowchart TD\n");
    let _ = writeln!(s, "  {}([start])", id_of(START, &mut ids));
    for (name, kind) in &nodes {
        let id = id_of(name, &mut ids);
        let class = if !base_steps.contains(name) {
            ":::added"
        } else if !head_steps.contains(name) {
            ":::removed"
        } else {
            ""
        };
        let _ = writeln!(s, "  {id}[\"{} · {}\"]{class}", label(name), label(kind));
    }
    let mut edges: Vec<(&super::Transition, &str)> = Vec::new();
    for t in &head.transitions {
        edges.push((
            t,
            if base.transitions.contains(t) {
                "same"
            } else {
                "added"
            },
        ));
    }
    for t in base
        .transitions
        .iter()
        .filter(|t| !head.transitions.contains(t))
    {
        edges.push((t, "removed"));
    }
    for (t, how) in edges {
        let from = id_of(&t.from, &mut ids);
        let to = id_of(&t.to, &mut ids);
        let arrow = match how {
            "added" => "==>",
            "removed" => "-.->",
            _ => "-->",
        };
        if t.label.is_empty() {
            let _ = writeln!(s, "  {from} {arrow} {to}");
        } else {
            let _ = writeln!(s, "  {from} {arrow}|\"{}\"| {to}", label(&t.label));
        }
    }
    // Targets that are not steps (`end`, `fail`, `exit`): round nodes.
    let steps: BTreeSet<&str> = nodes.iter().map(|(n, _)| *n).collect();
    for (i, name) in ids.iter().enumerate() {
        if name.as_str() != START && !steps.contains(name.as_str()) {
            let shape = name.as_str();
            let _ = writeln!(s, "  n{i}([{}])", label(shape));
        }
    }
    s.push_str("  classDef added fill:#d4f8d4,stroke:#1a7f37,color:#0b3d17\n");
    s.push_str(
        "  classDef removed fill:#ffd8d8,stroke:#cf222e,color:#5c0a0f,stroke-dasharray:4 3\n",
    );
    s
}

/// Text safe inside a quoted Mermaid label.
fn label(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "#quot;".to_string(),
            '<' => "#lt;".to_string(),
            '>' => "#gt;".to_string(),
            '|' => "#124;".to_string(),
            '[' | ']' | '{' | '}' | '(' | ')' => format!("#{};", c as u32),
            c => c.to_string(),
        })
        .collect()
}
