//! `air_reconciler`: Git sources, Kubernetes apply/prune/drift/health and
//! the control loop — everything with IO. The compiler stays pure; this
//! crate feeds it sources and acts on its output.

pub mod airapp;
pub mod apply;
pub mod clip;
pub mod cluster;
pub mod config;
pub mod controller;
pub mod dashboard;
pub mod desired;
pub mod diff;
pub mod disk;
pub mod drift;
pub mod events;
pub mod fields;
pub mod git;
pub mod health;
pub mod http;
pub mod inventory;
pub mod leader;
pub mod metrics;
pub mod notify;
pub mod object;
pub mod plan;
pub mod post;
pub mod secrets;
pub mod status;
pub mod wait;
pub mod watch;
pub mod webhook;
