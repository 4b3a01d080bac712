//! The Knative side of event delivery, for `air test`: which subscribers
//! a published CloudEvent reaches and when a PingSource ticks, decided
//! from the compiled objects alone (what `air build` emits), so a test
//! routes events exactly as the cluster would. Pure: no IO, no clock, no
//! randomness.
//!
//! - [`objects`]: the compiled Kubernetes objects (JSON) → typed views of
//!   Brokers, Triggers, PingSources and workflow ConfigMaps; shapes the
//!   Knative webhooks would refuse are typed errors here.
//! - [`cesql`]: CloudEvents SQL v1, the `cesql` filter dialect.
//! - [`broker`]: a Broker's Triggers and an event → the deliveries, with
//!   the filter semantics of Knative's broker filter (`filters` wins over
//!   the legacy `filter.attributes`).
//! - [`schedule`]: PingSource schedules (robfig/cron syntax, as Knative's
//!   adapter parses them) in a time zone → fire instants; the tick event.
//! - [`endpoint`]: a subscriber URI → a workflow start, the runtime's
//!   event ingress, or anything else.
//! - [`event`]: attribute access on a CloudEvent's JSON form.

pub mod broker;
pub mod cesql;
pub mod endpoint;
pub mod event;
pub mod objects;
pub mod schedule;
