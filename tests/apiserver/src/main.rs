//! `air-test-apiserver --port 0 --kubeconfig FILE`: serve the test
//! Kubernetes API on 127.0.0.1 until SIGTERM or Ctrl-C.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// A Kubernetes API server for tests (in memory, plain HTTP, 127.0.0.1).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write a kubeconfig for this server to FILE.
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let server =
        match air_test_apiserver::start(air_test_apiserver::Options { port: args.port }).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("air-test-apiserver: {e}");
                return ExitCode::FAILURE;
            }
        };
    if let Some(path) = &args.kubeconfig
        && let Err(e) = server.write_kubeconfig(path)
    {
        eprintln!("air-test-apiserver: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    let mut out = std::io::stdout();
    // One line, flushed: scripts wait for it to know the port.
    if writeln!(out, "listening on {}", server.url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    wait_for_signal().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
