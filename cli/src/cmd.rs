//! One module per subcommand: its clap `Args` and its `run`.

pub mod apply;
pub mod build;
pub mod check;
pub mod completions;
pub mod crd;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod init;
pub mod lsp;
pub mod reconcile;
pub mod status;
pub mod test;

use air_compiler::source::LoadError;
use air_reconciler::disk::{DiskProvider, find_root};
use std::path::{Path, PathBuf};

/// Which app a command works on (flattened into its arguments).
#[derive(clap::Args, Debug, Clone)]
pub struct AppArgs {
    /// The app folder (holding air.toml).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Environment overlay from air.toml (`[env.NAME]`).
    #[arg(long)]
    pub env: Option<String>,
    /// Repository root (default: nearest folder with .git, else the app's parent).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

impl AppArgs {
    /// The app at `path`, with default environment and root.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        AppArgs {
            path: path.into(),
            env: None,
            root: None,
        }
    }

    /// The source provider and compile options for this app.
    pub fn options(&self) -> Result<(DiskProvider, air_compiler::CompileOptions), String> {
        app_options(&self.path, self.root.as_ref(), self.env.clone())
    }
}

/// An app folder on disk, resolved against its repository root.
pub struct LocalApp {
    pub provider: DiskProvider,
    /// Repository-relative folder of the app.
    pub dir: String,
}

/// Locate the app at `path` (a folder holding air.toml) and its repository.
pub fn local_app(path: &Path, root: Option<&PathBuf>) -> Result<LocalApp, String> {
    if !path.is_dir() {
        return Err(format!("`{}` is not a folder", path.display()));
    }
    let root = find_root(path, root.map(PathBuf::as_path));
    let provider = DiskProvider::new(&root).map_err(|e| e.to_string())?;
    let dir = provider.relative(path).map_err(|e| match e {
        LoadError::OutsideRoot(_) => format!(
            "`{}` is outside the repository root `{}`",
            path.display(),
            root.display()
        ),
        e => e.to_string(),
    })?;
    Ok(LocalApp { provider, dir })
}

/// Locate the app at `path` and the options to compile it with.
pub fn app_options(
    path: &Path,
    root: Option<&PathBuf>,
    env: Option<String>,
) -> Result<(DiskProvider, air_compiler::CompileOptions), String> {
    let app = local_app(path, root)?;
    let opts = air_compiler::CompileOptions {
        app_dir: app.dir,
        env,
    };
    Ok((app.provider, opts))
}

/// A single-threaded runtime for a command that talks to a cluster or a
/// server; on failure the exit code to return (the error is printed).
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&format!("cannot start the runtime: {e}")))
}

/// Print "error: …" for a problem that stopped the command from running.
pub fn fail(message: &str) -> u8 {
    eprintln!("error: {message}");
    crate::exit::ERROR
}
