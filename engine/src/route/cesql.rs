//! CloudEvents SQL (CESQL) v1: parser and evaluator.
//!
//! Specification: cloudevents/spec `cesql/spec.md` v1.0.0. Where the
//! specification leaves room, this follows Knative's evaluator
//! (cloudevents/sdk-go `sql/v2`, used by the broker's `cesql` filter), so
//! a Trigger matches here exactly when it matches in the cluster:
//!
//! - syntax: the ANTLR grammar of the specification (see [`parse`](mod@parse)'s
//!   module for precedence; `AND`/`OR`/`XOR` share one level and group
//!   from the right), keywords, attribute and function names
//!   case-insensitive;
//! - evaluation in "fail fast" mode: the first error (a missing
//!   attribute, a failed cast, a division by zero, an unknown function,
//!   a function refusing its arguments) ends it;
//! - a filter matches only when the result is the Boolean `true` and there
//!   was no error ([`Expr::matches`]). So on an event without `a`,
//!   `a != 'b'` does not match while `NOT EXISTS a OR a != 'b'` does.
//!
//! Attribute values come from the event's JSON form (see
//! [`crate::route::event`]): strings stay strings, JSON booleans and
//! 32-bit integers (extensions) keep their type, `time` is in its
//! canonical RFC 3339 form.

mod eval;
mod functions;
mod lex;
mod parse;
mod value;

pub use parse::{BinOp, Expr, MAX_DEPTH};
pub use value::{EvalError, Type, Value};

use crate::route::event::Event;

/// A syntax error and the 1-based column (in characters) where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(column: usize, message: String) -> Self {
        ParseError { column, message }
    }
}

/// Parses a CESQL expression.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    parse::parse(src)
}

impl Expr {
    /// The value of the expression for `event`, or the first error.
    pub fn evaluate(&self, event: &Event) -> Result<Value, EvalError> {
        eval::eval(self, event)
    }

    /// Whether a `cesql` filter with this expression lets `event` pass:
    /// the value is `true` (a Boolean, not a String that casts to one) and
    /// the evaluation had no error.
    pub fn matches(&self, event: &Event) -> bool {
        matches!(self.evaluate(event), Ok(Value::Bool(true)))
    }
}

/// `text LIKE pattern`, for callers that match without an expression.
pub fn like(text: &str, pattern: &str) -> bool {
    eval::like(text, pattern)
}

#[cfg(test)]
mod tests;
