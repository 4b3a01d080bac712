//! `air build`: compile an app and write its Kubernetes objects, workflow
//! documents and catalog — into a folder (replaced as a whole) or as one
//! YAML stream on stdout.

use crate::cmd::fail;
use crate::exit;
use crate::render::{Format, print_all};
use air_compiler::CompileOptions;
use air_compiler::Severity;
use air_compiler::emit::{BuildOutput, MARKER};
use air_reconciler::disk::DiskProvider;
use std::path::{Path, PathBuf};

/// Compile an app to Knative manifests and Serverless Workflow documents.
///
/// With `-o DIR` the folder is replaced as a whole: every file in it that
/// this build does not write is removed. A folder that exists and does not
/// hold a previous `air build` output is refused unless `--force`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air build examples/image-resize -o out/image-resize\n  \
    air build examples/shop --env prod --stdout | kubectl apply -f -\n  \
    air build . -o deploy/generated && kubectl apply -k deploy/generated"
)]
#[command(group(clap::ArgGroup::new("dest").required(true).args(["out", "stdout"])))]
pub struct Args {
    #[command(flatten)]
    pub app: crate::cmd::AppArgs,
    /// Output folder (replaced as a whole on success).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print every Kubernetes object as one YAML stream instead.
    #[arg(long)]
    pub stdout: bool,
    /// Replace DIR even if it does not look like an `air build` output.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> u8 {
    let (provider, opts) = match args.app.options() {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    if args.stdout {
        return stream(&provider, &opts);
    }
    let c = air_compiler::compile::build(&provider, &opts);
    if let Some(code) = report(&c) {
        return code;
    }
    let Some(output) = c.output else {
        return fail("nothing was built");
    };
    // The process ends right after this command: freeing the syntax
    // trees, sources and output piece by piece would only cost time
    // (≈ 5 ms for a 1 MB app), so the memory goes back with the process.
    std::mem::forget(c.program);
    std::mem::forget(c.sources);
    let Some(dir) = args.out else {
        return fail("give -o DIR or --stdout");
    };
    let code = match write_folder(&dir, &output, args.force) {
        Ok(()) => {
            eprintln!("wrote {} files to {}", output.files.len(), dir.display());
            exit::OK
        }
        Err(e) => fail(&e),
    };
    std::mem::forget(output);
    code
}

/// `--stdout`: [`air_compiler::compile::build_stream`], which keeps only
/// the printed objects (docs/performance.md, "Memory").
fn stream(provider: &DiskProvider, opts: &CompileOptions) -> u8 {
    let c = air_compiler::compile::build_stream(provider, opts);
    if let Some(code) = report(&c) {
        return code;
    }
    let Some(stream) = &c.stream else {
        return fail("nothing was built");
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = match stream.write_to(&mut out) {
        Ok(()) => exit::OK,
        Err(e) => fail(&format!("could not write the stream: {e}")),
    };
    // As in `run`: the memory goes back with the process.
    std::mem::forget(c);
    code
}

/// Print the diagnostics; `Some(exit code)` when there were errors.
fn report(c: &air_compiler::compile::Compilation) -> Option<u8> {
    print_all(c.diagnostics.iter(), &c.sources, Format::Human);
    (c.diagnostics.count(Severity::Error) > 0).then_some(exit::FINDINGS)
}

/// Does `dir` hold a previous build (its kustomization.yaml starts with
/// [`MARKER`]), or nothing at all?
pub fn replaceable(dir: &Path) -> Result<bool, String> {
    if !dir.exists() {
        return Ok(true);
    }
    if !dir.is_dir() {
        return Err(format!("`{}` exists and is not a folder", dir.display()));
    }
    let empty = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(true);
    }
    let k = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap_or_default();
    Ok(k.starts_with(MARKER))
}

/// Write the build into a sibling temporary folder, then swap it in with
/// renames, so readers see the old tree or the new one, never a mix.
pub fn write_folder(dir: &Path, output: &BuildOutput, force: bool) -> Result<(), String> {
    if !force && !replaceable(dir)? {
        return Err(format!(
            "`{}` is not empty and was not written by `air build`; \
             its files would be deleted (use --force to replace it anyway)",
            dir.display()
        ));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("`{}` has no folder name", dir.display()))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.air-new-{pid}"));
    let old = parent.join(format!(".{name}.air-old-{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = write_tree(&tmp, output).and_then(|()| swap(dir, &tmp, &old));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn write_tree(tmp: &Path, output: &BuildOutput) -> Result<(), String> {
    for (rel, text) in &output.files {
        let path = tmp.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if output.files.is_empty() {
        std::fs::create_dir_all(tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    }
    Ok(())
}

fn swap(dir: &Path, tmp: &Path, old: &Path) -> Result<(), String> {
    if dir.exists() {
        let _ = std::fs::remove_dir_all(old);
        std::fs::rename(dir, old).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Err(e) = std::fs::rename(tmp, dir) {
            // Put the previous output back rather than leave nothing.
            let _ = std::fs::rename(old, dir);
            return Err(format!("{}: {e}", dir.display()));
        }
        std::fs::remove_dir_all(old).map_err(|e| format!("{}: {e}", old.display()))
    } else {
        std::fs::rename(tmp, dir).map_err(|e| format!("{}: {e}", dir.display()))
    }
}
