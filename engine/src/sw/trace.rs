//! The trace: everything observable a run did, in virtual-time order.

use super::{HttpRequest, RunId, WorkflowKey};
use serde_json::Value;

/// A task as the trace names it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    /// The task's JSON pointer in its document (`/do/0/getPet`).
    pub reference: String,
    pub name: String,
    /// The task's `metadata` `air.dev/workflow`, when present.
    pub workflow: Option<String>,
    /// The task's `metadata` `air.dev/step`, when present.
    pub step: Option<String>,
}

/// One entry of [`super::Engine::trace`].
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    pub at_ms: u64,
    pub run: RunId,
    pub event: TraceEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraceEvent {
    RunStarted {
        workflow: WorkflowKey,
        input: Value,
    },
    RunCompleted {
        output: Value,
    },
    RunFaulted {
        error: Value,
    },
    /// The run was abandoned by the run that awaited it.
    RunCancelled,
    TaskEntered {
        task: TaskInfo,
    },
    TaskSkipped {
        task: TaskInfo,
    },
    TaskCompleted {
        task: TaskInfo,
        output: Value,
    },
    TaskFaulted {
        task: TaskInfo,
        error: Value,
    },
    TaskRetried {
        task: TaskInfo,
        attempt: u32,
        delay_ms: u64,
    },
    EventEmitted {
        task: TaskInfo,
        event: Value,
    },
    EventConsumed {
        task: TaskInfo,
        event: Value,
    },
    HttpRequested {
        task: TaskInfo,
        request: HttpRequest,
    },
    HttpAnswered {
        task: TaskInfo,
        status: Option<u16>,
        body: Value,
    },
    TimerSet {
        task: TaskInfo,
        until_ms: u64,
    },
}
