//! The top-level modules (rooms) of the compiler and the reconciler import
//! each other without cycles, so the pipeline reads in one direction
//! (docs/ARCHITECTURE.md, "Module order").
//!
//! The graph is read from the sources: in every file of a room, each
//! `crate::NAME` path (also inside `use crate::{…}` groups) and each
//! `super::` path that climbs to the crate root is an edge to the room
//! NAME lives in — NAME itself, or the room `lib.rs` re-exports it from
//! (`pub use room::{NAME, …}`). Comments are skipped, and so is test code
//! (`tests.rs`, `*_tests.rs`, and a file's inline `#[cfg(test)]` module,
//! which comes last): a test may drive the whole pipeline.

use air_tests::repo_root;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graphmap::DiGraphMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[test]
fn compiler_rooms_import_each_other_without_cycles() {
    assert_acyclic("compiler/src");
}

#[test]
fn reconciler_rooms_import_each_other_without_cycles() {
    assert_acyclic("reconciler/src");
}

/// One room's reference to another, with where it was seen.
type Edges = BTreeMap<(String, String), String>;

fn assert_acyclic(src: &str) {
    let root = repo_root();
    let edges = room_edges(&root, &root.join(src));
    assert!(!edges.is_empty(), "{src}: no imports between rooms found");
    let mut graph = DiGraphMap::<&str, ()>::new();
    for (from, to) in edges.keys() {
        graph.add_edge(from.as_str(), to.as_str(), ());
    }
    let cycles: Vec<String> = tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let inside: Vec<String> = edges
                .iter()
                .filter(|((f, t), _)| scc.contains(&f.as_str()) && scc.contains(&t.as_str()))
                .map(|((f, t), at)| format!("  {f} -> {t}  ({at})"))
                .collect();
            format!("cycle among {scc:?}:\n{}", inside.join("\n"))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "{src}: rooms import each other in a cycle; move what both need into a lower room\n{}",
        cycles.join("\n")
    );
    // Acyclic, so a topological order exists; printed for the docs' map.
    if let Ok(order) = toposort(&graph, None) {
        let mut order: Vec<&str> = order;
        order.reverse();
        println!("{src}: rooms from the bottom up: {}", order.join(", "));
    }
}

/// The edges between the rooms of the crate whose sources are in `src`.
fn room_edges(root: &Path, src: &Path) -> Edges {
    let rooms = rooms(src);
    assert!(rooms.len() > 1, "{}: no modules found", src.display());
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let exports = reexports(&lib, &rooms);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges = Edges::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap_or(&file);
        let module = module_path(rel);
        let Some(room) = module.first().cloned() else {
            continue; // lib.rs: the façade, not a room
        };
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n == "tests.rs" || n.ends_with("_tests.rs")) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let line = line.trim_start();
            if line.starts_with("#[cfg(test)]") && opens_inline_module(&lines[n + 1..]) {
                break;
            }
            if line.starts_with("//") {
                continue;
            }
            for target in referenced(line, module.len()) {
                let to = if rooms.contains(&target) {
                    Some(target)
                } else {
                    exports.get(&target).cloned()
                };
                if let Some(to) = to.filter(|to| *to != room) {
                    let at = file.strip_prefix(root).unwrap_or(&file);
                    edges
                        .entry((room.clone(), to))
                        .or_insert_with(|| format!("{}:{}", at.display(), n + 1));
                }
            }
        }
    }
    edges
}

/// Whether the item after a `#[cfg(test)]` (past further attributes) is
/// an inline module, `mod tests {`, rather than `mod tests;` (a file of
/// its own) or a single test-only item.
fn opens_inline_module(after: &[&str]) -> bool {
    after
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.starts_with("#["))
        .is_some_and(|l| l.contains("mod ") && l.ends_with('{'))
}

/// The crate's top-level modules: files and folders of `src` but lib.rs
/// and main.rs.
fn rooms(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    match name.strip_suffix(".rs") {
                        Some("lib" | "main") => None,
                        Some(stem) => Some(stem.to_string()),
                        None if e.path().is_dir() => Some(name),
                        None => None,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `pub use room::{a, b::c, d as e};` (or `pub(crate) use`) in lib.rs:
/// each name → its room.
fn reexports(lib: &str, rooms: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let stmt = stmt.trim().replace("pub(crate) use ", "pub use ");
        let stmt = stmt.as_str();
        let Some(rest) = stmt
            .rsplit("pub use ")
            .next()
            .filter(|_| stmt.contains("pub use "))
        else {
            continue;
        };
        let Some((room, names)) = rest.split_once("::") else {
            continue;
        };
        if !rooms.contains(room.trim()) {
            continue;
        }
        let names = names.trim().trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.trim();
            let name = name.rsplit(" as ").next().unwrap_or(name);
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            if !name.is_empty() {
                out.insert(name.to_string(), room.trim().to_string());
            }
        }
    }
    out
}

/// The module path of a file relative to `src`: `check/values/names.rs`
/// → [check, values, names]; `controller/mod.rs` → [controller].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        match last.strip_suffix(".rs") {
            Some("mod" | "lib" | "main") => {}
            Some(stem) => parts.push(stem.to_string()),
            None => parts.push(last),
        }
    }
    parts
}

/// The crate-root names a line refers to: `crate::NAME`, each first name
/// of a `crate::{…}` group, and `super::…::NAME` with `depth` supers (a
/// file `depth` modules deep climbs to the crate root with that many).
fn referenced(line: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let preceded = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[i + "crate::".len()..];
        if preceded {
            continue; // `air_crate::` or the like
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            out.push(ident(rest));
        }
    }
    if depth > 0 {
        let climb = "super::".repeat(depth);
        let mut rest = line;
        while let Some(i) = rest.find(&climb) {
            rest = &rest[i + climb.len()..];
            if rest.starts_with("super::") {
                continue; // climbs past the crate root: not a path of this file
            }
            if let Some(group) = rest.strip_prefix('{') {
                out.extend(group_heads(group));
            } else {
                out.push(ident(rest));
            }
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The first name of each element of a `{a::b, c, d::{e, f}}` group (the
/// text after the opening brace, up to the end of the line).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_start = true,
            c if at_start && !c.is_whitespace() => {
                heads.push(ident(&group[i..]));
                at_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// The identifier `text` starts with.
fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn references_are_read_from_paths_groups_and_supers() {
    assert_eq!(
        referenced(
            "use crate::{codes::Code, diagnostic::{Diagnostic, Severity}};",
            1
        ),
        ["codes", "diagnostic"]
    );
    assert_eq!(referenced("    crate::naming::dns_label(x)", 1), ["naming"]);
    assert_eq!(referenced("use super::super::model::App;", 2), ["model"]);
    assert_eq!(referenced("use super::walk;", 2), Vec::<String>::new());
    assert_eq!(referenced("air_crate::x", 1), Vec::<String>::new());
    let rooms: BTreeSet<String> = ["sync", "source"].map(String::from).into();
    let exports = reexports(
        "pub use sync::{apply, plan as p};\npub(crate) use source::git;",
        &rooms,
    );
    assert_eq!(exports.get("apply").map(String::as_str), Some("sync"));
    assert_eq!(exports.get("p").map(String::as_str), Some("sync"));
    assert_eq!(exports.get("git").map(String::as_str), Some("source"));
}
