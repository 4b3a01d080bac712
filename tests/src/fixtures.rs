//! Loading fixtures and their `// expect:` / `// allow:` headers.

use air_compiler::source::MemProvider;
use air_compiler::{CompileOptions, SourceProvider};
use air_reconciler::disk::DiskProvider;
use std::path::{Path, PathBuf};

/// One fixture: a provider holding its app and the options to compile it.
pub struct Fixture {
    /// `group/name`, for snapshot names and messages.
    pub name: String,
    pub provider: Box<dyn SourceProvider>,
    pub opts: CompileOptions,
    /// (code, repository-relative file, line) that must be reported.
    pub expect: Vec<(String, String, usize)>,
    /// Warning codes an ok fixture may report.
    pub allow: Vec<String>,
}

/// Every fixture below `dir` (one-file `.air` fixtures and folder
/// fixtures), sorted by name.
pub fn load_all(dir: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    collect(dir, dir, &mut out);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<Fixture>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if path.join("app").is_dir() {
                out.push(folder_fixture(name, &path));
            } else {
                collect(base, &path, out);
            }
        } else if path.extension().is_some_and(|e| e == "air") {
            out.push(file_fixture(name, &path));
        }
    }
}

fn file_fixture(name: String, path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let toml = path.with_extension("toml");
    let manifest =
        std::fs::read_to_string(&toml).unwrap_or_else(|_| crate::DEFAULT_MANIFEST.to_string());
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (expect, allow) = headers(&format!("app/{file}"), &text);
    let env = env_header(&text);
    Fixture {
        name,
        provider: Box::new(MemProvider::single("app", &manifest, &[(&file, &text)])),
        opts: CompileOptions {
            app_dir: "app".into(),
            env,
        },
        expect,
        allow,
    }
}

fn folder_fixture(name: String, path: &Path) -> Fixture {
    let provider = DiskProvider::new(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut expect = Vec::new();
    let mut allow = Vec::new();
    let mut env = None;
    for file in walk(path) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let rel = file
            .strip_prefix(path)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let (e, a) = headers(&rel, &text);
        expect.extend(e);
        allow.extend(a);
        env = env.or(env_header(&text));
    }
    Fixture {
        name,
        provider: Box::new(provider),
        opts: CompileOptions {
            app_dir: "app".into(),
            env,
        },
        expect,
        allow,
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "air" || x == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `// expect: CODE @ LINE` (several per line allowed, comma-separated) and
/// `// allow: CODE, CODE` headers; in air.toml the same with `#`.
pub fn headers(file: &str, text: &str) -> (Vec<(String, String, usize)>, Vec<String>) {
    let mut expect = Vec::new();
    let mut allow = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        let body = l
            .strip_prefix("//")
            .or_else(|| l.strip_prefix('#'))
            .map(str::trim);
        let Some(body) = body else { continue };
        if let Some(rest) = body.strip_prefix("expect:") {
            for part in rest.split(',') {
                let mut it = part.split('@');
                let code = it.next().unwrap_or("").trim().to_string();
                let line_no: usize = it
                    .next()
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or_else(|| panic!("{file}: bad expect header `{line}`"));
                expect.push((code, file.to_string(), line_no));
            }
        } else if let Some(rest) = body.strip_prefix("allow:") {
            allow.extend(
                rest.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    (expect, allow)
}

/// `// env: prod` selects an environment overlay.
fn env_header(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| {
            l.trim_start()
                .strip_prefix("// env:")
                .or_else(|| l.trim_start().strip_prefix("# env:"))
        })
        .map(|e| e.trim().to_string())
        .next()
}
