//! The `air diff` tests' world, shared by this crate's suite and the CLI's:
//! real repositories committed with git2 (`repo`), a forge stand-in that
//! records what `air diff --post` sends (`forge`), and the Mermaid parser
//! run in headless Chromium (`mermaid`).

pub mod forge;
pub mod mermaid;
pub mod repo;
