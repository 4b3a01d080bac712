//! Steps → tasks. Each step becomes one named task (a single-key object in
//! a task list); modifiers become task properties, `retry` a `try` around
//! the task. Control flow (`if`, `parallel`, `for`, `try`) nests task lists.

use super::Lowerer;
use super::values::{expr_text, json_string, on_workflow_input};
use crate::ast::{
    Backoff, Block, Catch, Modifier, Retry, Step, StepKind, Target, Value, ValueKind,
};
use crate::emit::tree::{Node, NodeMap};
use crate::lower::concat;
use crate::{node, node_map};

mod io;
mod uri;

pub use io::{function_url, join_path};

/// The context key a `then exit` in a `for` body sets to the loop's name,
/// so the loop's `while` stops it; the loop removes it when done.
pub const BREAK_KEY: &str = "air.dev/break";

/// The jq program inside a `${ … }` string built here.
fn strip_expr(e: &str) -> &str {
    e.trim()
        .strip_prefix("${")
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(e)
        .trim()
}

/// The type of the error a failed HTTP call raises.
pub const COMMUNICATION_ERROR: &str =
    "https://serverlessworkflow.io/spec/1.0.0/errors/communication";

/// The name of the task that applies `where` filters no Trigger can.
pub const GUARD_TASK: &str = "air_guard";

/// `${ $workflow.input }`: what `.` is in every `.air` expression.
pub const WORKFLOW_INPUT: &str = "${ $workflow.input }";

/// A task under construction: kind-specific fields plus the common ones,
/// assembled in a fixed key order by [`Task::finish`].
#[derive(Default)]
pub(crate) struct Task {
    pub if_: Option<String>,
    pub body: NodeMap,
    /// Read the workflow input rather than the previous task's output.
    pub reads_input: bool,
    /// `input.from` other than the workflow input (a `run` with an
    /// expression as input).
    pub input_from: Option<String>,
    pub output_as: Option<String>,
    pub export_as: Option<String>,
    pub timeout: Option<String>,
    pub then: Option<String>,
    pub metadata: NodeMap,
}

impl Task {
    fn finish(self) -> Node {
        // `if` leads; without it the body's map is the task's map.
        let mut m = match self.if_ {
            None => self.body,
            Some(c) => {
                let mut m = NodeMap::with_capacity(self.body.len() + 6);
                m.insert("if", c);
                m.extend(self.body);
                m
            }
        };
        if let Some(from) = self.input_from {
            m.insert("input", node! { "from" => from });
        } else if self.reads_input {
            m.insert("input", node! { "from" => WORKFLOW_INPUT });
        }
        if let Some(a) = self.output_as {
            m.insert("output", node! { "as" => a });
        }
        if let Some(a) = self.export_as {
            m.insert("export", node! { "as" => a });
        }
        if let Some(t) = self.timeout {
            m.insert("timeout", node! { "after" => t });
        }
        if let Some(t) = self.then {
            m.insert("then", Node::from(t));
        }
        m.insert("metadata", Node::Map(self.metadata));
        Node::Map(m)
    }
}

/// `{ name: task }`, an entry of a task list.
fn entry(name: &str, task: Node) -> Node {
    let mut m = NodeMap::with_capacity(1);
    m.insert(name.to_string(), task);
    Node::Map(m)
}

/// The flow directive of a target.
pub fn flow(target: &Target) -> String {
    match target {
        Target::Step(i) => i.name.clone(),
        Target::End(_) => "end".into(),
        Target::Exit(_) => "exit".into(),
        Target::Continue(_) => "continue".into(),
    }
}

/// Inside a fork branch, the key of a wrapped step's output that holds the
/// step's own output (see [`Lowerer::branch_step`]).
pub const BRANCH_OUTPUT: &str = "air.dev/output";
/// Inside a fork branch, the key of a wrapped step's output that holds what
/// the branch adds to the context so far; the fork merges it.
pub const BRANCH_CONTEXT: &str = "air.dev/context";

/// `${ $context + { "label": SEL } }`: merge a labelled step's result into
/// the context (export.as replaces the context, so it must merge).
fn export_label(label: &str, selection: &str) -> String {
    format!(
        "${{ $context + {{ {}: {selection} }} }}",
        json_string(label)
    )
}

/// A retry policy: `retry N [backoff B] [delay] [max d] [within d]`.
pub fn retry_policy(r: &Retry) -> Node {
    let mut p = NodeMap::new();
    if let Some(d) = &r.delay {
        p.insert("delay", Node::from(d.iso8601()));
    }
    // Always explicit: some engines refuse a policy without a backoff.
    let kind = match r.backoff.unwrap_or(Backoff::Constant) {
        Backoff::Constant => "constant",
        Backoff::Linear => "linear",
        Backoff::Exponential => "exponential",
    };
    let mut o = NodeMap::new();
    o.insert(kind, node! {});
    p.insert("backoff", Node::Map(o));
    let mut limit = NodeMap::new();
    limit.insert("attempt", node! { "count" => r.attempts });
    // SW has no cap on a single delay: `within` (and `max`, which
    // W0305 flags) bound the whole retrying.
    if let Some(m) = r.within.as_ref().or(r.max.as_ref()) {
        limit.insert("duration", Node::from(m.iso8601()));
    }
    p.insert("limit", Node::Map(limit));
    Node::Map(p)
}

impl Lowerer<'_> {
    pub(crate) fn metadata(&self, step: &str, kind: &'static str) -> NodeMap {
        node_map! {
            "air.dev/workflow" => self.doc_name.clone(),
            "air.dev/step" => step.to_string(),
            "air.dev/kind" => kind,
        }
    }

    /// `air_guard`: ends the run when the input is an event that none of
    /// the workflow's `on` clauses accepts (`refused`, a jq condition from
    /// [`crate::lower::routes::guard_condition`]).
    pub(crate) fn guard(&self, refused: &str) -> Node {
        let mut t = Task {
            reads_input: true,
            metadata: self.metadata(GUARD_TASK, "guard"),
            ..Task::default()
        };
        let when = if refused.contains('#') {
            concat(&["${ ", refused, "\n}"])
        } else {
            concat(&["${ ", refused, " }"])
        };
        t.body.insert(
            "switch",
            vec![
                entry("no_on_matches", node! { "when" => when, "then" => "end" }),
                entry("default", node! { "then" => "continue" }),
            ],
        );
        entry(GUARD_TASK, t.finish())
    }

    /// A block as a task list.
    pub(crate) fn block(&mut self, block: &Block) -> Vec<Node> {
        self.block_in(block, None)
    }

    /// A block as a task list; `loop_name` when it is the body of that
    /// `for` step and a step of it leaves the loop.
    fn block_in(&mut self, block: &Block, loop_name: Option<&str>) -> Vec<Node> {
        let mut out = Vec::with_capacity(block.steps.len());
        for (i, s) in block.steps.iter().enumerate() {
            self.loop_exit = loop_name.map(str::to_string);
            // Where a skipped step flows to: the next step, or out of
            // the list when it is the last.
            let next = block
                .steps
                .get(i + 1)
                .map_or_else(|| "exit".to_string(), |n| self.names.get(n));
            out.extend(self.step(s, &next));
        }
        out
    }

    /// The task(s) of one step: its task, preceded by a `<name>_when`
    /// switch when a `when` meets a `then` (see [`Self::apply_modifiers`]).
    fn step(&mut self, step: &Step, next: &str) -> Vec<Node> {
        // Only the steps directly in the loop's body see it.
        let loop_exit = self.loop_exit.take();
        // Only the steps directly in a fork branch are threaded.
        let in_branch = std::mem::take(&mut self.in_branch);
        let name = self.names.get(step);
        let kind = step.kind.keyword();
        let mut task = Task {
            metadata: self.metadata(&name, kind),
            ..Task::default()
        };
        // A `for` whose body leaves it with `then exit`.
        let mut leaves_loop = false;
        // What a labelled step exports (`.` unless the kind says otherwise).
        let mut selection = Some(".".to_string());
        match &step.kind {
            StepKind::Call {
                target,
                method,
                path,
                body,
            } => self.call(&mut task, target, *method, path.as_ref(), body.as_ref()),
            StepKind::Run { workflow, input } => self.run(&mut task, workflow, input.as_ref()),
            StepKind::Emit { event, data } => self.emit(&mut task, &name, event, data.as_ref()),
            StepKind::Sleep { duration } => {
                task.body.insert("wait", Node::from(duration.iso8601()));
            }
            StepKind::WaitFor {
                mode,
                events,
                correlate,
            } => selection = Some(self.listen(&mut task, *mode, events, correlate)),
            StepKind::Set { value } => {
                self.set(&mut task, value);
                if step.label.is_none() {
                    // An unlabelled `set` sets context variables.
                    task.export_as = Some("${ $context + . }".into());
                }
            }
            StepKind::If {
                branches,
                otherwise,
            } => self.if_(&mut task, &name, branches, otherwise.as_ref()),
            StepKind::Switch { cases, default } => {
                let mut list = Vec::new();
                for (i, c) in cases.iter().enumerate() {
                    list.push(entry(
                        &format!("case_{}", i + 1),
                        node! { "when" => expr_text(&c.cond), "then" => flow(&c.target) },
                    ));
                }
                if let Some(d) = default {
                    list.push(entry("default", node! { "then" => flow(d) }));
                }
                task.body.insert("switch", Node::Seq(list));
                task.reads_input = true;
            }
            StepKind::Parallel { compete, branches } => {
                // Branches run concurrently: their steps must not write
                // `$context` (two read-modify-writes race and one is lost).
                // A branch that would is threaded (see `branch_step`); its
                // output carries its additions, which this task's export
                // merges once, after the fork.
                let threaded: Vec<bool> = branches
                    .iter()
                    .map(|b| b.body.steps.iter().any(Step::adds_to_context))
                    .collect();
                let any_threaded = threaded.contains(&true);
                let mut list = Vec::new();
                for (b, &threads) in branches.iter().zip(&threaded) {
                    // A branch of one unlabelled step is that step's task,
                    // named by the branch; otherwise a `do` of its steps.
                    // A race's branches are always a `do` whose output
                    // names the branch, so the winner's result says which
                    // branch won (`$context.<label>.<branch>`).
                    if let [only] = b.body.steps.as_slice()
                        && only.label.is_none()
                        && !compete
                        && !threads
                    {
                        let mut t = self.step(only, "exit");
                        if let (1, Some(Node::Map(m))) = (t.len(), t.pop()) {
                            let inner = m.into_values().next();
                            list.push(entry(&b.name.name, inner.unwrap_or(Node::Null)));
                            continue;
                        }
                    }
                    let mut bt = Task {
                        metadata: self.metadata(&name, "branch"),
                        ..Task::default()
                    };
                    let tasks = if threads {
                        // The additions start empty.
                        bt.input_from = Some("${ {} }".into());
                        self.branch_block(&b.body)
                    } else {
                        self.block(&b.body)
                    };
                    bt.body.insert("do", Node::Seq(tasks));
                    let branch = json_string(&b.name.name);
                    if *compete {
                        bt.output_as = Some(match (any_threaded, threads) {
                            (false, _) => concat(&["${ { ", &branch, ": . } }"]),
                            (true, true) => format!(
                                "${{ {{ {ctx}: .[{ctx}], {out}: {{ {branch}: .[{out}] }} }} }}",
                                ctx = json_string(BRANCH_CONTEXT),
                                out = json_string(BRANCH_OUTPUT),
                            ),
                            (true, false) => format!(
                                "${{ {{ {ctx}: {{}}, {out}: {{ {branch}: . }} }} }}",
                                ctx = json_string(BRANCH_CONTEXT),
                                out = json_string(BRANCH_OUTPUT),
                            ),
                        });
                    }
                    list.push(entry(&b.name.name, bt.finish()));
                }
                task.body
                    .insert("fork", node! { "compete" => *compete, "branches" => list });
                let ctx = json_string(BRANCH_CONTEXT);
                let out = json_string(BRANCH_OUTPUT);
                // What the branches add to the context, merged in
                // declaration order (a race: the winner's only).
                let mut merged = String::from("$context");
                if !compete {
                    // The fork's output lists branch outputs in order.
                    let fields: Vec<String> = branches
                        .iter()
                        .zip(&threaded)
                        .enumerate()
                        .map(|(i, (b, &threads))| {
                            let name = json_string(&b.name.name);
                            if threads {
                                merged.push_str(&format!(" + .[{i}][{ctx}]"));
                                format!("{name}: .[{i}][{out}]")
                            } else {
                                format!("{name}: .[{i}]")
                            }
                        })
                        .collect();
                    selection = Some(format!("{{ {} }}", fields.join(", ")));
                } else if any_threaded {
                    merged.push_str(&format!(" + .[{ctx}]"));
                    selection = Some(format!(".[{out}]"));
                }
                if any_threaded {
                    let sel = selection.take().unwrap_or_default();
                    task.export_as = Some(match &step.label {
                        Some(l) => {
                            format!("${{ {merged} + {{ {}: {sel} }} }}", json_string(&l.name))
                        }
                        None => format!("${{ {merged} }}"),
                    });
                }
            }
            StepKind::For {
                item,
                index,
                collection,
                while_,
                body,
            } => {
                let mut f = NodeMap::new();
                f.insert("each", Node::from(item.name.clone()));
                f.insert("in", Node::from(expr_text(collection)));
                if let Some(i) = index {
                    f.insert("at", Node::from(i.name.clone()));
                }
                task.body.insert("for", Node::Map(f));
                // `then exit` in the body leaves the loop (SW's `exit` only
                // ends the iteration): the step raises a flag in the
                // context that `while` reads, and the loop clears it.
                let leaves = body.steps.iter().any(|s| {
                    s.modifiers
                        .iter()
                        .any(|m| matches!(m, Modifier::Then(Target::Exit(_))))
                });
                let stay = concat(&[
                    "($context[",
                    &json_string(BREAK_KEY),
                    "] // null) != ",
                    &json_string(&name),
                ]);
                match (while_, leaves) {
                    (Some(w), true) => {
                        let cond = on_workflow_input(w);
                        let inner = strip_expr(&cond);
                        task.body.insert(
                            "while",
                            Node::from(concat(&["${ (", &stay, ") and (", inner, ") }"])),
                        );
                    }
                    // Evaluated on each iteration's data: re-bind `.`.
                    (Some(w), false) => {
                        task.body.insert("while", Node::from(on_workflow_input(w)));
                    }
                    (None, true) => {
                        task.body
                            .insert("while", Node::from(concat(&["${ ", &stay, " }"])));
                    }
                    (None, false) => {}
                }
                let tasks = self.block_in(body, leaves.then_some(name.as_str()));
                task.body.insert("do", Node::Seq(tasks));
                task.reads_input = true;
                if leaves {
                    leaves_loop = true;
                }
            }
            StepKind::Try { body, catch } => {
                task.body.insert("try", Node::Seq(self.block(body)));
                let c = self.catch(catch);
                task.body.insert("catch", c);
            }
            StepKind::Fail { error, detail } => {
                selection = None;
                if let Some(r) = self.error_ref(error) {
                    let err = match (detail, &r.key) {
                        (None, Some(key)) => Node::from(key.clone()),
                        _ => {
                            let mut def = r.definition;
                            if let Some(d) = detail {
                                def.insert("detail", super::values::string_node(&d.value));
                            }
                            Node::Map(def)
                        }
                    };
                    task.body.insert("raise", node! { "error" => err });
                }
            }
            StepKind::Return { value } => {
                selection = None;
                self.has_return = true;
                let v = match value {
                    Some(v) => self.json(v),
                    None => Node::from("${ $context }"),
                };
                let mut set = NodeMap::new();
                set.insert(super::RETURN_KEY, v);
                task.body.insert("set", Node::Map(set));
                task.reads_input = true;
                task.then = Some("end".into());
            }
        }
        if let (Some(label), Some(sel)) = (&step.label, selection) {
            task.export_as = Some(export_label(&label.name, &sel));
        }
        let then_exit = step
            .modifiers
            .iter()
            .any(|m| matches!(m, Modifier::Then(Target::Exit(_))));
        if let (Some(l), true) = (&loop_exit, then_exit) {
            let flag = concat(&["{ ", &json_string(BREAK_KEY), ": ", &json_string(l), " }"]);
            task.export_as = Some(match &task.export_as {
                Some(e) => concat(&["${ (", strip_expr(e), ") + ", &flag, " }"]),
                None => concat(&["${ $context + ", &flag, " }"]),
            });
        }
        if leaves_loop {
            let clear = concat(&["del(.[", &json_string(BREAK_KEY), "])"]);
            task.export_as = Some(match &task.export_as {
                Some(e) => concat(&["${ (", strip_expr(e), ") | ", &clear, " }"]),
                None => concat(&["${ $context | ", &clear, " }"]),
            });
        }
        if in_branch {
            return self.branch_step(task, &name, &step.modifiers, next);
        }
        self.apply_modifiers(task, &name, &step.modifiers, next)
    }

    /// The steps of a fork branch that adds to the context, threaded: each
    /// step is wrapped by [`Self::branch_step`].
    fn branch_block(&mut self, block: &Block) -> Vec<Node> {
        let mut out = Vec::with_capacity(block.steps.len());
        for (i, s) in block.steps.iter().enumerate() {
            let next = block
                .steps
                .get(i + 1)
                .map_or_else(|| "exit".to_string(), |n| self.names.get(n));
            self.in_branch = true;
            out.extend(self.step(s, &next));
        }
        out
    }

    /// A step directly in a threaded fork branch. Branches run
    /// concurrently, so it must not write `$context`: its task goes into a
    /// `do` of the step's name, whose input is what the branch has added
    /// so far (`{ "air.dev/output": …, "air.dev/context": {…} }` from the
    /// step before, `{}` at the start) and whose `output.as` applies the
    /// step's export to those additions instead of to `$context`. The
    /// wrapper carries `when` and `then`, so a jump names a sibling and a
    /// skipped step passes the additions on.
    fn branch_step(
        &mut self,
        mut task: Task,
        name: &str,
        mods: &[Modifier],
        next: &str,
    ) -> Vec<Node> {
        let export = task.export_as.take();
        let inner_mods: Vec<Modifier> = mods
            .iter()
            .filter(|m| matches!(m, Modifier::Timeout(_) | Modifier::Retry(_)))
            .cloned()
            .collect();
        let mut wrapper = Task {
            then: task.then.take(),
            metadata: self.metadata(name, "branch.step"),
            ..Task::default()
        };
        for m in mods {
            match m {
                Modifier::Then(t) if wrapper.then.is_none() => wrapper.then = Some(flow(t)),
                Modifier::When(e) => wrapper.if_ = Some(on_workflow_input(e)),
                _ => {}
            }
        }
        let inner = self.apply_modifiers(task, name, &inner_mods, next);
        wrapper.body.insert("do", Node::Seq(inner));
        let add = export.as_deref().map_or("$context", strip_expr);
        let close = if add.contains('#') { "\n" } else { " " };
        wrapper.output_as = Some(format!(
            "${{ {{ {out}: ., {ctx}: (. as $air_out | ($input[{ctx}] // {{}}) as $context | $air_out | {add}{close}) }} }}",
            out = json_string(BRANCH_OUTPUT),
            ctx = json_string(BRANCH_CONTEXT),
        ));
        let mut out = Vec::with_capacity(2);
        if wrapper.then.is_some()
            && let Some(cond) = wrapper.if_.take()
        {
            out.push(self.skip_switch(name, &cond, next));
        }
        out.push(entry(name, wrapper.finish()));
        out
    }

    /// Modifiers: `when` → `if`, `timeout` → `timeout.after`, `then` →
    /// `then`; `retry` wraps the task in a `try` of the same name that
    /// carries `if`, `export` and `then` (the timeout stays per attempt).
    ///
    /// A task holding both `if` and `then` takes its `then` even when the
    /// `if` skips it (the reference engine ends the workflow on a skipped
    /// `return`), so a `when` on a step with a `then` becomes a switch
    /// before it, `<name>_when`, that jumps to `next` when the condition
    /// is false; the step's task keeps its `then` and loses its `if`.
    fn apply_modifiers(
        &mut self,
        mut task: Task,
        name: &str,
        mods: &[Modifier],
        next: &str,
    ) -> Vec<Node> {
        let mut retry = None;
        for m in mods {
            match m {
                Modifier::Timeout(d) => task.timeout = Some(d.iso8601()),
                Modifier::Retry(r) => retry = Some(r),
                Modifier::Then(t) => {
                    if task.then.is_none() {
                        task.then = Some(flow(t));
                    }
                }
                Modifier::When(e) => task.if_ = Some(on_workflow_input(e)),
            }
        }
        let mut out = Vec::with_capacity(2);
        if task.then.is_some()
            && let Some(cond) = task.if_.take()
        {
            out.push(self.skip_switch(name, &cond, next));
        }
        let Some(r) = retry else {
            out.push(entry(name, task.finish()));
            return out;
        };
        let mut outer = Task {
            if_: task.if_.take(),
            export_as: task.export_as.take(),
            then: task.then.take(),
            metadata: self.metadata(name, "retry"),
            ..Task::default()
        };
        outer.body.insert("try", vec![entry(name, task.finish())]);
        outer
            .body
            .insert("catch", node! { "retry" => retry_policy(r) });
        out.push(entry(name, outer.finish()));
        out
    }

    /// `<name>_when`: jumps to `next` unless `cond` (a task `if`
    /// expression) holds; otherwise flows on into the step's task.
    fn skip_switch(&self, name: &str, cond: &str, next: &str) -> Node {
        let body = strip_expr(cond);
        let close = if body.contains('#') { "\n)" } else { ")" };
        let skip = concat(&["${ (", body, close, " | not }"]);
        let mut t = Task {
            metadata: self.metadata(name, "when"),
            ..Task::default()
        };
        t.body.insert(
            "switch",
            vec![entry(
                "skip",
                node! { "when" => skip, "then" => next.to_string() },
            )],
        );
        entry(&concat(&[name, "_when"]), t.finish())
    }

    fn catch(&mut self, c: &Catch) -> Node {
        let mut m = NodeMap::new();
        let mut when = None;
        if let Some(path) = &c.error
            && let Some(r) = self.error_ref(path)
        {
            match r.declared_status {
                // A declared error with a status also catches an HTTP
                // failure of that status: a `call` answered 409 raises a
                // `communication` error with status 409, never the
                // declared type.
                Some(status) if r.key.is_some() => {
                    let var = c.as_.as_ref().map_or("error", |a| a.name.as_str());
                    let status = status.to_json().to_string();
                    when = Some(format!(
                        "${{ ${var}.status == {status} and (${var}.type == {} or ${var}.type == {}) }}",
                        json_string(&r.type_uri),
                        json_string(COMMUNICATION_ERROR),
                    ));
                }
                status => {
                    let mut with = NodeMap::new();
                    with.insert("type", Node::from(r.type_uri));
                    if let Some(status) = status {
                        with.insert("status", status);
                    }
                    m.insert("errors", node! { "with" => with });
                }
            }
        }
        if let Some(a) = &c.as_ {
            m.insert("as", a.name.clone());
        }
        if let Some(w) = when {
            m.insert("when", w);
        }
        if let Some(r) = &c.retry {
            m.insert("retry", retry_policy(r));
        }
        if !c.body.steps.is_empty() {
            m.insert("do", Node::Seq(self.block(&c.body)));
        }
        Node::Map(m)
    }

    /// `if … else if … else …` → a `do` of the step's name holding a
    /// `switch` (`condition`) that jumps to one `do` per branch
    /// (`branch_1`, `branch_2`, …, `else`); each branch but the last ends
    /// with `then: exit`, leaving the wrapper. Without `else`, the switch's
    /// default case exits.
    fn if_(
        &mut self,
        task: &mut Task,
        name: &str,
        branches: &[(crate::ast::Expr, Block)],
        otherwise: Option<&Block>,
    ) {
        let mut cases = Vec::new();
        let mut blocks: Vec<(String, &Block)> = Vec::new();
        for (i, (cond, block)) in branches.iter().enumerate() {
            let case = format!("branch_{}", i + 1);
            cases.push(entry(
                &case,
                node! { "when" => expr_text(cond), "then" => case.clone() },
            ));
            blocks.push((case, block));
        }
        match otherwise {
            Some(b) => {
                cases.push(entry("else", node! { "then" => "else" }));
                blocks.push(("else".into(), b));
            }
            None => cases.push(entry("else", node! { "then" => "exit" })),
        }
        let mut cond = Task {
            reads_input: true,
            metadata: self.metadata(name, "if.condition"),
            ..Task::default()
        };
        cond.body.insert("switch", Node::Seq(cases));
        let mut list = vec![entry("condition", cond.finish())];
        let last = blocks.len().saturating_sub(1);
        for (i, (case, block)) in blocks.into_iter().enumerate() {
            let mut bt = Task {
                metadata: self.metadata(name, "if.branch"),
                ..Task::default()
            };
            bt.body.insert("do", Node::Seq(self.block(block)));
            if i != last {
                bt.then = Some("exit".into());
            }
            list.push(entry(&case, bt.finish()));
        }
        task.body.insert("do", Node::Seq(list));
    }

    fn set(&mut self, task: &mut Task, value: &Value) {
        let v = match &value.kind {
            ValueKind::Object(entries) if entries.is_empty() => Node::from("${ {} }"),
            _ => self.json(value),
        };
        task.body.insert("set", v);
        task.reads_input = true;
    }

    /// A value as JSON; a diagnostic is recorded and `null` returned when
    /// it cannot be evaluated.
    pub(crate) fn json(&mut self, value: &Value) -> Node {
        match self.values.json(value) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                Node::Null
            }
        }
    }
}
