//! The files a compilation reads. The compiler never touches the file
//! system: callers (the CLI from disk, the reconciler from a Git tree) fill
//! a [`SourceMap`] through a [`SourceProvider`].

// The files and their map live with the spans that point into them (a
// leaf module: diagnostics need them, and this module sits above the
// parser); re-exported here, where callers have always found them.
pub use crate::span::{SourceFile, SourceMap};

/// What to compile.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Repository-relative folder of the app ("" = the repository root).
    pub app_dir: String,
    /// Environment overlay from air.toml (`--env`).
    pub env: Option<String>,
}

/// The files of one app folder, as a provider returns them.
#[derive(Clone, Debug, Default)]
pub struct AppFiles {
    /// Repository-relative, normalised folder of the app ("" = root).
    pub dir: String,
    /// Text of `air.toml`, if the folder has one.
    pub manifest: Option<String>,
    /// Every `*.air` file below the folder (recursively) as
    /// (repository-relative path, text), sorted by path.
    pub sources: Vec<(String, String)>,
}

impl AppFiles {
    /// The same files with a leading UTF-8 byte-order mark removed from
    /// each: some editors write one, and it is not part of the text.
    pub fn without_byte_order_marks(mut self) -> Self {
        if let Some(m) = &mut self.manifest {
            strip_byte_order_mark(m);
        }
        for (_, text) in &mut self.sources {
            strip_byte_order_mark(text);
        }
        self
    }
}

/// The UTF-8 byte-order mark (U+FEFF at the start of a file).
pub(crate) const BYTE_ORDER_MARK: char = '\u{feff}';

/// Remove a leading byte-order mark, in place.
pub fn strip_byte_order_mark(text: &mut String) {
    if text.starts_with(BYTE_ORDER_MARK) {
        text.drain(..BYTE_ORDER_MARK.len_utf8());
    }
}

/// Why a provider could not load an app folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// No such folder.
    NotFound(String),
    /// The folder (after resolving symlinks) lies outside the repository root.
    OutsideRoot(String),
    /// Any other IO problem, described.
    Io(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "no app folder at `{p}`"),
            LoadError::OutsideRoot(p) => write!(f, "`{p}` lies outside the repository"),
            LoadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Where the compiler gets app folders from: the CLI implements it over the
/// file system, the reconciler and `air diff` over a Git tree. Paths are
/// repository-relative and '/'-separated; the provider resolves symlinks and
/// refuses anything that leaves the repository.
pub trait SourceProvider {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError>;

    /// Parses kept from earlier compilations, for a caller that compiles
    /// the same app again and again (the language server); the loader
    /// takes a file's parse from it when the file's id and text are
    /// unchanged. None by default: a one-shot compilation parses all.
    fn parse_cache(&self) -> Option<&crate::parse::cache::ParseCache> {
        None
    }

    /// Per-workflow results kept from earlier compilations (see
    /// [`crate::memo`]); None by default.
    fn workflow_memo(&self) -> Option<&crate::memo::WorkflowMemo> {
        None
    }
}

/// An in-memory repository: app folders by repository-relative path. For
/// tests, benchmarks and property tests (and any caller that already holds
/// the files).
#[derive(Clone, Debug, Default)]
pub struct MemProvider {
    pub apps: std::collections::BTreeMap<String, AppFiles>,
}

impl MemProvider {
    /// A repository holding one app at `dir` with the given air.toml and files.
    pub fn single(dir: &str, manifest: &str, files: &[(&str, &str)]) -> Self {
        let mut p = MemProvider::default();
        p.insert(dir, manifest, files);
        p
    }

    /// Add an app; file names are relative to `dir`.
    pub fn insert(&mut self, dir: &str, manifest: &str, files: &[(&str, &str)]) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut sources: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| (format!("{prefix}{n}"), t.to_string()))
            .collect();
        sources.sort();
        self.apps.insert(
            dir.to_string(),
            AppFiles {
                dir: dir.to_string(),
                manifest: Some(manifest.to_string()),
                sources,
            },
        );
    }
}

impl SourceProvider for MemProvider {
    fn load_app(&self, dir: &str) -> Result<AppFiles, LoadError> {
        self.apps
            .get(dir)
            .cloned()
            .ok_or_else(|| LoadError::NotFound(dir.to_string()))
    }
}

/// Join a repository-relative folder and a relative path lexically,
/// resolving `.` and `..`. `None` when the result would climb above the
/// repository root.
pub fn join_relative(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    if rel.starts_with('/') {
        return None;
    }
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::new("a.air", "ab\ncd\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 2));
        assert_eq!(f.line_col(6), (3, 1));
    }

    #[test]
    fn join_stays_inside_root() {
        assert_eq!(
            join_relative("apps/shop", "../common").as_deref(),
            Some("apps/common")
        );
        assert_eq!(join_relative("shop", "../../x"), None);
        assert_eq!(join_relative("", "/etc"), None);
    }
}
