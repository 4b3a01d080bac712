//! `air_compiler`: the `.air` compiler as a pure library.
//!
//! Architecture invariant: nothing in this crate touches the file system,
//! the environment, the network or the clock. Input arrives through a
//! [`source::SourceProvider`]; output is values (artifacts + diagnostics).
//! Same input, same bytes out.
//!
//! Pipeline (one module per stage; each reports every error it can find and
//! the driver in [`compile`] stops between stages when errors exist):
//!
//! ```text
//! SourceMap ─ parse ─ resolve ─ check ─ lower ─ emit
//! ```

// The pest-generated parser (built without pest's "std" feature, see
// compiler/Cargo.toml) refers to `alloc` from the crate root.
extern crate alloc;

pub mod ast;
pub mod check;
pub(crate) mod codes;
pub mod compile;
pub mod diagnostic;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod lower;
pub mod manifest;
pub mod memo;
pub mod model;
pub mod naming;
pub mod par;
pub mod parse;
pub mod resolve;
pub mod source;
pub(crate) mod span;
#[doc(hidden)]
pub mod testgen;
pub mod toml_doc;

pub use codes::Code;
pub use compile::Compilation;
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use source::{AppFiles, CompileOptions, LoadError, SourceProvider};
pub use span::SourceMap;
pub use span::{FileId, Span};
