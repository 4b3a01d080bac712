//! Shared helpers of the Serverless Workflow tests: build a program from
//! `.air` text, lower a workflow, validate against the official 1.0.3
//! schema, and look into task lists.

#![allow(dead_code)] // each test crate uses a different part

use air_compiler::ast::{Item, ValueKind};
use air_compiler::diagnostic::Diagnostics;
use air_compiler::lower::sw::workflow_document;
use air_compiler::model::{AppUnit, DeclId, DeclKind, Manifest, ParamValue, Program};
use air_compiler::parse::parse_file;
use air_compiler::{Diagnostic, FileId};
use serde_json::Value as Json;
use std::path::PathBuf;
use std::sync::OnceLock;

pub const APP: &str = "shop";
pub const NAMESPACE: &str = "shop-ns";

/// One app from `.air` files, with the symbol table and param defaults
/// filled in (what resolution would establish for a one-app program).
pub fn program(files: &[&str]) -> Program {
    program_in(NAMESPACE, files)
}

/// Like [`program`], deploying to namespace `ns`.
pub fn program_in(ns: &str, files: &[&str]) -> Program {
    let mut unit = AppUnit {
        manifest: Manifest {
            name: APP.into(),
            namespace: ns.into(),
            broker_name: APP.into(),
            ..Manifest::default()
        },
        ..AppUnit::default()
    };
    for (i, text) in files.iter().enumerate() {
        let mut diags = Diagnostics::new();
        let file = parse_file(FileId(i as u32), text, &mut diags);
        let errors: Vec<String> = diags
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            !diags.has_errors(),
            "syntax errors in test source: {errors:?}\n{text}"
        );
        unit.files.push(file);
    }
    for (fi, f) in unit.files.iter().enumerate() {
        for (ii, item) in f.items.iter().enumerate() {
            unit.symbols.insert(
                DeclKind::of(item),
                &item.name().name,
                DeclId {
                    file: fi as u32,
                    item: ii as u32,
                },
            );
            if let Item::Param(p) = item
                && let Some(d) = &p.default
            {
                let value = match &d.kind {
                    ValueKind::Str(s) => Json::from(s.value.clone()),
                    ValueKind::Number(n) => serde_json::from_str(&n.text).unwrap(),
                    ValueKind::Bool(b) => Json::from(*b),
                    other => panic!("param default not supported in tests: {other:?}"),
                };
                unit.params.insert(
                    p.name.name.clone(),
                    ParamValue {
                        value,
                        span: d.span,
                    },
                );
            }
        }
    }
    Program { apps: vec![unit] }
}

/// Lower workflow `name` of `program` (which must succeed).
pub fn lower(program: &Program, name: &str) -> Json {
    let wf = program.apps[0]
        .workflows()
        .find(|w| w.name.name == name)
        .unwrap_or_else(|| panic!("no workflow `{name}`"));
    match workflow_document(program, 0, wf) {
        Ok(doc) => doc,
        Err(diags) => panic!("lowering `{name}` failed: {:#?}", diags),
    }
}

/// Lower workflow `name` expecting diagnostics.
pub fn lower_err(src: &str, name: &str) -> Vec<Diagnostic> {
    let p = program(&[src]);
    let wf = p.apps[0].workflows().find(|w| w.name.name == name).unwrap();
    workflow_document(&p, 0, wf).expect_err("lowering should fail")
}

/// Parse one file and lower its only (or first) workflow.
pub fn doc(src: &str) -> Json {
    let p = program(&[src]);
    let name = p.apps[0]
        .workflows()
        .next()
        .expect("a workflow")
        .name
        .name
        .clone();
    let d = lower(&p, &name);
    assert_valid(&d);
    d
}

/// The vendored specs (tests/specs): schema and conformance kit.
pub fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = specs_dir().join("serverless-workflow/schema/workflow.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let schema: Json = serde_norway::from_str(&text).unwrap();
        jsonschema::draft202012::new(&schema).unwrap()
    })
}

/// Schema errors of a document (empty = valid).
pub fn schema_errors(doc: &Json) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

pub fn assert_valid(doc: &Json) {
    let errors = schema_errors(doc);
    assert!(
        errors.is_empty(),
        "document does not validate against the SW 1.0.3 schema:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

/// The names of a task list, in order.
pub fn names(list: &Json) -> Vec<String> {
    list.as_array()
        .expect("a task list")
        .iter()
        .map(|e| e.as_object().unwrap().keys().next().unwrap().clone())
        .collect()
}

/// The task named `name` in a task list.
pub fn task<'a>(list: &'a Json, name: &str) -> &'a Json {
    list.as_array()
        .expect("a task list")
        .iter()
        .find_map(|e| e.get(name))
        .unwrap_or_else(|| panic!("no task `{name}` in {list}"))
}

/// The kind of a task (the key that makes it a call, do, fork, …).
pub fn kind(task: &Json) -> &'static str {
    const KINDS: &[&str] = &[
        "call", "fork", "emit", "for", "listen", "raise", "run", "set", "switch", "try", "wait",
        "do",
    ];
    KINDS
        .iter()
        .find(|k| task.get(**k).is_some())
        .copied()
        .unwrap_or_else(|| panic!("task of no known kind: {task}"))
}

/// The first task of a document's top-level `do`.
pub fn first(doc: &Json) -> &Json {
    doc["do"][0].as_object().unwrap().values().next().unwrap()
}
