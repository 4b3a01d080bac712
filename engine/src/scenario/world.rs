//! One test's world: the engine with the app's documents loaded, the
//! broker (the compiled Triggers), the schedules (the compiled
//! PingSources), the mocks, and the virtual clock that drives them all.

use super::host::Recorder;
use super::report::TraceLine;
use super::wiring::{Target, Wiring};
use crate::plan::{Action, EventSpec, Step};
use crate::sw::Engine;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// How many events one statement may route before the test is stopped
/// (two workflows that start each other forever).
const MAX_ROUTED: usize = 10_000;
/// How many timer instants the end of a test may go through.
const MAX_SETTLE_STEPS: usize = 100_000;

pub struct World<'a> {
    wiring: &'a Wiring,
    pub engine: Engine,
    pub host: Recorder,
    /// Events a `send … after d` publishes later: (time, order) → event.
    agenda: BTreeMap<(u64, u64), Value>,
    /// Numbering of the events the test publishes (`id`s) and of agenda entries.
    seq: u64,
    /// Problems met while running (not expectations): a start the engine
    /// refused, an event storm, an agenda that never empties.
    pub problems: Vec<(u32, String)>,
    /// The runner's own timeline entries (sends, deliveries, ticks), each
    /// with the length of the engine's trace when it happened (to merge).
    pub notes: Vec<(usize, TraceLine)>,
    line: u32,
}

impl<'a> World<'a> {
    pub fn new(wiring: &'a Wiring) -> Result<World<'a>, String> {
        let mut engine = Engine::new();
        for doc in wiring.documents() {
            engine.load(doc.clone()).map_err(|e| e.to_string())?;
        }
        Ok(World {
            wiring,
            engine,
            host: Recorder::default(),
            agenda: BTreeMap::new(),
            seq: 0,
            problems: Vec::new(),
            notes: Vec::new(),
            line: 0,
        })
    }

    fn now(&self) -> u64 {
        self.engine.now_ms()
    }

    fn note(&mut self, text: String) {
        let line = TraceLine {
            at_ms: self.now(),
            run: None,
            text,
        };
        self.notes.push((self.engine.trace().len(), line));
    }

    /// Run one statement of the test (expectations are checked later).
    pub fn step(&mut self, step: &Step) {
        self.line = step.line;
        match &step.action {
            Action::Send { event, after_ms } => {
                let event = self.cloud_event(event);
                match after_ms {
                    Some(ms) if *ms > 0 => {
                        self.seq += 1;
                        self.agenda.insert((self.now() + ms, self.seq), event);
                    }
                    _ => {
                        self.publish(event, "sent");
                        self.pump();
                    }
                }
            }
            Action::Start {
                namespace,
                workflow,
                input,
            } => {
                self.note(format!("start {namespace}/{workflow}"));
                self.start(namespace, workflow, input.clone());
                self.pump();
            }
            Action::Tick {
                namespace,
                workflow,
            } => match self.wiring.schedule_of(namespace, workflow) {
                Some(source) => {
                    let event = self.wiring.tick_event(source, self.now());
                    self.note(format!("tick {}", self.wiring.schedule_name(source)));
                    self.start(namespace, workflow, event);
                    self.pump();
                }
                None => self.problem(format!(
                    "no PingSource starts workflow `{workflow}` in namespace `{namespace}`"
                )),
            },
            Action::Advance { by_ms } => {
                let target = self.now().saturating_add(*by_ms);
                self.run_until(Some(target));
            }
            Action::Mock(mock) => self.host.add_mock(mock.clone()),
            Action::ExpectEmit(_)
            | Action::ExpectCall(_)
            | Action::ExpectWorkflow(_)
            | Action::ExpectOrder { .. }
            | Action::AllowEmit { .. } => {}
        }
    }

    /// The end of the test: let virtual time run until no timer is left.
    pub fn settle(&mut self) {
        self.run_until(None);
    }

    fn problem(&mut self, message: String) {
        self.problems.push((self.line, message));
    }

    /// A CloudEvent from a test's `send`, with deterministic `id` and `time`.
    fn cloud_event(&mut self, spec: &EventSpec) -> Value {
        self.seq += 1;
        let mut event = Map::new();
        event.insert("specversion".into(), json!("1.0"));
        event.insert("id".into(), json!(format!("air-test-{}", self.seq)));
        event.insert("source".into(), json!(spec.source));
        event.insert("type".into(), json!(spec.event_type));
        event.insert("time".into(), json!(self.wiring.timestamp(self.now())));
        event.insert("datacontenttype".into(), json!("application/json"));
        for (k, v) in &spec.extensions {
            event.insert(k.clone(), v.clone());
        }
        event.insert("data".into(), spec.data.clone());
        Value::Object(event)
    }

    fn start(&mut self, namespace: &str, workflow: &str, input: Value) {
        if let Err(e) = self.engine.start(namespace, workflow, input) {
            self.problem(format!("cannot start `{namespace}/{workflow}`: {e}"));
        }
    }

    /// Hand an event to the broker: every Trigger that matches delivers it.
    fn publish(&mut self, event: Value, how: &str) {
        let kind = event["type"].as_str().unwrap_or("?").to_string();
        let targets = self.wiring.deliveries(&event);
        if targets.is_empty() {
            self.note(format!("{how} {kind}: no Trigger matches"));
        }
        for (trigger, target) in targets {
            match target {
                Target::Start {
                    namespace,
                    workflow,
                } => {
                    self.note(format!("{how} {kind} → {trigger} → start {workflow}"));
                    self.start(&namespace, &workflow, event.clone());
                }
                Target::Ingress { namespace } => {
                    self.note(format!("{how} {kind} → {trigger} → ingress {namespace}"));
                    self.engine.deliver(event.clone());
                }
                Target::Other(uri) => {
                    self.note(format!("{how} {kind} → {trigger} → {uri}"));
                }
            }
        }
    }

    /// Run everything runnable now; route what it emits; repeat.
    fn pump(&mut self) {
        let mut routed = 0;
        loop {
            self.host.now_ms = self.now();
            self.engine.run_until_idle(&mut self.host);
            let out = std::mem::take(&mut self.host.outbox);
            if out.is_empty() {
                return;
            }
            routed += out.len();
            if routed > MAX_ROUTED {
                self.problem(format!(
                    "more than {MAX_ROUTED} events routed without the app settling: an event loop?"
                ));
                return;
            }
            for event in out {
                self.publish(event, "emitted");
            }
        }
    }

    /// Move virtual time to `target` (`None`: until no timer or delayed
    /// send is left), stopping at every instant something is due: an
    /// engine timer, a delayed send, a schedule's tick.
    fn run_until(&mut self, target: Option<u64>) {
        self.pump();
        for _ in 0..MAX_SETTLE_STEPS {
            let now = self.now();
            let timer = self.engine.next_timer_ms();
            let send = self.agenda.keys().next().map(|(t, _)| *t);
            let pending = [timer, send].into_iter().flatten().min();
            let tick = match (target, pending) {
                // Schedules fire only in time the test lets pass, or
                // before something else still due at the end.
                (Some(t), _) => self.wiring.next_tick(now, t),
                (None, Some(p)) => self.wiring.next_tick(now, p),
                (None, None) => None,
            };
            let due = [pending, tick.as_ref().map(|(t, _)| *t)]
                .into_iter()
                .flatten()
                .min();
            let next = match (due, target) {
                (Some(d), Some(t)) if d <= t => d,
                (Some(d), None) => d,
                (_, Some(t)) => {
                    self.engine.advance(t.saturating_sub(now), &mut self.host);
                    self.pump();
                    return;
                }
                (None, None) => return,
            };
            self.host.now_ms = now;
            self.engine
                .advance(next.saturating_sub(now), &mut self.host);
            self.pump();
            while let Some(entry) = self.agenda.first_entry() {
                if entry.key().0 > next {
                    break;
                }
                let event = entry.remove();
                self.publish(event, "sent");
                self.pump();
            }
            if let Some((t, sources)) = tick
                && t == next
            {
                for (namespace, workflow, source) in sources {
                    let event = self.wiring.tick_event(source, t);
                    self.note(format!("schedule {}", self.wiring.schedule_name(source)));
                    self.start(&namespace, &workflow, event);
                }
                self.pump();
            }
        }
        self.problem(format!(
            "virtual time did not settle after {MAX_SETTLE_STEPS} steps (a timer that keeps re-arming?)"
        ));
    }
}
