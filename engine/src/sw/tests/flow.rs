//! Data flow, expressions, and the control-flow tasks.

use super::*;
use crate::sw::RunStatus;

#[test]
fn data_flow_input_output_export_and_context() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "flow",
        json!([
            {"a": {"set": {"x": "${ .n + 1 }"}, "export": {"as": "{ seen: .x }"}}},
            {"b": {"input": {"from": ".x"}, "set": {"y": "${ . * 10 }", "ctx": "${ $context.seen }"},
                   "output": {"as": ".y + $input"}}},
        ]),
        json!({"input": {"from": ".payload"}, "output": {"as": "{ result: . , raw: $workflow.input }"}}),
    );
    let id = start(&mut engine, &mut host, d, json!({"payload": {"n": 1}}));
    assert_eq!(
        output(&engine, id),
        json!({"result": 22, "raw": {"payload": {"n": 1}}})
    );
    assert_eq!(report(&engine, id).context, json!({"seen": 2}));
}

#[test]
fn if_skips_and_then_jumps_exit_end() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let tasks = json!([
            {"skipped": {"if": ".go == true", "set": {"bad": 1}, "then": "end"}},
            {"inner": {"do": [
                {"one": {"set": {"v": 1}, "then": "exit"}},
                {"two": {"set": {"v": 2}}},
            ], "then": "last"}},
            {"never": {"set": {"v": 3}}},
            {"last": {"set": {"v": "${ .v + 10 }"}, "then": "end"}},
            {"after": {"set": {"v": 0}}},
    ]);
    let id = start(
        &mut engine,
        &mut host,
        doc("jump", tasks, json!({})),
        json!({"go": false}),
    );
    assert_eq!(output(&engine, id), json!({"v": 11}));
    assert_eq!(entered(&engine), ["inner", "one", "last"]);
}

#[test]
fn end_in_nested_list_ends_workflow() {
    let out = run_to_end(
        json!([
            {"outer": {"do": [{"stop": {"set": {"v": 1}, "then": "end"}}], "output": {"as": "{ wrapped: . }"}}},
            {"next": {"set": {"v": 2}}},
        ]),
        json!({}),
    );
    assert_eq!(out, json!({"v": 1}));
}

#[test]
fn for_with_names_and_while() {
    let out = run_to_end(
        json!([{"loop": {
            "for": {"each": "c", "in": ".items", "at": "i"},
            "while": ".sum < 5",
            "do": [{"add": {"set": {"sum": "${ .sum + $c }", "last": "${ $i }"}}}],
        }}]),
        json!({"items": [1, 2, 3, 4], "sum": 0}),
    );
    assert_eq!(out, json!({"sum": 6, "last": 2}));
}

#[test]
fn switch_then_and_default() {
    let tasks = json!([
        {"sw": {"switch": [
            {"big": {"when": ".n > 10", "then": "big"}},
            {"other": {"then": "small"}},
        ]}},
        {"big": {"set": {"size": "big"}, "then": "end"}},
        {"small": {"set": {"size": "small"}}},
    ]);
    assert_eq!(
        run_to_end(tasks.clone(), json!({"n": 50})),
        json!({"size": "big"})
    );
    assert_eq!(run_to_end(tasks, json!({"n": 1})), json!({"size": "small"}));
}

#[test]
fn raise_reference_and_catch_variable() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "raise",
        json!([
            {"guard": {"try": [{"boom": {"raise": {"error": "notFound"}}}],
                       "catch": {"errors": {"with": {"status": 404}},
                                 "when": "$error.title == \"Missing\"",
                                 "do": [{"keep": {"set": {"caught": "${ $error }"}}}]}}},
            {"again": {"raise": {"error": {"type": "https://example.com/errors/x", "status": 409,
                                           "title": "Conflict", "detail": "${ \"n=\\(.caught.status)\" }"}}}},
        ]),
        json!({"use": {"errors": {"notFound": {"type": "https://example.com/errors/nf", "status": 404, "title": "Missing"}}}}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    assert_eq!(
        fault(&engine, id),
        json!({"type": "https://example.com/errors/x", "status": 409,
               "instance": "/do/1/again", "title": "Conflict", "detail": "n=404"})
    );
    let caught = engine.trace().iter().find_map(|t| match &t.event {
        TraceEvent::TaskCompleted { task, output } if task.name == "guard" => Some(output.clone()),
        _ => None,
    });
    assert_eq!(
        caught,
        Some(
            json!({"caught": {"type": "https://example.com/errors/nf", "status": 404,
                               "instance": "/do/0/guard/try/0/boom", "title": "Missing"}})
        )
    );
}

#[test]
fn uncaught_filter_and_except_when_propagate() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "except",
        json!([{"guard": {
            "try": [{"boom": {"raise": {"error": {"type": "https://e/x", "status": 500}}}}],
            "catch": {"exceptWhen": "$error.status == 500"},
        }}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    assert_eq!(fault(&engine, id)["status"], json!(500));
}

#[test]
fn expression_errors_are_standard() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "expr",
        json!([{"bad": {"set": {"x": "${ .a + }"}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    let e = fault(&engine, id);
    assert_eq!(
        e["type"],
        json!("https://serverlessworkflow.io/spec/1.0.0/errors/expression")
    );
    assert_eq!(e["status"], json!(400));
    assert_eq!(e["instance"], json!("/do/0/bad"));
}

#[test]
fn loose_mode_evaluates_bare_strings() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "loose",
        json!([{"s": {"set": {"a": ".n", "b": "not jq ("}}}]),
        json!({"evaluate": {"language": "jq", "mode": "loose"}}),
    );
    let id = start(&mut engine, &mut host, d, json!({"n": 3}));
    assert_eq!(output(&engine, id), json!({"a": 3, "b": "not jq ("}));
    // Strict mode (the default) keeps bare strings.
    assert_eq!(
        run_to_end(json!([{"s": {"set": {"a": ".n"}}}]), json!({"n": 3})),
        json!({"a": ".n"})
    );
}

#[test]
fn endless_loops_fault_instead_of_hanging() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "spin",
        json!([{"again": {"set": {}, "then": "again"}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    assert_eq!(
        fault(&engine, id)["type"],
        json!("https://serverlessworkflow.io/spec/1.0.0/errors/runtime")
    );
}

#[test]
fn fork_outputs_in_declaration_order_and_compete_earliest_wins() {
    let branches = json!([
        {"slow": {"wait": {"seconds": 5}, "output": {"as": "\"slow\""}}},
        {"fast": {"wait": {"seconds": 2}, "output": {"as": "\"fast\""}}},
        {"tie": {"wait": {"seconds": 2}, "output": {"as": "\"tie\""}}},
    ]);
    let mut engine = Engine::new();
    let mut host = Script::default();
    let all = start(
        &mut engine,
        &mut host,
        doc(
            "all",
            json!([{"f": {"fork": {"branches": branches}}}]),
            json!({}),
        ),
        json!({}),
    );
    let race = start(
        &mut engine,
        &mut host,
        doc(
            "race",
            json!([{"f": {"fork": {"compete": true, "branches": branches}}}]),
            json!({}),
        ),
        json!({}),
    );
    engine.advance(2_000, &mut host);
    assert_eq!(output(&engine, race), json!("fast"));
    assert!(matches!(
        report(&engine, all).status,
        RunStatus::Running { .. }
    ));
    engine.settle(&mut host);
    assert_eq!(output(&engine, all), json!(["slow", "fast", "tie"]));
    assert_eq!(engine.now_ms(), 5_000);
}

#[test]
fn loading_refuses_bad_shapes() {
    let mut engine = Engine::new();
    assert!(engine.load(json!({"do": []})).is_err());
    let d = doc("dup", json!([]), json!({}));
    assert!(engine.load(d.clone()).is_ok());
    assert!(engine.load(d).is_err());
    assert!(engine.start("test", "nope", json!({})).is_err());
}

#[test]
fn functions_from_use_and_secrets() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    engine.set_secrets(json!({"apiKey": "s3cr3t"}));
    let d = doc(
        "fn",
        json!([{"greet": {"call": "hello", "with": {"who": "${ .name }"}, "input": {"from": "{ name: $secrets.apiKey }"}}}]),
        json!({"use": {"functions": {"hello": {"set": {"msg": "${ \"hi \\(.who)\" }"}}}}}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    assert_eq!(output(&engine, id), json!({"msg": "hi s3cr3t"}));
    let unknown = doc(
        "nofn",
        json!([{"c": {"call": "grpc", "with": {}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, unknown, json!({}));
    assert_eq!(fault(&engine, id)["status"], json!(400));
}
