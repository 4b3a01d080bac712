//! The integration tests of `air-cli`, linked into one binary (cargo's
//! `tests/testsuite` pattern): one link and one executable instead of one
//! per file. Every `*.rs` beside this file must be a module here; the
//! `suite_layout` test of air-tests checks it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod apply_cli;
mod apply_hostile;
mod bounded_support;
mod check;
mod diff_cli;
mod fmt_hostile;
mod init_cli;
mod lsp_protocol;
mod nvim_lsp;
mod reconcile_cli;
mod test_cli;
mod vscode_grammar;
