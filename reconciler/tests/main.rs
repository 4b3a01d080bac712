//! The integration tests of `air-reconciler`, linked into one binary (cargo's
//! `tests/testsuite` pattern): one link and one executable instead of one
//! per file. Every `*.rs` beside this file must be a module here; the
//! `suite_layout` test of air-tests checks it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod git_daemon;
mod git_file;
mod git_http;
mod git_https;
mod git_ssh;
mod git_tree;
