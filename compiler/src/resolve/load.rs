//! Loading: the root app folder, its air.toml and `.air` files, then every
//! app it imports (depth first, each folder once), with import paths
//! checked against the repository root and cycles named in full.

use crate::ast::{ImportDecl, Item};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::manifest::{TomlParam, parse_manifest};
use crate::model::{AppUnit, Manifest, Program};
use crate::source::CompileOptions;
use crate::source::{LoadError, SourceMap, SourceProvider, join_relative};
use crate::span::Span;
use std::collections::{BTreeMap, HashMap};

/// Imports nested deeper than this are refused (a chain, not a cycle, so
/// only a pathological repository gets here).
const MAX_IMPORT_DEPTH: usize = 64;

pub struct Loaded {
    pub program: Program,
    /// air.toml `[params]` (overlay applied) of each app, by app index.
    pub toml_params: Vec<BTreeMap<String, TomlParam>>,
    /// The parser reported errors in some file.
    pub syntax_errors: bool,
}

struct Loader<'a> {
    provider: &'a dyn SourceProvider,
    env: Option<&'a str>,
    sources: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    apps: Vec<AppUnit>,
    toml_params: Vec<BTreeMap<String, TomlParam>>,
    syntax_errors: bool,
    /// Folder (as requested and as the provider normalised it) → app index.
    by_dir: HashMap<String, usize>,
    /// The chain of apps being loaded, and for each the import leading on.
    stack: Vec<usize>,
    edges: Vec<Span>,
}

pub fn load_program(
    provider: &dyn SourceProvider,
    opts: &CompileOptions,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Loaded> {
    let mut l = Loader {
        provider,
        env: opts.env.as_deref(),
        sources,
        diags,
        apps: Vec::new(),
        toml_params: Vec::new(),
        syntax_errors: false,
        by_dir: HashMap::new(),
        stack: Vec::new(),
        edges: Vec::new(),
    };
    l.load(&opts.app_dir, None)?;
    Some(Loaded {
        program: Program { apps: l.apps },
        toml_params: l.toml_params,
        syntax_errors: l.syntax_errors,
    })
}

impl Loader<'_> {
    /// Load the app at `dir` (unless already loaded) and its imports.
    /// `via` is the import that asked for it (none for the root).
    fn load(&mut self, dir: &str, via: Option<&ImportDecl>) -> Option<usize> {
        if let Some(&i) = self.by_dir.get(dir) {
            return Some(i);
        }
        let files = match self.provider.load_app(dir) {
            Ok(f) => f.without_byte_order_marks(),
            Err(e) => {
                self.load_error(dir, e, via);
                return None;
            }
        };
        if let Some(&i) = self.by_dir.get(&files.dir) {
            self.by_dir.insert(dir.to_string(), i);
            return Some(i);
        }
        let is_root = self.apps.is_empty();
        let shown = display_dir(&files.dir);
        let mut unit = AppUnit {
            dir: files.dir.clone(),
            manifest: Manifest::default(),
            ..AppUnit::default()
        };
        let mut toml_params = BTreeMap::new();
        match &files.manifest {
            Some(text) => {
                let path = join_path(&files.dir, "air.toml");
                let id = self.sources.add(path, text.clone());
                unit.manifest_file = Some(id);
                if let Some(m) = parse_manifest(id, text, self.env, is_root, self.diags) {
                    unit.manifest = m.manifest;
                    toml_params = m.params;
                }
            }
            None => {
                let mut d = Diagnostic::error(
                    Code::E0200,
                    format!("no air.toml in the app folder `{shown}`"),
                )
                .with_help(format!(
                    "an app folder needs an air.toml; create `{}` with:\n[app]\nname = \"my-app\"\nnamespace = \"my-namespace\"",
                    join_path(&files.dir, "air.toml")
                ));
                if let Some(imp) = via {
                    d = d.with_primary(imp.path.span, "imported here");
                }
                self.diags.push(d);
            }
        }
        // Files parse independently: in parallel, merged in file order.
        let ids: Vec<_> = files
            .sources
            .iter()
            .map(|(path, text)| {
                let id = self.sources.add(path.clone(), text.clone());
                (path.as_str(), id, text.as_str())
            })
            .collect();
        let bytes = files.sources.iter().map(|(_, text)| text.len()).sum();
        let cache = self.provider.parse_cache();
        let parsed = crate::par::map(&ids, bytes, |&(path, id, text)| match cache {
            Some(cache) => {
                let (file, diags, _) = cache.parse(path, id, text);
                (file, diags)
            }
            None => {
                let mut diags = Diagnostics::new();
                let file = crate::parse::parse_file(id, text, &mut diags);
                (file, diags)
            }
        });
        for (file, diags) in parsed {
            self.syntax_errors |= diags.has_errors();
            self.diags.extend(diags.into_vec());
            unit.files.push(file);
        }
        let index = self.apps.len();
        self.apps.push(unit);
        self.toml_params.push(toml_params);
        self.by_dir.insert(files.dir.clone(), index);
        self.by_dir.insert(dir.to_string(), index);

        if self.stack.len() >= MAX_IMPORT_DEPTH {
            if let Some(imp) = via {
                self.diags.push(
                    Diagnostic::error(Code::E0219, "imports nested too deep").with_primary(
                        imp.path.span,
                        format!("more than {MAX_IMPORT_DEPTH} apps deep"),
                    ),
                );
            }
            return Some(index);
        }
        self.stack.push(index);
        let imports: Vec<ImportDecl> = self.apps[index]
            .items()
            .filter_map(|i| match i {
                Item::Import(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        for imp in &imports {
            self.import(index, imp);
        }
        self.stack.pop();
        Some(index)
    }

    fn import(&mut self, from: usize, imp: &ImportDecl) {
        let base = self.apps[from].dir.clone();
        let Some(target) = join_relative(&base, &imp.path.value) else {
            self.diags.push(
                Diagnostic::error(
                    Code::E0209,
                    format!("import path `{}` leaves the repository", imp.path.value),
                )
                .with_primary(imp.path.span, "resolves outside the repository root")
                .with_help("imports are relative to the importing app and must stay inside the repository (the folder holding .git, or --root)"),
            );
            return;
        };
        // A cycle: the target is on the chain being loaded.
        let known = self.by_dir.get(&target).copied();
        if let Some(t) = known
            && let Some(pos) = self.stack.iter().position(|&s| s == t)
        {
            self.cycle(pos, t, imp);
        }
        self.edges.push(imp.path.span);
        let loaded = match known {
            Some(t) => Some(t),
            None => self.load(&target, Some(imp)),
        };
        self.edges.pop();
        if let Some(t) = loaded {
            // Loading may have normalised the folder to one already on the
            // chain (symlinks, `a/../a`): that is a cycle too.
            if known.is_none()
                && let Some(pos) = self.stack.iter().position(|&s| s == t)
            {
                self.cycle(pos, t, imp);
            }
            self.apps[from].imports.insert(imp.alias.name.clone(), t);
        }
    }

    /// Report the cycle stack[pos..] → target, closed by `imp`.
    fn cycle(&mut self, pos: usize, target: usize, imp: &ImportDecl) {
        let mut names: Vec<String> = self.stack[pos..]
            .iter()
            .map(|&i| display_dir(&self.apps[i].dir))
            .collect();
        names.push(display_dir(&self.apps[target].dir));
        let chain = names.join(" → ");
        let mut d = Diagnostic::error(Code::E0211, format!("import cycle: {chain}"))
            .with_primary(imp.path.span, "this import closes the cycle");
        for (k, span) in self.edges[pos..].iter().enumerate() {
            d = d.with_secondary(*span, format!("`{}` imports `{}`", names[k], names[k + 1]));
        }
        self.diags.push(d.with_help(
            "apps must import each other in one direction only; move the shared declarations into an app both can import",
        ));
    }

    fn load_error(&mut self, dir: &str, e: LoadError, via: Option<&ImportDecl>) {
        let shown = display_dir(dir);
        let d = match (&e, via) {
            (LoadError::NotFound(_), Some(imp)) => Diagnostic::error(
                Code::E0210,
                format!("no app folder `{shown}` for import `{}`", imp.path.value),
            )
            .with_primary(imp.path.span, "this folder does not exist")
            .with_help("the path is relative to the importing app's folder"),
            (LoadError::OutsideRoot(_), Some(imp)) => Diagnostic::error(
                Code::E0209,
                format!("import path `{}` leaves the repository", imp.path.value),
            )
            .with_primary(
                imp.path.span,
                "resolves (through a symlink) outside the repository root",
            ),
            (_, Some(imp)) => Diagnostic::error(
                Code::E0219,
                format!("cannot read the app folder `{shown}`: {e}"),
            )
            .with_primary(imp.path.span, "imported here"),
            (LoadError::NotFound(_), None) => {
                Diagnostic::error(Code::E0219, format!("no app folder `{shown}`"))
                    .with_help("pass the folder holding air.toml")
            }
            (_, None) => Diagnostic::error(
                Code::E0219,
                format!("cannot read the app folder `{shown}`: {e}"),
            ),
        };
        self.diags.push(d);
    }
}

fn display_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.to_string()
    }
}

fn join_path(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
