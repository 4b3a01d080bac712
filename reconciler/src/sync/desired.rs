//! From a fetched Git revision to the objects the cluster should hold:
//! compile the app folder straight from the commit's tree and lower it to
//! Kubernetes objects. A revision with any error diagnostic yields no
//! objects at all, so nothing of it can ever be applied.

use crate::git::{GitCache, GitError, GitSource, Revision};
use air_compiler::CompileOptions;
use air_compiler::compile::Compilation;
use air_compiler::diagnostic::JsonDiagnostic;
use air_compiler::{Diagnostics, Severity, SourceMap};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A compiler diagnostic, flattened for JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticSummary {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl DiagnosticSummary {
    pub fn all(diags: &Diagnostics, map: &SourceMap) -> Vec<DiagnosticSummary> {
        diags
            .iter()
            .map(|d| {
                let j = JsonDiagnostic::from_diagnostic(d, map);
                DiagnosticSummary {
                    code: j.code.to_string(),
                    severity: j.severity,
                    message: j.message,
                    file: j.file,
                    line: j.line,
                    column: j.column,
                    help: j.help,
                }
            })
            .collect()
    }
}

/// A revision that compiled.
#[derive(Clone, Debug)]
pub struct Desired {
    pub commit: String,
    /// The app's name in air.toml: what its objects' `part-of` label,
    /// inventory and ownership checks use.
    pub app: String,
    /// The app's target namespace.
    pub namespace: String,
    pub objects: Vec<Value>,
    /// Warnings (never errors).
    pub diagnostics: Vec<DiagnosticSummary>,
    /// What the dashboard shows of the revision.
    pub views: AppViews,
}

/// The dashboard's pictures of a revision: each workflow's state machine
/// as SVG (drawn by the compiler, as `air graph --format svg`) and the
/// event catalog (`catalog.json`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppViews {
    /// (workflow name, SVG), in source order.
    pub graphs: Vec<(String, String)>,
    pub catalog: Value,
}

#[derive(Debug)]
pub enum CompileFailure {
    /// The app has errors; their diagnostics.
    Diagnostics(Vec<DiagnosticSummary>),
    /// The tree could not be read.
    Git(GitError),
}

/// Compile `path` (env overlay `env`) at `revision` of `source` from the
/// cache, replacing the namespace when `namespace` is set. Blocking.
pub fn compile(
    cache: &GitCache,
    source: &GitSource,
    revision: &Revision,
    path: &str,
    env: Option<&str>,
    namespace: Option<&str>,
) -> Result<Desired, CompileFailure> {
    let provider = cache
        .tree_provider(source, revision)
        .map_err(CompileFailure::Git)?;
    let opts = CompileOptions {
        app_dir: normalise(path),
        env: env.map(str::to_string),
    };
    let mut c = air_compiler::compile::front(&provider, &opts);
    let objects = lower_checked(&mut c, namespace);
    let diagnostics = DiagnosticSummary::all(&c.diagnostics, &c.sources);
    let Some(objects) = objects else {
        return Err(CompileFailure::Diagnostics(diagnostics));
    };
    let graphs = c
        .program
        .as_ref()
        .and_then(|p| p.root())
        .map(|unit| {
            unit.workflows()
                .map(|w| {
                    let drawing = air_compiler::graph::render::cfg_drawing(
                        &air_compiler::graph::workflow_graph(w),
                    );
                    (
                        w.name.name.clone(),
                        air_compiler::graph::svg::svg(&[drawing]),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Desired {
        commit: revision.commit.clone(),
        app: objects.app,
        namespace: objects.namespace,
        diagnostics,
        views: AppViews {
            graphs,
            catalog: objects.catalog,
        },
        objects: objects.objects,
    })
}

/// The objects of an app that compiled without errors.
#[derive(Clone, Debug)]
pub struct AppObjects {
    /// The app's name in air.toml.
    pub app: String,
    /// The target namespace (after any override).
    pub namespace: String,
    pub objects: Vec<Value>,
    /// `catalog.json` of the app.
    pub catalog: Value,
}

/// Lower a checked compilation to Kubernetes objects, moving them to
/// `namespace` when it is set and differs from the app's own. `None` when
/// the compilation has any error (its diagnostics, sorted, say why): such
/// an app yields nothing to apply. Shared by the controller (sources from
/// Git objects) and `air apply` (sources on disk).
pub fn lower_checked(c: &mut Compilation, namespace: Option<&str>) -> Option<AppObjects> {
    let mut lowered = None;
    if !c.diagnostics.has_errors()
        && let Some(program) = &c.program
    {
        lowered = air_compiler::lower::lower(program, &c.sources, &mut c.diagnostics);
    }
    c.diagnostics.sort();
    let (Some(lowered), false) = (lowered, c.diagnostics.has_errors()) else {
        return None;
    };
    let root = c.program.as_ref().and_then(|p| p.root());
    let compiled_ns = root
        .map(|a| a.manifest.namespace.clone())
        .unwrap_or_default();
    let app = root.map(|a| a.manifest.name.clone()).unwrap_or_default();
    let mut objects = lowered.objects;
    let namespace = match namespace {
        Some(ns) if ns != compiled_ns => {
            for o in &mut objects {
                rewrite_namespace(o, &compiled_ns, ns);
            }
            ns.to_string()
        }
        _ => compiled_ns,
    };
    for o in &mut objects {
        crate::object::stamp_digest(o);
    }
    Some(AppObjects {
        app,
        namespace,
        objects,
        catalog: lowered.catalog,
    })
}

fn normalise(path: &str) -> String {
    let p = path.trim().trim_start_matches("./").trim_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// Every `namespace` field holding `from` becomes `to`: the object's own
/// and those of references to objects of the same app (a Trigger's
/// subscriber, a source's sink).
pub(crate) fn rewrite_namespace(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "namespace" && child.as_str() == Some(from) {
                    *child = Value::String(to.to_string());
                } else {
                    rewrite_namespace(child, from, to);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                rewrite_namespace(i, from, to);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_override_rewrites_own_references_only() {
        let mut o = json!({"metadata": {"namespace": "media"},
            "spec": {"subscriber": {"ref": {"namespace": "media"}}, "other": {"namespace": "shared"}}});
        rewrite_namespace(&mut o, "media", "media-prod");
        assert_eq!(o["metadata"]["namespace"], "media-prod");
        assert_eq!(o["spec"]["subscriber"]["ref"]["namespace"], "media-prod");
        assert_eq!(o["spec"]["other"]["namespace"], "shared");
    }

    #[test]
    fn paths() {
        assert_eq!(normalise("."), "");
        assert_eq!(normalise("./apps/media/"), "apps/media");
        assert_eq!(normalise("apps"), "apps");
    }
}
