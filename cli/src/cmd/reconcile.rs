//! `air reconcile --config FILE [--once]`: run the controller.

use air_reconciler::cluster::Cluster;
use air_reconciler::config;
use air_reconciler::controller::{self, Shared};
use air_reconciler::git::GitCache;
use air_reconciler::leader::{Elector, LeaseSettings};
use air_reconciler::status::SyncState;
use std::path::PathBuf;

/// Keep a cluster in step with Git: fetch, compile, apply, prune, heal drift.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air reconcile --config reconcile.toml\n  air reconcile --config reconcile.toml --once        # one pass, then exit\n  air reconcile --airapp-namespace air-system --leader-elect"
)]
pub struct Args {
    /// The reconciler configuration (TOML; see docs/reconcile.md).
    /// Optional with --airapp-namespace.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "airapp_namespace"
    )]
    pub config: Option<PathBuf>,
    /// Also reconcile the AirApp resources of this namespace (overrides
    /// `airapp_namespace` of the configuration).
    #[arg(long, value_name = "NS")]
    pub airapp_namespace: Option<String>,
    /// Reconcile every app once, print the result and exit (1 when an app
    /// failed).
    #[arg(long)]
    pub once: bool,
    /// Kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Override `listen` from the configuration (`127.0.0.1:0` picks a free
    /// port; the address is logged).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Run as one of several replicas: reconcile only while holding the
    /// Lease `air-reconciler` (not with --once).
    #[arg(long)]
    pub leader_elect: bool,
    /// Namespace of the Lease (default: $POD_NAMESPACE, else air-system).
    #[arg(long, value_name = "NS")]
    pub lease_namespace: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(args: Args) -> u8 {
    // Logged once logging is set up; the controller runs either way.
    let not_reexecuted = with_controller_allocator_settings();
    let loaded = match (&args.config, &args.airapp_namespace) {
        (Some(path), _) => config::load(path),
        // No file: every default, apps from AirApps only.
        (None, Some(ns)) => config::parse(&format!("airapp_namespace = {ns:?}")),
        (None, None) => {
            eprintln!("error: give --config FILE or --airapp-namespace NS");
            return crate::exit::ERROR;
        }
    };
    let mut cfg = match loaded {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return crate::exit::ERROR;
        }
    };
    if let Some(ns) = &args.airapp_namespace {
        if !air_compiler::manifest::is_dns_label(ns) {
            eprintln!("error: --airapp-namespace `{ns}` is not a namespace name");
            return crate::exit::ERROR;
        }
        cfg.airapp_namespace = Some(ns.clone());
    }
    if let Some(l) = args.listen {
        cfg.listen = l;
    }
    init_logging(args.log_format);
    if let Some(why) = not_reexecuted {
        tracing::warn!(reason = %why, "running with the allocator's default settings (more memory)");
    }
    // The controller waits on the network; a few workers keep up with
    // thousands of apps. Blocking threads are bounded by the jobs that may
    // run at once and kept between cycles: each thread costs the
    // allocator a heap of its own, and a thread that exits leaves its
    // half-used pages behind (docs/performance.md, "Controller at scale").
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.clamp(1, 4))
        .max_blocking_threads(air_reconciler::controller::JobLimits::default().blocking_threads())
        .thread_keep_alive(std::time::Duration::from_secs(600))
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return crate::cmd::fail(&format!("cannot start the runtime: {e}")),
    };
    let code = runtime.block_on(reconcile(cfg, args));
    // A fetch blocked on a remote that never answers cannot be
    // interrupted; dropping the runtime would wait for it forever.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    code
}

/// mimalloc's settings for a long-running controller, which mimalloc reads
/// from the environment when the process starts; they are the defaults
/// unless the environment sets them.
///
/// - `MIMALLOC_ALLOW_THP=0`: no transparent huge pages. A short `air build`
///   runs faster with them, but the controller keeps a heap per thread for
///   weeks, and a huge page keeps 2 MiB resident for the few KiB an idle
///   heap touches.
/// - `MIMALLOC_PURGE_DELAY=0`: pages freed after a sync go back to the
///   system at once instead of a second later, while the next sync's
///   garbage piles up beside them.
///
/// At 1,000 apps they take the controller's peak RSS from 128 MB to 90 MB
/// (docs/performance.md, "Controller at scale").
#[cfg(all(unix, not(feature = "system-alloc")))]
const CONTROLLER_ALLOCATOR: [(&str, &str); 2] =
    [("MIMALLOC_ALLOW_THP", "0"), ("MIMALLOC_PURGE_DELAY", "0")];

/// Run this same command again with [`CONTROLLER_ALLOCATOR`] in its
/// environment (the same process: `exec` keeps the PID, so a container's
/// PID 1 stays PID 1) when one is missing. Done first, before any thread,
/// socket or signal handler exists. Returns only when there was nothing to
/// do (`None`) or the exec could not be done (why: no /proc/self/exe, say);
/// the controller then runs with the allocator's defaults.
#[cfg(all(unix, not(feature = "system-alloc")))]
fn with_controller_allocator_settings() -> Option<String> {
    use std::os::unix::process::CommandExt;
    let missing: Vec<_> = CONTROLLER_ALLOCATOR
        .iter()
        .filter(|(k, _)| std::env::var_os(k).is_none())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(format!("cannot find the running binary: {e}")),
    };
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(&exe);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    cmd.args(args);
    for (k, v) in missing {
        cmd.env(k, v);
    }
    let e = cmd.exec();
    Some(format!("cannot re-execute {}: {e}", exe.display()))
}

#[cfg(not(all(unix, not(feature = "system-alloc"))))]
fn with_controller_allocator_settings() -> Option<String> {
    None
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn reconcile(cfg: config::Config, args: Args) -> u8 {
    let cluster = match Cluster::connect(args.kubeconfig.as_deref()).await {
        Ok(c) => c,
        Err(e) => return crate::cmd::fail(&e.to_string()),
    };
    let cache_dir = cfg.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let cache = GitCache::new(cache_dir);
    for var in cfg.notify.iter().filter_map(|t| t.env_var()) {
        if std::env::var(var).map_or(true, |v| v.is_empty()) {
            return crate::cmd::fail(&format!(
                "a `[[notify]]` target reads its URL from `{var}`, which is not set"
            ));
        }
    }
    let shared = Shared::new();
    match air_reconciler::http::HttpPolicy::from_config(&cfg, |v| {
        std::env::var(v).ok().filter(|v| !v.is_empty())
    }) {
        Ok(p) => shared.set_http_policy(p),
        Err(e) => return crate::cmd::fail(&e),
    }
    if let Some(var) = &cfg.webhook_secret_env {
        match std::env::var(var) {
            Ok(secret) if !secret.is_empty() => {
                if let Err(e) = shared.set_webhook_secret(Some(secret)) {
                    return crate::cmd::fail(&format!("`{var}`: {e}"));
                }
            }
            _ => {
                return crate::cmd::fail(&format!(
                    "`webhook_secret_env` names `{var}`, which is not set: \
                     export the webhook secret in it, or remove the setting to turn the hook off"
                ));
            }
        }
    }
    if args.once {
        let statuses = controller::run(cfg, cluster, cache, shared, true, async {}).await;
        let failed = statuses.iter().any(|s| s.sync == SyncState::Failed);
        println!("{}", crate::cmd::status::table(&statuses));
        return if failed {
            crate::exit::FINDINGS
        } else {
            crate::exit::OK
        };
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let http_stop = {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let (addr, server) =
        match air_reconciler::http::serve(cfg.listen, shared.clone(), http_stop).await {
            Ok(s) => s,
            Err(e) => return crate::cmd::fail(&format!("cannot listen on {}: {e}", cfg.listen)),
        };
    tracing::info!(%addr, apps = cfg.apps.len(), "air reconcile listening");
    let server = tokio::spawn(server);
    let stop_tx = std::sync::Arc::new(stop_tx);
    let signal_tx = stop_tx.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signal_tx.send(true);
    });
    let elector = args.leader_elect.then(|| elector(&args, &cluster));
    if let Some(e) = &elector {
        tracing::info!(identity = e.identity(), "waiting to lead");
        if !e.acquire(&mut stop_rx.clone()).await {
            let _ = server.await;
            return crate::exit::OK;
        }
        tracing::info!(identity = e.identity(), "leading");
    }
    let shutdown = {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let mut run = std::pin::pin!(controller::run(
        cfg, cluster, cache, shared, false, shutdown
    ));
    // The lease is renewed for as long as the apps run, the drain after
    // SIGTERM included: until the cycle in flight has finished (an apply
    // may take up to an app's `timeout`), no other replica may start
    // applying the same apps.
    let lose = async {
        match &elector {
            Some(e) => e.hold().await,
            None => std::future::pending().await,
        }
    };
    let lost = tokio::select! {
        _ = &mut run => false,
        () = lose => {
            tracing::error!("leadership lost; stopping");
            let _ = stop_tx.send(true);
            run.await;
            true
        }
    };
    let _ = server.await;
    if lost {
        // Exit non-zero so the pod restarts and rejoins the election.
        return crate::exit::FINDINGS;
    }
    if let Some(e) = &elector {
        e.release().await;
    }
    tracing::info!("stopped");
    crate::exit::OK
}

/// This replica's side of the Lease election: identity from $HOSTNAME
/// (the pod name), namespace from --lease-namespace or $POD_NAMESPACE.
fn elector(args: &Args, cluster: &Cluster) -> Elector {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let namespace = args
        .lease_namespace
        .clone()
        .or_else(|| env("POD_NAMESPACE"))
        .unwrap_or_else(|| "air-system".into());
    let identity = env("HOSTNAME").unwrap_or_else(|| format!("air-{}", std::process::id()));
    Elector::new(
        cluster.client().clone(),
        LeaseSettings::new(&namespace, &identity),
    )
}

/// SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn shutdown_signal() {
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

/// `$XDG_CACHE_HOME/air/git`, else `~/.cache/air/git`, else a folder
/// under the temporary directory.
fn default_cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("air/git");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".cache/air/git");
    }
    std::env::temp_dir().join("air-git-cache")
}
