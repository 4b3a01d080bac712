//! The editor's unsaved buffers laid over the files on disk: what the
//! compiler reads while the user types. Buffers are keyed by absolute
//! path; the disk provider decides which folders exist and where the
//! repository ends, the buffers only replace or add texts.

use air_compiler::memo::WorkflowMemo;
use air_compiler::parse::cache::ParseCache;
use air_compiler::source::{AppFiles, LoadError, SourceProvider};
use air_reconciler::disk::DiskProvider;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Texts by absolute path that win over the disk.
pub type Buffers = HashMap<PathBuf, String>;

pub struct OverlayProvider<'a> {
    pub disk: DiskProvider,
    pub buffers: &'a Buffers,
    /// Texts to use instead of both (the last text of a file that parsed,
    /// when its buffer does not), by repository-relative path.
    pub replace: &'a HashMap<String, String>,
    /// The app's parses from earlier compilations: a keystroke re-parses
    /// only the file it changed.
    pub parses: Option<&'a ParseCache>,
    /// The app's per-workflow results from earlier compilations: a
    /// keystroke re-checks only the workflows it could change.
    pub workflows: Option<&'a WorkflowMemo>,
}

impl OverlayProvider<'_> {
    fn text_of(&self, rel: &str) -> Option<&String> {
        self.replace
            .get(rel)
            .or_else(|| self.buffers.get(&self.disk.root().join(rel)))
    }
}

impl SourceProvider for OverlayProvider<'_> {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        let mut files = self.disk.load_app(dir)?;
        for (rel, text) in &mut files.sources {
            if let Some(t) = self.text_of(rel) {
                text.clone_from(t);
            }
        }
        let folder = self.disk.root().join(&files.dir);
        if let Some(t) = self.buffers.get(&folder.join("air.toml")) {
            files.manifest = Some(t.clone());
        }
        // Buffers of files not yet saved to disk belong to the app too.
        for path in self.buffers.keys() {
            let Some(rel) = new_source(self.disk.root(), &folder, path) else {
                continue;
            };
            if !files.sources.iter().any(|(p, _)| *p == rel)
                && let Some(t) = self.text_of(&rel)
            {
                files.sources.push((rel, t.clone()));
            }
        }
        files.sources.sort();
        Ok(files)
    }

    fn parse_cache(&self) -> Option<&ParseCache> {
        self.parses
    }

    fn workflow_memo(&self) -> Option<&WorkflowMemo> {
        self.workflows
    }
}

/// The repository-relative path of `path` when it is an `.air` file below
/// `folder` that the disk walk would also read (no hidden folder, no
/// `target`).
fn new_source(root: &Path, folder: &Path, path: &Path) -> Option<String> {
    let below = path.strip_prefix(folder).ok()?;
    let visible = below.components().all(|c| {
        let name = c.as_os_str().to_string_lossy();
        !name.starts_with('.') && name != "target"
    });
    let is_air = path.extension().is_some_and(|e| e == "air");
    if !visible || !is_air {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_replace_and_add_files() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().canonicalize()?;
        std::fs::create_dir_all(root.join("app/.hidden"))?;
        std::fs::write(root.join("app/air.toml"), "[app]\nname = \"a\"\n")?;
        std::fs::write(root.join("app/a.air"), "on disk")?;
        let mut buffers = Buffers::new();
        buffers.insert(root.join("app/a.air"), "edited".into());
        buffers.insert(root.join("app/new.air"), "unsaved".into());
        buffers.insert(root.join("app/.hidden/x.air"), "hidden".into());
        buffers.insert(root.join("other.air"), "elsewhere".into());
        let replace = HashMap::new();
        let p = OverlayProvider {
            disk: DiskProvider::new(&root).map_err(|e| e.to_string())?,
            buffers: &buffers,
            replace: &replace,
            parses: None,
            workflows: None,
        };
        let files = p.load_app("app").map_err(|e| e.to_string())?;
        let got: Vec<(&str, &str)> = files
            .sources
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        assert_eq!(got, [("app/a.air", "edited"), ("app/new.air", "unsaved")]);
        Ok(())
    }
}
