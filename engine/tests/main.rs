//! The integration tests of `air-engine`, linked into one binary (cargo's
//! `tests/testsuite` pattern): one link and one executable instead of one
//! per file. Every `*.rs` beside this file must be a module here; the
//! `suite_layout` test of air-tests checks it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod cesql_tck;
mod compiled_examples;
mod compiler_cesql;
mod ctk;
mod examples;
