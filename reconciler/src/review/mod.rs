//! Pull-request review, offline: `air diff` between two revisions
//! (objects and workflow graphs; human, JSON and Markdown reports) and
//! `air diff --post`, which sends the report to the forge.

pub mod diff;
pub mod post;
