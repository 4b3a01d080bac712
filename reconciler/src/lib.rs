//! air_reconciler: Git sources, Kubernetes apply/prune/drift/health, the control loop.

pub mod git;
