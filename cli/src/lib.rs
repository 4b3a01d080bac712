//! The `air` command as a library (so tests can render diagnostics exactly
//! as the binary does): thin — parse arguments, read files, print. All
//! logic lives in `air_compiler` (pure) and `air_reconciler` (IO).

pub mod cmd;
pub mod exit;
pub mod render;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// GitOps for serverless workflows: compile `.air` apps to Serverless
/// Workflow documents and Knative manifests, review changes, reconcile a
/// cluster.
#[derive(Parser, Debug)]
#[command(name = "air", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(cmd::check::Args),
    Build(cmd::build::Args),
    Test(cmd::test::Args),
    Fmt(cmd::fmt::Args),
    Graph(cmd::graph::Args),
    Explain(cmd::explain::Args),
    Diff(cmd::diff::Args),
    Apply(cmd::apply::Args),
    Reconcile(cmd::reconcile::Args),
    Status(cmd::status::Args),
    Crd(cmd::crd::Args),
    Lsp(cmd::lsp::Args),
    Init(cmd::init::Args),
    Completions(cmd::completions::Args),
}

/// The whole command line definition (for completion scripts and tests).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Run `air` with the process arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // `AIR_JOBS=N` caps the compiler's threads, like `cargo -j N`.
    if let Some(n) = std::env::var("AIR_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        air_compiler::par::set_jobs(n);
    }
    let code = match cli.command {
        Command::Check(a) => cmd::check::run(a),
        Command::Build(a) => cmd::build::run(a),
        Command::Test(a) => cmd::test::run(a),
        Command::Fmt(a) => cmd::fmt::run(a),
        Command::Graph(a) => cmd::graph::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Apply(a) => cmd::apply::run(a),
        Command::Reconcile(a) => cmd::reconcile::run(a),
        Command::Status(a) => cmd::status::run(a),
        Command::Crd(a) => cmd::crd::run(a),
        Command::Lsp(a) => cmd::lsp::run(a),
        Command::Init(a) => cmd::init::run(a),
        Command::Completions(a) => cmd::completions::run(a),
    };
    ExitCode::from(code)
}
