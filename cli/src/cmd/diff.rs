//! `air diff`: compare the compiled app(s) at two revisions, or (with
//! `--live`) the app on disk with the cluster.

mod live;

use crate::cmd::fail;
use crate::exit;
use air_reconciler::diff::{self, DiffRequest, Report};
use air_reconciler::post::{self, PostOptions, Token};
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum DiffFormat {
    #[default]
    Human,
    Json,
    Markdown,
}

/// Show what a change does to the compiled objects and workflows.
///
/// Compares the app(s) at two Git revisions, read from the object database
/// (no checkout). Exit code: 0 no change, 1 changes, 2 error.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air diff                                   # working tree vs merge base with the default branch\n  air diff --base main --head HEAD apps/shop\n  air diff --format markdown --post https://github.com/acme/shop/pull/42"
)]
pub struct Args {
    /// An app folder, or a folder whose apps are all compared (default: the
    /// current folder; at the repository root: every app that changed).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Base revision (default: merge base with origin/HEAD, main or master).
    #[arg(long)]
    pub base: Option<String>,
    /// Head revision (default: the working tree, uncommitted changes included).
    #[arg(long)]
    pub head: Option<String>,
    /// Environment overlay from air.toml (`[env.NAME]`).
    #[arg(long)]
    pub env: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
    /// Post (or update) the Markdown report as a comment on this GitHub pull
    /// request or GitLab merge request. Token from GITHUB_TOKEN / GITLAB_TOKEN.
    #[arg(long, value_name = "URL")]
    pub post: Option<String>,
    /// API base for --post (default: from the URL; env AIR_GITHUB_API_URL /
    /// AIR_GITLAB_API_URL), e.g. `https://ghe.example.com/api/v3`.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Compare the app on disk with the live cluster instead (like
    /// `kubectl diff`): what `air apply --prune` would change.
    #[arg(long, conflicts_with_all = ["base", "head", "post", "api_url"])]
    pub live: bool,
    /// With --live: the app's namespace override.
    #[arg(short = 'n', long, requires = "live")]
    pub namespace: Option<String>,
    /// With --live: the kubeconfig file.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub kubeconfig: Option<PathBuf>,
    /// With --live: the kubeconfig context.
    #[arg(long, value_name = "NAME", requires = "live")]
    pub context: Option<String>,
}

pub fn run(args: Args) -> u8 {
    if args.live {
        if args.format == DiffFormat::Markdown {
            return fail("--live prints human or json, not markdown");
        }
        return live::run(live::LiveArgs {
            app: crate::cmd::AppArgs {
                env: args.env.clone(),
                ..crate::cmd::AppArgs::at(&args.path)
            },
            namespace: args.namespace,
            kubeconfig: args.kubeconfig,
            context: args.context,
            json: args.format == DiffFormat::Json,
        });
    }
    let (repo_root, rel) = match locate(&args.path) {
        Ok(x) => x,
        Err(e) => return fail(&e),
    };
    let req = DiffRequest {
        base: args.base.clone(),
        head: args.head.clone(),
        path: rel,
        env: args.env.clone(),
    };
    let report = match diff::diff_repository(&repo_root, &req) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    print(&report, args.format);
    if let Some(url) = &args.post
        && let Err(e) = post_report(&report, url, args.api_url.as_deref())
    {
        return fail(&e);
    }
    if report.has_changes() {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

fn print(report: &Report, format: DiffFormat) {
    let text = match format {
        DiffFormat::Human => diff::human::render(report, stdout_color_enabled()),
        DiffFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        DiffFormat::Markdown => diff::markdown::render(report),
    };
    // A closed pipe (`air diff | head`) is not an error.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn post_report(report: &Report, url: &str, api_url: Option<&str>) -> Result<(), String> {
    let target = post::parse_target(url).map_err(|e| e.to_string())?;
    let token = std::env::var(target.token_env())
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| format!("--post needs a token in {}", target.token_env()))?;
    let api_url = api_url.map(str::to_string).or_else(|| {
        std::env::var(target.api_env())
            .ok()
            .filter(|u| !u.is_empty())
    });
    let opts = PostOptions {
        api_url,
        token: Token::new(token.trim()),
        timeout: std::time::Duration::from_secs(30),
    };
    let body = diff::markdown::render(report);
    match post::post_comment_blocking(&target, &body, &opts).map_err(|e| e.to_string())? {
        post::PostOutcome::Created { id } => eprintln!("posted comment {id} on {url}"),
        post::PostOutcome::Updated { id } => eprintln!("updated comment {id} on {url}"),
    }
    Ok(())
}

/// The repository holding `path` and `path` relative to its working tree
/// ('/'-separated). `path` may be missing on disk (an app deleted in the
/// working tree): the nearest existing ancestor locates the repository.
pub fn locate(path: &Path) -> Result<(PathBuf, String), String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current folder: {e}"))?;
    let abs = cwd.join(path);
    let mut existing = abs.as_path();
    let mut rest: Vec<String> = Vec::new();
    while !existing.exists() {
        let Some(name) = existing.file_name() else {
            return Err(format!("`{}` does not exist", path.display()));
        };
        rest.push(name.to_string_lossy().into_owned());
        existing = existing
            .parent()
            .ok_or_else(|| format!("`{}` does not exist", path.display()))?;
    }
    let real = existing
        .canonicalize()
        .map_err(|e| format!("`{}`: {e}", path.display()))?;
    let repo = air_reconciler::git::discover_repository(&real).map_err(|e| e.to_string())?;
    let Some(workdir) = repo.workdir() else {
        return Err("a bare repository has no working tree; run air diff inside a clone".into());
    };
    let workdir = workdir
        .canonicalize()
        .map_err(|e| format!("`{}`: {e}", workdir.display()))?;
    let rel = real
        .strip_prefix(&workdir)
        .map_err(|_| format!("`{}` is outside the repository", path.display()))?;
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    rest.reverse();
    for r in rest {
        match r.as_str() {
            "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(r),
        }
    }
    Ok((workdir, parts.join("/")))
}

/// Whether to colour the report on stdout: never with NO_COLOR set (any
/// value, see no-color.org) or when stdout is not a terminal.
fn stdout_color_enabled() -> bool {
    use std::io::IsTerminal as _;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
