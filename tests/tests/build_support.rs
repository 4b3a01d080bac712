// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

//! Shared by the build tests: compiling examples, reading YAML back, and
//! strict schema validation of what `air build` emits.
//!
//! Strictness: every object schema that names `properties` rejects other
//! fields (as Knative's webhooks decode strictly), `x-kubernetes-*` and
//! `nullable` are turned into plain JSON Schema, `apiVersion`/`kind` are
//! pinned.

#![allow(dead_code)]

use air_compiler::{Compilation, CompileOptions, Severity};
use air_reconciler::disk::DiskProvider;
use air_tests::{repo_root, specs_dir};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every example app: repository-relative folders holding air.toml, sorted.
pub fn example_apps() -> Vec<String> {
    let mut out = Vec::new();
    walk_apps(&repo_root().join("examples"), &mut out);
    out.sort();
    out.iter()
        .map(|p| {
            p.strip_prefix(repo_root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

fn walk_apps(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("air.toml").is_file() {
        out.push(dir.to_path_buf());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for e in entries {
        walk_apps(&e, out);
    }
}

/// Build an app of a repository on disk.
pub fn build_in(root: &Path, app_dir: &str, env: Option<&str>) -> Compilation {
    let provider = DiskProvider::new(root).unwrap();
    air_compiler::compile::build(
        &provider,
        &CompileOptions {
            app_dir: app_dir.to_string(),
            env: env.map(str::to_string),
        },
    )
}

pub fn build_example(app_dir: &str) -> Compilation {
    build_in(&repo_root(), app_dir, None)
}

/// Diagnostics rendered for a failure message.
pub fn rendered(c: &Compilation, min: Severity) -> String {
    c.diagnostics
        .iter()
        .filter(|d| d.severity <= min)
        .map(|d| air_cli::render::human(d, &c.sources, false, 100))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Split a `---` stream and read each document back with a YAML parser.
pub fn parse_stream(stream: &str) -> Vec<Value> {
    split_docs(stream)
        .into_iter()
        .map(|d| serde_norway::from_str::<Value>(&d).unwrap_or_else(|e| panic!("{e}\n{d}")))
        .filter(|v| !v.is_null())
        .collect()
}

fn split_docs(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(d) = docs.last_mut() {
            d.push_str(line);
            d.push('\n');
        }
    }
    docs.into_iter().filter(|d| !d.trim().is_empty()).collect()
}

/// OpenAPI v3 structural schema → JSON Schema rejecting unknown fields.
pub fn strict(schema: &Value) -> Value {
    match schema {
        Value::Array(a) => Value::Array(a.iter().map(strict).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                match k.as_str() {
                    "properties" | "patternProperties" | "definitions" | "$defs" => {
                        let inner = v
                            .as_object()
                            .map(|o| o.iter().map(|(n, s)| (n.clone(), strict(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(inner));
                    }
                    "items" | "additionalProperties" | "not" if v.is_object() => {
                        out.insert(k.clone(), strict(v));
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        out.insert(k.clone(), strict(v));
                    }
                    "nullable" => {}
                    k2 if k2.starts_with("x-kubernetes-") => {}
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            if m.get("nullable") == Some(&json!(true))
                && let Some(t) = out.get("type").cloned()
            {
                out.insert("type".into(), json!([t, "null"]));
            }
            if m.get("x-kubernetes-int-or-string") == Some(&json!(true)) {
                out.remove("type");
                out.insert(
                    "anyOf".into(),
                    json!([{"type": "integer"}, {"type": "string"}]),
                );
            }
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), json!(false));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Strict validators of every Knative CRD version, by (apiVersion, kind).
pub struct Schemas {
    pub crds: BTreeMap<(String, String), jsonschema::Validator>,
    pub workflow: jsonschema::Validator,
}

impl Schemas {
    pub fn load() -> Schemas {
        let specs = specs_dir();
        let mut crds = BTreeMap::new();
        for group in ["serving", "eventing"] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(specs.join("knative").join(group))
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap();
                for doc in parse_stream(&text) {
                    if doc["kind"] != "CustomResourceDefinition" {
                        continue;
                    }
                    let g = doc["spec"]["group"].as_str().unwrap().to_string();
                    let kind = doc["spec"]["names"]["kind"].as_str().unwrap().to_string();
                    for v in doc["spec"]["versions"].as_array().unwrap() {
                        let Some(s) = v["schema"].get("openAPIV3Schema") else {
                            continue;
                        };
                        let av = format!("{g}/{}", v["name"].as_str().unwrap());
                        let mut s = strict(s);
                        let props = s
                            .as_object_mut()
                            .unwrap()
                            .entry("properties")
                            .or_insert_with(|| json!({}));
                        props["metadata"] = json!({"type": "object"});
                        props["apiVersion"] = json!({"enum": [av]});
                        props["kind"] = json!({"enum": [kind]});
                        let validator = jsonschema::draft7::new(&s)
                            .unwrap_or_else(|e| panic!("{av} {kind}: {e}"));
                        crds.insert((av, kind.clone()), validator);
                    }
                }
            }
        }
        assert!(crds.len() >= 10, "too few CRDs found: {}", crds.len());
        let sw_text =
            std::fs::read_to_string(specs.join("serverless-workflow/schema/workflow.yaml"))
                .unwrap();
        let sw: Value = serde_norway::from_str(&sw_text).unwrap();
        let workflow = jsonschema::draft202012::new(&sw).unwrap();
        Schemas { crds, workflow }
    }

    /// Problems of one emitted object (Knative, ConfigMap with a workflow
    /// document), one line each.
    pub fn check_object(&self, obj: &Value) -> Vec<String> {
        let av = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        let at = format!("{kind}/{name}");
        let mut out = Vec::new();
        if !dns1123(name) {
            out.push(format!("{at}: name is not a DNS-1123 label"));
        }
        for (k, v) in obj["metadata"]["labels"].as_object().into_iter().flatten() {
            let v = v.as_str().unwrap_or("!");
            if v.len() > 63 || !label_value(v) {
                out.push(format!("{at}: label {k}={v:?} is not a legal value"));
            }
        }
        if kind == "ConfigMap" && av == "v1" {
            for (k, v) in obj["data"].as_object().into_iter().flatten() {
                let text = v.as_str().unwrap_or_default();
                let doc: Value = serde_norway::from_str(text).unwrap();
                out.extend(
                    self.check_workflow(&doc)
                        .into_iter()
                        .map(|e| format!("{at} data.{k}: {e}")),
                );
            }
            return out;
        }
        match self.crds.get(&(av.clone(), kind.clone())) {
            Some(v) => out.extend(
                v.iter_errors(obj)
                    .map(|e| format!("{at}: {}: {e}", e.instance_path())),
            ),
            None => out.push(format!("{at}: no CRD schema for {av} {kind}")),
        }
        out
    }

    pub fn check_workflow(&self, doc: &Value) -> Vec<String> {
        self.workflow
            .iter_errors(doc)
            .map(|e| format!("workflow {}: {e}", e.instance_path()))
            .collect()
    }
}

fn dns1123(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn label_value(s: &str) -> bool {
    s.is_empty()
        || (s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
}
