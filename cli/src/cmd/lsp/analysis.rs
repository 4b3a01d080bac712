//! One app, compiled as the editor sees it (unsaved buffers over the
//! disk), with the index of its names.
//!
//! A file that does not parse stops the compiler after parsing (checking
//! half-read names would mostly repeat the syntax error). So that the rest
//! of the app still gets its semantic diagnostics and its names while one
//! file is being typed, such a file is compiled a second time at the last
//! text of it that parsed (the *fallback*); its own diagnostics come from
//! the first compilation, everybody else's from the second.

use super::index::Index;
use super::overlay::{Buffers, OverlayProvider};
use air_compiler::compile::{Compilation, CompileOptions};
use air_compiler::memo::WorkflowMemo;
use air_compiler::parse::cache::ParseCache;
use air_compiler::{Diagnostic, SourceMap};
use air_reconciler::disk::{DiskProvider, find_root};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Where an app lives: its repository root and its folder (both absolute,
/// canonical).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppLocation {
    pub root: PathBuf,
    pub dir: PathBuf,
}

/// The app a file belongs to: the nearest folder above it holding an
/// air.toml (on disk or in an open buffer).
pub fn find_app(file: &Path, buffers: &Buffers) -> Option<AppLocation> {
    let start = file.parent()?;
    let dir = start
        .ancestors()
        .find(|d| d.join("air.toml").is_file() || buffers.contains_key(&d.join("air.toml")))?;
    let dir = dir.canonicalize().ok()?;
    let root = find_root(&dir, None).canonicalize().ok()?;
    Some(AppLocation { root, dir })
}

/// A path in the form buffers are keyed by: the folder canonical (the
/// file itself may not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    match (
        path.parent().and_then(|p| p.canonicalize().ok()),
        path.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// What is kept of one app between compilations.
#[derive(Debug, Default)]
pub struct AppCache {
    pub parses: ParseCache,
    pub workflows: WorkflowMemo,
}

pub struct Snapshot {
    /// The repository root: file paths of the compilations are relative
    /// to it.
    pub root: PathBuf,
    /// The app's air.toml (where diagnostics without a place go).
    pub manifest: PathBuf,
    pub primary: Compilation,
    pub fallback: Option<Compilation>,
    /// Repository-relative paths of the files that did not parse.
    pub broken: Vec<String>,
    /// Built on the first request that needs it: a keystroke only wants
    /// diagnostics.
    index: OnceCell<Index>,
}

/// Whether a diagnostic is a syntax error (E01xx).
fn is_syntax(d: &Diagnostic) -> bool {
    d.code.as_str().starts_with("E01")
}

impl Snapshot {
    /// Compile the app at `app`; `last_good` holds, by absolute path, the
    /// last text of each file that parsed, and is updated; `cache` keeps
    /// the app's parses and per-workflow results between calls (only
    /// changed files are parsed, only changed workflows re-checked).
    pub fn of_app(
        app: &AppLocation,
        buffers: &Buffers,
        last_good: &mut HashMap<PathBuf, String>,
        cache: &AppCache,
    ) -> Result<Snapshot, String> {
        let disk = DiskProvider::new(&app.root).map_err(|e| e.to_string())?;
        let opts = CompileOptions {
            app_dir: disk.relative(&app.dir).map_err(|e| e.to_string())?,
            env: None,
        };
        let none = HashMap::new();
        let overlay = OverlayProvider {
            disk,
            buffers,
            replace: &none,
            parses: Some(&cache.parses),
            workflows: Some(&cache.workflows),
        };
        let primary = air_compiler::compile::check(&overlay, &opts);
        // Deleted and renamed files leave the cache (imported apps'
        // files are in `sources` too).
        let compiled: HashSet<&str> = primary
            .sources
            .files()
            .map(|(_, f)| f.path.as_str())
            .collect();
        cache.parses.retain(&|path| compiled.contains(path));
        let mut broken: Vec<String> = primary
            .diagnostics
            .iter()
            .filter(|d| is_syntax(d))
            .filter_map(|d| d.primary_span())
            .map(|s| primary.sources.path(s.file).to_string())
            .collect();
        broken.sort();
        broken.dedup();
        for (_, f) in primary.sources.files() {
            if !broken.contains(&f.path) {
                last_good.insert(app.root.join(&f.path), f.text.clone());
            }
        }
        let replace: Option<HashMap<String, String>> = broken
            .iter()
            .map(|rel| Some((rel.clone(), last_good.get(&app.root.join(rel))?.clone())))
            .collect();
        let fallback = match replace {
            Some(replace) if !broken.is_empty() => {
                let overlay = OverlayProvider {
                    replace: &replace,
                    ..overlay
                };
                Some(air_compiler::compile::check(&overlay, &opts))
            }
            _ => None,
        };
        // Results of workflows neither compilation asked for are gone.
        cache.workflows.sweep();
        Ok(Snapshot {
            root: app.root.clone(),
            manifest: app.dir.join("air.toml"),
            primary,
            fallback,
            broken,
            index: OnceCell::new(),
        })
    }

    /// A `.air` file outside any app: parsed on its own.
    pub fn of_lone_file(path: &Path, text: &str) -> Snapshot {
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut c = Compilation::default();
        let id = c.sources.add(name, text);
        let _ = air_compiler::parse::parse_file(id, text, &mut c.diagnostics);
        Snapshot {
            manifest: dir.join("air.toml"),
            root: dir,
            primary: c,
            fallback: None,
            broken: Vec::new(),
            index: OnceCell::new(),
        }
    }

    /// Every declaration and use of a name in the app.
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            if let Some(p) = &self.primary.program {
                // Inside a broken file only its own (partial) tree is
                // current; elsewhere the fallback's is complete.
                let skip: Vec<String> = match &self.fallback {
                    Some(_) => self
                        .primary
                        .sources
                        .files()
                        .map(|(_, f)| f.path.clone())
                        .filter(|p| !self.broken.contains(p))
                        .collect(),
                    None => Vec::new(),
                };
                index.extend(Index::build(p, &self.primary.sources, &skip));
            }
            if let Some(fb) = &self.fallback
                && let Some(p) = &fb.program
            {
                index.extend(Index::build(p, &fb.sources, &self.broken));
            }
            index
        })
    }

    /// The compilation that knows the most names: the fallback when there
    /// is one.
    pub fn names(&self) -> &Compilation {
        self.fallback.as_ref().unwrap_or(&self.primary)
    }

    /// Every diagnostic to show, with the source map its spans refer to.
    pub fn diagnostics(&self) -> Vec<(&Diagnostic, &SourceMap)> {
        let Some(fb) = &self.fallback else {
            return self
                .primary
                .diagnostics
                .iter()
                .map(|d| (d, &self.primary.sources))
                .collect();
        };
        let in_broken = |d: &Diagnostic, map: &SourceMap| {
            d.primary_span()
                .is_some_and(|s| self.broken.iter().any(|b| b == map.path(s.file)))
        };
        let mut out: Vec<(&Diagnostic, &SourceMap)> = self
            .primary
            .diagnostics
            .iter()
            .filter(|d| in_broken(d, &self.primary.sources))
            .map(|d| (d, &self.primary.sources))
            .collect();
        out.extend(
            fb.diagnostics
                .iter()
                .filter(|d| !in_broken(d, &fb.sources))
                .map(|d| (d, &fb.sources)),
        );
        out
    }

    /// Absolute path of a repository-relative one.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Repository-relative path of an absolute one.
    pub fn rel(&self, abs: &Path) -> Option<String> {
        let rel = abs.strip_prefix(&self.root).ok()?;
        Some(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
        )
    }

    /// The text of a file as compiled (the buffer, for an open file).
    pub fn text(&self, rel: &str) -> Option<&str> {
        self.primary
            .sources
            .files()
            .find(|(_, f)| f.path == rel)
            .map(|(_, f)| f.text.as_str())
    }

    /// Every file the app compiled, by absolute path.
    pub fn files(&self) -> Vec<PathBuf> {
        self.primary
            .sources
            .files()
            .map(|(_, f)| self.abs(&f.path))
            .collect()
    }
}

#[cfg(test)]
mod tests;
