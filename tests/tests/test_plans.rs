//! `test` blocks → test bundles (compiler/src/lower/testplan.rs): every
//! fixture's bundle reads back with the engine's own types (strict:
//! unknown fields refused), names resolve to what the build emits, `--env`
//! is respected, and tests never change the build output.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_compiler::compile::{build, test_bundle};
use air_compiler::source::MemProvider;
use air_compiler::{CompileOptions, SourceProvider};
use air_engine::plan::{Action, Outcome, TestBundle};
use air_tests::fixtures::load_all;
use air_tests::repo_root;

fn bundle_of(provider: &dyn SourceProvider, opts: &CompileOptions) -> TestBundle {
    let (c, json) = test_bundle(provider, opts);
    assert!(
        !c.diagnostics.has_errors(),
        "{:?}",
        c.diagnostics.iter().collect::<Vec<_>>()
    );
    serde_json::from_value(json.expect("a bundle")).expect("the engine reads the bundle")
}

fn shop(env: Option<&str>) -> TestBundle {
    let f = load_all(&repo_root().join("tests/fixtures/ok/tests"))
        .into_iter()
        .find(|f| f.name == "shop")
        .expect("the shop fixture");
    let opts = CompileOptions {
        env: env.map(str::to_string),
        ..f.opts.clone()
    };
    bundle_of(f.provider.as_ref(), &opts)
}

#[test]
fn every_ok_fixture_gives_a_bundle_the_engine_reads() {
    let fixtures = load_all(&repo_root().join("tests/fixtures/ok"));
    let mut with_tests = 0;
    for f in &fixtures {
        let b = bundle_of(f.provider.as_ref(), &f.opts);
        with_tests += usize::from(!b.tests.is_empty());
    }
    assert!(with_tests >= 1, "no ok fixture has tests");
}

#[test]
fn names_resolve_to_wire_values() {
    let b = shop(None);
    assert_eq!(b.tests.len(), 4);
    let t = &b.tests[0];
    assert_eq!(t.name, "a declined payment cancels the order");
    assert_eq!((t.file.as_str(), t.line), ("tests.air", 4));
    let actions: Vec<&Action> = t.steps.iter().map(|s| &s.action).collect();
    let Action::Mock(inv) = actions[0] else {
        panic!("{:?}", actions[0])
    };
    assert_eq!(inv.method, "post");
    assert_eq!(inv.url, "http://inventory.shop.svc.cluster.local");
    assert_eq!(inv.label, "call inventory");
    let Action::Mock(pay) = actions[1] else {
        panic!("{:?}", actions[1])
    };
    assert_eq!(
        pay.url,
        "http://payments.finance.svc.cluster.local/api/charges"
    );
    assert_eq!(pay.label, "call payments POST \"/charges\"");
    let Action::Mock(rel) = actions[2] else {
        panic!("{:?}", actions[2])
    };
    assert_eq!(rel.responses[0].status, 204);
    assert_eq!(rel.responses[0].body, None);
    let Action::Send { event, after_ms } = actions[3] else {
        panic!("{:?}", actions[3])
    };
    assert_eq!(event.event_type, "com.example.shop.order.created");
    assert_eq!(event.source, "/shop/orders");
    assert_eq!(event.data["items"][0]["qty"], 1);
    assert_eq!(event.extensions["subject"], "o-1");
    assert_eq!(*after_ms, None);
    assert_eq!(t.steps[3].line, 8);
    let Action::ExpectEmit(e) = actions[5] else {
        panic!("{:?}", actions[5])
    };
    assert_eq!(e.event_type, "com.example.shop.order.confirmed");
    assert_eq!(e.times, Some(0));
    let Action::ExpectWorkflow(w) = actions[8] else {
        panic!("{:?}", actions[8])
    };
    assert_eq!(
        (w.namespace.as_str(), w.workflow.as_str()),
        ("shop", "fulfil-order")
    );
    assert_eq!(
        w.outcome,
        Outcome::Fails {
            error_type: Some("https://air.dev/errors/shop/payment-declined".into()),
            status: Some(402)
        }
    );
    assert!(matches!(actions[9], Action::ExpectOrder { items } if items.len() == 2));

    let t = &b.tests[1];
    let Action::Mock(m) = &t.steps[0].action else {
        panic!()
    };
    assert_eq!(m.predicate.as_deref(), Some(".order == \"o-2\""));
    assert_eq!(m.responses.len(), 2);
    assert_eq!(
        (m.responses[0].status, m.responses[0].delay_ms),
        (409, 2000)
    );
    assert_eq!(m.responses[1].body, Some(serde_json::json!(42)));
    let Action::Advance { by_ms } = &t.steps[2].action else {
        panic!()
    };
    assert_eq!(*by_ms, 60_000);
    let Action::ExpectWorkflow(w) = &t.steps[4].action else {
        panic!()
    };
    assert_eq!(
        w.outcome,
        Outcome::Fails {
            error_type: Some("https://errors.example.com/out-of-stock".into()),
            status: None
        }
    );
    let t = &b.tests[3];
    let Action::ExpectWorkflow(w) = &t.steps[3].action else {
        panic!()
    };
    assert_eq!(
        w.outcome,
        Outcome::Fails {
            error_type: Some(
                "https://serverlessworkflow.io/spec/1.0.0/errors/communication".into()
            ),
            status: Some(503)
        }
    );
}

#[test]
fn step_names_point_at_their_lines() {
    let b = shop(None);
    let steps = &b.steps["fulfil-order"];
    assert_eq!(steps["reserve"], "fulfil.air:9");
    assert_eq!(steps["emit_order_cancelled_1"], "fulfil.air:12");
    assert_eq!(steps["charge"], "fulfil.air:16");
    assert_eq!(steps["call_inventory_release_1"], "fulfil.air:19");
    assert_eq!(steps["emit_order_cancelled_2"], "fulfil.air:20");
}

/// The plan and the build agree: every step name the plan lists is one
/// the document carries in `air.dev/step`, and the other way round.
#[test]
fn step_names_are_the_documents() {
    let f = load_all(&repo_root().join("tests/fixtures/ok/tests"))
        .into_iter()
        .find(|f| f.name == "shop")
        .unwrap();
    let b = shop(None);
    let c = air_compiler::compile::check(f.provider.as_ref(), &f.opts);
    let program = c.program.unwrap();
    let mut d = air_compiler::Diagnostics::new();
    let lowered = air_compiler::lower::lower(&program, &c.sources, &mut d).unwrap();
    for (name, doc) in &lowered.workflows {
        let mut found = std::collections::BTreeSet::new();
        collect_steps(doc, &mut found);
        let planned: std::collections::BTreeSet<String> = b.steps[name].keys().cloned().collect();
        assert_eq!(found, planned, "{name}");
    }
}

fn collect_steps(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(s)) = m.get("air.dev/step") {
                out.insert(s.clone());
            }
            m.values().for_each(|x| collect_steps(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_steps(x, out)),
        _ => {}
    }
}

#[test]
fn the_environment_overlay_applies() {
    let b = shop(Some("staging"));
    let Action::Mock(inv) = &b.tests[0].steps[0].action else {
        panic!()
    };
    assert_eq!(inv.url, "http://inventory.shop-staging.svc.cluster.local");
    let Action::Start { namespace, .. } = &b.tests[1].steps[1].action else {
        panic!()
    };
    assert_eq!(namespace, "shop-staging");
}

/// An app with tests builds to the same bytes as the app without them.
#[test]
fn tests_never_reach_the_build() {
    let dir = repo_root().join("tests/fixtures/ok/tests/shop/app");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let manifest = read("air.toml");
    let mut files: Vec<(&str, String)> = ["events.air", "fulfil.air", "services.air", "types.air"]
        .iter()
        .map(|f| (*f, read(f)))
        .collect();
    let opts = CompileOptions {
        app_dir: "app".into(),
        env: None,
    };
    let out = |files: &[(&str, String)]| {
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let c = build(&MemProvider::single("app", &manifest, &refs), &opts);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let o = c.output.unwrap();
        (o.files, o.stream)
    };
    let without = out(&files);
    files.push(("tests.air", read("tests.air")));
    let with = out(&files);
    assert!(!without.0.is_empty());
    assert_eq!(without, with);
}

/// `air graph` of an app with tests draws what it draws without them.
#[test]
fn tests_never_reach_the_graph() {
    use air_cli::cmd::graph::{Drawn, Selection, draw};
    use air_compiler::graph::Format;
    let src = repo_root().join("tests/fixtures/ok/tests/shop/app");
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir(&app).unwrap();
    for f in [
        "air.toml",
        "events.air",
        "fulfil.air",
        "services.air",
        "types.air",
    ] {
        std::fs::copy(src.join(f), app.join(f)).unwrap();
    }
    let drawn = |select: &Selection| match draw(
        &app,
        Some(&tmp.path().to_path_buf()),
        None,
        select,
        Format::Mermaid,
    )
    .0
    {
        Drawn::Text(t) => t,
        _ => panic!("nothing drawn"),
    };
    let selections = [
        Selection::default(),
        Selection {
            workflow: None,
            events: true,
        },
    ];
    let without: Vec<String> = selections.iter().map(drawn).collect();
    std::fs::copy(src.join("tests.air"), app.join("tests.air")).unwrap();
    let with: Vec<String> = selections.iter().map(drawn).collect();
    assert!(without.iter().all(|t| !t.is_empty()));
    assert_eq!(without, with);
}

/// The shop app with its tests damaged at random: resolving, checking
/// and lowering tests never panic, and whatever bundle comes out is one
/// the engine reads.
mod damaged {
    use super::*;
    use proptest::prelude::*;

    fn shop_files() -> (String, Vec<(String, String)>) {
        let dir = repo_root().join("tests/fixtures/ok/tests/shop/app");
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let files = [
            "events.air",
            "fulfil.air",
            "services.air",
            "types.air",
            "tests.air",
        ]
        .iter()
        .map(|f| (f.to_string(), read(f)))
        .collect();
        (read("air.toml"), files)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn damaged_tests_never_panic(
            at in 0.0..1.0f64,
            len in 0..16usize,
            token in prop::sample::select(vec![
                "", "{", "}", "\"", "=>", "then", "times 0", "status 999", "after 1h", "${ . }",
                "${ .a ", "no", "emit", "call", "workflow", "fails", "completes", "context",
                "order {", "send Nope", "tick fulfil_order", "POST \"/x\"", "99999999999", "-1",
                "mock call shipping =>", "expect", "params.image_tag", "secret(\"a\", \"b\")",
            ]),
        ) {
            let (manifest, mut files) = shop_files();
            let tests = &mut files.last_mut().unwrap().1;
            let mut start = ((tests.len() as f64) * at) as usize;
            while !tests.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(tests.len());
            while !tests.is_char_boundary(end) {
                end -= 1;
            }
            *tests = format!("{}{token}{}", &tests[..start], &tests[end..]);
            let refs: Vec<(&str, &str)> =
                files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
            let provider = MemProvider::single("app", &manifest, &refs);
            let opts = CompileOptions { app_dir: "app".into(), env: None };
            let (c, bundle) = test_bundle(&provider, &opts);
            if let Some(json) = bundle {
                prop_assert!(!c.diagnostics.has_errors());
                let read: Result<TestBundle, _> = serde_json::from_value(json);
                prop_assert!(read.is_ok(), "{:?}", read.err());
            } else {
                prop_assert!(c.diagnostics.has_errors());
            }
        }
    }
}

/// Events, services and errors of an imported app: the values the build
/// gives them (the imported app's CloudEvents type, URL and error type).
#[test]
fn imported_names_resolve() {
    let f = load_all(&repo_root().join("tests/fixtures/ok/tests"))
        .into_iter()
        .find(|f| f.name == "imported")
        .expect("the imported fixture");
    let b = bundle_of(f.provider.as_ref(), &f.opts);
    let steps: Vec<&Action> = b.tests[0].steps.iter().map(|s| &s.action).collect();
    let Action::Mock(m) = steps[0] else {
        panic!("{:?}", steps[0])
    };
    assert_eq!(
        m.url,
        "http://payments.finance.svc.cluster.local/api/charges"
    );
    assert_eq!(m.label, "call common.payments POST \"/charges\"");
    let Action::Send { event, .. } = steps[1] else {
        panic!("{:?}", steps[1])
    };
    assert_eq!(event.event_type, "com.example.finance.payment.settled");
    assert_eq!(event.source, "/common");
    let Action::ExpectEmit(e) = steps[3] else {
        panic!("{:?}", steps[3])
    };
    assert_eq!(e.event_type, "shop.order_placed");
    let Action::ExpectWorkflow(w) = steps[4] else {
        panic!("{:?}", steps[4])
    };
    assert_eq!(
        w.outcome,
        Outcome::Fails {
            error_type: Some("https://air.dev/errors/common/declined".into()),
            status: None
        }
    );
}
