//! The terminal rendering: `+` added, `-` removed, `~` changed, coloured
//! when asked (the CLI decides: never with NO_COLOR or off a terminal).

use super::objects::FieldChange;
use super::{AppDiff, DiagnosticEntry, Report, WorkflowChange, WorkflowStatus, display_dir};
use std::fmt::Write as _;

struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn add(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn del(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn chg(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Render the report for a terminal.
pub fn render(report: &Report, color: bool) -> String {
    let p = Paint { color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        p.dim(&format!(
            "air diff: base {} → head {}",
            report.base.describe(""),
            report.head.describe("")
        ))
    );
    if report.apps.is_empty() {
        let _ = writeln!(
            out,
            "no changes ({} app{} compared)",
            report.apps_compared,
            if report.apps_compared == 1 { "" } else { "s" }
        );
        return out;
    }
    for app in &report.apps {
        app_section(&mut out, app, &p);
    }
    out
}

fn compiles(v: Option<bool>) -> &'static str {
    match v {
        None => "absent",
        Some(true) => "compiles",
        Some(false) => "does not compile",
    }
}

fn app_section(out: &mut String, app: &AppDiff, p: &Paint) {
    let marker = match app.status {
        super::AppStatus::Added => p.add("+"),
        super::AppStatus::Removed => p.del("-"),
        _ => p.chg("~"),
    };
    let name = app
        .name
        .as_ref()
        .map(|n| format!(" `{n}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{marker} {} ({}): {} — base {}, head {}",
        p.bold(&format!("app{name} in {}", display_dir(&app.path))),
        app.status.as_str(),
        summary(app),
        compiles(app.base_compiles),
        compiles(app.head_compiles),
    );
    for n in &app.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    if !app.objects.is_empty() {
        let _ = writeln!(out, "  objects:");
        for o in &app.objects.added {
            let _ = writeln!(out, "  {}", p.add(&format!("+ {}", o.display())));
        }
        for o in &app.objects.removed {
            let _ = writeln!(out, "  {}", p.del(&format!("- {}", o.display())));
        }
        for c in &app.objects.changed {
            let _ = writeln!(out, "  {}", p.chg(&format!("~ {}", c.object.display())));
            for f in &c.fields {
                field(out, f, p);
            }
        }
    }
    if !app.workflows.is_empty() {
        let _ = writeln!(out, "  workflows:");
        for w in &app.workflows {
            workflow(out, w, p);
        }
    }
    diagnostics(out, "new diagnostics", &app.diagnostics.new, p, true);
    diagnostics(
        out,
        "resolved diagnostics",
        &app.diagnostics.resolved,
        p,
        false,
    );
}

/// `2 objects added, 1 changed, 1 workflow changed, 1 new diagnostic`.
pub fn summary(app: &AppDiff) -> String {
    let mut parts = Vec::new();
    let mut count = |n: usize, one: &str, many: &str| match n {
        0 => {}
        1 => parts.push(format!("1 {one}")),
        n => parts.push(format!("{n} {many}")),
    };
    let o = &app.objects;
    count(o.added.len(), "object added", "objects added");
    count(o.removed.len(), "object removed", "objects removed");
    count(o.changed.len(), "object changed", "objects changed");
    count(app.workflows.len(), "workflow changed", "workflows changed");
    let d = &app.diagnostics;
    count(d.new.len(), "new diagnostic", "new diagnostics");
    count(
        d.resolved.len(),
        "resolved diagnostic",
        "resolved diagnostics",
    );
    if parts.is_empty() {
        "no object changes".to_string()
    } else {
        parts.join(", ")
    }
}

/// A value on one line: JSON, long strings cut.
pub(crate) fn value_text(v: &Option<serde_json::Value>) -> String {
    let text = match v {
        None => return "(absent)".to_string(),
        Some(v) => v.to_string(),
    };
    const MAX: usize = 120;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}… ({} chars)", text.chars().count())
    } else {
        text
    }
}

fn field(out: &mut String, f: &FieldChange, p: &Paint) {
    match (&f.base, &f.head) {
        (None, Some(_)) => {
            let _ = writeln!(
                out,
                "      {}",
                p.add(&format!("+ {}: {}", f.path, value_text(&f.head)))
            );
        }
        (Some(_), None) => {
            let _ = writeln!(
                out,
                "      {}",
                p.del(&format!("- {}: {}", f.path, value_text(&f.base)))
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "      {} {} → {}",
                p.chg(&format!("~ {}:", f.path)),
                p.del(&value_text(&f.base)),
                p.add(&value_text(&f.head))
            );
        }
    }
}

fn workflow(out: &mut String, w: &WorkflowChange, p: &Paint) {
    let head = match w.status {
        WorkflowStatus::Added => p.add(&format!("+ {} (new workflow)", w.name)),
        WorkflowStatus::Removed => p.del(&format!("- {} (workflow removed)", w.name)),
        WorkflowStatus::Changed => p.chg(&format!("~ {}", w.name)),
    };
    let _ = writeln!(out, "  {head}");
    for line in change_lines(w) {
        let text = format!("{} {}", line.0, line.1);
        let painted = match line.0 {
            '+' => p.add(&text),
            '-' => p.del(&text),
            _ => text,
        };
        let _ = writeln!(out, "      {painted}");
    }
}

/// The workflow change as `(marker, sentence)` lines, shared with Markdown.
pub fn change_lines(w: &WorkflowChange) -> Vec<(char, String)> {
    let mut v = Vec::new();
    let mut add = |marker: char, what: &str, items: Vec<String>| {
        for i in items {
            v.push((marker, format!("{what} {i}")));
        }
    };
    add('+', "trigger", w.triggers_added.clone());
    add('-', "trigger", w.triggers_removed.clone());
    add('+', "step", w.steps_added.clone());
    add('-', "step", w.steps_removed.clone());
    let t = |ts: &[super::Transition]| ts.iter().map(|t| t.display()).collect::<Vec<_>>();
    add('+', "transition", t(&w.transitions_added));
    add('-', "transition", t(&w.transitions_removed));
    add('+', "now consumes event", w.consumes_added.clone());
    add('-', "no longer consumes event", w.consumes_removed.clone());
    add('+', "now produces event", w.produces_added.clone());
    add('-', "no longer produces event", w.produces_removed.clone());
    v
}

fn diagnostics(out: &mut String, title: &str, ds: &[DiagnosticEntry], p: &Paint, new: bool) {
    if ds.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}:");
    for d in ds {
        let text = format!("{} {}", if new { "+" } else { "-" }, diagnostic_text(d));
        let _ = writeln!(out, "  {}", if new { p.del(&text) } else { p.add(&text) });
    }
}

/// `warning[W0401] message (apps/shop/main.air:12)`.
pub fn diagnostic_text(d: &DiagnosticEntry) -> String {
    let at = match (&d.file, d.line) {
        (Some(f), Some(l)) => format!(" ({f}:{l})"),
        (Some(f), None) => format!(" ({f})"),
        _ => String::new(),
    };
    format!("{}[{}] {}{at}", d.severity, d.code, d.message)
}
