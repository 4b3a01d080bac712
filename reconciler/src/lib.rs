//! `air_reconciler`: Git sources, Kubernetes apply/prune/drift/health and
//! the control loop — everything with IO. The compiler stays pure; this
//! crate feeds it sources and acts on its output.

pub mod apply;
pub mod cluster;
pub mod diff;
pub mod disk;
pub mod fields;
pub mod git;
pub mod inventory;
pub mod object;
pub mod plan;
pub mod post;
