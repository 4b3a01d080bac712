//! `air_reconciler`: Git sources, Kubernetes apply/prune/drift/health and
//! the control loop — everything with IO. The compiler stays pure; this
//! crate feeds it sources and acts on its output.
//!
//! Four rooms, by concern (docs/ARCHITECTURE.md):
//! - [`source`]: where revisions come from (Git, disk);
//! - [`sync`]: the engine shared by `air apply`, `air diff --live` and the
//!   controller;
//! - [`controller`]: the long-running `air reconcile` process;
//! - [`review`]: pull-request review (`air diff`, `--post`);
//!
//! and [`secret`], the one type of secret values every room uses.
//!
//! The `pub` flat names below (`air_reconciler::git`, `crate::apply`, …)
//! and [`controller`] are the crate's façade: one path per module for the
//! CLI and the tests, whichever room it lives in. The rest (the rooms
//! themselves, and the modules only the crate uses, re-exported
//! `pub(crate)` under the same flat path) is `pub(crate)`.

pub mod controller;
pub(crate) mod review;
pub(crate) mod secret;
pub(crate) mod source;
pub(crate) mod sync;

pub use controller::{airapp, config, http, leader, metrics, push_hooks, status};
pub(crate) use controller::{dashboard, events, notifications, secrets, watch};
pub use review::{diff, post};
pub use source::{disk, git};
pub use sync::{
    apply, clip, cluster, desired, drift, fields, health, inventory, object, plan, wait,
};
