//! The engine shared by `air apply`, `air diff --live` and the controller:
//! what the cluster should hold (`desired`, `object`), how it differs
//! (`fields`, `plan`, `drift`), how it is changed (`apply`, `inventory`,
//! `cluster`) and how it is judged (`health`, `wait`). `clip` bounds what
//! is echoed from the other side.

pub mod apply;
pub mod clip;
pub mod cluster;
pub mod desired;
pub mod drift;
pub mod fields;
pub mod health;
pub mod inventory;
pub mod object;
pub mod plan;
pub mod wait;
