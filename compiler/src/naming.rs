//! Names of steps. A labelled step is named by its label, verbatim. An
//! unlabelled step gets `<keyword>_<target>_<n>` (`call_inventory_1`,
//! `emit_order_confirmed_2`, `if_1`): the n-th step of that keyword and
//! target in the workflow, counted in source order. Editing an unrelated
//! step elsewhere in the file does not change the name; only adding or
//! removing a step of the same keyword and target before it does.
//!
//! The graph renderings, the lowering and `air diff` all use this module,
//! so a step has one name everywhere.
//!
//! Also the one check of Kubernetes DNS labels (DNS-1123, and DNS-1035
//! for Knative Service names), which air.toml's reader, the value checks,
//! the CLI and the controller share.

use crate::ast::{Block, Step, StepKind, WorkflowDecl};
use crate::diagnostic::ValueError;
use crate::model::push_snake_case;
use crate::span::Span;
use std::fmt::Write;

/// Step names of one workflow, keyed by the step's span.
#[derive(Clone, Debug, Default)]
pub struct StepNames {
    /// Generated names of unlabelled steps, in walk order, which is source
    /// order: parents before their children, so starts strictly increase.
    names: Vec<(Span, String)>,
}

impl StepNames {
    pub fn of(workflow: &WorkflowDecl) -> StepNames {
        // Room for a typical workflow, so the vectors do not grow step
        // by step.
        let mut w = Walk {
            bases: Vec::with_capacity(8),
            counters: Vec::with_capacity(8),
            names: Vec::with_capacity(16),
        };
        w.block(&workflow.body);
        StepNames { names: w.names }
    }

    /// The name of a step of this workflow (its label, or the generated one).
    pub fn get(&self, step: &Step) -> String {
        match &step.label {
            Some(l) => l.name.clone(),
            None => self
                .names
                .binary_search_by_key(&step.span.start, |(s, _)| s.start)
                .ok()
                .and_then(|i| self.names.get(i))
                .filter(|(s, _)| *s == step.span)
                .map_or_else(|| base_name(step), |(_, n)| n.clone()),
        }
    }
}

/// Numbering steps costs a fair share of checking and building large
/// apps (it runs for the graphs and again for the lowering), hence the
/// caches: base names by keyword and written target (so `snake_case` runs
/// once per target), each with the index of its counter (counters are by
/// base name: two targets may share one). A workflow has a handful of
/// distinct bases, so both are short vectors searched in order, cheaper
/// than building and hashing into maps for every workflow.
struct Walk<'w> {
    bases: Vec<(&'static str, &'w str, usize)>,
    counters: Vec<(String, usize)>,
    names: Vec<(Span, String)>,
}

impl<'w> Walk<'w> {
    fn block(&mut self, block: &'w Block) {
        for step in &block.steps {
            if step.label.is_none() {
                let counter = self.counter(step);
                if let Some((base, n)) = self.counters.get_mut(counter) {
                    *n += 1;
                    self.names.push((step.span, numbered(base, *n)));
                }
            }
            match &step.kind {
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (_, b) in branches {
                        self.block(b);
                    }
                    if let Some(b) = otherwise {
                        self.block(b);
                    }
                }
                StepKind::Parallel { branches, .. } => {
                    for b in branches {
                        self.block(&b.body);
                    }
                }
                StepKind::For { body, .. } => self.block(body),
                StepKind::Try { body, catch } => {
                    self.block(body);
                    self.block(&catch.body);
                }
                _ => {}
            }
        }
    }

    /// The index in `counters` of the step's [`base_name`].
    fn counter(&mut self, step: &'w Step) -> usize {
        // `wait 5m` and `wait for E` share a keyword, not a base name.
        let kind = match step.kind {
            StepKind::WaitFor { .. } => "wait for",
            _ => step.kind.keyword(),
        };
        let target = target_word(&step.kind).unwrap_or_default();
        if let Some(&(_, _, i)) = self
            .bases
            .iter()
            .find(|(k, t, _)| *k == kind && *t == target)
        {
            return i;
        }
        let base = base_name(step);
        let i = match self.counters.iter().position(|(b, _)| *b == base) {
            Some(i) => i,
            None => {
                self.counters.push((base, 0));
                self.counters.len() - 1
            }
        };
        self.bases.push((kind, target, i));
        i
    }
}

/// The written name [`base_name`] derives from (none for steps named by
/// their keyword alone).
fn target_word(kind: &StepKind) -> Option<&str> {
    match kind {
        StepKind::Call { target, .. } => Some(&target.name.name),
        StepKind::Run { workflow, .. } => Some(&workflow.name),
        StepKind::Emit { event, .. } => Some(&event.name.name),
        StepKind::WaitFor { events, .. } => events.first().map(|e| e.name.name.as_str()),
        StepKind::Fail { error, .. } => Some(&error.name.name),
        StepKind::For { item, .. } => Some(&item.name),
        _ => None,
    }
}

/// `call_inventory`, `emit_order_confirmed`, `wait_for_payment_settled`,
/// `if`, `parallel`, … (built in place: this runs for every unlabelled
/// step, in checking and again in lowering).
pub(crate) fn base_name(step: &Step) -> String {
    let kw = match step.kind {
        StepKind::WaitFor { .. } => "wait_for",
        _ => step.kind.keyword(),
    };
    let target = target_word(&step.kind);
    let mut name = String::with_capacity(kw.len() + target.map_or(0, str::len) + 6);
    name.push_str(kw);
    if let Some(target) = target {
        name.push('_');
        push_snake_case(&mut name, target);
    }
    name
}

/// `n` in decimal after `base_`.
fn numbered(base: &str, n: usize) -> String {
    let mut name = String::with_capacity(base.len() + 3);
    name.push_str(base);
    name.push('_');
    match u32::try_from(n).ok().and_then(|d| char::from_digit(d, 10)) {
        Some(digit) => name.push(digit),
        // Writing into a String cannot fail.
        None => {
            let _ = write!(name, "{n}");
        }
    }
    name
}

/// The nested blocks of a step, in source order.
pub fn child_blocks(kind: &StepKind) -> Vec<&Block> {
    match kind {
        StepKind::If {
            branches,
            otherwise,
        } => {
            let mut v: Vec<&Block> = branches.iter().map(|(_, b)| b).collect();
            v.extend(otherwise.iter());
            v
        }
        StepKind::Parallel { branches, .. } => branches.iter().map(|b| &b.body).collect(),
        StepKind::For { body, .. } => vec![body],
        StepKind::Try { body, catch } => vec![body, &catch.body],
        _ => Vec::new(),
    }
}

/// A DNS-1123 label: 1–63 of `[a-z0-9-]`, alphanumeric at both ends.
pub fn dns1123_label(s: &str) -> Result<(), ValueError> {
    label(s, false)
}

/// A DNS-1035 label: a DNS-1123 label that starts with a letter.
pub(crate) fn dns1035_label(s: &str) -> Result<(), ValueError> {
    label(s, true)
}

fn label(s: &str, letter_first: bool) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(ValueError::new(0..0, "empty name"));
    }
    if s.len() > 63 {
        return Err(ValueError::new(
            0..s.len(),
            format!("name is {} characters long, the limit is 63", s.len()),
        ));
    }
    label_chars(s, 0, letter_first)
}

pub(crate) fn label_chars(s: &str, at: usize, letter_first: bool) -> Result<(), ValueError> {
    for (i, c) in s.char_indices() {
        let range = at + i..at + i + c.len_utf8();
        if c.is_ascii_uppercase() {
            return Err(ValueError::new(range, "Kubernetes names are lowercase")
                .help(format!("write `{}`", kubernetes_form(s))));
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(ValueError::new(
                range,
                format!("invalid character `{c}` in a Kubernetes name"),
            )
            .help("use lowercase letters, digits and `-`"));
        }
        if i == 0 && letter_first && !c.is_ascii_lowercase() {
            return Err(ValueError::new(range, "name must start with a letter"));
        }
        if (i == 0 || i + 1 == s.len()) && c == '-' {
            return Err(ValueError::new(
                range,
                "name must start and end with a letter or digit",
            ));
        }
    }
    Ok(())
}

/// `s` lowercased, with characters Kubernetes names cannot hold as `-`.
fn kubernetes_form(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.') => c,
            _ => '-',
        })
        .collect()
}

/// Whether `s` is a DNS-1123 label (namespaces, app names in air.toml and
/// the controller's configuration).
pub fn is_dns_label(s: &str) -> bool {
    dns1123_label(s).is_ok()
}
