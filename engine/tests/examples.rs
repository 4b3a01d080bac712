//! The compiled documents of the repository's examples load into the
//! engine, and each runs (with every HTTP call answered `200 {}`) without
//! the engine refusing its shape.
//!
//! The documents come from the `air build --stdout` snapshots that
//! tests/tests/examples.rs keeps in step with the compiler
//! (tests/tests/snapshots/examples__build__*.snap): the workflow ConfigMaps'
//! `workflow.sw.yaml`.

use air_engine::sw::{Engine, Host, HttpRequest, HttpResponse, RunStatus};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;

struct Ok200;

impl Host for Ok200 {
    fn http(&mut self, _: &HttpRequest) -> Result<HttpResponse, String> {
        Ok(HttpResponse::json(200, json!({})))
    }
    fn emit(&mut self, _: &Value) {}
}

/// The workflow documents of one `air build --stdout` snapshot.
fn documents(snapshot: &str) -> Vec<Value> {
    // An insta header (`---`, source, expression, `---`) precedes the stream.
    let stream: String = snapshot.lines().skip(4).collect::<Vec<_>>().join("\n");
    serde_norway::Deserializer::from_str(&stream)
        .filter_map(|doc| Value::deserialize(doc).ok())
        .filter(|object| object["kind"] == "ConfigMap")
        .filter_map(|object| {
            object["data"]["workflow.sw.yaml"]
                .as_str()
                .map(str::to_string)
        })
        .map(|text| serde_norway::from_str::<Value>(&text).expect("a document is YAML"))
        .collect()
}

#[test]
fn example_documents_load_and_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tests/snapshots");
    let mut snapshots: Vec<_> = std::fs::read_dir(&dir)
        .expect("the examples' snapshots exist")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("testsuite__examples__build__examples__"))
        })
        .collect();
    snapshots.sort();
    assert!(snapshots.len() >= 5, "every example has a build snapshot");
    let mut loaded = 0;
    for path in snapshots {
        let text = std::fs::read_to_string(&path).expect("a readable snapshot");
        let mut engine = Engine::new();
        let mut keys = Vec::new();
        for doc in documents(&text) {
            match engine.load(doc) {
                Ok(key) => keys.push(key),
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        loaded += keys.len();
        for key in &keys {
            engine
                .start(&key.namespace, &key.name, json!({"data": {}}))
                .expect("a loaded workflow starts");
        }
        engine.settle(&mut Ok200);
        for run in engine.runs() {
            println!(
                "{}: {} → {:?}",
                path.display(),
                run.workflow.name,
                run.status
            );
            if let RunStatus::Faulted { error, .. } = &run.status {
                let detail = error["detail"].as_str().unwrap_or_default();
                assert!(
                    !detail.contains("not supported") && !detail.contains("has no task kind"),
                    "{}: the engine refused {}: {error}",
                    path.display(),
                    run.workflow.name
                );
            }
        }
    }
    assert!(loaded >= 5, "the examples hold workflows ({loaded} loaded)");
}
