//! Time, events, HTTP and child runs: what crosses the engine's boundary.

use super::*;
use crate::sw::RunStatus;

fn answer(status: u16, body: Value, delay_ms: u64) -> Result<HttpResponse, String> {
    Ok(HttpResponse {
        delay_ms,
        ..HttpResponse::json(status, body)
    })
}

#[test]
fn wait_uses_the_virtual_clock() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "wait",
        json!([
            {"mark": {"set": {"m": "${ .k }"}, "export": {"as": "{ marked: .m }"}}},
            {"pause": {"wait": "PT5M", "metadata": {"air.dev/step": "pause-step"}}},
        ]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({"k": 1}));
    engine.advance(299_999, &mut host);
    match report(&engine, id).status {
        RunStatus::Running { waiting_at } => {
            assert_eq!(waiting_at.len(), 1);
            assert_eq!(waiting_at[0].on, "wait");
            assert_eq!(waiting_at[0].task.step.as_deref(), Some("pause-step"));
        }
        other => panic!("still waiting expected: {other:?}"),
    }
    assert_eq!(report(&engine, id).context, json!({"marked": 1}));
    engine.advance(1, &mut host);
    assert_eq!(output(&engine, id), json!({"m": 1}));
    assert_eq!(engine.now_ms(), 300_000);
}

#[test]
fn emit_and_listen_with_correlation() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "order",
        json!([
            {"announce": {"emit": {"event": {"with": {"source": "https://shop", "type": "order.placed",
                                                      "data": {"id": "${ .id }"}}}}}},
            {"await": {"listen": {"to": {"one": {"with": {"type": "order.paid"},
                "correlate": {"order": {"from": ".data.id", "expect": "${ .data.id }"}}}}}}},
        ]),
        json!({}),
    );
    let a = start(&mut engine, &mut host, d, json!({"id": "A"}));
    let b = engine
        .start("test", "order", json!({"id": "B"}))
        .expect("loaded");
    engine.run_until_idle(&mut host);
    assert_eq!(host.emitted.len(), 2);
    assert_eq!(host.emitted[0]["id"], json!("1-1"));
    assert_ne!(host.emitted[0]["id"], host.emitted[1]["id"]);
    assert_eq!(host.emitted[0]["time"], json!("2026-01-01T00:00:00.000Z"));
    assert_eq!(host.emitted[1]["data"], json!({"id": "B"}));
    let paid = json!({"specversion": "1.0", "id": "e1", "source": "pay", "type": "order.paid", "data": {"id": "B", "amount": 3}});
    assert_eq!(engine.deliver(paid.clone()), 1);
    engine.run_until_idle(&mut host);
    assert_eq!(output(&engine, b), json!([{"id": "B", "amount": 3}]));
    assert_eq!(engine.deliver(paid), 0);
    assert!(matches!(
        report(&engine, a).status,
        RunStatus::Running { .. }
    ));
}

#[test]
fn listen_all_any_until_and_envelope() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "many",
        json!([
            {"both": {"listen": {"to": {"all": [{"with": {"type": "x"}}, {"with": {"type": "y"}}]}},
                      "output": {"as": "map(.n)"}}},
            {"some": {"listen": {"to": {"any": [], "until": "length == 2"}, "read": "envelope"},
                      "output": {"as": "map(.type)"}}},
        ]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    let ev = |t: &str, n: i64| json!({"specversion": "1.0", "id": t, "source": "s", "type": t, "data": {"n": n}});
    engine.deliver(ev("y", 1));
    engine.deliver(ev("x", 2));
    engine.run_until_idle(&mut host);
    engine.deliver(ev("z", 3));
    engine.deliver(ev("w", 4));
    engine.run_until_idle(&mut host);
    assert_eq!(output(&engine, id), json!(["z", "w"]));
    let both = engine.trace().iter().find_map(|t| match &t.event {
        TraceEvent::TaskCompleted { task, output } if task.name == "both" => Some(output.clone()),
        _ => None,
    });
    assert_eq!(both, Some(json!([1, 2])));
}

#[test]
fn http_request_and_response_forms() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    host.answers.push_back(answer(200, json!({"id": 7}), 1_500));
    host.answers.push_back(answer(201, json!("ok"), 0));
    let d = doc(
        "http",
        json!([
            {"get": {"call": "http", "with": {"method": "get",
                "endpoint": {"uri": "https://api/pets/{petId}", "authentication": {"bearer": {"token": "${ .token }"}}},
                "query": {"q": "${ .q }"}, "headers": {"X-N": 1}}}},
            {"post": {"call": "http", "with": {"method": "post", "endpoint": "https://api/pets",
                "body": {"id": "${ .id }"}, "output": "response"}}},
        ]),
        json!({}),
    );
    let id = start(
        &mut engine,
        &mut host,
        d,
        json!({"petId": "a b", "q": "x&y", "token": "t"}),
    );
    assert_eq!(host.requests.len(), 1);
    assert_eq!(host.requests[0].url, "https://api/pets/a%20b?q=x%26y");
    assert_eq!(
        host.requests[0]
            .headers
            .get("Authorization")
            .map(String::as_str),
        Some("Bearer t")
    );
    assert_eq!(
        host.requests[0].headers.get("X-N").map(String::as_str),
        Some("1")
    );
    engine.advance(1_499, &mut host);
    assert_eq!(host.requests.len(), 1);
    engine.advance(1, &mut host);
    assert_eq!(host.requests[1].body, Some(json!({"id": 7})));
    let out = output(&engine, id);
    assert_eq!(out["statusCode"], json!(201));
    assert_eq!(out["request"]["method"], json!("POST"));
    assert_eq!(out["content"], json!("ok"));
}

#[test]
fn http_errors_are_communication_errors() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    host.answers.push_back(answer(503, json!(null), 0));
    let call =
        json!([{"c": {"call": "http", "with": {"method": "get", "endpoint": "https://api/x"}}}]);
    let a = start(
        &mut engine,
        &mut host,
        doc("a", call.clone(), json!({})),
        json!({}),
    );
    let b = start(&mut engine, &mut host, doc("b", call, json!({})), json!({}));
    let e = fault(&engine, a);
    assert_eq!(
        e["type"],
        json!("https://serverlessworkflow.io/spec/1.0.0/errors/communication")
    );
    assert_eq!(e["status"], json!(503));
    let e = fault(&engine, b);
    assert_eq!(e["status"], json!(500));
    assert_eq!(e["detail"], json!("not mocked"));
}

#[test]
fn retry_backs_off_exponentially_then_succeeds() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    host.answers.push_back(answer(503, json!(null), 0));
    host.answers.push_back(answer(503, json!(null), 0));
    host.answers.push_back(answer(200, json!({"ok": true}), 0));
    let d = doc(
        "retry",
        json!([{"guard": {
            "try": [{"c": {"call": "http", "with": {"method": "get", "endpoint": "https://api/x"}}}],
            "catch": {"errors": {"with": {"status": 503}},
                      "retry": {"delay": {"seconds": 1}, "backoff": {"exponential": {}},
                                "limit": {"attempt": {"count": 3}}}},
        }}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    engine.settle(&mut host);
    assert_eq!(output(&engine, id), json!({"ok": true}));
    let delays: Vec<u64> = engine
        .trace()
        .iter()
        .filter_map(|t| match &t.event {
            TraceEvent::TaskRetried { delay_ms, .. } => Some(*delay_ms),
            _ => None,
        })
        .collect();
    assert_eq!(delays, vec![2_000, 4_000]);
    assert_eq!(engine.now_ms(), 6_000);
}

#[test]
fn retry_exhausted_faults() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "retry",
        json!([{"guard": {
            "try": [{"c": {"call": "http", "with": {"method": "get", "endpoint": "https://api/x"}}}],
            "catch": {"retry": "twice"},
        }}]),
        json!({"use": {"retries": {"twice": {"delay": "PT1S", "backoff": {"linear": {}},
                                             "limit": {"attempt": {"count": 2}}}}}}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    engine.settle(&mut host);
    assert_eq!(fault(&engine, id)["detail"], json!("not mocked"));
    assert_eq!(host.requests.len(), 3);
    assert_eq!(engine.now_ms(), 3_000);
}

#[test]
fn task_and_workflow_timeouts() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let task = doc(
        "t",
        json!([{"slow": {"wait": "PT1M", "timeout": {"after": "PT10S"}}}]),
        json!({}),
    );
    let whole = doc(
        "w",
        json!([{"slow": {"wait": "PT1M"}}]),
        json!({"timeout": "short", "use": {"timeouts": {"short": {"after": {"seconds": 20}}}}}),
    );
    let t = start(&mut engine, &mut host, task, json!({}));
    let w = start(&mut engine, &mut host, whole, json!({}));
    engine.advance(10_000, &mut host);
    let e = fault(&engine, t);
    assert_eq!(
        e["type"],
        json!("https://serverlessworkflow.io/spec/1.0.0/errors/timeout")
    );
    assert_eq!(e["status"], json!(408));
    assert!(matches!(
        report(&engine, w).status,
        RunStatus::Running { .. }
    ));
    engine.settle(&mut host);
    assert_eq!(fault(&engine, w)["status"], json!(408));
    assert_eq!(engine.now_ms(), 20_000);
}

#[test]
fn run_workflow_awaits_the_child() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    engine
        .load(doc(
            "child",
            json!([{"double": {"wait": "PT1S", "output": {"as": "{ v: (.v * 2) }"}}}]),
            json!({}),
        ))
        .expect("child loads");
    let parent = doc(
        "parent",
        json!([{"call": {"run": {"workflow": {"namespace": "test", "name": "child", "version": "1.0.0",
                                              "input": {"v": "${ .n }"}}}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, parent, json!({"n": 4}));
    engine.settle(&mut host);
    assert_eq!(output(&engine, id), json!({"v": 8}));
    let child = engine
        .runs()
        .into_iter()
        .find(|r| r.parent == Some(id))
        .expect("a child run");
    assert_eq!(child.workflow.name, "child");
    assert_eq!(
        child.status,
        RunStatus::Completed {
            output: json!({"v": 8})
        }
    );
}

#[test]
fn listen_foreach_runs_per_event() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "each",
        json!([{"collect": {"listen": {"to": {"any": [{"with": {"type": "n"}}], "until": "length == 2"}},
            "foreach": {"item": "ev", "at": "i",
                        "do": [{"twice": {"set": {"v": "${ $ev.v * 2 }", "i": "${ $i }"}}}],
                        "output": {"as": ".v"},
                        "export": {"as": "$context + { last: . }"}}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    for v in [1, 5] {
        engine.deliver(json!({"specversion": "1.0", "id": v.to_string(), "source": "s", "type": "n", "data": {"v": v}}));
    }
    engine.run_until_idle(&mut host);
    assert_eq!(output(&engine, id), json!([2, 10]));
    assert_eq!(report(&engine, id).context, json!({"last": 10}));
}

#[test]
fn run_workflow_without_await_starts_a_sibling_run() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    engine
        .load(doc(
            "child",
            json!([{"pause": {"wait": "PT1S"}}]),
            json!({}),
        ))
        .expect("child loads");
    let parent = doc(
        "parent",
        json!([{"fire": {"run": {"workflow": {"namespace": "test", "name": "child", "version": "latest"},
                                 "await": false}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, parent, json!({"k": 1}));
    assert_eq!(output(&engine, id), json!({"k": 1}));
    let child = engine
        .runs()
        .into_iter()
        .find(|r| r.parent == Some(id))
        .expect("a child run");
    assert!(matches!(child.status, RunStatus::Running { .. }));
    engine.settle(&mut host);
    assert_eq!(
        report(&engine, child.id).status,
        RunStatus::Completed {
            output: json!({"k": 1})
        }
    );
}

#[test]
fn compete_tie_goes_to_declaration_order_even_across_rounds() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    // The first branch's answer arrives a round later than the second's
    // set task finishes, at the same virtual time: the first still wins.
    host.answers.push_back(answer(200, json!("first"), 0));
    let d = doc(
        "race",
        json!([{"f": {"fork": {"compete": true, "branches": [
            {"a": {"call": "http", "with": {"method": "get", "endpoint": "https://api/a"}}},
            {"b": {"set": "second"}},
        ]}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, d, json!({}));
    assert_eq!(output(&engine, id), json!("first"));
}

#[test]
fn descriptors_are_available() {
    let out = run_to_end(
        json!([{"who": {"set": {"task": "${ $task.name }", "ref": "${ $task.reference }",
                                "runtime": "${ $runtime.name }", "wf": "${ $workflow.definition.document.name }",
                                "at": "${ $task.startedAt.epoch.milliseconds }"}}}]),
        json!({}),
    );
    assert_eq!(
        out,
        json!({"task": "who", "ref": "/do/0/who", "runtime": "air-engine", "wf": "w",
               "at": crate::sw::run::EPOCH_MS})
    );
}

#[test]
fn task_descriptors_reach_output_and_subtasks_and_context_stays_current() {
    // `$task` is built only for a task whose subtree names it: the outer
    // `do` names it only through a subtask, which must see its own.
    let out = run_to_end(
        json!([
            {"first": {"set": {"n": 1}, "export": {"as": "{ n: .n }"}}},
            {"outer": {"do": [
                {"inner": {"set": {"me": "${ $task.name }", "seen": "${ $context.n }"},
                           "output": {"as": "{ me: .me, seen: .seen, out: $task.output.me }"}}},
            ]}},
            {"again": {"set": {"ctx": "${ $context }", "in": "${ $task.input }"},
                       "export": {"as": "$context + { more: true }"}}},
            {"last": {"set": {"ctx": "${ $context }", "prev": "${ . }"}}},
        ]),
        json!({}),
    );
    assert_eq!(
        out,
        json!({"ctx": {"n": 1, "more": true},
               "prev": {"ctx": {"n": 1}, "in": {"me": "inner", "seen": 1, "out": "inner"}}})
    );
}

#[test]
fn a_timed_out_child_run_is_cancelled() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    engine
        .load(doc(
            "child",
            json!([{"pause": {"wait": "PT1M"}}]),
            json!({}),
        ))
        .expect("child loads");
    let parent = doc(
        "parent",
        json!([{"call": {"run": {"workflow": {"namespace": "test", "name": "child", "version": "1.0.0"}},
                         "timeout": {"after": "PT1S"}}}]),
        json!({}),
    );
    let id = start(&mut engine, &mut host, parent, json!({}));
    engine.settle(&mut host);
    assert_eq!(fault(&engine, id)["status"], json!(408));
    let child = engine
        .runs()
        .into_iter()
        .find(|r| r.parent == Some(id))
        .expect("a child run");
    assert_eq!(child.status, RunStatus::Cancelled);
    assert_eq!(engine.now_ms(), 1_000);
}

#[test]
fn jq_now_reads_the_virtual_clock() {
    let mut engine = Engine::new();
    let mut host = Script::default();
    let d = doc(
        "clock",
        json!([
            {"pause": {"wait": "PT1H"}},
            {"stamp": {"set": {"now": "${ now }", "day": "${ now | strftime(\"%Y-%m-%d %H:%M\") }"}}},
        ]),
        json!({}),
    );
    let run = start(&mut engine, &mut host, d, json!({}));
    engine.settle(&mut host);
    // 2026-01-01T00:00Z is virtual time 0; an hour passed.
    assert_eq!(
        output(&engine, run),
        json!({"now": 1_767_229_200, "day": "2026-01-01 01:00"})
    );
}

#[test]
fn for_while_sees_the_context_the_iterations_exported() {
    let out = run_to_end(
        json!([
            {"loop": {"for": {"each": "i", "in": "${ [1, 2, 3, 4, 5] }"},
                      "while": "${ ($context.n // 0) < 2 }",
                      "do": [{"bump": {"set": {"x": 1},
                                       "export": {"as": "${ $context + {n: (($context.n // 0) + 1)} }"}}}]}},
            {"done": {"set": {"n": "${ $context.n }"}}},
        ]),
        json!({}),
    );
    assert_eq!(out, json!({"n": 2}));
}
