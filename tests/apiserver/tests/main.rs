//! The integration tests of `air-test-apiserver`, linked into one binary (cargo's
//! `tests/testsuite` pattern): one link and one executable instead of one
//! per file. Every `*.rs` beside this file must be a module here; the
//! `suite_layout` test of air-tests checks it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod binary;
mod crud;
mod discovery;
mod knative;
mod kube_client;
mod kubectl;
mod restart;
mod ssa;
mod support;
mod watch;
