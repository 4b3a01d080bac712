//! Pure validators for the literal values `.air` settings take: cron
//! schedules, time zones, Kubernetes quantities, image references and
//! names. They work on plain strings and report problems as byte ranges
//! inside the string, so the checker can point at the exact character in
//! the `.air` file (and other stages can reuse them without an AST).

pub mod cron;
pub mod image;
pub mod names;
pub mod quantity;
pub mod tz;

use std::ops::Range;

/// A problem inside a literal: where (byte range in the literal's text),
/// what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl ValueError {
    pub fn new(range: Range<usize>, message: impl Into<String>) -> Self {
        ValueError {
            range,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
