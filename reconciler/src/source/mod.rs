//! Where revisions come from: Git remotes (fetched into a shared bare
//! cache, read straight from Git objects) and a folder on disk. Both give
//! the compiler a `SourceProvider`; nothing here knows about Kubernetes.

pub mod disk;
pub mod git;
