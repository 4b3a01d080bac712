//! A Kubernetes API server for tests: the Kubernetes REST API over plain
//! HTTP on 127.0.0.1, backed by `kube-fake-client`'s in-memory store.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = air_test_apiserver::start(Default::default()).await?;
//! server.write_kubeconfig("/tmp/kubeconfig")?;
//! // ... point kubectl or a kube::Client at server.url() ...
//! server.restart_empty().await?; // "the API server came back empty"
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See docs/testing.md for what it does and does not emulate.

mod conflict;
mod counter;
mod discovery;
mod gate;
mod handlers;
mod kubeconfig;
mod managed;
mod mutate;
mod openapi;
mod path;
pub mod registry;
mod select;
mod server;
mod status;
mod store;
mod validate;
mod watch;

pub use kubeconfig::{CLUSTER, CONTEXT, TOKEN, USER};
pub use server::{Error, INITIAL_NAMESPACES, Options, Server, start};
