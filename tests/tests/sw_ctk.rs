//! The Serverless Workflow conformance (ctk) scenarios, written in `.air`
//! (tests/fixtures/ctk/<feature>_<scenario>.air): each lowered document
//! validates against the 1.0.3 schema and is structurally equivalent to
//! the workflow of the scenario in tests/specs/serverless-workflow/
//! ctk/features — same task names, order, kinds, flow directives and
//! expressions (whitespace aside).
//!
//! Where the `.air` data model differs (`.` is always the workflow input,
//! results live in `$context.<label>`), a scenario lists the rewrites that
//! turn the ctk expression into the `.air` one, and the trailing `return`
//! that replaces a ctk `output.as`. docs/serverless-workflow.md explains
//! each, and lists the scenarios `.air` cannot express.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::sw_support as support;

use serde_json::Value as Json;
use std::path::PathBuf;
use support::{assert_valid, kind, names, program_in, specs_dir};

struct Scenario {
    feature: &'static str,
    title: &'static str,
    fixture: &'static str,
    /// JSON pointer to the ctk task list compared with our top-level `do`.
    ctk_list: &'static str,
    /// (task, ctk text, .air text): data-model rewrites of expressions.
    rewrites: &'static [(&'static str, &'static str, &'static str)],
    /// Our tasks with no ctk counterpart (a `return` standing for a ctk
    /// `output.as`).
    extra: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        feature: "branch",
        title: "Fork Task With Competing Concurrent Sub Tasks",
        fixture: "branch_fork_compete",
        ctk_list: "/do",
        rewrites: &[
            ("setRed", ".colors", "$context.colors"),
            ("setGreen", ".colors", "$context.colors"),
            ("setBlue", ".colors", "$context.colors"),
        ],
        extra: &[],
    },
    Scenario {
        feature: "call",
        title: "Call HTTP With Content Output",
        fixture: "call_http_content_output",
        ctk_list: "/do",
        rewrites: &[],
        extra: &["return_1"],
    },
    Scenario {
        feature: "data-flow",
        title: "Input Filtering",
        fixture: "data_flow_input_filtering",
        ctk_list: "/do",
        rewrites: &[("setPlayerId", "${ . }", "${ .user.claims.subject }")],
        extra: &[],
    },
    Scenario {
        feature: "data-flow",
        title: "Output Filtering",
        fixture: "data_flow_output_filtering",
        ctk_list: "/do",
        rewrites: &[],
        extra: &["return_1"],
    },
    Scenario {
        feature: "data-flow",
        title: "Use Non-object Output",
        fixture: "data_flow_non_object_output",
        ctk_list: "/do",
        rewrites: &[],
        extra: &["return_1"],
    },
    Scenario {
        feature: "do",
        title: "Task With Sequential Sub Tasks",
        fixture: "do_sequential_sub_tasks",
        ctk_list: "/do/0/compositeExample/do",
        rewrites: &[
            ("setGreen", ".colors", "$context.setRed.colors"),
            ("setBlue", ".colors", "$context.setGreen.colors"),
        ],
        extra: &[],
    },
    Scenario {
        feature: "emit",
        title: "Emit Task",
        fixture: "emit_task",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "flow",
        title: "Implicit Sequence Flow",
        fixture: "flow_implicit_sequence",
        ctk_list: "/do",
        rewrites: &[
            ("setGreen", ".colors", "$context.setRed.colors"),
            ("setBlue", ".colors", "$context.setGreen.colors"),
        ],
        extra: &[],
    },
    Scenario {
        feature: "flow",
        title: "Explicit Sequence Flow",
        fixture: "flow_explicit_sequence",
        ctk_list: "/do",
        rewrites: &[
            ("setGreen", ".colors", "$context.setRed.colors"),
            ("setBlue", ".colors", "$context.setGreen.colors"),
        ],
        extra: &[],
    },
    Scenario {
        feature: "for",
        title: "For Task",
        fixture: "for_task",
        ctk_list: "/do",
        rewrites: &[(
            "markProcessed",
            ".processed",
            "$context.markProcessed.processed",
        )],
        extra: &[],
    },
    Scenario {
        feature: "raise",
        title: "Raise task with inline error",
        fixture: "raise_inline_error",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "set",
        title: "Set Task",
        fixture: "set_task",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "switch",
        title: "Switch task with matching case",
        fixture: "switch_matching_case",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "switch",
        title: "Switch task with implicit default case",
        fixture: "switch_implicit_default",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "switch",
        title: "Switch task with explicit default case",
        fixture: "switch_explicit_default",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "try",
        title: "Try Handle Caught Error",
        fixture: "try_handle_caught_error",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
    Scenario {
        feature: "try",
        title: "Try Raise Uncaught Error",
        fixture: "try_raise_uncaught_error",
        ctk_list: "/do",
        rewrites: &[],
        extra: &[],
    },
];

/// Scenarios `.air` cannot express (reasons in docs/serverless-workflow.md).
const NOT_EXPRESSIBLE: &[(&str, &str)] = &[
    ("call", "Call HTTP With Response Output"),
    ("call", "Call HTTP Using Basic Authentication"),
    ("call", "Call OpenAPI With Content Output"),
    ("call", "Call OpenAPI With Response Output"),
];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/ctk")
}

/// Every scenario of a feature file: (title, workflow document).
fn ctk_scenarios(feature: &str) -> Vec<(String, Json)> {
    let path = specs_dir().join(format!(
        "serverless-workflow/ctk/features/{feature}.feature"
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    let mut title = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Scenario:") {
            title = Some(rest.trim().to_string());
        }
        if t.starts_with("Given a workflow with definition:") {
            let open = lines.next().unwrap();
            let indent = open.len() - open.trim_start().len();
            let mut yaml = String::new();
            for l in lines.by_ref() {
                if l.trim() == "\"\"\"" {
                    break;
                }
                yaml.push_str(l.get(indent..).unwrap_or(""));
                yaml.push('\n');
            }
            let doc: Json = serde_norway::from_str(&yaml).unwrap();
            out.push((title.clone().unwrap(), doc));
        }
    }
    out
}

#[test]
fn every_ctk_scenario_is_covered_or_listed_as_not_expressible() {
    let features = [
        "branch",
        "call",
        "data-flow",
        "do",
        "emit",
        "flow",
        "for",
        "raise",
        "set",
        "switch",
        "try",
    ];
    for f in features {
        for (title, _) in ctk_scenarios(f) {
            let covered = SCENARIOS.iter().any(|s| s.feature == f && s.title == title);
            let excluded = NOT_EXPRESSIBLE
                .iter()
                .any(|(ff, t)| *ff == f && *t == title);
            assert!(
                covered ^ excluded,
                "ctk scenario `{f}: {title}` must be either covered or listed as not expressible"
            );
        }
    }
}

#[test]
fn ctk_scenarios_lower_to_equivalent_valid_documents() {
    for s in SCENARIOS {
        let path = fixtures_dir().join(format!("{}.air", s.fixture));
        let src = std::fs::read_to_string(&path).unwrap();
        let p = program_in("default", &[&src]);
        let wf = p.apps[0].workflows().next().unwrap();
        let ours = air_compiler::lower::sw::workflow_document(&p, 0, wf)
            .unwrap_or_else(|d| panic!("{}: {d:#?}", s.fixture));
        assert_valid(&ours);
        let (_, ctk) = ctk_scenarios(s.feature)
            .into_iter()
            .find(|(t, _)| t == s.title)
            .unwrap_or_else(|| panic!("no ctk scenario `{}`", s.title));
        let ctx = Cmp {
            s,
            ctk_doc: &ctk,
            our_doc: &ours,
        };
        assert_eq!(
            ours["document"]["version"], ctk["document"]["version"],
            "{}: version",
            s.fixture
        );
        assert_eq!(ours["document"]["namespace"], ctk["document"]["namespace"]);
        let ctk_list = ctk.pointer(s.ctk_list).unwrap();
        ctx.lists(ctk_list, &ours["do"], "");
    }
}

/// What a URI template `…{x}…` compiles to when `x` is bound to `${ .x }`.
fn template_expression(t: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = t;
    while let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) {
        if open > 0 {
            parts.push(serde_json::to_string(&rest[..open]).unwrap());
        }
        parts.push(format!("((.{}) | tostring | @uri)", &rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(serde_json::to_string(rest).unwrap());
    }
    format!("${{ {} }}", parts.join(" + "))
}

/// Structural comparison of a ctk task tree with ours.
struct Cmp<'a> {
    s: &'a Scenario,
    ctk_doc: &'a Json,
    our_doc: &'a Json,
}

impl Cmp<'_> {
    fn lists(&self, ctk: &Json, ours: &Json, at: &str) {
        let ctk_names = names(ctk);
        let our_names: Vec<String> = names(ours)
            .into_iter()
            .filter(|n| !(at.is_empty() && self.s.extra.contains(&n.as_str())))
            .collect();
        assert_eq!(
            our_names, ctk_names,
            "{}: task names at `{at}`",
            self.s.fixture
        );
        for name in &ctk_names {
            let c = support::task(ctk, name);
            let o = support::task(ours, name);
            self.task(name, c, o, &format!("{at}/{name}"));
        }
    }

    fn task(&self, name: &str, c: &Json, o: &Json, at: &str) {
        let fx = self.s.fixture;
        // A race branch is a `do` whose output names the branch (so a
        // label says which branch won), and a step of a branch that writes
        // the context is wrapped once more (kind `branch.step`: it threads
        // the branch's results, so the fork writes `$context` once):
        // compare the one task inside.
        let mut o = o;
        while let Some(inner) = o["do"].as_array()
            && kind(c) != "do"
            && inner.len() == 1
            && o["output"].is_object()
        {
            o = inner[0].as_object().unwrap().values().next().unwrap();
        }
        assert_eq!(kind(o), kind(c), "{fx}: kind of `{at}`");
        assert_eq!(
            o.get("then"),
            c.get("then"),
            "{fx}: flow directive of `{at}`"
        );
        assert_eq!(
            o.get("if").map(|e| norm(e.as_str().unwrap())),
            c.get("if").map(|e| norm(e.as_str().unwrap())),
            "{fx}: `if` of `{at}`"
        );
        let expr = |v: &Json| self.rewrite(name, v);
        match kind(c) {
            "set" => assert_eq!(
                values(&o["set"]),
                values(&expr(&c["set"])),
                "{fx}: set of `{at}`"
            ),
            "switch" => {
                let (cc, oc) = (
                    c["switch"].as_array().unwrap(),
                    o["switch"].as_array().unwrap(),
                );
                assert_eq!(oc.len(), cc.len(), "{fx}: cases of `{at}`");
                for (cc, oc) in cc.iter().zip(oc) {
                    let cc = cc.as_object().unwrap().values().next().unwrap();
                    let oc = oc.as_object().unwrap().values().next().unwrap();
                    assert_eq!(oc["then"], cc["then"], "{fx}: case target in `{at}`");
                    assert_eq!(
                        oc.get("when").map(|w| norm(w.as_str().unwrap())),
                        cc.get("when").map(|w| norm(w.as_str().unwrap())),
                        "{fx}: case condition in `{at}`"
                    );
                }
            }
            "for" => {
                let (cf, of) = (&expr(&c["for"]), &o["for"]);
                assert_eq!(of["each"], cf["each"], "{fx}: for.each of `{at}`");
                assert_eq!(
                    norm_j(&of["in"]),
                    norm_j(&cf["in"]),
                    "{fx}: for.in of `{at}`"
                );
                let at_or = |v: &Json| v.get("at").cloned().unwrap_or(Json::from("index"));
                assert_eq!(at_or(of), at_or(cf), "{fx}: for.at of `{at}`");
                self.lists(&c["do"], &o["do"], at);
            }
            "fork" => {
                assert_eq!(
                    o["fork"]["compete"].as_bool().unwrap_or(false),
                    c["fork"]["compete"].as_bool().unwrap_or(false),
                    "{fx}: compete of `{at}`"
                );
                self.lists(&c["fork"]["branches"], &o["fork"]["branches"], at);
            }
            "do" => self.lists(&c["do"], &o["do"], at),
            "try" => {
                self.lists(&c["try"], &o["try"], at);
                let (cc, oc) = (&c["catch"], &o["catch"]);
                assert_eq!(oc["as"], cc["as"], "{fx}: catch.as of `{at}`");
                let filter = &cc["errors"]["with"];
                if oc.get("when").is_some() {
                    // A declared error with a status is caught by a `when`
                    // that also matches an HTTP failure of that status.
                    let var = cc["as"].as_str().unwrap_or("error");
                    let when = format!(
                        "${{ ${var}.status == {} and (${var}.type == {} or ${var}.type == \"https://serverlessworkflow.io/spec/1.0.0/errors/communication\") }}",
                        filter["status"], filter["type"]
                    );
                    assert_eq!(oc["when"], when, "{fx}: catch filter of `{at}`");
                } else {
                    assert_eq!(
                        oc["errors"]["with"], *filter,
                        "{fx}: catch filter of `{at}`"
                    );
                }
                if let Some(d) = cc.get("do") {
                    self.lists(d, &oc["do"], at);
                }
            }
            "call" => {
                assert_eq!(o["call"], c["call"], "{fx}: call of `{at}`");
                let (cw, ow) = (&c["with"], &o["with"]);
                assert_eq!(
                    ow["method"].as_str().unwrap().to_lowercase(),
                    cw["method"].as_str().unwrap().to_lowercase(),
                    "{fx}: method of `{at}`"
                );
                let uri = |e: &Json| e.get("uri").cloned().unwrap_or_else(|| e.clone());
                // The ctk's URI template resolves `{x}` from the task
                // input; .air binds it from the step (`x: ${ .x }`), which
                // compiles to an expression building the same URI.
                let ctk_uri = match uri(&cw["endpoint"]).as_str() {
                    Some(t) if t.contains('{') => Json::from(template_expression(t)),
                    _ => uri(&cw["endpoint"]),
                };
                assert_eq!(uri(&ow["endpoint"]), ctk_uri, "{fx}: endpoint of `{at}`");
                assert_eq!(
                    values(&ow["body"]),
                    values(&expr(&cw["body"])),
                    "{fx}: body of `{at}`"
                );
                assert_eq!(
                    values(&ow["query"]),
                    values(&expr(&cw["query"])),
                    "{fx}: query of `{at}`"
                );
            }
            "emit" => {
                let (cw, ow) = (&c["emit"]["event"]["with"], &o["emit"]["event"]["with"]);
                for k in ["type", "source"] {
                    assert_eq!(ow[k], cw[k], "{fx}: event {k} of `{at}`");
                }
                assert_eq!(
                    values(&ow["data"]),
                    values(&expr(&cw["data"])),
                    "{fx}: event data of `{at}`"
                );
            }
            "raise" => assert_eq!(
                self.error(&o["raise"]["error"], self.our_doc),
                self.error(&c["raise"]["error"], self.ctk_doc),
                "{fx}: raised error of `{at}`"
            ),
            other => assert_eq!(values(&o[other]), values(&expr(&c[other])), "{fx}: `{at}`"),
        }
    }

    /// An error definition, following a reference into `use.errors`.
    fn error(&self, e: &Json, doc: &Json) -> Json {
        match e.as_str() {
            Some(key) => doc["use"]["errors"][key].clone(),
            None => e.clone(),
        }
    }

    /// Apply the scenario's rewrites to the expression strings of a ctk value.
    fn rewrite(&self, task: &str, v: &Json) -> Json {
        match v {
            Json::String(s) => {
                let mut s = s.clone();
                for (t, from, to) in self.s.rewrites {
                    if *t == task {
                        s = s.replace(from, to);
                    }
                }
                Json::String(s)
            }
            Json::Array(a) => Json::Array(a.iter().map(|x| self.rewrite(task, x)).collect()),
            Json::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.rewrite(task, x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// An expression without `${ }` and whitespace.
fn norm(s: &str) -> String {
    let t = s.trim();
    let t = t
        .strip_prefix("${")
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

fn norm_j(v: &Json) -> String {
    norm(v.as_str().unwrap_or(""))
}

/// A value with its expression strings normalised.
fn values(v: &Json) -> Json {
    match v {
        Json::String(s) if s.trim_start().starts_with("${") => Json::String(norm(s)),
        Json::Array(a) => Json::Array(a.iter().map(values).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, x)| (k.clone(), values(x))).collect()),
        other => other.clone(),
    }
}
