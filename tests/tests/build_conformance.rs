//! Every object `air build` emits validates strictly against its Knative
//! CRD schema (unknown fields rejected), and every Serverless Workflow
//! document against the official 1.0.3 schema — for the object builders
//! fed every option, for every example and for every ok fixture.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use crate::build_support;

use air_compiler::lower::knative::eventing::{self, EventTypeSpec, TriggerSpec};
use air_compiler::lower::knative::serving::{self, EnvValue, ServiceSpec};
use air_compiler::lower::knative::{Destination, Meta, core};
use air_tests::fixtures::load_all;
use air_tests::repo_root;
use build_support::{Schemas, build_example, example_apps, parse_stream};

fn meta(name: &str, component: &'static str) -> Meta {
    Meta {
        name: name.into(),
        namespace: "shop".into(),
        app: "shop".into(),
        decl: name.into(),
        component,
        source: format!("shop/main.air#function/{name}"),
    }
}

#[test]
fn builders_with_every_option_produce_valid_objects() {
    let schemas = Schemas::load();
    let spec = ServiceSpec {
        image: "registry.example.com/a:1".into(),
        port: Some(8080),
        env: vec![
            ("A".into(), EnvValue::Plain("1".into())),
            (
                "B".into(),
                EnvValue::Secret {
                    name: "s".into(),
                    key: "k".into(),
                },
            ),
        ],
        requests: vec![
            ("cpu".into(), "500m".into()),
            ("memory".into(), "1Gi".into()),
        ],
        limits: vec![("memory".into(), "2Gi".into())],
        timeout_seconds: Some(30),
        container_concurrency: Some(10),
        min_scale: Some("1".into()),
        max_scale: Some("5".into()),
        target: Some("50".into()),
    };
    let sink =
        Destination::Uri("http://air-runtime.air-system.svc.cluster.local/workflows/shop/w".into());
    let objects = vec![
        serving::service(&meta("fn", "function"), &spec),
        serving::service(&meta("bare", "function"), &ServiceSpec::default()),
        eventing::broker(&meta("shop", "broker")),
        eventing::trigger(
            &meta("fn-on-x", "trigger"),
            &TriggerSpec {
                broker: "shop".into(),
                event_type: "com.example.x".into(),
                cesql: Some("source LIKE '/shop/%'".into()),
                subscriber: Destination::Service {
                    name: "fn".into(),
                    namespace: "shop".into(),
                },
                annotations: vec![("air.dev/where".into(), ".data.x > 1".into())],
            },
        ),
        eventing::trigger(
            &meta("w-on-x", "trigger"),
            &TriggerSpec {
                broker: "shop".into(),
                event_type: "com.example.x".into(),
                cesql: None,
                subscriber: sink.clone(),
                annotations: vec![],
            },
        ),
        eventing::event_type(
            &meta("x", "event"),
            &EventTypeSpec {
                event_type: "com.example.x".into(),
                source: "/shop".into(),
                schema_data: "{\n  \"type\": \"object\"\n}".into(),
                description: Some("An x happened.".into()),
                broker: "shop".into(),
            },
        ),
        eventing::ping_source(
            &meta("w-schedule", "source"),
            "0 2 * * *",
            Some("Europe/Berlin"),
            &sink,
        ),
        core::workflow_config_map(
            &meta("w-workflow", "workflow"),
            "document:\n  dsl: '1.0.3'\n  namespace: shop\n  name: w\n  version: '0.1.0'\ndo:\n  - a:\n      wait: PT1S\n",
            "http://broker-ingress.knative-eventing.svc.cluster.local/shop/shop",
        ),
    ];
    let mut problems = Vec::new();
    for o in &objects {
        // Through the writer and back, as `air build` ships them.
        let text = air_compiler::emit::yaml::to_yaml(o, air_compiler::emit::yaml::KeyOrder::Sorted);
        let back = &parse_stream(&text)[0];
        assert_eq!(back, o, "YAML round trip changed the object");
        problems.extend(schemas.check_object(back));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_field_the_crd_does_not_name_is_rejected() {
    // The strict check must be able to fail.
    let schemas = Schemas::load();
    let mut o = eventing::broker(&meta("shop", "broker"));
    o["spec"]["brokr"] = serde_json::json!("x");
    assert!(!schemas.check_object(&o).is_empty());
    let mut t = eventing::ping_source(
        &meta("p", "source"),
        "* * * * *",
        None,
        &Destination::Uri("http://x".into()),
    );
    t["spec"]["sink"]["url"] = serde_json::json!("http://x");
    assert!(!schemas.check_object(&t).is_empty());
    let bad_doc = serde_json::json!({"document": {"dsl": "1.0.3"}, "do": []});
    assert!(!schemas.check_workflow(&bad_doc).is_empty());
}

fn check_output(
    schemas: &Schemas,
    what: &str,
    out: &air_compiler::emit::BuildOutput,
) -> Vec<String> {
    let mut problems = Vec::new();
    for obj in parse_stream(&out.stream) {
        problems.extend(
            schemas
                .check_object(&obj)
                .into_iter()
                .map(|p| format!("{what}: {p}")),
        );
    }
    for (path, text) in &out.files {
        if path.ends_with(".sw.yaml") {
            let doc: serde_json::Value = serde_norway::from_str(text).unwrap();
            problems.extend(
                schemas
                    .check_workflow(&doc)
                    .into_iter()
                    .map(|p| format!("{what} {path}: {p}")),
            );
        }
    }
    problems
}

#[test]
fn every_example_validates_strictly() {
    let schemas = Schemas::load();
    let apps = example_apps();
    assert!(
        apps.len() >= 5,
        "expected at least five example apps, got {apps:?}"
    );
    let mut problems = Vec::new();
    for app in &apps {
        let c = build_example(app);
        let Some(out) = &c.output else {
            problems.push(format!(
                "{app}: no output\n{}",
                build_support::rendered(&c, air_compiler::Severity::Error)
            ));
            continue;
        };
        problems.extend(check_output(&schemas, app, out));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_ok_fixture_validates_strictly() {
    let schemas = Schemas::load();
    let mut problems = Vec::new();
    for f in load_all(&repo_root().join("tests/fixtures/ok")) {
        let c = air_compiler::compile::build(f.provider.as_ref(), &f.opts);
        if let Some(out) = &c.output {
            problems.extend(check_output(&schemas, &f.name, out));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
