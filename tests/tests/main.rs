//! The integration tests of `air-tests`, linked into one binary (cargo's
//! `tests/testsuite` pattern): one link and one executable instead of one
//! per file. Every `*.rs` beside this file must be a module here; the
//! `suite_layout` test of air-tests checks it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod apply_prune_scope;
mod apply_sync;
mod build_cli;
mod build_conformance;
mod build_support;
mod code_literals;
mod codes;
mod diff_git;
mod diff_json;
mod diff_markdown;
mod diff_post;
mod examples;
mod fixtures;
mod fmt;
mod graph_render;
mod leader_election;
mod module_graph;
mod parse_errors;
mod parse_fast;
mod parse_ok;
mod parse_props;
mod reconcile_airapp;
mod reconcile_dashboard;
mod reconcile_deploy;
mod reconcile_drift;
mod reconcile_errors;
mod reconcile_git;
mod reconcile_hardening;
mod reconcile_http;
mod reconcile_idle;
mod semantics;
mod suite_layout;
mod sw_conformance;
mod sw_ctk;
mod sw_lower;
mod sw_support;
mod test_plans;
