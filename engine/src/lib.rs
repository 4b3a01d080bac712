//! `air_engine`: executes what `air build` emits, for `air test`.
//!
//! It reads the compiled objects only — Serverless Workflow 1.0.3 documents
//! (from the workflow ConfigMaps), Triggers and PingSources — never the
//! `.air` syntax tree, so a test exercises exactly what is deployed.
//! Everything is deterministic: a virtual clock, no threads, no IO; HTTP
//! calls and emitted events go through the [`sw::Host`] the caller gives.
//!
//! Rooms:
//! - `sw`: the Serverless Workflow interpreter (documents, tasks, data
//!   flow, errors, runtime expressions with jaq, the virtual clock).
//! - `route`: the Knative side (Trigger filters, CESQL, PingSource
//!   schedules): which endpoint an event reaches.
//! - `plan`: the test plans `air test` runs (the compiler writes them as
//!   JSON, this crate reads them).

pub mod plan;
pub mod route;
pub mod scenario;
pub mod sw;
