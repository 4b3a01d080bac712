//! The contract between the compiler and the router: every example app
//! under examples/ compiles, and what it compiles to reads, routes and
//! schedules — every Trigger and PingSource accepted, every workflow
//! subscriber a start of a workflow the app defines, every event of a
//! Trigger's type without a `where` delivered to it.

use air_compiler::compile::{CompileOptions, check};
use air_compiler::source::MemProvider;
use air_engine::route::endpoint::{Endpoint, classify};
use air_engine::route::event::Event;
use air_engine::route::objects::{Filter, Objects, TriggerFilter, read};
use air_engine::route::{broker, schedule::Schedule};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The runtime URL the compiler uses when air.toml names none.
const RUNTIME: &str = "http://air-runtime.air-system.svc.cluster.local";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every folder under examples/ with an air.toml, repository-relative.
fn app_dirs(dir: &Path, rel: &str, out: &mut Vec<String>) {
    if dir.join("air.toml").is_file() {
        out.push(rel.to_string());
    }
    let mut subs: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    subs.sort();
    for sub in subs {
        let name = sub
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        app_dirs(&sub, &format!("{rel}/{name}"), out);
    }
}

fn provider(dirs: &[String]) -> MemProvider {
    let mut p = MemProvider::default();
    for dir in dirs {
        let path = repo().join(dir);
        let manifest = std::fs::read_to_string(path.join("air.toml")).unwrap_or_default();
        let mut files: Vec<(String, String)> = std::fs::read_dir(&path)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "air"))
                    .map(|p| {
                        let name = p
                            .file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_default();
                        (name, std::fs::read_to_string(&p).unwrap_or_default())
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        p.insert(dir, &manifest, &refs);
    }
    p
}

fn compile(p: &MemProvider, dir: &str) -> Vec<Value> {
    let opts = CompileOptions {
        app_dir: dir.to_string(),
        env: None,
    };
    let mut c = check(p, &opts);
    assert!(
        !c.diagnostics.has_errors(),
        "{dir} does not check: {:?}",
        c.diagnostics
    );
    let Some(program) = &c.program else {
        panic!("{dir}: no program")
    };
    let lowered = air_compiler::lower::lower(program, &c.sources, &mut c.diagnostics);
    match lowered {
        Some(l) if !c.diagnostics.has_errors() => l.objects,
        _ => panic!("{dir} does not lower: {:?}", c.diagnostics),
    }
}

fn event_of_type(ty: &str) -> Event {
    let v = json!({"specversion": "1.0", "id": "x-1", "source": "/test", "type": ty});
    v.as_object().cloned().unwrap_or_default()
}

fn check_app(dir: &str, objs: &Objects) {
    let workflows: Vec<(&str, &str)> = objs
        .workflows
        .iter()
        .map(|w| (w.meta.namespace.as_str(), w.workflow.as_str()))
        .collect();
    let is_start_of_known = |uri: &str, ns: &str| match classify(uri, RUNTIME, ns) {
        Endpoint::Start {
            namespace,
            workflow,
        } => workflows.contains(&(namespace.as_str(), workflow.as_str())),
        _ => false,
    };
    for t in &objs.triggers {
        let uri = match t.subscriber.resolve() {
            Ok(u) => u,
            Err(e) => panic!("{dir}: Trigger {}: {e}", t.meta.name),
        };
        if t.meta
            .labels
            .get("app.kubernetes.io/component")
            .map(String::as_str)
            == Some("workflow")
        {
            assert!(
                is_start_of_known(&uri, &t.meta.namespace),
                "{dir}: {} → {uri}",
                t.meta.name
            );
        }
        // An event of the Trigger's type reaches it unless a `where` was
        // translated to CESQL (which the test event need not satisfy).
        let ty = match &t.filter {
            TriggerFilter::Attributes(a) => a.get("type").cloned(),
            TriggerFilter::Filters(_) => None,
            TriggerFilter::None => None,
        };
        if let Some(ty) = ty {
            let got = broker::route(
                &objs.triggers,
                &t.meta.namespace,
                &t.broker,
                &event_of_type(&ty),
            );
            let names: Vec<String> = got
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.trigger)
                .collect();
            assert!(
                names.contains(&t.meta.name),
                "{dir}: {ty} misses {}",
                t.meta.name
            );
        }
    }
    for p in &objs.ping_sources {
        assert!(
            Schedule::parse(&p.schedule, p.timezone.as_deref()).is_ok(),
            "{dir}: {}",
            p.meta.name
        );
        let uri = p.sink.resolve().unwrap_or_default();
        assert!(
            is_start_of_known(&uri, &p.meta.namespace),
            "{dir}: {} → {uri}",
            p.meta.name
        );
    }
}

#[test]
fn every_example_reads_routes_and_schedules() {
    let mut dirs = Vec::new();
    app_dirs(&repo().join("examples"), "examples", &mut dirs);
    assert!(dirs.len() >= 5, "examples not found: {dirs:?}");
    let p = provider(&dirs);
    let (mut triggers, mut pings, mut cesql) = (0, 0, 0);
    for dir in &dirs {
        let objs = match read(&compile(&p, dir)) {
            Ok(o) => o,
            Err(e) => panic!("{dir}: {e}"),
        };
        check_app(dir, &objs);
        triggers += objs.triggers.len();
        pings += objs.ping_sources.len();
        cesql += objs
            .triggers
            .iter()
            .filter(|t| matches!(t.filter, TriggerFilter::Filters(_)))
            .count();
    }
    assert!(
        triggers > 0 && pings > 0 && cesql > 0,
        "{triggers} {pings} {cesql}"
    );
}

#[test]
fn a_translated_where_filters_in_the_router() {
    // image-resize: `function scan … on ImageUploaded where ${ .source |
    // startswith("/storage/") }` becomes a CESQL LIKE.
    let dirs = vec!["examples/image-resize".to_string()];
    let objs = match read(&compile(&provider(&dirs), "examples/image-resize")) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let scan = objs
        .triggers
        .iter()
        .find(|t| matches!(t.filter, TriggerFilter::Filters(_)) && t.meta.name.starts_with("scan"));
    let Some(scan) = scan else {
        panic!("no filtered scan Trigger: {:?}", objs.triggers)
    };
    // The type comes from the `exact` element next to the CESQL one.
    let ty = match &scan.filter {
        TriggerFilter::Filters(fs) => fs.iter().find_map(|f| match f {
            Filter::Exact(a) => a.get("type").cloned(),
            _ => None,
        }),
        _ => None,
    };
    assert_eq!(ty.as_deref(), Some("com.example.storage.object.created"));
    let ty = ty.unwrap_or_default();
    let mut ev = event_of_type(&ty);
    let reaches = |ev: &Event| {
        broker::route(
            std::slice::from_ref(scan),
            &scan.meta.namespace,
            &scan.broker,
            ev,
        )
        .map(|d| d.len())
    };
    ev.insert("source".into(), "/storage/bucket-1".into());
    assert_eq!(reaches(&ev), Ok(1));
    ev.insert("source".into(), "/elsewhere".into());
    assert_eq!(reaches(&ev), Ok(0));
}
