//! `air apply`: compile an app from disk and make a cluster match it, once
//! — the apply path the controller uses (`air_reconciler::apply::sync`:
//! server-side dry run of everything, then server-side apply in order, then
//! prune), with an optional wait for the objects to become healthy.

mod display;

pub use display::{Counts, Display, Mode, kubectl_name};

use crate::cmd::{fail, local_app};
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::Severity;
use air_reconciler::apply::{SyncError, SyncOptions, sync};
use air_reconciler::cluster::Cluster;
use air_reconciler::config::{format_duration, parse_duration};
use air_reconciler::desired::{AppObjects, lower_checked};
use air_reconciler::object::ObjectRef;
use air_reconciler::plan::Action;
use air_reconciler::wait::{WaitOptions, WaitOutcome, wait_healthy};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Apply an app to a cluster: compile, plan, server-side apply, prune.
///
/// Any compile error, or any object the API server rejects in the
/// server-side dry run, and nothing is applied. Objects without air's
/// labels for this app are never changed or deleted.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  air apply examples/image-resize --dry-run\n  \
    air apply . --env prod --prune --wait\n  \
    air apply apps/shop --context kind-dev --namespace shop-preview\n\n\
    Exit status: 0 applied (and healthy with --wait), 1 compile errors, a \
    rejected object, a refused prune or an unhealthy object, 2 could not \
    run (bad arguments or path, no kubeconfig, API server unreachable)."
)]
pub struct Args {
    #[command(flatten)]
    pub app: crate::cmd::AppArgs,
    /// Apply into this namespace instead of the app's own.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Plan and have the API server validate every object; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete objects of earlier applies that the app no longer has.
    #[arg(long)]
    pub prune: bool,
    /// With --prune, allow deleting every object of the app (refused otherwise).
    #[arg(long, requires = "prune")]
    pub allow_prune_all: bool,
    /// Take over fields another field manager owns (conflicts fail otherwise).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Wait until every object of the app is healthy.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, e.g. `90s`, `5m`.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Give up on any one request to the API server after this long
    /// (exit 2), e.g. `10s`, `1m`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// The kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let mode = Mode::detect(args.dry_run);
    run_with(
        args,
        Display::new(mode, std::io::stdout(), std::io::stderr()),
    )
}

/// [`run`] with a given display (tests capture its output).
pub fn run_with<O: Write, E: Write>(args: Args, mut display: Display<O, E>) -> u8 {
    let local = match compile_local(&args.app, args.namespace.as_deref()) {
        Ok(l) => l,
        Err(Failed::Usage(e)) => return fail(&e),
        Err(Failed::Errors(n)) => {
            display.note(&format!(
                "error: the app has {n} error{}; nothing was applied",
                if n == 1 { "" } else { "s" }
            ));
            return exit::FINDINGS;
        }
    };
    let runtime = match crate::cmd::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(apply(&args, local.objects, local.revision, &mut display))
}

/// An app compiled from disk, ready to compare with or apply to a cluster.
pub struct LocalObjects {
    pub objects: AppObjects,
    /// `HEAD` (`-dirty` when the app folder differs), if in a repository.
    pub revision: Option<String>,
}

/// Why [`compile_local`] produced nothing.
pub enum Failed {
    /// The app could not be read (message).
    Usage(String),
    /// The app has this many errors (already printed).
    Errors(usize),
}

/// Compile the app on disk (diagnostics printed as `air check` prints
/// them), moved to `namespace` when given. Shared by `air apply` and
/// `air diff --live`.
pub fn compile_local(
    app: &crate::cmd::AppArgs,
    namespace: Option<&str>,
) -> Result<LocalObjects, Failed> {
    if let Some(ns) = namespace {
        air_compiler::check::values::names::dns1123_label(ns)
            .map_err(|e| Failed::Usage(format!("--namespace `{ns}`: {}", e.message)))?;
    }
    let local = local_app(&app.path, app.root.as_ref()).map_err(Failed::Usage)?;
    let opts = air_compiler::CompileOptions {
        app_dir: local.dir.clone(),
        env: app.env.clone(),
    };
    let mut c = air_compiler::compile::front(&local.provider, &opts);
    let objects = lower_checked(&mut c, namespace);
    print_all(c.diagnostics.iter(), &c.sources, Format::Human);
    let objects = objects.ok_or_else(|| Failed::Errors(c.diagnostics.count(Severity::Error)))?;
    Ok(LocalObjects {
        objects,
        revision: air_reconciler::git::working_revision(&app.path, &local.dir),
    })
}

async fn apply<O: Write, E: Write>(
    args: &Args,
    app: AppObjects,
    revision: Option<String>,
    display: &mut Display<O, E>,
) -> u8 {
    let cluster =
        match Cluster::connect_to(args.kubeconfig.as_deref(), args.context.as_deref()).await {
            Ok(c) => c.with_request_timeout(args.request_timeout),
            Err(e) => return fail(&e.to_string()),
        };
    let opts = SyncOptions {
        dry_run: args.dry_run,
        prune: args.prune,
        allow_prune_all: args.allow_prune_all,
        force: args.force_conflicts,
    };
    let result = sync(
        &cluster,
        &app.app,
        &app.namespace,
        revision.as_deref(),
        &app.objects,
        opts,
        display,
    )
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            display.clear_status();
            return sync_failed(&e, display);
        }
    };
    if args.dry_run {
        display.dry_run_lines(&report.plan, report.unvalidated_namespace.as_deref());
    }
    display.clear_status();
    let at = revision.map(|r| format!(" at {r}")).unwrap_or_default();
    let dry = if args.dry_run {
        " (server dry run)"
    } else {
        ""
    };
    display.note(&format!(
        "app {} → namespace {}{at}: {}{dry}",
        app.app,
        app.namespace,
        display.counts.summary()
    ));
    if !args.wait || args.dry_run {
        return exit::OK;
    }
    let wanted: Vec<ObjectRef> = report
        .plan
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.action,
                Action::Create | Action::Update | Action::Unchanged
            )
        })
        .map(|c| c.object.clone())
        .collect();
    wait(&cluster, &wanted, args.timeout, display).await
}

/// Report a failed sync; exit 2 when the API server could not be reached,
/// did not answer or refused the credentials (nothing was decided), 1 when
/// it refused something.
fn sync_failed<O: Write, E: Write>(e: &SyncError, display: &mut Display<O, E>) -> u8 {
    display.note(&format!("error: {e}"));
    if e.is_unauthorized() {
        display.note("help: the API server refused the credentials of the kubeconfig (401)");
        return exit::ERROR;
    }
    if e.is_transient() {
        display.note(
            "help: objects already applied are recorded in the app's inventory; \
             run `air apply` again once the API server is reachable",
        );
        return exit::ERROR;
    }
    if matches!(e, SyncError::Refused(_)) {
        display.note("help: pass --allow-prune-all if deleting every object is intended");
    }
    exit::FINDINGS
}

async fn wait<O: Write, E: Write>(
    cluster: &Cluster,
    objects: &[ObjectRef],
    timeout: Duration,
    display: &mut Display<O, E>,
) -> u8 {
    let opts = WaitOptions {
        timeout,
        ..WaitOptions::default()
    };
    let outcome = wait_healthy(cluster, objects, opts, display).await;
    display.clear_status();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            display.note(&format!("error: while waiting: {e}"));
            return exit::ERROR;
        }
    };
    let headline = match &outcome {
        WaitOutcome::Healthy(s) => {
            display.note(&format!("all {} objects healthy", s.len()));
            return exit::OK;
        }
        WaitOutcome::Degraded(_) => "error: an object is degraded".to_string(),
        WaitOutcome::TimedOut(_) => {
            format!("error: not healthy after {}", format_duration(timeout))
        }
    };
    display.note(&headline);
    for (r, a) in outcome.unhealthy() {
        display.note(&format!(
            "  {} {}: {}",
            kubectl_name(r),
            a.health,
            a.message
        ));
    }
    exit::FINDINGS
}
