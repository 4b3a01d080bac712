//! `--trace`: the engine's trace and the runner's own notes (sends,
//! deliveries, ticks) as one timeline an operator reads top to bottom.

use super::matching::short;
use super::report::TraceLine;
use crate::sw::{RunId, TaskInfo, TraceEntry, TraceEvent};
use std::collections::HashMap;

/// The notes (each with the engine-trace length when it was written)
/// merged into the engine's trace, in the order things happened.
pub fn merge(notes: &[(usize, TraceLine)], trace: &[TraceEntry]) -> Vec<TraceLine> {
    let mut out = Vec::with_capacity(notes.len() + trace.len());
    let mut notes = notes.iter().peekable();
    // Runs are named `<workflow>#<id>`, the workflow taken from their start.
    let mut names: HashMap<RunId, String> = HashMap::new();
    for (i, entry) in trace.iter().enumerate() {
        while let Some((_, note)) = notes.next_if(|(at, _)| *at <= i) {
            out.push(note.clone());
        }
        if let TraceEvent::RunStarted { workflow, .. } = &entry.event {
            names.insert(entry.run, workflow.name.clone());
        }
        if let Some(mut line) = render(entry) {
            if let Some(name) = names.get(&entry.run) {
                line.run = Some(format!("{name}#{}", entry.run));
            }
            out.push(line);
        }
    }
    out.extend(notes.map(|(_, n)| n.clone()));
    out
}

fn task(t: &TaskInfo) -> String {
    t.step.clone().unwrap_or_else(|| t.name.clone())
}

/// One engine trace entry as a line; `None` for entries too fine to show.
fn render(entry: &TraceEntry) -> Option<TraceLine> {
    let text = match &entry.event {
        TraceEvent::RunStarted { workflow, .. } => {
            format!("run started: {}/{}", workflow.namespace, workflow.name)
        }
        TraceEvent::RunCompleted { output } => format!("run completed: {}", short(output)),
        TraceEvent::RunFaulted { error } => format!("run faulted: {}", short(error)),
        TraceEvent::RunCancelled => "run cancelled (its caller ended)".to_string(),
        TraceEvent::TaskEntered { task: t } => format!("→ {}", task(t)),
        TraceEvent::TaskSkipped { task: t } => format!("↷ {} skipped (if false)", task(t)),
        TraceEvent::TaskCompleted { task: t, .. } => format!("✓ {}", task(t)),
        TraceEvent::TaskFaulted { task: t, error } => {
            format!("✗ {}: {}", task(t), short(error))
        }
        TraceEvent::TaskRetried {
            task: t,
            attempt,
            delay_ms,
        } => format!(
            "↻ {} retry {attempt} in {}",
            task(t),
            super::report::clock(*delay_ms)
        ),
        TraceEvent::EventEmitted { task: t, event } => format!(
            "{} emitted {} {}",
            task(t),
            event["type"].as_str().unwrap_or("?"),
            short(&event["data"])
        ),
        TraceEvent::EventConsumed { task: t, event } => format!(
            "{} received {} {}",
            task(t),
            event["type"].as_str().unwrap_or("?"),
            short(&event["data"])
        ),
        TraceEvent::HttpRequested { task: t, request } => format!(
            "{} {} {}{}",
            task(t),
            request.method,
            request.url,
            request
                .body
                .as_ref()
                .map_or(String::new(), |b| format!(" {}", short(b)))
        ),
        TraceEvent::HttpAnswered {
            task: t,
            status,
            body,
        } => match status {
            Some(s) => format!("{} ← {s} {}", task(t), short(body)),
            None => format!("{} ← no answer", task(t)),
        },
        TraceEvent::TimerSet { task: t, until_ms } => format!(
            "{} waits until {}",
            task(t),
            super::report::clock(*until_ms)
        ),
    };
    Some(TraceLine {
        at_ms: entry.at_ms,
        run: Some(format!("#{}", entry.run)),
        text,
    })
}
