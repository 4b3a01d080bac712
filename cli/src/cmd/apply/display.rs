//! What `air apply` shows while it works. One line per object on stdout,
//! as kubectl prints them (`service.serving.knative.dev/resize created`),
//! in both modes. On a terminal, a status line on stderr below them is
//! redrawn in place (what is being applied, what is still not healthy),
//! and verbs are coloured unless NO_COLOR is set; otherwise nothing is
//! redrawn, so logs and pipes get plain lines only.

use air_reconciler::apply::Progress;
use air_reconciler::health::Health;
use air_reconciler::object::ObjectRef;
use air_reconciler::plan::{Action, Change, Plan};
use air_reconciler::wait::{States, WaitProgress};
use std::collections::BTreeSet;
use std::io::Write;

/// Display mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    /// Redraw a status line in place (stderr is a terminal).
    pub live: bool,
    /// Colour the verbs.
    pub color: bool,
    /// Nothing is changed: every verb says so, as kubectl does.
    pub dry_run: bool,
}

impl Mode {
    /// The mode for this process: live when stderr is a terminal that can
    /// redraw (TERM is not `dumb`), colour unless NO_COLOR.
    pub fn detect(dry_run: bool) -> Mode {
        use std::io::IsTerminal;
        let term_ok = std::env::var("TERM").map_or(true, |t| t != "dumb");
        let live = std::io::stderr().is_terminal() && term_ok;
        let color = live && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Mode {
            live,
            color,
            dry_run,
        }
    }
}

/// The running tally and the two output streams.
pub struct Display<O: Write, E: Write> {
    mode: Mode,
    out: O,
    err: E,
    /// Writes planned (creates, updates, deletes) and done so far.
    total: usize,
    done: usize,
    /// Whether a status line is on screen (to be erased before a line).
    status_shown: bool,
    /// Objects already reported healthy while waiting.
    healthy: BTreeSet<ObjectRef>,
    pub counts: Counts,
}

/// How many objects got each verb.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub configured: usize,
    pub unchanged: usize,
    pub pruned: usize,
    pub skipped: usize,
    pub orphaned: usize,
}

impl Counts {
    fn add(&mut self, action: Action) {
        match action {
            Action::Create => self.created += 1,
            Action::Update => self.configured += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Delete => self.pruned += 1,
            Action::Blocked => self.skipped += 1,
            Action::Orphaned => self.orphaned += 1,
        }
    }

    /// "2 created, 1 configured, 9 unchanged" (zeros left out).
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.created, "created"),
            (self.configured, "configured"),
            (self.unchanged, "unchanged"),
            (self.pruned, "pruned"),
            (self.skipped, "skipped"),
            (self.orphaned, "orphaned"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, verb)| format!("{n} {verb}"))
        .collect();
        if parts.is_empty() {
            "nothing to apply".into()
        } else {
            parts.join(", ")
        }
    }
}

/// kubectl's name for an object: `kind.group/name`, lower-case kind,
/// no group for the core API.
pub fn kubectl_name(r: &ObjectRef) -> String {
    let kind = r.kind.to_lowercase();
    match r.group() {
        "" => format!("{kind}/{}", r.name),
        group => format!("{kind}.{group}/{}", r.name),
    }
}

/// The verb kubectl would print, and the ANSI colour for it.
fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("created", "32"),
        Action::Update => ("configured", "33"),
        Action::Unchanged => ("unchanged", "2"),
        Action::Delete => ("pruned", "31"),
        Action::Blocked => ("skipped", "35"),
        Action::Orphaned => ("orphaned", "35"),
    }
}

impl<O: Write, E: Write> Display<O, E> {
    pub fn new(mode: Mode, out: O, err: E) -> Self {
        Display {
            mode,
            out,
            err,
            total: 0,
            done: 0,
            status_shown: false,
            healthy: BTreeSet::new(),
            counts: Counts::default(),
        }
    }

    /// Print one object line (erasing the status line first).
    fn object_line(&mut self, r: &ObjectRef, action: Action, reason: &str, validated: bool) {
        self.clear_status();
        let (word, colour) = verb(action);
        let word = if self.mode.color {
            format!("\x1b[{colour}m{word}\x1b[0m")
        } else {
            word.to_string()
        };
        let mut line = format!("{} {word}", kubectl_name(r));
        if matches!(action, Action::Blocked | Action::Orphaned) {
            line.push_str(&format!(" ({reason})"));
        }
        if self.mode.dry_run && !matches!(action, Action::Blocked | Action::Orphaned) {
            line.push_str(if validated {
                " (server dry run)"
            } else {
                " (dry run)"
            });
        }
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
        self.counts.add(action);
    }

    /// Any other line for stdout (erasing the status line first).
    pub fn line(&mut self, text: &str) {
        self.clear_status();
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// A message for stderr (erasing the status line first).
    pub fn note(&mut self, text: &str) {
        self.clear_status();
        let _ = writeln!(self.err, "{text}");
        let _ = self.err.flush();
    }

    /// Redraw the status line (live mode only).
    fn status(&mut self, text: &str) {
        if !self.mode.live {
            return;
        }
        // Keep it on one line of a narrow terminal.
        let text: String = text.chars().take(100).collect();
        let _ = write!(self.err, "\r\x1b[2K{text}");
        let _ = self.err.flush();
        self.status_shown = true;
    }

    /// Erase the status line, if one is shown.
    pub fn clear_status(&mut self) {
        if self.status_shown {
            let _ = write!(self.err, "\r\x1b[2K");
            let _ = self.err.flush();
            self.status_shown = false;
        }
    }

    /// A dry run changes nothing, so its create/update/delete lines come
    /// from the plan once the server accepted every object. Objects in
    /// `unvalidated` (a namespace that does not exist yet) could not be
    /// sent to the server, and their lines say so.
    pub fn dry_run_lines(&mut self, plan: &Plan, unvalidated: Option<&str>) {
        for c in &plan.changes {
            if matches!(c.action, Action::Create | Action::Update | Action::Delete) {
                let validated = unvalidated != Some(c.object.namespace.as_str());
                self.object_line(&c.object, c.action, &c.reason, validated);
            }
        }
        if let Some(ns) = unvalidated {
            self.note(&format!(
                "note: namespace {ns} does not exist yet; the API server accepted its \
                 creation but can only validate the objects in it once it exists"
            ));
        }
    }

    fn progress_status(&mut self, current: &ObjectRef) {
        let text = format!(
            "applying {}/{} {}",
            self.done,
            self.total,
            kubectl_name(current)
        );
        self.status(&text);
    }
}

impl<O: Write, E: Write> Progress for Display<O, E> {
    fn planned(&mut self, plan: &Plan) {
        self.total = plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Delete))
            .count();
        for c in &plan.changes {
            if matches!(
                c.action,
                Action::Unchanged | Action::Blocked | Action::Orphaned
            ) {
                self.object_line(&c.object, c.action, &c.reason, true);
            }
        }
        if self.total > 0 && !self.mode.dry_run {
            let text = format!("checking {} objects with a server-side dry run", self.total);
            self.status(&text);
        }
    }

    fn applied(&mut self, change: &Change) {
        self.done += 1;
        self.object_line(&change.object, change.action, &change.reason, true);
        if self.done < self.total {
            self.progress_status(&change.object);
        }
    }

    fn deleted(&mut self, object: &ObjectRef) {
        self.done += 1;
        self.object_line(object, Action::Delete, "", true);
        if self.done < self.total {
            self.progress_status(object);
        }
    }
}

impl<O: Write, E: Write> WaitProgress for Display<O, E> {
    fn polled(&mut self, states: &States) {
        for (r, a) in states {
            if a.health == Health::Healthy && self.healthy.insert(r.clone()) {
                self.line(&format!("{} healthy", kubectl_name(r)));
            }
        }
        let waiting: Vec<_> = states
            .iter()
            .filter(|(_, a)| a.health != Health::Healthy)
            .collect();
        if let Some((r, a)) = waiting.first() {
            let text = format!(
                "waiting for {} of {}: {} {} ({})",
                waiting.len(),
                states.len(),
                kubectl_name(r),
                a.health,
                a.message
            );
            self.status(&text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(api_version: &str, kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: "ns".into(),
            name: name.into(),
        }
    }

    #[test]
    fn names_are_kubectl_names() {
        assert_eq!(
            kubectl_name(&r("serving.knative.dev/v1", "Service", "resize")),
            "service.serving.knative.dev/resize"
        );
        assert_eq!(kubectl_name(&r("v1", "ConfigMap", "c")), "configmap/c");
    }

    #[test]
    fn plain_mode_never_redraws_and_live_mode_erases_its_status_line() {
        let change = Change {
            object: r("v1", "ConfigMap", "c"),
            action: Action::Create,
            reason: "not in the cluster".into(),
            desired: None,
            fields: Vec::new(),
        };
        let plan = Plan {
            changes: vec![change.clone(), change.clone()],
            refused: None,
        };
        for live in [false, true] {
            let mode = Mode {
                live,
                color: false,
                dry_run: false,
            };
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut d = Display::new(mode, &mut out, &mut err);
            d.planned(&plan);
            d.applied(&change);
            d.applied(&change);
            d.clear_status();
            assert_eq!(d.counts.summary(), "2 created");
            let (out, err) = (
                String::from_utf8(out).unwrap(),
                String::from_utf8(err).unwrap(),
            );
            assert_eq!(out, "configmap/c created\nconfigmap/c created\n");
            assert_eq!(err.contains("\r\x1b[2K"), live, "{err:?}");
            assert_eq!(err.contains("applying 1/2"), live, "{err:?}");
        }
    }

    #[test]
    fn dry_run_lines_say_so() {
        let mode = Mode {
            live: false,
            color: false,
            dry_run: true,
        };
        let plan = Plan {
            changes: vec![Change {
                object: r("v1", "ConfigMap", "c"),
                action: Action::Update,
                reason: "data differs".into(),
                desired: None,
                fields: Vec::new(),
            }],
            refused: None,
        };
        let mut out = Vec::new();
        let mut d = Display::new(mode, &mut out, Vec::new());
        d.planned(&plan);
        d.dry_run_lines(&plan, None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "configmap/c configured (server dry run)\n"
        );
    }
}
