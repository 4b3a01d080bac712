//! A workflow's steps and transitions, computed from the syntax tree with
//! the compiler's step names ([`air_compiler::naming::StepNames`]), so the
//! diff speaks of the same names as the emitted document.
//!
//! Transitions: `start` → first step; each step → the next one in its
//! block (or the step after its enclosing step when the block ends);
//! `then` jumps; `if`/`switch` → each branch or target; `parallel`/`race`
//! → each branch; `for` → its body and back; `try` → body and `catch`.
//! `return` goes to `end`, `fail` to `fail`.

use air_compiler::ast::{Block, Modifier, Step, StepKind, Target, TriggerKind, WorkflowDecl};
use air_compiler::naming::StepNames;
use serde::Serialize;

pub const START: &str = "start";
pub const END: &str = "end";

/// One step of a workflow graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepNode {
    pub name: String,
    /// The step's keyword (`call`, `if`, …).
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    /// Why the edge is taken (`then`, a branch name, `catch`, `loop`…);
    /// empty for plain sequence.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
}

impl Transition {
    pub fn display(&self) -> String {
        if self.label.is_empty() {
            format!("{} → {}", self.from, self.to)
        } else {
            format!("{} → {} ({})", self.from, self.to, self.label)
        }
    }
}

/// The graph of one workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    pub steps: Vec<StepNode>,
    pub transitions: Vec<Transition>,
}

impl Flow {
    pub fn step_names(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.name.clone()).collect()
    }
}

/// What `air diff` compares of a workflow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkflowFacts {
    pub flow: Flow,
    /// `event OrderCreated`, `schedule "0 2 * * *" tz "Europe/Berlin"`, `http`.
    pub triggers: Vec<String>,
    /// Events that start the workflow or that it waits for.
    pub consumes: Vec<String>,
    /// Events it emits.
    pub produces: Vec<String>,
}

pub fn facts(w: &WorkflowDecl) -> WorkflowFacts {
    let names = StepNames::of(w);
    let mut b = Builder {
        names: &names,
        flow: Flow::default(),
        consumes: Vec::new(),
        produces: Vec::new(),
    };
    let first = b.block(&w.body, END);
    b.edge(START, &first, "");
    let mut triggers = Vec::new();
    for m in &w.members {
        if let air_compiler::ast::Member::On(t) = m {
            match &t.kind {
                TriggerKind::Event { event, filter } => {
                    let mut s = format!("event {}", event.display());
                    if let Some(f) = filter {
                        s.push_str(&format!(" where ${{{}}}", f.source));
                    }
                    triggers.push(s);
                    push_unique(&mut b.consumes, event.display());
                }
                TriggerKind::Schedule { cron, tz } => {
                    let mut s = format!("schedule \"{}\"", cron.value);
                    if let Some(tz) = tz {
                        s.push_str(&format!(" tz \"{}\"", tz.value));
                    }
                    triggers.push(s);
                }
                TriggerKind::Http => triggers.push("http".to_string()),
            }
        }
    }
    WorkflowFacts {
        flow: b.flow,
        triggers,
        consumes: b.consumes,
        produces: b.produces,
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

struct Builder<'a> {
    names: &'a StepNames,
    flow: Flow,
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl Builder<'_> {
    fn edge(&mut self, from: &str, to: &str, label: &str) {
        let t = Transition {
            from: from.to_string(),
            to: to.to_string(),
            label: label.to_string(),
        };
        if !self.flow.transitions.contains(&t) {
            self.flow.transitions.push(t);
        }
    }

    /// Add a block's steps; `next` is where control goes after its last
    /// step. Returns the block's entry (its first step, or `next`).
    fn block(&mut self, block: &Block, next: &str) -> String {
        let names: Vec<String> = block.steps.iter().map(|s| self.names.get(s)).collect();
        for (i, step) in block.steps.iter().enumerate() {
            let after = names.get(i + 1).map(String::as_str).unwrap_or(next);
            self.step(step, &names[i], after, block, &names);
        }
        names.first().cloned().unwrap_or_else(|| next.to_string())
    }

    fn target(&self, t: &Target, next: &str) -> String {
        match t {
            Target::Step(id) => id.name.clone(),
            Target::End(_) => END.to_string(),
            Target::Exit(_) => "exit".to_string(),
            Target::Continue(_) => next.to_string(),
        }
    }

    fn step(&mut self, step: &Step, name: &str, after: &str, _block: &Block, _names: &[String]) {
        self.flow.steps.push(StepNode {
            name: name.to_string(),
            kind: step.kind.keyword().to_string(),
        });
        let then = step.modifiers.iter().find_map(|m| match m {
            Modifier::Then(t) => Some(t),
            _ => None,
        });
        let (follow, follow_label) = match then {
            Some(t) => (self.target(t, after), "then"),
            None => (after.to_string(), ""),
        };
        match &step.kind {
            StepKind::Return { .. } => self.edge(name, END, ""),
            StepKind::Fail { error, .. } => {
                self.edge(name, "fail", &error.display());
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (i, (_, body)) in branches.iter().enumerate() {
                    let entry = self.block(body, &follow);
                    let label = if i == 0 {
                        "if".to_string()
                    } else {
                        format!("else if {i}")
                    };
                    self.edge(name, &entry, &label);
                }
                match otherwise {
                    Some(body) => {
                        let entry = self.block(body, &follow);
                        self.edge(name, &entry, "else");
                    }
                    None => self.edge(name, &follow, "else"),
                }
            }
            StepKind::Switch { cases, default } => {
                for (i, c) in cases.iter().enumerate() {
                    let to = self.target(&c.target, &follow);
                    self.edge(name, &to, &format!("case {}", i + 1));
                }
                let to = match default {
                    Some(t) => self.target(t, &follow),
                    None => follow.clone(),
                };
                self.edge(name, &to, "else");
            }
            StepKind::Parallel { branches, .. } => {
                for br in branches {
                    let entry = self.block(&br.body, &follow);
                    self.edge(name, &entry, &br.name.name);
                }
                if branches.is_empty() {
                    self.edge(name, &follow, follow_label);
                }
            }
            StepKind::For { body, .. } => {
                let entry = self.block(body, name);
                self.edge(name, &entry, "each");
                self.edge(name, &follow, "done");
            }
            StepKind::Try { body, catch } => {
                let entry = self.block(body, &follow);
                self.edge(name, &entry, "try");
                let handler = self.block(&catch.body, &follow);
                let label = match &catch.error {
                    Some(e) => format!("catch {}", e.display()),
                    None => "catch".to_string(),
                };
                self.edge(name, &handler, &label);
            }
            kind => {
                match kind {
                    StepKind::Emit { event, .. } => push_unique(&mut self.produces, event.display()),
                    StepKind::WaitFor { events, .. } => {
                        for e in events {
                            push_unique(&mut self.consumes, e.display());
                        }
                    }
                    _ => {}
                }
                self.edge(name, &follow, follow_label);
            }
        }
    }
}
