//! The lowering of each construct to Serverless Workflow, from `.air` text
//! (parsed by the real parser). Every document is also validated against
//! the official 1.0.3 schema (`support::doc`).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::sw_support as support;
use air_compiler::Code;

use serde_json::{Value as Json, json};
use support::{doc, first, kind, lower_err, names, task};

const DECLS: &str = r#"
event OrderCreated { data { id: string } }
event Paid { type = "com.example.paid"  source = "https://pay.example.com"  data { order_id: string } }
event Refunded { data { order_id: string } }
error Declined { status = 402  title = "Payment declined" }
error Forbidden { type = "urn:example:forbidden"  status = 403 }
function inventory { image = "registry.example.com/inventory:1.0.0" }
service store {
  url = "http://store.example.svc.cluster.local/api/"
  headers { "X-Api-Version": "2" }
}
"#;

fn wf(body: &str) -> Json {
    doc(&format!("{DECLS}\nworkflow w {{\n  on http\n{body}\n}}\n"))
}

/// Every task of a task list, recursively (nested lists included).
fn all_tasks(list: &Json, out: &mut Vec<Json>) {
    for e in list.as_array().unwrap() {
        let t = e.as_object().unwrap().values().next().unwrap();
        out.push(t.clone());
        for k in ["do", "try"] {
            if let Some(l) = t.get(k) {
                all_tasks(l, out);
            }
        }
        if let Some(l) = t.pointer("/fork/branches") {
            all_tasks(l, out);
        }
        if let Some(l) = t.pointer("/catch/do") {
            all_tasks(l, out);
        }
    }
}

#[test]
fn document_header_tags_timeout_and_output() {
    let d = doc(r#"
/// Fulfil an order.
workflow fulfil_order {
  on http
  timeout = 1h30m
  version = "1.2.0"
  tags { team: "orders" }
  wait 1s
}
"#);
    assert_eq!(
        d["document"],
        json!({
            "dsl": "1.0.3", "namespace": "shop-ns", "name": "fulfil-order", "version": "1.2.0",
            "summary": "Fulfil an order.",
            "tags": { "air.dev/app": "shop", "team": "orders" }
        })
    );
    assert_eq!(d["timeout"], json!({ "after": "PT1H30M" }));
    assert_eq!(d["output"], json!({ "as": "${ $context }" }));
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["document", "do", "timeout", "output"]);
    assert!(
        d.get("schedule").is_none(),
        "schedules belong to the PingSource"
    );
    let d = doc("workflow w { on http  wait 1s }");
    assert_eq!(d["document"]["version"], "0.1.0");
}

#[test]
fn call_function_posts_the_body_to_its_service_and_reads_the_workflow_input() {
    let d = wf("  reserve: call inventory { order: ${ .data.id }, n: 2 }\n  call inventory");
    let t = task(&d["do"], "reserve");
    assert_eq!(t["call"], "http");
    assert_eq!(
        t["with"],
        json!({
            "method": "post",
            "endpoint": { "uri": "http://inventory.shop-ns.svc.cluster.local" },
            "body": { "order": "${ .data.id }", "n": 2 }
        })
    );
    assert_eq!(t["input"], json!({ "from": "${ $workflow.input }" }));
    assert_eq!(
        t["export"],
        json!({ "as": "${ $context + { \"reserve\": . } }" })
    );
    let t = task(&d["do"], "call_inventory_1");
    assert_eq!(
        t["with"]["body"], "${ . }",
        "default body is the step input"
    );
    assert!(t.get("export").is_none(), "unlabelled calls export nothing");
}

#[test]
fn service_calls_join_the_path_bind_templates_and_use_query_for_get() {
    let d = wf(concat!(
        "  get: call store GET \"/pet/{petId}\" { petId: 7, full: true, q: ${ .q } }\n",
        "  put: call store PUT \"/pet\" ${ . + { sold: true } }\n",
        "  del: call store DELETE \"pet/1\"",
    ));
    let g = &task(&d["do"], "get")["with"];
    assert_eq!(g["method"], "get");
    assert_eq!(
        g["endpoint"]["uri"], "http://store.example.svc.cluster.local/api/pet/7",
        "a compile-time value is substituted"
    );
    assert_eq!(
        g["query"],
        json!({ "full": "true", "q": "${ .q }" }),
        "the bound key leaves the query"
    );
    assert_eq!(g["headers"], json!({ "X-Api-Version": "2" }));
    assert!(g.get("body").is_none());
    let p = &task(&d["do"], "put")["with"];
    assert_eq!(p["body"], "${ . + { sold: true } }");
    let x = &task(&d["do"], "del")["with"];
    assert_eq!(
        x["endpoint"]["uri"],
        "http://store.example.svc.cluster.local/api/pet/1"
    );
    assert!(x.get("query").is_none() && x.get("body").is_none());
}

#[test]
fn uri_template_variables_bound_to_expressions_make_the_uri_an_expression() {
    let d = wf(concat!(
        "  inv: call store GET \"/invoices/{ref}/lines/{n}\" { ref: ${ .data.ref }, n: \"a b\" }\n",
        "  up: call store POST \"/pets/{id}\" { id: ${ .id }, name: \"rex\" }",
    ));
    let g = &task(&d["do"], "inv")["with"];
    assert_eq!(
        g["endpoint"]["uri"],
        "${ \"http://store.example.svc.cluster.local/api/invoices/\" + ((.data.ref) | tostring | @uri) + \"/lines/a%20b\" }"
    );
    assert!(g.get("query").is_none(), "every key went into the URI");
    let u = &task(&d["do"], "up")["with"];
    assert_eq!(u["body"], json!({ "name": "rex" }));
    assert_eq!(
        task(&d["do"], "up")["input"]["from"],
        "${ $workflow.input }"
    );
}
#[test]
fn run_names_the_sub_workflow_and_passes_its_input() {
    let p = support::program(&[r#"
workflow child { on http  version = "2.0.0"  wait 1s }
workflow parent {
  on http
  sub: run child { id: ${ .data.id } }
  run child ${ { id: .x } }
}
"#]);
    let d = support::lower(&p, "parent");
    support::assert_valid(&d);
    assert_eq!(
        task(&d["do"], "sub")["run"],
        json!({ "workflow": { "namespace": "shop-ns", "name": "child", "version": "2.0.0", "input": { "id": "${ .data.id }" } } })
    );
    let t = task(&d["do"], "run_child_1");
    assert!(t["run"]["workflow"].get("input").is_none());
    assert_eq!(t["input"]["from"], "${ $workflow.input | ({ id: .x }) }");
}

#[test]
fn emit_carries_type_source_data_and_trace_extensions() {
    let d = wf("  emit OrderCreated { id: ${ .data.id } }\n  emit Paid");
    let w = &task(&d["do"], "emit_order_created_1")["emit"]["event"]["with"];
    assert_eq!(
        *w,
        json!({
            "type": "shop.order_created",
            "source": "${ \"/shop\" }",
            "data": { "id": "${ .data.id }" },
            "airworkflow": "w",
            "airstep": "emit_order_created_1"
        })
    );
    let w = &task(&d["do"], "emit_paid_1")["emit"]["event"]["with"];
    assert_eq!(w["type"], "com.example.paid");
    assert_eq!(w["source"], "https://pay.example.com");
    assert!(w.get("data").is_none());
}

#[test]
fn waits_sleep_and_listen_for_events() {
    let d = wf(concat!(
        "  wait 5m\n",
        "  settled: wait for Paid correlate order_id = ${ .data.id } timeout 2d\n",
        "  both: wait for all(Paid, Refunded)\n",
        "  either: wait for any(Paid, Refunded)",
    ));
    assert_eq!(task(&d["do"], "wait_1")["wait"], "PT5M");
    let s = task(&d["do"], "settled");
    assert_eq!(
        s["listen"],
        json!({ "to": { "one": {
            "with": { "type": "com.example.paid" },
            "correlate": { "order_id": { "from": "${ .data.order_id }", "expect": "${ .data.id }" } }
        } }, "read": "envelope" })
    );
    assert_eq!(s["timeout"], json!({ "after": "P2D" }));
    assert_eq!(s["export"]["as"], "${ $context + { \"settled\": .[0] } }");
    let b = task(&d["do"], "both");
    assert_eq!(b["listen"]["to"]["all"].as_array().unwrap().len(), 2);
    assert_eq!(b["export"]["as"], "${ $context + { \"both\": . } }");
    let e = task(&d["do"], "either");
    assert_eq!(e["listen"]["to"]["any"][1]["with"]["type"], "shop.refunded");
}

#[test]
fn set_merges_into_the_context_unless_labelled() {
    let d = wf("  set { seen: true }\n  s: set ${ { total: .n } }\n  set {}");
    let t = task(&d["do"], "set_1");
    assert_eq!(t["set"], json!({ "seen": true }));
    assert_eq!(t["export"]["as"], "${ $context + . }");
    let t = task(&d["do"], "s");
    assert_eq!(t["set"], "${ { total: .n } }");
    assert_eq!(t["export"]["as"], "${ $context + { \"s\": . } }");
    assert_eq!(task(&d["do"], "set_2")["set"], "${ {} }");
}

#[test]
fn if_else_is_a_do_with_a_switch_and_exiting_branches() {
    let d = wf(concat!(
        "  check: if ${ .a } { wait 1s } else if ${ .b } { wait 2s } else { wait 3s }\n",
        "  if ${ .c } { wait 4s }",
    ));
    let t = task(&d["do"], "check");
    assert_eq!(kind(t), "do");
    assert_eq!(
        names(&t["do"]),
        ["condition", "branch_1", "branch_2", "else"]
    );
    let c = task(&t["do"], "condition");
    assert_eq!(
        c["switch"],
        json!([
            { "branch_1": { "when": "${ .a }", "then": "branch_1" } },
            { "branch_2": { "when": "${ .b }", "then": "branch_2" } },
            { "else": { "then": "else" } }
        ])
    );
    assert_eq!(c["input"]["from"], "${ $workflow.input }");
    assert_eq!(task(&t["do"], "branch_1")["then"], "exit");
    assert_eq!(task(&t["do"], "branch_2")["then"], "exit");
    assert!(task(&t["do"], "else").get("then").is_none());
    assert_eq!(
        task(&task(&t["do"], "branch_2")["do"], "wait_2")["wait"],
        "PT2S"
    );
    let t = task(&d["do"], "if_1");
    assert_eq!(names(&t["do"]), ["condition", "branch_1"]);
    let c = task(&t["do"], "condition");
    assert_eq!(c["switch"][1], json!({ "else": { "then": "exit" } }));
}

#[test]
fn switch_jumps_with_flow_directives() {
    let d = wf(concat!(
        "  switch { case ${ .a } => big  case ${ .b } => end  else => continue }\n",
        "  big: wait 1s then exit\n",
        "  switch { case ${ .c } => big }",
    ));
    let s = task(&d["do"], "switch_1");
    assert_eq!(
        s["switch"],
        json!([
            { "case_1": { "when": "${ .a }", "then": "big" } },
            { "case_2": { "when": "${ .b }", "then": "end" } },
            { "default": { "then": "continue" } }
        ])
    );
    assert_eq!(task(&d["do"], "big")["then"], "exit");
    assert_eq!(
        task(&d["do"], "switch_2")["switch"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn parallel_and_race_are_forks_with_named_branches() {
    let d = wf(concat!(
        "  both: parallel { branch a { wait 1s } branch b { wait 2s  wait 3s } }\n",
        "  race { branch fast { x: wait 1s } }",
    ));
    let f = task(&d["do"], "both");
    assert_eq!(f["fork"]["compete"], false);
    assert_eq!(names(&f["fork"]["branches"]), ["a", "b"]);
    assert_eq!(
        kind(task(&f["fork"]["branches"], "a")),
        "wait",
        "one step: the step's task"
    );
    assert_eq!(kind(task(&f["fork"]["branches"], "b")), "do");
    assert_eq!(
        f["export"]["as"],
        "${ $context + { \"both\": { \"a\": .[0], \"b\": .[1] } } }"
    );
    let r = task(&d["do"], "race_1");
    assert_eq!(r["fork"]["compete"], true);
    let fast = task(&r["fork"]["branches"], "fast");
    assert_eq!(kind(fast), "do", "a labelled step keeps its own name");
    assert_eq!(names(&fast["do"]), ["x"]);
    // A branch with a labelled step is threaded: it carries what it adds
    // to the context beside its result (the fork writes `$context` once).
    assert_eq!(
        fast["output"]["as"],
        "${ { \"air.dev/context\": .[\"air.dev/context\"], \"air.dev/output\": { \"fast\": .[\"air.dev/output\"] } } }",
        "the winner's result names its branch"
    );
    assert!(
        r["export"]["as"]
            .as_str()
            .is_some_and(|e| e.contains("air.dev/context")),
        "the race merges the winner's context once: {}",
        r["export"]["as"]
    );
}

#[test]
fn for_loops_bind_item_and_index() {
    let d = wf(
        "  for item, i in ${ .items } while ${ $i < 10 } { call inventory { sku: ${ $item.sku } } }\n  for x in ${ [1] } { wait 1s }",
    );
    let f = task(&d["do"], "for_item_1");
    assert_eq!(
        f["for"],
        json!({ "each": "item", "in": "${ .items }", "at": "i" })
    );
    assert_eq!(f["while"], "${ $workflow.input | ($i < 10) }");
    assert_eq!(names(&f["do"]), ["call_inventory_1"]);
    assert!(task(&d["do"], "for_x_1")["for"].get("at").is_none());
}

#[test]
fn try_catch_filters_declared_and_standard_errors() {
    let d = wf(concat!(
        "  try { call inventory } catch Declined as e retry 2 backoff linear 1s max 10s { emit Paid ${ $e } }\n",
        "  try { call inventory } catch timeout { fail Declined }\n",
        "  try { call inventory } catch { wait 1s }",
    ));
    let t = task(&d["do"], "try_1");
    assert_eq!(
        t["catch"],
        json!({
            "as": "e",
            "when": "${ $e.status == 402 and ($e.type == \"https://air.dev/errors/shop/declined\" or $e.type == \"https://serverlessworkflow.io/spec/1.0.0/errors/communication\") }",
            "retry": { "delay": "PT1S", "backoff": { "linear": {} }, "limit": { "attempt": { "count": 2 }, "duration": "PT10S" } },
            "do": [ { "emit_paid_1": t["catch"]["do"][0]["emit_paid_1"].clone() } ]
        })
    );
    let t = task(&d["do"], "try_2");
    assert_eq!(
        t["catch"]["errors"]["with"],
        json!({ "type": "https://serverlessworkflow.io/spec/1.0.0/errors/timeout" })
    );
    assert!(task(&d["do"], "try_3")["catch"].get("errors").is_none());
    assert_eq!(
        d["use"]["errors"],
        json!({ "Declined": { "type": "https://air.dev/errors/shop/declined", "status": 402, "title": "Payment declined" } })
    );
}

#[test]
fn fail_raises_by_reference_or_inline_with_a_detail() {
    let d = wf("  fail Declined\n  fail Forbidden \"no access\"\n  fail runtime \"boom\"");
    assert_eq!(
        task(&d["do"], "fail_declined_1")["raise"],
        json!({ "error": "Declined" })
    );
    assert_eq!(
        task(&d["do"], "fail_forbidden_1")["raise"]["error"],
        json!({ "type": "${ \"urn:example:forbidden\" }", "status": 403, "detail": "no access" })
    );
    assert_eq!(
        task(&d["do"], "fail_runtime_1")["raise"]["error"],
        json!({ "type": "https://serverlessworkflow.io/spec/1.0.0/errors/runtime", "status": 500, "detail": "boom" })
    );
    let keys: Vec<&String> = d["use"]["errors"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["Declined", "Forbidden"],
        "declared errors only, sorted"
    );
}

#[test]
fn retry_wraps_the_step_in_a_try_of_the_same_name() {
    let d = wf(concat!(
        "  r: call inventory timeout 10s retry 3 backoff exponential 1s max 30s then last when ${ .go }\n",
        "  last: wait 1s",
    ));
    assert_eq!(names(&d["do"]), ["r_when", "r", "last"]);
    assert_eq!(
        task(&d["do"], "r_when")["switch"],
        json!([{ "skip": { "when": "${ ($workflow.input | (.go)) | not }", "then": "last" } }]),
        "a skipped step flows on instead of taking its `then`"
    );
    let outer = task(&d["do"], "r");
    assert_eq!(kind(outer), "try");
    assert!(outer.get("if").is_none());
    assert_eq!(outer["then"], "last");
    assert_eq!(outer["export"]["as"], "${ $context + { \"r\": . } }");
    assert_eq!(outer["metadata"]["air.dev/kind"], "retry");
    assert_eq!(
        outer["catch"],
        json!({ "retry": { "delay": "PT1S", "backoff": { "exponential": {} }, "limit": { "attempt": { "count": 3 }, "duration": "PT30S" } } })
    );
    let inner = task(&outer["try"], "r");
    assert_eq!(kind(inner), "call");
    assert_eq!(inner["timeout"], json!({ "after": "PT10S" }));
    for k in ["if", "then", "export"] {
        assert!(inner.get(k).is_none(), "{k} belongs on the wrapper");
    }
    let d = wf("  w: wait 1s retry 2 when ${ .go }");
    assert_eq!(
        task(&d["do"], "w")["if"],
        "${ $workflow.input | (.go) }",
        "without `then`, `if` stays on the task"
    );
}

#[test]
fn return_ends_with_its_value_and_the_output_unwraps_it() {
    let d = wf("  if ${ .x } { return { status: \"early\" } }\n  return");
    let r = task(&d["do"], "return_2");
    assert_eq!(r["set"], json!({ "air.dev/return": "${ $context }" }));
    assert_eq!(r["then"], "end");
    let inner = task(
        &task(&task(&d["do"], "if_1")["do"], "branch_1")["do"],
        "return_1",
    );
    assert_eq!(
        inner["set"],
        json!({ "air.dev/return": { "status": "early" } })
    );
    assert_eq!(
        d["output"]["as"],
        "${ if (type == \"object\" and has(\"air.dev/return\")) then .[\"air.dev/return\"] else $context end }"
    );
}

#[test]
fn every_task_carries_observability_metadata() {
    let d = wf(concat!(
        "  a: call inventory retry 2\n",
        "  if ${ .x } { parallel { branch p { wait 1s  wait 2s } } } else { for x in ${ .l } { set { y: 1 } } }\n",
        "  try { emit Paid } catch as e { fail Declined }",
    ));
    let mut tasks = Vec::new();
    all_tasks(&d["do"], &mut tasks);
    assert!(tasks.len() >= 12, "{}", tasks.len());
    for t in &tasks {
        let m = &t["metadata"];
        assert_eq!(m["air.dev/workflow"], "w", "{t}");
        assert!(
            m["air.dev/step"].is_string() && m["air.dev/kind"].is_string(),
            "{t}"
        );
    }
    assert_eq!(first(&d)["metadata"]["air.dev/step"], "a");
}

#[test]
fn lowering_is_deterministic() {
    let src = format!(
        "{DECLS}\nworkflow w {{ on http  a: call inventory  fail Declined  fail Forbidden }}"
    );
    let p = support::program(&[&src]);
    let a = serde_json::to_string(&support::lower(&p, "w")).unwrap();
    let b = serde_json::to_string(&support::lower(&p, "w")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn constructs_the_document_cannot_carry_are_reported() {
    let code = |body: &str| -> Vec<Code> {
        let src = format!(
            "{DECLS}\nworkflow child {{ on http  wait 1s }}\nworkflow w {{\n  on http\n{body}\n}}\n"
        );
        lower_err(&src, "w").iter().map(|d| d.code).collect()
    };
    assert_eq!(
        code("  call store GET \"/x\" { tags: [\"a\"] }"),
        [Code::E0551]
    );
    assert_eq!(
        code("  call store GET \"/x/{id}\" { ref: 1 }"),
        [Code::E0556]
    );
    assert_eq!(code("  call store GET \"/x/{id}\""), [Code::E0556]);
    assert_eq!(
        code("  call store GET \"/x/{id}\" { id: [1] }"),
        [Code::E0556]
    );
    assert_eq!(code("  set { k: secret(\"s\", \"k\") }"), [Code::E0553]);
    assert_eq!(code("  set { k: \"a\" + ${ .b } }"), [Code::E0554]);
    assert_eq!(code("  fail Nope"), [Code::E0550]);
    assert_eq!(code("  call nowhere"), [Code::E0550]);
    assert_eq!(code("  emit Nothing"), [Code::E0550]);
    let src = format!("{DECLS}\nworkflow w {{ on http  version = \"2\"  wait 1s }}");
    let d = lower_err(&src, "w");
    assert_eq!(d[0].code, Code::E0555);
    assert!(d[0].primary_span().is_some());
}

/// E0552 guards syntax trees built by other means than the parser (the
/// grammar admits only an object or a `${ }` after `run wf`).
#[test]
fn a_run_input_that_is_no_object_is_reported_on_a_built_tree() {
    use air_compiler::ast::{Item, StepKind, StrLit, ValueKind};
    let mut p = support::program(&[
        "workflow child { on http  wait 1s }\nworkflow w { on http  run child { id: 1 } }",
    ]);
    for item in &mut p.apps[0].files[0].items {
        if let Item::Workflow(w) = item
            && let Some(StepKind::Run {
                input: Some(input), ..
            }) = w.body.steps.first_mut().map(|s| &mut s.kind)
        {
            input.kind = ValueKind::Str(StrLit {
                value: "order-1".into(),
                block: false,
                span: input.span,
            });
        }
    }
    let wf = p.apps[0].workflows().find(|w| w.name.name == "w").unwrap();
    let d = air_compiler::lower::sw::workflow_document(&p, 0, wf).unwrap_err();
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::E0552]);
}
