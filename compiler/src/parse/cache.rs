//! Parses kept between compilations, for callers that compile the same
//! app again and again with one file changed (the language server: each
//! keystroke). Parsing is a pure function of a file's id and text, so a
//! file whose id and text are what they were last time gets its tree and
//! diagnostics back instead of being parsed again; the result is exactly
//! what parsing would give.
//!
//! A provider hands its cache to the loader through
//! [`SourceProvider::parse_cache`](crate::source::SourceProvider::parse_cache);
//! one-shot callers (`air check`, `air build`) have none.

use crate::ast::File;
use crate::diagnostic::Diagnostics;
use crate::span::FileId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The last parse of each file path. Shared by the loader's parsing
/// threads, hence the lock (held only to look up or store).
#[derive(Debug, Default)]
pub struct ParseCache {
    by_path: Mutex<HashMap<String, Arc<Parsed>>>,
    reused: AtomicUsize,
    parsed: AtomicUsize,
}

#[derive(Debug)]
struct Parsed {
    id: FileId,
    text: String,
    file: File,
    diags: Diagnostics,
}

/// How many files a compilation took from the cache and how many it
/// parsed (for tests and benches).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub reused: usize,
    pub parsed: usize,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// Parse `text` as file `id` at `path`, or give back the kept parse
    /// when the id and text are the same. The second value says whether
    /// the parse was reused.
    pub fn parse(&self, path: &str, id: FileId, text: &str) -> (File, Diagnostics, bool) {
        let kept = self
            .by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .cloned();
        if let Some(p) = kept
            && p.id == id
            && p.text == text
        {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return (p.file.clone(), p.diags.clone(), true);
        }
        self.parsed.fetch_add(1, Ordering::Relaxed);
        let mut diags = Diagnostics::new();
        let file = crate::parse::parse_file(id, text, &mut diags);
        let parsed = Arc::new(Parsed {
            id,
            text: text.to_string(),
            file: file.clone(),
            diags: diags.clone(),
        });
        self.by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), parsed);
        (file, diags, false)
    }

    /// Forget every path not in `keep` (files deleted or renamed), so the
    /// cache holds no more than the app's files.
    pub fn retain(&self, keep: &dyn Fn(&str) -> bool) {
        self.by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|path, _| keep(path));
    }

    /// The files reused and parsed since the last call.
    pub fn take_stats(&self) -> CacheStats {
        CacheStats {
            reused: self.reused.swap(0, Ordering::Relaxed),
            parsed: self.parsed.swap(0, Ordering::Relaxed),
        }
    }

    /// The number of paths kept.
    pub fn len(&self) -> usize {
        self.by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_text_or_id_is_parsed_again() {
        let cache = ParseCache::new();
        let a = "event A {}\n";
        let (first, _, reused) = cache.parse("a.air", FileId(0), a);
        assert!(!reused);
        let (again, _, reused) = cache.parse("a.air", FileId(0), a);
        assert!(reused);
        assert_eq!(first, again);
        let (_, _, reused) = cache.parse("a.air", FileId(1), a);
        assert!(!reused, "another id means other spans");
        let (_, d, reused) = cache.parse("a.air", FileId(1), "event {\n");
        assert!(!reused);
        assert!(d.has_errors());
        let (_, d, reused) = cache.parse("a.air", FileId(1), "event {\n");
        assert!(reused && d.has_errors(), "diagnostics come back too");
        assert_eq!(
            cache.take_stats(),
            CacheStats {
                reused: 2,
                parsed: 3
            }
        );
        cache.retain(&|p| p != "a.air");
        assert!(cache.is_empty());
    }
}
